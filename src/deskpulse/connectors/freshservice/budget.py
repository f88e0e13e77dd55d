"""The plan budget: the account-wide per-minute total plus per-operation sub-limits and include credits.

``RequestBudget`` (base.py) counts one unit per ``acquire``. Freshservice charges more than one credit for a
call with ``include=...`` and also caps some operations (listing tickets, agents, requesters) below the total.
So before a call we (1) take one unit from the operation's own sub-budget, (2) take one extra unit from the
total per include credit; ``HttpClient.request_json`` then takes the call's own unit from the total.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from deskpulse.connectors.base import Clock, RequestBudget, Sleep
from deskpulse.connectors.freshservice.settings import FreshserviceSettings

LIST_TICKETS = "list_tickets"
VIEW_TICKET = "view_ticket"
LIST_PEOPLE = "list_people"


class PlanBudget(RequestBudget):
    """Total budget (what the engine reads) with sub-budgets per operation.

    ``requests_made`` counts credits, not HTTP calls: that is the unit the vendor's window is measured in.
    """

    def __init__(
        self, per_minute: int, share: float, *, sub_limits: Mapping[str, int], clock: Clock = time.monotonic
    ) -> None:
        super().__init__(per_minute, share, clock=clock)
        self.sub = {op: RequestBudget(limit, share, clock=clock) for op, limit in sub_limits.items()}

    async def charge(self, sleep: Sleep, operation: str | None, extra_credits: int = 0) -> None:
        """Wait for the operation's sub-limit, then take ``extra_credits`` from the total (before the call).

        Include credits are charged to the sub-limit too: whether Freshservice counts them there is not
        documented [I], and counting them can only make us slower, never rate-limited.
        """
        sub = self.sub.get(operation) if operation else None
        if sub is not None:
            for _ in range(1 + extra_credits):
                await sub.acquire(sleep)
        for _ in range(extra_credits):
            await self.acquire(sleep)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Also read ``X-RateLimit-Total``, Freshservice's name for the window size."""
        super().observe(headers)
        total = headers.get("x-ratelimit-total")
        if total is not None and total.strip().isdigit():
            self.vendor_limit = int(total)


def plan_budget(settings: FreshserviceSettings, *, clock: Clock = time.monotonic) -> PlanBudget:
    """The budget for ``settings``: the plan's figures, overrides applied, times ``budget_share``."""
    limits = settings.limits
    return PlanBudget(
        limits.total,
        settings.budget_share,
        sub_limits={
            LIST_TICKETS: limits.list_tickets,
            VIEW_TICKET: limits.view_ticket,
            LIST_PEOPLE: limits.list_people,
        },
        clock=clock,
    )
