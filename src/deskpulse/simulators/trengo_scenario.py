"""Deterministic Trengo workload: teams, agents and tickets stored exactly as the API returns them."""

from __future__ import annotations

import math
import random
from collections import deque
from datetime import UTC, datetime
from typing import Any

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
from deskpulse.simulators.trengo_lifecycle import W_TOTAL, TicketLifecycle

TICKET_STATUSES: tuple[str, ...] = ("OPEN", "ASSIGNED", "CLOSED", "INVALID")
OPEN_STATUSES: frozenset[str] = frozenset({"OPEN", "ASSIGNED"})
TEAM_NAMES: tuple[str, ...] = (
    "Service Desk", "Workplace", "Network", "Security", "Applications", "Onboarding",
    "Field Services", "Cloud", "Telephony", "Procurement",
)  # fmt: skip
# Below this size list queries are recomputed on every call, so tests may poke `tickets` directly;
# above it, results are cached per mutation version (benchmarks page through 100k tickets).
_CACHE_MIN_TICKETS = 5_000


class TrengoScenario(TicketLifecycle):
    """A seeded, evolving Trengo account; ``tickets`` holds raw API dicts keyed by id."""

    def __init__(
        self,
        seed: int = 1,
        *,
        open_tickets: int = 300,
        teams: int = 6,
        agents: int = 15,
        history_days: int = 120,
        closed_per_day: int = 40,
        now: datetime | None = None,
        naive_timezone: str = "UTC",
        event_rate: float = 1.0,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.closed_per_day = closed_per_day
        self.naive_timezone = naive_timezone
        self.fmt = NaiveFormatter(naive_timezone)
        self.shape = BusinessHoursShape()
        self._now = to_epoch(require_aware(now, "now") if now is not None else datetime.now(UTC))
        self.tickets: dict[int, dict[str, Any]] = {}
        self.teams: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.user_team: dict[int, int | None] = {}
        self.version = 0  # bumped on every mutation; invalidates list caches
        # Tests of read-back: API writes are validated and answered as usual but change nothing.
        self.ignore_writes = False
        self._unassigned = IndexedSet()
        self._assigned = IndexedSet()
        self._recently_closed: deque[int] = deque(maxlen=500)
        self._next_id = 245_400_000
        self._next_message_id = 1_074_300_000
        self._list_cache: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self._cache_version = -1
        self._build_people(teams, agents)
        self._contacts = self._build_contacts(max(20, min(5_000, open_tickets // 2 + 50)))
        self._generate(open_tickets, history_days)
        self._target_unassigned = max(1, len(self._unassigned))
        self._target_assigned = max(1, len(self._assigned))
        # ``event_rate`` speeds up the live workload only (soak tests); the generated history stays the same.
        peak_rate = closed_per_day / DAY * self.shape.peak / self.shape.mean * W_TOTAL * event_rate
        self._events = ThinnedPoisson(self.rng, self._now, peak_rate)

    # ----------------------------------------------------------------- constructors
    @classmethod
    def empty(cls, *, teams: int = 2, agents: int = 3, now: datetime | None = None) -> TrengoScenario:
        """A scenario with teams and agents but no tickets (exact-count pagination tests)."""
        return cls(1, open_tickets=0, teams=teams, agents=agents, history_days=0, now=now)

    @classmethod
    def bulk(cls, open_tickets: int = 100_000, *, seed: int = 1, **kwargs: Any) -> TrengoScenario:
        """A large scenario for benchmarks (generation is linear and cheap)."""
        kwargs.setdefault("history_days", 7)
        return cls(seed, open_tickets=open_tickets, **kwargs)

    @property
    def now(self) -> datetime:
        """The scenario's current time (aware UTC)."""
        return from_epoch(self._now)

    # ----------------------------------------------------------------- generation
    def _build_people(self, teams: int, agents: int) -> None:
        for index in range(teams):
            team_id = 10_001 + index * 7
            name = TEAM_NAMES[index % len(TEAM_NAMES)]
            if index >= len(TEAM_NAMES):
                name = f"{name} {index // len(TEAM_NAMES) + 1}"
            self.teams[team_id] = {"id": team_id, "name": name}
        team_ids = list(self.teams)
        created = self.fmt(self._now - 400 * DAY)
        for index in range(agents):
            user_id = 3_601 + index * 3
            first = FIRST_NAMES[index % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
            full = f"{first} {last}"
            slug = f"{first}.{last}".lower().replace(" ", "").replace("é", "e").replace("ë", "e")
            self.users[user_id] = {
                "id": user_id, "agency_id": 1201, "first_name": first, "last_name": last,
                "name": full, "full_name": full, "email": f"{slug}{index}@deskpulse.test",
                "abbr": (first[0] + last.split()[-1][0]).upper(), "phone": None,
                "color": f"#{(user_id * 2654435761) % 0xFFFFFF:06x}", "locale_code": "nl-NL",
                "status": "ACTIVE", "is_online": index % 3 != 0,
                "user_status": "ONLINE" if index % 3 != 0 else "OFFLINE",
                "chat_status": 1, "voip_status": None, "profile_image": None,
                # [I] authorization vocabulary beyond "OWNER" is not confirmed by a fixture.
                "authorization": "OWNER" if index == 0 else "ADMIN" if index == 1 else "AGENT",
                "is_primary": index == 0, "timezone": "Europe/Amsterdam", "created_at": created,
            }  # fmt: skip
            self.user_team[user_id] = team_ids[index % len(team_ids)] if team_ids else None

    def _build_contacts(self, count: int) -> list[dict[str, Any]]:
        contacts = []
        for index in range(count):
            first = FIRST_NAMES[(index * 11) % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 5 + index // len(FIRST_NAMES)) % len(LAST_NAMES)]
            full = f"{first} {last}"
            phone = f"3161{(index * 7919) % 10_000_000:07d}"
            contacts.append({
                "id": 163_968_078 + index * 13, "name": full, "full_name": full,
                "email": f"user{index}@{COMPANIES[index % len(COMPANIES)]}",
                "phone": phone, "identifier": f"+{phone}", "is_private": False,
            })  # fmt: skip
        return contacts

    def _generate(self, open_count: int, history_days: int) -> None:
        rng, now, shape = self.rng, self._now, self.shape
        users = list(self.users)
        # (created, status, assigned, closed, user)
        specs: list[tuple[int, str, int | None, int | None, int | None]] = []
        start = now - history_days * DAY
        for _ in range(history_days * self.closed_per_day):
            closed = shape.sample(rng, start, now)
            duration = min(int(rng.lognormvariate(math.log(4 * HOUR), 1.3)), 30 * DAY) + 60
            created = closed - duration
            if rng.random() < 0.02 or not users:  # spam / invalid, never worked on
                specs.append((created, "INVALID", None, None, None))
                continue
            assigned = created + min(duration // 3, int(rng.expovariate(1 / 1_800)))
            specs.append((created, "CLOSED", assigned, closed, rng.choice(users)))
        max_age = max(history_days, 30) * DAY
        for _ in range(open_count):
            # Backlog ages are heavy-tailed: most tickets are days old, a few are months old.
            for _attempt in range(8):
                created = now - min(int(rng.expovariate(1 / (3 * DAY))), max_age) - 1
                if rng.random() * shape.peak <= shape.weight(created):
                    break
            assigned = created + int(rng.expovariate(1 / (2 * HOUR)))
            # Tickets younger than their pick-up delay are still waiting in the queue.
            if users and rng.random() < 0.75 and assigned < now:
                specs.append((created, "ASSIGNED", assigned, None, rng.choice(users)))
            else:
                specs.append((created, "OPEN", None, None, None))
        specs.sort(key=lambda spec: spec[0])
        for created, status, assigned_at, closed_at, user in specs:
            self._next_id += 1 + int(rng.random() * 40)  # ids are global across Trengo tenants, so they have gaps
            team = self.user_team.get(user) if user is not None else None
            if user is None and status == "OPEN" and self.teams and rng.random() < 0.35:
                team = rng.choice(list(self.teams))  # routed to a team inbox, nobody picked it up yet
            first = assigned_at or created
            last = closed_at if closed_at is not None else first + int(rng.random() * (now - first + 1))
            message_type = "OUTBOUND" if status == "CLOSED" or rng.random() < 0.4 else "INBOUND"
            self._insert(
                self._next_id, status=status, created=created, assigned=assigned_at, closed=closed_at,
                user_id=user, team_id=team, message_at=last, message_type=message_type,
                messages_count=1 + int(rng.expovariate(0.3)), rank=rng.getrandbits(30),
            )  # fmt: skip

    # ----------------------------------------------------------------- public helpers
    def add_ticket(
        self,
        *,
        status: str = "OPEN",
        created_at: datetime,
        team_id: int | None = None,
        user_id: int | None = None,
        closed_at: datetime | None = None,
        subject: str | None = None,
    ) -> dict[str, Any]:
        """Add one ticket with exactly these fields (for tests building precise datasets)."""
        if status not in TICKET_STATUSES:
            raise ValueError(f"status must be one of {TICKET_STATUSES}")
        created = to_epoch(created_at)
        closed = to_epoch(closed_at) if closed_at is not None else None
        if status == "CLOSED" and closed is None:
            closed = max(created, self._now)
        assigned = created if (user_id is not None or team_id is not None) else None
        self._next_id += 1
        return self._insert(
            self._next_id, status=status, created=created, assigned=assigned, closed=closed,
            user_id=user_id, team_id=team_id, message_at=closed if closed is not None else created,
            message_type="OUTBOUND" if closed is not None else "INBOUND", messages_count=1,
            rank=self._next_id, subject=subject, use_subject=True,
        )  # fmt: skip

    def open_tickets(self) -> list[dict[str, Any]]:
        """All OPEN and ASSIGNED tickets (raw dicts), newest id first."""
        return [t for t in reversed(self.tickets.values()) if t["status"] in OPEN_STATUSES]

    def list_tickets(
        self,
        *,
        status: str | None = None,
        user_ids: tuple[int, ...] = (),
        contact_id: int | None = None,
        channel_ids: tuple[int, ...] = (),
        sort: str | None = None,
    ) -> list[dict[str, Any]]:
        """Tickets matching the GET /tickets filters in API order (id descending unless sorted by date)."""
        key = (status, user_ids, contact_id, channel_ids, sort)
        cacheable = len(self.tickets) >= _CACHE_MIN_TICKETS
        if cacheable:
            if self._cache_version != self.version:
                self._list_cache.clear()
                self._cache_version = self.version
            cached = self._list_cache.get(key)
            if cached is not None:
                return cached
        rows = list(reversed(self.tickets.values()))
        if status is not None:
            rows = [t for t in rows if t["status"] == status]
        if user_ids:
            wanted = set(user_ids)
            rows = [t for t in rows if t["user_id"] in wanted]
        if contact_id is not None:
            rows = [t for t in rows if t["contact_id"] == contact_id]
        if channel_ids:
            wanted_channels = set(channel_ids)
            rows = [t for t in rows if t["channel"]["id"] in wanted_channels]
        if sort in ("date", "-date"):
            # Naive strings in one zone sort chronologically; id breaks ties for a stable order.
            rows.sort(key=lambda t: (t["latest_message"]["created_at"], t["id"]), reverse=sort == "-date")
        if cacheable:
            self._list_cache[key] = rows
        return rows
