"""Secrets saved in the browser: encrypted with a key derived from DESKPULSE_SECRET_KEY, a wrong key is a clear
error (never garbage), and what is shown again is only a mask."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpulse.secret_box import KEY_VARIABLE, SecretBox, SecretKeyError, box_from_environment, mask

KEY = "k" * 32 + "-the-desk-key"
OTHER = "o" * 32 + "-another-key"


@given(st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=200), max_size=5))
def test_what_is_encrypted_comes_back_unchanged(secrets: dict[str, str]) -> None:
    box = SecretBox(KEY)
    assert box.decrypt(box.encrypt(secrets)) == secrets


def test_the_stored_token_does_not_contain_the_secret() -> None:
    token = SecretBox(KEY).encrypt({"api_key": "fs-live-abcdefgh12345678"})
    assert "abcdefgh" not in token and "api_key" not in token


def test_the_same_secret_encrypts_differently_each_time() -> None:
    box = SecretBox(KEY)
    assert box.encrypt({"token": "same"}) != box.encrypt({"token": "same"})


def test_a_wrong_key_is_reported_as_a_wrong_key() -> None:
    token = SecretBox(KEY).encrypt({"token": "t0ken-value"})
    with pytest.raises(SecretKeyError, match=f"{KEY_VARIABLE} is not the key the saved credentials were encrypted"):
        SecretBox(OTHER).decrypt(token)


def test_a_tampered_token_is_refused() -> None:
    token = SecretBox(KEY).encrypt({"token": "t0ken-value"})
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(SecretKeyError):
        SecretBox(KEY).decrypt(tampered)


def test_a_short_key_is_refused_with_how_to_make_one() -> None:
    with pytest.raises(SecretKeyError, match=r"at least 32 characters.*token_urlsafe"):
        SecretBox("too-short")


def test_the_key_comes_from_the_environment_or_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    monkeypatch.delenv(f"{KEY_VARIABLE}_FILE", raising=False)
    assert box_from_environment(env_file=None) is None
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    monkeypatch.setenv(f"{KEY_VARIABLE}_FILE", str(key_file))
    from_file = box_from_environment(env_file=None)
    assert from_file is not None
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    from_env = box_from_environment(env_file=None)
    assert from_env is not None and from_env.decrypt(from_file.encrypt({"a": "b"})) == {"a": "b"}


@pytest.mark.parametrize(
    ("secret", "shown"),
    [("fs-live-abcdefgh1234", "••••1234"), ("short-secret", "••••cret"), ("elevenchars", "••••"), ("", "••••")],
)
def test_a_mask_shows_at_most_the_last_four_characters_of_a_long_secret(secret: str, shown: str) -> None:
    assert mask(secret) == shown
