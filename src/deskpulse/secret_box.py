"""Secrets saved in the browser (API keys, tokens, passwords), encrypted at rest with ``DESKPULSE_SECRET_KEY``.

The key is any string of at least 32 characters; a Fernet key (AES-128-CBC + HMAC-SHA256) is derived from it
with HKDF-SHA256, so rotating the string changes every derived byte. A value encrypted under another key fails
its HMAC check and is reported as a wrong key, never decrypted into garbage.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from deskpulse.config import _environment, _lookup

KEY_VARIABLE = "DESKPULSE_SECRET_KEY"
MIN_KEY_LENGTH = 32
MASK = "••••"
_SALT = b"deskpulse settings secrets"
_INFO = b"fernet v1"
GENERATE_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class SecretKeyError(Exception):
    """The secret key is missing, too short or not the one the stored secrets were encrypted with."""


class SecretBox:
    """Encrypts and decrypts a dict of secret strings with a key derived from ``DESKPULSE_SECRET_KEY``."""

    def __init__(self, key: str) -> None:
        if len(key) < MIN_KEY_LENGTH:
            raise SecretKeyError(
                f"{KEY_VARIABLE} must be at least {MIN_KEY_LENGTH} characters long; generate one with {GENERATE_HINT}."
            )
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(key.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, secrets: dict[str, str]) -> str:
        """The secrets as one opaque, authenticated token (text, safe to store)."""
        return self._fernet.encrypt(json.dumps(secrets, sort_keys=True).encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> dict[str, str]:
        """The secrets inside ``token``; SecretKeyError when it was encrypted with another key."""
        try:
            plain = self._fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, ValueError) as exc:
            raise SecretKeyError(
                f"{KEY_VARIABLE} is not the key the saved credentials were encrypted with: set the key that was in "
                "use when they were saved (or enter the credentials again under Settings after removing the sources)."
            ) from exc
        values = json.loads(plain)
        return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}


def box_from_environment(env_file: Path | None = Path(".env")) -> SecretBox | None:
    """The box for ``DESKPULSE_SECRET_KEY`` (or ``DESKPULSE_SECRET_KEY_FILE``, or ``.env``); None when unset."""
    key = _lookup(KEY_VARIABLE, _environment(env_file))
    if key is None or not key.strip():
        return None
    return SecretBox(key.strip())


def missing_key_message() -> str:
    """The sentence shown when credentials are saved (or must be read) while no key is set."""
    return (
        f"Credentials saved in the browser are encrypted with {KEY_VARIABLE}, which is not set: set it in the "
        f"environment of every deskpulse process (generate one with {GENERATE_HINT}) and restart."
    )


def mask(secret: str) -> str:
    """``••••abcd``: enough to recognise a secret, never enough to use it (short secrets show nothing)."""
    return MASK + secret[-4:] if len(secret) >= 12 else MASK
