"""The ``{success, data, message}`` envelope of the /api/dashboard/* API (kept for existing clients)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

ENVELOPE_PREFIX = "/api/dashboard/"


class Envelope(BaseModel):
    """``success`` false comes with a ``message`` saying what was wrong and ``data`` null."""

    success: bool
    data: Any = None
    message: str | None = None


def ok(data: Any, message: str | None = None) -> Envelope:
    """A successful answer."""
    return Envelope(success=True, data=data, message=message)


def failure(message: str) -> dict[str, Any]:
    """The body of a failed answer (``detail`` repeats the message, like every other deskpulse error)."""
    return {"success": False, "data": None, "message": message, "detail": message}


def uses_envelope(path: str) -> bool:
    """True for the paths whose errors are answered in the envelope."""
    return path.startswith(ENVELOPE_PREFIX)
