"""Random secrets shown once and stored as SHA-256 (session cookies, API keys, kiosk and reset links).

These secrets carry 256 bits of randomness, so a fast hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new secret: ``value`` goes to its owner once; ``prefix`` is shown in lists; ``digest`` is stored."""

    value: str
    prefix: str
    digest: str


def digest(value: str) -> str:
    """Hex SHA-256 of a presented secret."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def issue(kind: str = "") -> IssuedToken:
    """A new secret like ``dp_live_3fA9...``; ``kind`` names its use (``key``, ``kiosk``) in the visible part."""
    prefix = secrets.token_hex(4)
    body = secrets.token_urlsafe(32)
    value = f"dp{kind and '_' + kind}_{prefix}_{body}"
    return IssuedToken(value=value, prefix=prefix, digest=digest(value))


def prefix_of(value: str) -> str | None:
    """The lookup prefix of a presented ``dp_<kind>_<prefix>_<body>`` secret, or None if malformed."""
    parts = value.split("_")
    if len(parts) < 3 or parts[0] != "dp":
        return None
    candidate = parts[2] if len(parts) >= 4 else parts[1]
    return candidate if len(candidate) == 8 else None


def matches(value: str, stored_digest: str) -> bool:
    """Constant-time comparison of a presented secret with a stored digest."""
    return hmac.compare_digest(digest(value), stored_digest)
