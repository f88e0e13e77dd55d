"""Who is asking: a signed-in user, an API key or a kiosk link, with its role and client scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from deskpulse.auth.roles import Role, allowed

# A TV opened by a kiosk link reads boards and nothing else, whatever its role.
KIOSK_PERMISSIONS = frozenset({"dashboard:read"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request. ``client_ids`` None means every client; a set limits every query to it."""

    kind: Literal["user", "apikey", "kiosk"]
    role: Role
    actor: str
    client_ids: frozenset[int] | None
    user_id: int | None = None
    name: str = ""
    session_id: int | None = None
    api_key_id: int | None = None
    kiosk_boards: tuple[str, ...] | None = None
    totp_enabled: bool = False

    def can(self, permission: str) -> bool:
        """True when the caller's role holds ``permission``."""
        if self.kind == "kiosk" and permission not in KIOSK_PERMISSIONS:
            return False
        return allowed(self.role, permission)

    def sees_client(self, client_id: int | None) -> bool:
        """True when a ticket of ``client_id`` (None: no client) is within the caller's scope."""
        if self.client_ids is None:
            return True
        return client_id is not None and client_id in self.client_ids
