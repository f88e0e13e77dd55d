"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits), as authenticator apps expect."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """A random base32 secret (160 bits) for an authenticator app."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def code_at(secret: str, unix_time: float) -> str:
    """The code for ``secret`` at ``unix_time``."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(unix_time // STEP_SECONDS)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def matched_step(secret: str, code: str, unix_time: float, *, drift_steps: int = 1) -> int | None:
    """The time step ``code`` belongs to, if it is valid now or within ``drift_steps`` steps; else None."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != DIGITS:
        return None
    for step in range(-drift_steps, drift_steps + 1):
        at = unix_time + step * STEP_SECONDS
        if hmac.compare_digest(code_at(secret, at), code):
            return int(at // STEP_SECONDS)
    return None


def verify(secret: str, code: str, unix_time: float, *, drift_steps: int = 1, after_step: int | None = None) -> bool:
    """True when ``code`` is valid now (± ``drift_steps``) and newer than ``after_step``, the last step used:
    a code that was already accepted once cannot be replayed."""
    step = matched_step(secret, code, unix_time, drift_steps=drift_steps)
    return step is not None and (after_step is None or step > after_step)


def provisioning_uri(secret: str, account: str, issuer: str = "deskpulse") -> str:
    """The ``otpauth://`` URI an authenticator app imports (as text or QR code)."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}&digits={DIGITS}&period={STEP_SECONDS}"
