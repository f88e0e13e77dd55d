"""Deterministic Freshservice workload: agents, groups, requesters, departments and tickets as the API returns them."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from typing import Any

from deskpulse.simulators.freshservice_lifecycle import ACTIVE_STATUSES, PRIMARY_WORKSPACE_ID, W_TOTAL
from deskpulse.simulators.freshservice_workload import TicketWorkload
from deskpulse.simulators.scenario import (
    COMPANIES,
    DAY,
    FIRST_NAMES,
    HOUR,
    LAST_NAMES,
    BusinessHoursShape,
    IndexedSet,
    NaiveFormatter,
    ThinnedPoisson,
    from_epoch,
    require_aware,
    to_epoch,
)

__all__ = ["FreshserviceScenario"]

GROUP_NAMES: tuple[str, ...] = (
    "Service Desk", "Workplace", "Network", "Security", "Applications", "Onboarding",
    "Field Services", "Cloud", "Telephony", "Procurement",
)  # fmt: skip
DEPARTMENT_NAMES: tuple[str, ...] = (
    "Finance", "Sales", "Marketing", "HR", "Operations", "Engineering", "Legal", "Facilities",
    "Customer Success", "Logistics",
)  # fmt: skip
JOB_TITLES: tuple[str, ...] = ("Service Desk Agent", "System Administrator", "Network Engineer", "IT Lead")
# Below this size list queries are recomputed on every call, so tests may poke `tickets` directly;
# above it, results are cached per mutation version (benchmarks page through 20k tickets).
_CACHE_MIN_TICKETS = 5_000


class FreshserviceScenario(TicketWorkload):
    """A seeded, evolving Freshservice account; ``tickets`` holds raw API dicts keyed by display id."""

    def __init__(
        self,
        seed: int = 1,
        *,
        active_tickets: int = 300,
        agents: int = 15,
        groups: int = 6,
        requesters: int = 400,
        departments: int = 8,
        history_days: int = 60,
        resolved_per_day: int = 40,
        now: datetime | None = None,
        custom_statuses: bool = True,
        event_rate: float = 1.0,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.custom_statuses = custom_statuses
        self.resolved_per_day = resolved_per_day
        self._fmt = NaiveFormatter("UTC")
        self.shape = BusinessHoursShape()
        self._now = to_epoch(require_aware(now, "now") if now is not None else datetime.now(UTC))
        self.tickets: dict[int, dict[str, Any]] = {}
        self.stats: dict[int, dict[str, Any]] = {}
        self.agents: dict[int, dict[str, Any]] = {}
        self.groups: dict[int, dict[str, Any]] = {}
        self.requesters: dict[int, dict[str, Any]] = {}
        self.departments: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}  # notes added through the API, by ticket id
        self.version = 0  # bumped on every mutation; invalidates list caches
        # Tests of read-back: API writes are validated and answered as usual but change nothing.
        self.ignore_writes = False
        self._email_index: dict[str, int] = {}
        self._next_id = 195_000  # display numbers are per-account and sequential [C]
        self._next_internal_id = 1_023_750_000  # stats.ticket_id is a different, global id [C]
        self._pools = {name: IndexedSet() for name in ("unassigned", "unresponded", "open", "waiting", "resolved")}
        self._list_cache: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self._cache_version = -1
        self._build_people(agents, groups, requesters, departments)
        self._generate(active_tickets, history_days)
        self._targets = {name: max(1, len(pool)) for name, pool in self._pools.items()}
        # ``event_rate`` speeds up the live workload only (soak tests); the generated history stays the same.
        peak_rate = resolved_per_day / DAY * self.shape.peak / self.shape.mean * W_TOTAL * event_rate
        self._events = ThinnedPoisson(self.rng, self._now, peak_rate)

    # ----------------------------------------------------------------- constructors
    @classmethod
    def empty(cls, *, now: datetime | None = None, **kwargs: Any) -> FreshserviceScenario:
        """People but no tickets (exact-count pagination tests)."""
        kwargs.setdefault("requesters", 20)
        return cls(1, active_tickets=0, history_days=0, now=now, **kwargs)

    @classmethod
    def bulk(cls, active_tickets: int = 20_000, *, seed: int = 1, **kwargs: Any) -> FreshserviceScenario:
        """A large scenario for benchmarks (generation is linear; a short history keeps it cheap)."""
        kwargs.setdefault("history_days", 3)
        kwargs.setdefault("requesters", 2_000)
        return cls(seed, active_tickets=active_tickets, **kwargs)

    @property
    def now(self) -> datetime:
        """The scenario's current time (aware UTC)."""
        return from_epoch(self._now)

    # ----------------------------------------------------------------- people
    def _build_people(self, agents: int, groups: int, requesters: int, departments: int) -> None:
        created = self.iso(self._now - 700 * DAY)
        for index in range(departments):
            dept_id = 21_000_011_201 + index * 5
            name = DEPARTMENT_NAMES[index % len(DEPARTMENT_NAMES)]
            if index >= len(DEPARTMENT_NAMES):
                name = f"{name} {index // len(DEPARTMENT_NAMES) + 1}"
            self.departments[dept_id] = {
                "id": dept_id, "name": name, "description": f"{name} department", "head_user_id": None,
                "prime_user_id": None, "domains": [], "custom_fields": {}, "created_at": created,
                "updated_at": created,
            }  # fmt: skip
        agent_ids = [21_000_150_001 + index * 17 for index in range(agents)]
        group_ids = [21_000_033_101 + index * 3 for index in range(groups)]
        for index, group_id in enumerate(group_ids):
            name = GROUP_NAMES[index % len(GROUP_NAMES)]
            if index >= len(GROUP_NAMES):
                name = f"{name} {index // len(GROUP_NAMES) + 1}"
            # Every agent is in one home group; the first two agents (leads) are in all of them.
            members = [a for i, a in enumerate(agent_ids) if i < 2 or i % len(group_ids) == index]
            self.groups[group_id] = {
                "id": group_id, "name": name, "description": f"{name} team", "unassigned_for": "30m",
                "business_hours_id": None, "escalate_to": agent_ids[0] if agent_ids else None,
                "members": members, "observers": [], "leaders": members[:1], "restricted": False,
                "approval_required": False, "auto_ticket_assign": index == 0, "created_at": created,
                "updated_at": created,
            }  # fmt: skip
        dept_ids = list(self.departments)
        for index, agent_id in enumerate(agent_ids):
            first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[(index * 7) % len(LAST_NAMES)]
            self.agents[agent_id] = {
                "id": agent_id, "first_name": first, "last_name": last,
                "email": f"{_slug(first, last)}{index}@deskpulse.test", "active": True, "occasional": index == 14,
                "job_title": JOB_TITLES[index % len(JOB_TITLES)], "department_ids": dept_ids[:1],
                "location_id": None, "reporting_manager_id": agent_ids[0] if index else None,
                "time_zone": "Amsterdam",
                "member_of": [g for g, group in self.groups.items() if agent_id in group["members"]],
                "observer_of": [], "roles": [{"role_id": 21_000_000_401 + (index == 0), "assignment_scope":
                                              "entire_helpdesk", "groups": []}],
                "created_at": created, "updated_at": created,
            }  # fmt: skip
        for index in range(requesters):
            requester_id = 21_000_418_007 + index * 13
            first = FIRST_NAMES[(index * 11) % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 5 + index // len(FIRST_NAMES)) % len(LAST_NAMES)]
            email = f"{_slug(first, last)}{index}@{COMPANIES[index % len(COMPANIES)]}"
            self.requesters[requester_id] = {
                "id": requester_id, "first_name": first, "last_name": last, "job_title": None,
                # [C/I] requesters carry primary_email (agents carry email).
                "primary_email": email, "secondary_emails": [], "work_phone_number": None,
                "mobile_phone_number": None, "department_ids": [dept_ids[index % len(dept_ids)]] if dept_ids else [],
                "can_see_all_tickets_from_associated_departments": False, "reporting_manager_id": None,
                "address": None, "time_zone": "Amsterdam", "time_format": "24h", "language": "en",
                "location_id": None, "background_information": None, "custom_fields": {}, "active": True,
                "has_logged_in": index % 4 != 0, "created_at": created, "updated_at": created,
            }  # fmt: skip
            self._email_index[email.lower()] = requester_id

    # ----------------------------------------------------------------- tickets
    def _generate(self, active_count: int, history_days: int) -> None:
        rng, now, shape = self.rng, self._now, self.shape
        specs: list[dict[str, Any]] = []
        start = now - history_days * DAY
        responded: int | None
        for _ in range(history_days * self.resolved_per_day):
            resolved = shape.sample(rng, start, now)
            duration = min(int(rng.lognormvariate(math.log(6 * HOUR), 1.3)), 30 * DAY) + 300
            created = resolved - duration
            responded = created + min(duration // 2, int(rng.expovariate(1 / HOUR)) + 60)
            # [I] resolved tickets auto-close after 72 h (a common Freshservice automation).
            closed = resolved + 3 * DAY if resolved + 3 * DAY <= now else None
            specs.append({
                "created": created, "status": 5 if closed is not None else 4, "responded": responded,
                "resolved": resolved, "closed": closed, "updated": closed or resolved,
            })  # fmt: skip
        max_age = max(history_days, 45) * DAY
        for _ in range(active_count):
            # Backlog ages are heavy-tailed, and 1 in 10 is older than most; some are past the
            # 30-day window that GET /tickets shows by default, which is the documented trap.
            if rng.random() < 0.1:
                age = rng.randrange(DAY, max_age)
            else:
                age = min(int(rng.expovariate(1 / (3 * DAY))), max_age)
            created = now - age - 1
            responded = created + int(rng.expovariate(1 / (2 * HOUR))) if rng.random() < 0.8 else None
            if responded is not None and responded >= now:
                responded = None
            status = 2
            if responded is not None:
                status = rng.choices((2, 3, 6, 7, 8), (45, 20, 15, 8, 12))[0]
            last = responded or created
            specs.append({
                "created": created, "status": status, "responded": responded, "resolved": None,
                "closed": None, "updated": last + int(rng.random() * (now - last)),
            })  # fmt: skip
        specs.sort(key=lambda spec: spec["created"])
        requester_ids = list(self.requesters)
        for spec in specs:
            priority = rng.choices((1, 2, 3, 4), (25, 50, 18, 7))[0]
            group_id, responder_id = self._pick_owner(spec["responded"] is not None or spec["resolved"] is not None)
            requester_id = rng.choice(requester_ids) if requester_ids else None
            self._build_ticket(
                created=spec["created"], status=self._status(spec["status"]), priority=priority,
                ticket_type="Service Request" if rng.random() < 0.3 else "Incident",
                requester_id=requester_id, responder_id=responder_id, group_id=group_id,
                department_id=self._requester_department(requester_id), updated=spec["updated"],
                responded=spec["responded"], resolved=spec["resolved"], closed=spec["closed"],
                inbound=1 + int(rng.expovariate(0.8)), rank=rng.getrandbits(30),
            )  # fmt: skip

    def _pick_owner(self, worked_on: bool) -> tuple[int | None, int | None]:
        """(group_id, responder_id) for a ticket; worked-on tickets always have an agent."""
        rng = self.rng
        if not self.groups or (not worked_on and rng.random() < 0.15):
            return None, None
        group_id = rng.choice(list(self.groups))
        members = self.groups[group_id]["members"]
        if members and (worked_on or rng.random() < 0.5):
            return group_id, rng.choice(members)
        return group_id, None

    def _status(self, status: int) -> int:
        """Map custom statuses onto defaults when the account has none configured."""
        if self.custom_statuses or status <= 5:
            return status
        return 2 if status == 8 else 3

    def _requester_department(self, requester_id: int | None) -> int | None:
        requester = self.requesters.get(requester_id) if requester_id is not None else None
        return requester["department_ids"][0] if requester and requester["department_ids"] else None

    # ----------------------------------------------------------------- public helpers
    def add_ticket(
        self,
        *,
        status: int = 2,
        priority: int = 2,
        type: str = "Incident",  # mirrors the API field name
        created_at: datetime,
        updated_at: datetime | None = None,
        responder_id: int | None = None,
        group_id: int | None = None,
        requester_id: int | None = None,
        subject: str | None = None,
        description: str | None = None,
        fr_due_by: datetime | None = None,
        due_by: datetime | None = None,
        department_id: int | None = None,
        workspace_id: int = PRIMARY_WORKSPACE_ID,
        tags: list[str] | None = None,
    ) -> dict[str, Any]:
        """Add one ticket with exactly these fields (for tests building precise datasets)."""
        created = to_epoch(created_at)
        updated = to_epoch(updated_at) if updated_at is not None else created
        if requester_id is None and self.requesters:
            # Round-robin keeps tests deterministic without naming a requester.
            requester_ids = list(self.requesters)
            requester_id = requester_ids[len(self.tickets) % len(requester_ids)]
        ticket = self._build_ticket(
            created=created, status=status, priority=priority, ticket_type=type, requester_id=requester_id,
            responder_id=responder_id, group_id=group_id, department_id=department_id, updated=updated,
            responded=None, resolved=updated if status in (4, 5) else None, closed=updated if status == 5 else None,
            inbound=1, rank=len(self.tickets), subject=subject, description=description,
            fr_due=to_epoch(fr_due_by) if fr_due_by is not None else None,
            due=to_epoch(due_by) if due_by is not None else None, workspace_id=workspace_id, tags=tags or [],
        )  # fmt: skip
        return ticket

    def active_tickets(self) -> list[dict[str, Any]]:
        """Tickets that are not resolved, closed, deleted or spam (all workspaces), newest first."""
        return [
            t
            for t in reversed(self.tickets.values())
            if t["status"] in ACTIVE_STATUSES and not t["deleted"] and not t["spam"]
        ]

    def requester_by_email(self, email: str) -> int | None:
        """The requester id with this (case-insensitive) email, if any."""
        return self._email_index.get(email.lower())

    def list_tickets(
        self,
        *,
        updated_since: str | None = None,
        created_since: str | None = None,
        view: str | None = None,
        ticket_type: str | None = None,
        requester_id: int | None = None,
        workspace_id: int | None = PRIMARY_WORKSPACE_ID,
        watcher_agent_id: int | None = None,
        ascending: bool = False,
    ) -> list[dict[str, Any]]:
        """Tickets for GET /tickets, ordered by created_at (times are ISO-Z strings, which sort correctly)."""
        key = (updated_since, created_since, view, ticket_type, requester_id, workspace_id, watcher_agent_id)
        cacheable = len(self.tickets) >= _CACHE_MIN_TICKETS
        if cacheable and self._cache_version != self.version:
            self._list_cache.clear()
            self._cache_version = self.version
        rows = self._list_cache.get(key) if cacheable else None
        if rows is None:
            rows = [t for t in self.tickets.values() if _listed(t, view, watcher_agent_id)]
            if workspace_id:  # [D] 0 means every workspace
                rows = [t for t in rows if t["workspace_id"] == workspace_id]
            if updated_since is not None:
                rows = [t for t in rows if t["updated_at"] >= updated_since]
            if created_since is not None:
                rows = [t for t in rows if t["created_at"] >= created_since]
            if ticket_type is not None:
                rows = [t for t in rows if t["type"] == ticket_type]
            if requester_id is not None:
                rows = [t for t in rows if t["requester_id"] == requester_id]
            rows.sort(key=lambda t: (t["created_at"], t["id"]))
            if cacheable:
                self._list_cache[key] = rows
        return rows if ascending else rows[::-1]


def _listed(ticket: dict[str, Any], view: str | None, agent_id: int | None) -> bool:
    """Whether ``ticket`` belongs in the ``filter=`` view (None: the default, live tickets)."""
    if view == "deleted":
        return bool(ticket["deleted"])
    if ticket["deleted"]:
        return False
    if view == "spam":
        return bool(ticket["spam"])
    if ticket["spam"]:
        return False
    if view == "new_and_my_open":
        # [I] "new" = open and unassigned; "my open" = open and assigned to the API key's agent.
        return ticket["status"] == 2 and ticket["responder_id"] in (None, agent_id)
    # [I] the simulated API agent watches no tickets, so "watching" is always empty.
    return view != "watching"


def _slug(first: str, last: str) -> str:
    return f"{first}.{last}".lower().replace(" ", "").replace("é", "e").replace("ë", "e")
