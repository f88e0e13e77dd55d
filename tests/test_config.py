"""Configuration: TOML with ${VAR}, .env, the Trengo shortcut, and readable errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskpulse.config import ConfigError, load_config


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRENGO_API_TOKEN", "DESKPULSE_CONFIG", "DESKPULSE_DATABASE_URL", "TRENGO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deskpulse.toml"
    path.write_text(text)
    return path


def test_variables_are_read_from_the_environment_and_from_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text("MY_TOKEN=from-dotenv\n")
    path = write(tmp_path, '[[sources]]\nname = "t"\nkind = "trengo"\ntoken = "${MY_TOKEN}"\n')
    assert load_config(path, env_file=env).sources[0].token == "from-dotenv"
    monkeypatch.setenv("MY_TOKEN", "from-env")
    assert load_config(path, env_file=env).sources[0].token == "from-env"


def test_a_secret_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "token.txt"
    secret.write_text("filed-secret\n")
    monkeypatch.setenv("MY_TOKEN_FILE", str(secret))
    path = write(tmp_path, '[[sources]]\nname = "t"\nkind = "trengo"\ntoken = "${MY_TOKEN}"\n')
    assert load_config(path, env_file=None).sources[0].token == "filed-secret"


def test_a_trengo_token_alone_configures_one_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRENGO_API_TOKEN", "abc")
    cfg = load_config(None, env_file=None)
    assert [(s.name, s.kind, s.base_url) for s in cfg.sources] == [
        ("trengo", "trengo", "https://app.trengo.com/api/v2")
    ]
    assert cfg.timezone == "Europe/Amsterdam"


def test_the_database_url_can_be_overridden_by_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKPULSE_DATABASE_URL", "postgresql+psycopg://x@db/deskpulse")
    path = write(tmp_path, 'database_url = "sqlite:///a.db"\n')
    assert load_config(path, env_file=None).database_url.startswith("postgresql")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('timezone = "Mars/Olympus"\n', "unknown time zone"),
        ('[[sources]]\nname = "t"\nkind = "zendesk"\ntoken = "x"\n', "'zendesk' found using 'kind'"),
        ('[[sources]]\nname = "t"\nkind = "trengo"\ntoken = "x"\npoll_seconds = 1\n', "poll_seconds"),
        (
            '[[sources]]\nname = "a"\nkind = "trengo"\ntoken = "x"\n'
            '[[sources]]\nname = "a"\nkind = "trengo"\ntoken = "y"\n',
            "repeated: a",
        ),
        ("this is not toml", "not valid TOML"),
        ('[[sources]]\nname = "t"\nkind = "trengo"\ntoken = "x"\nbase_url = "ftp://x"\n', "http"),
        ('colour = "blue"\n', "colour"),
    ],
)
def test_bad_configs_are_refused_with_a_sentence_naming_the_problem(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env_file=None)
    assert words in str(info.value)


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", env_file=None)


def test_the_token_is_not_shown_in_the_config_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRENGO_API_TOKEN", "super-secret-token")
    assert "super-secret-token" not in repr(load_config(None, env_file=None))
