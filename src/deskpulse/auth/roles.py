"""Roles and what each may do. Pure data: one table decides every route's access."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user (or an API key, or a kiosk link) is allowed to do."""

    ADMIN = "admin"
    MANAGER = "manager"
    ACCOUNT_MANAGER = "account_manager"
    TECHNICIAN = "technician"
    VIEWER = "viewer"
    CUSTOMER = "customer"


ALL = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.ACCOUNT_MANAGER, Role.TECHNICIAN, Role.VIEWER})

# permission -> roles that hold it. A new route must name one of these (or be explicitly public).
PERMISSIONS: dict[str, frozenset[Role]] = {
    "dashboard:read": ALL,
    "tickets:read": ALL,
    "tickets:internal": STAFF,  # agent-only fields: agents, teams, internal notes
    "tickets:write": frozenset({Role.ADMIN, Role.MANAGER, Role.TECHNICIAN}),
    "sources:read": frozenset({Role.ADMIN, Role.MANAGER, Role.TECHNICIAN, Role.VIEWER}),
    "account:self": ALL,
    "apikeys:own": ALL,
    "users:admin": frozenset({Role.ADMIN}),
    "audit:read": frozenset({Role.ADMIN}),
    "kiosk:admin": frozenset({Role.ADMIN}),
    "uptime:admin": frozenset({Role.ADMIN, Role.MANAGER}),  # uptime graphs, services, suggested parents
    "alerts:admin": frozenset({Role.ADMIN, Role.MANAGER}),  # alert rules and channel tests
    "reports:read": ALL,  # client reports of the caller's clients: list, preview, download
    "reports:write": frozenset({Role.ADMIN, Role.MANAGER, Role.ACCOUNT_MANAGER}),  # generate and send reports
}

# Roles that see only the clients assigned to them; the others see every client.
SCOPED_ROLES = frozenset({Role.ACCOUNT_MANAGER, Role.CUSTOMER})


def allowed(role: Role, permission: str) -> bool:
    """True when ``role`` holds ``permission``; unknown permissions are never granted."""
    return role in PERMISSIONS.get(permission, frozenset())


def permissions_of(role: Role) -> frozenset[str]:
    """Every permission ``role`` holds."""
    return frozenset(p for p, roles in PERMISSIONS.items() if role in roles)


def may_delegate(creator: Role, role: Role) -> bool:
    """A key or user may be given ``role`` by ``creator`` only if it can do nothing the creator cannot."""
    return permissions_of(role) <= permissions_of(creator)
