"""The documentation keeps up with the code: settings, commands, options and routes are all described."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from deskpulse.board_config import BoardConfig, BoardView
from deskpulse.cli import app as cli_app
from deskpulse.config import AuthConfig, ClientConfig, Config, SmtpConfig, SourceConfig, load_config
from deskpulse.connectors.files.settings import FilesSettings
from deskpulse.connectors.freshservice.settings import FreshserviceSettings
from deskpulse.uptime_config import UptimeConfig
from deskpulse.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# FastAPI's own documentation routes and the static files mount are not part of deskpulse's API.
FRAMEWORK_PATHS = {"/static", "/docs", "/docs-assets", "/openapi.json", "/redoc", "/docs/oauth2-redirect"}


def read(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def cli_commands() -> dict[str, list[str]]:
    """Each command name with the flag names of its options (``--help`` left out)."""
    group: Any = typer.main.get_command(cli_app)
    return {
        name: [flag for param in command.params for flag in (*param.opts, *param.secondary_opts)]
        for name, command in group.commands.items()
    }


def _walk(routes: list[Any]) -> Iterator[tuple[str, set[str]]]:
    for route in routes:
        path = getattr(route, "path", None)
        if path is not None:
            yield path, set(getattr(route, "methods", None) or ())
        # Newer FastAPI versions include routers lazily: their routes are found through the include.
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            for context in contexts():
                yield context.path, set(getattr(context, "methods", None) or ())


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route deskpulse itself serves."""
    found = set()
    # An in-memory database: building the app must not create data/ in the working directory.
    for raw_path, methods in _walk(list(create_app(Config(database_url="sqlite://")).routes)):
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", raw_path)  # {version_id:int} is documented as {version_id}
        if path in FRAMEWORK_PATHS:
            continue
        for method in methods - {"HEAD"} or {"GET"}:
            found.add((method, path))
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


@pytest.mark.parametrize("field", sorted(Config.model_fields))
def test_every_top_level_setting_is_described_in_the_configuration_guide(field: str) -> None:
    assert f"`{field}`" in read("docs/configuration.md")


MODELS = (
    SourceConfig,
    FreshserviceSettings,
    ClientConfig,
    AuthConfig,
    SmtpConfig,
    BoardConfig,
    BoardView,
    FilesSettings,
    UptimeConfig,
)
NESTED = [(model.__name__, field) for model in MODELS for field in sorted(model.model_fields)]


@pytest.mark.parametrize(("model", "field"), NESTED)
def test_every_nested_setting_is_described_in_the_configuration_guide(model: str, field: str) -> None:
    guide = read("docs/configuration.md")
    assert f"`{model}`" in guide, f"docs/configuration.md has no section for {model}"
    assert f"`{field}`" in guide


def test_the_route_walk_finds_the_dashboard_api() -> None:
    paths = {path for _, path in app_routes()}
    assert {"/api/dashboard", "/api/history", "/health"} <= paths


@pytest.mark.parametrize(("method", "path"), app_routes())
def test_every_route_is_described_in_the_api_reference(method: str, path: str) -> None:
    assert f"`{method} {path}`" in read("docs/api.md"), f"docs/api.md does not mention `{method} {path}`"


def test_the_command_walk_finds_the_commands() -> None:
    assert {"serve", "demo", "check"} <= set(cli_commands())


@pytest.mark.parametrize("command", sorted(cli_commands()))
def test_every_command_and_its_options_are_described_in_the_cli_reference(command: str) -> None:
    text = read("docs/cli.md")
    assert f"deskpulse {command}" in text
    # The section of this command runs from its heading to the next command heading.
    section = re.split(rf"^## `deskpulse {command}[` ]", text, flags=re.M)
    assert len(section) == 2, f"docs/cli.md needs a heading ## `deskpulse {command}`"
    body = re.split(r"^## ", section[1], flags=re.M)[0]
    for flag in cli_commands()[command]:
        assert re.search(rf"`{re.escape(flag)}\b", body), f"{flag} of `deskpulse {command}` is not described"


def test_the_readme_gives_the_two_setup_commands() -> None:
    readme = read("README.md")
    assert "make demo" in readme
    assert "make test" in readme


def test_every_docs_page_the_readme_links_to_exists() -> None:
    for target in re.findall(r"\]\((docs/[^)#]+)", read("README.md")):
        assert (ROOT / target).is_file(), f"README links to missing {target}"


def test_the_example_config_loads_when_its_variables_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESKPULSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("DESKPULSE_CONFIG", raising=False)
    monkeypatch.setenv("TRENGO_API_TOKEN", "example-token")
    config = load_config(ROOT / "deskpulse.example.toml", env_file=None)
    assert config.sources
    assert config.sources[0].token == "example-token"


def test_the_example_env_file_names_the_trengo_token() -> None:
    assert re.search(r"^TRENGO_API_TOKEN=", read(".env.example"), flags=re.M)
