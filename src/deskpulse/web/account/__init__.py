"""Sign-in, sign-out, the user's own account, password reset and first-admin set-up pages."""

from __future__ import annotations

from fastapi import APIRouter

from deskpulse.web.account import profile, reset, setup, signin
from deskpulse.web.account.setup import ensure_first_admin_link

router = APIRouter(include_in_schema=False)
for _module in (signin, profile, reset, setup):
    router.include_router(_module.router)

__all__ = ["ensure_first_admin_link", "router"]
