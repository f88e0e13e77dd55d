"""Deterministic Autotask tenant: companies, resources, queues, picklists and tickets as the REST API returns them."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from typing import Any

from deskpulse.simulators.autotask_lifecycle import (
    AWAITING_CONFIRMATION,
    COMPLETE,
    CUSTOM_STATUS_NAMES,
    CUSTOMER_NOTE_ADDED,
    DISPATCHED,
    IN_PROGRESS,
    INACTIVE_STATUS,
    NEW,
    ON_HOLD,
    PRIORITY_NAMES,
    SLA_NAMES,
    STATUS_NAMES,
    THIRD_PARTY,
    TRIAGE,
    WAITING_CUSTOMER,
    WAITING_VENDOR,
)
from deskpulse.simulators.autotask_schema import COMPANIES, ENTITIES, RESOURCES
from deskpulse.simulators.autotask_workload import W_TOTAL, TicketWorkload
from deskpulse.simulators.scenario import (
    COMPANIES as DOMAINS,
)
from deskpulse.simulators.scenario import (
    DAY,
    FIRST_NAMES,
    HOUR,
    LAST_NAMES,
    BusinessHoursShape,
    IndexedSet,
    ThinnedPoisson,
    from_epoch,
    require_aware,
    to_epoch,
)

__all__ = ["AutotaskScenario"]

QUEUE_NAMES: tuple[str, ...] = (
    "Level I Support", "Level II Support", "Monitoring Alert", "Client Portal", "Post Sale", "Recurring Tickets",
    "Projects", "Field Services",
)  # fmt: skip
SOURCES: dict[int, str] = {
    -2: "Insourced",
    -1: "Client Portal",
    1: "Other",
    2: "Phone",
    4: "Email",
    6: "Web Portal",
    8: "Monitoring Alert",
    11: "Verbal",
}  # fmt: skip  [I] a typical tenant's list
ISSUE_TYPES: dict[int, str] = {3: "Hardware", 4: "Software", 5: "Network", 6: "Security", 7: "User Account"}
SUB_ISSUE_TYPES: dict[int, tuple[str, int]] = {
    31: ("Laptop", 3), 32: ("Printer", 3), 41: ("Office", 4), 42: ("Line of business", 4), 51: ("VPN", 5),
    52: ("Wireless", 5), 61: ("Phishing", 6), 71: ("Password", 7), 72: ("Onboarding", 7),
}  # fmt: skip
TICKET_TYPES: dict[int, str] = {1: "Service Request", 2: "Incident", 3: "Problem", 4: "Change Request", 5: "Alert"}
LEGAL_FORMS: tuple[str, ...] = ("B.V.", "GmbH", "Ltd", "Inc.")
OWNER_COMPANY_ID = 0  # [I] the tenant's own company


def _choice(value: int | str, label: str, order: int, **extra: Any) -> dict[str, Any]:
    """One picklist value in the documented shape (``value`` is a string [C])."""
    item = {"value": str(value), "label": label, "isDefaultValue": False, "sortOrder": order, "parentValue": "",
            "isActive": True, "isSystem": False}  # fmt: skip
    item.update(extra)
    return item


class AutotaskScenario(TicketWorkload):
    """A seeded, evolving Autotask tenant; ``store`` holds raw records per entity, keyed by id."""

    def __init__(
        self,
        seed: int = 1,
        *,
        companies: int = 25,
        resources: int = 12,
        queues: int = 4,
        active_tickets: int = 150,
        history_days: int = 30,
        completed_per_day: int = 20,
        deleted_tickets: int = 5,
        custom_statuses: bool = True,
        sla_share: float = 0.7,
        now: datetime | None = None,
        event_rate: float = 1.0,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.custom_statuses = custom_statuses
        self.sla_share = sla_share
        self.shape = BusinessHoursShape()
        self._now = to_epoch(require_aware(now, "now") if now is not None else datetime.now(UTC))
        self.store: dict[str, dict[int, dict[str, Any]]] = {e.name: {} for e in ENTITIES.values()}
        self.version = 0
        self._ids = {"Tickets": 7_000, "Resources": 29_682_885, "Companies": 173, "TicketNotes": 30_000_000,
                     "TimeEntries": 40_000, "ServiceLevelAgreementResults": 500, "DeletedTicketLogs": 10}  # fmt: skip
        self._numbers: dict[str, int] = {}
        self._sla_index: dict[int, int] = {}
        self._pools = {n: IndexedSet() for n in ("unassigned", "unresponded", "working", "waiting", "confirming")}
        self.resources: dict[int, dict[str, Any]] = self.store[RESOURCES.name]
        self.queue_members: dict[int, list[int]] = {}
        self._build_directory(companies, resources, queues)
        self.picklists = self._build_picklists()
        self._generate(active_tickets, history_days, completed_per_day, deleted_tickets)
        self._targets = {name: max(1, len(pool)) for name, pool in self._pools.items()}
        # ``event_rate`` speeds up the live workload only (soak tests); the generated history stays the same.
        peak_rate = completed_per_day / DAY * self.shape.peak / self.shape.mean * W_TOTAL * event_rate
        self._events = ThinnedPoisson(self.rng, self._now, peak_rate)

    @classmethod
    def empty(cls, *, now: datetime | None = None, **kwargs: Any) -> AutotaskScenario:
        """Companies, resources and queues but no tickets (exact-count tests)."""
        kwargs.setdefault("companies", 5)
        return cls(1, active_tickets=0, history_days=0, deleted_tickets=0, now=now, **kwargs)

    @property
    def now(self) -> datetime:
        """The scenario's current time (aware UTC)."""
        return from_epoch(self._now)

    # ----------------------------------------------------------------- directory and picklists
    def _build_directory(self, companies: int, resources: int, queues: int) -> None:
        created = self._now - 700 * DAY
        for index in range(companies + 1):
            company_id = OWNER_COMPANY_ID if index == 0 else self.next_id(COMPANIES.name)
            domain = DOMAINS[(index - 1) % len(DOMAINS)]
            name = f"{domain.split('.')[0].capitalize()} {LEGAL_FORMS[index % len(LEGAL_FORMS)]}"
            if index > len(DOMAINS):
                name += f" {(index - 1) // len(DOMAINS) + 1}"
            record = COMPANIES.blank()
            record.update({
                "id": company_id, "companyName": "Deskpulse Managed Services" if index == 0 else name,
                "companyNumber": f"C{1000 + index}", "companyType": 1, "isActive": index % 11 != 10,
                "ownerResourceID": None, "createDate": created + index * HOUR,
                "lastActivityDate": created + index * DAY, "lastTrackedModifiedDateTime": created + index * DAY,
            })  # fmt: skip
            self.store[COMPANIES.name][company_id] = record
        self.customer_ids = [c for c in self.store[COMPANIES.name] if c != OWNER_COMPANY_ID] or [OWNER_COMPANY_ID]
        self.queue_ids = [29_682_833 + index * 17 for index in range(queues)]
        resource_ids: list[int] = []
        for index in range(resources):
            resource_id = self.next_id(RESOURCES.name)
            first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[(index * 7) % len(LAST_NAMES)]
            user = f"{first}.{last}".lower().replace(" ", "").replace("é", "e").replace("ë", "e")
            record = RESOURCES.blank()
            record.update({
                "id": resource_id, "firstName": first, "lastName": last, "email": f"{user}@msp.example",
                "userName": user, "isActive": index < resources - 1 or resources == 1, "licenseType": 1,
                "resourceType": "Employee", "locationID": 10, "title": "Technician" if index else "Service Manager",
            })  # fmt: skip
            self.resources[resource_id] = record
            resource_ids.append(resource_id)
        for index, queue_id in enumerate(self.queue_ids):
            # Every resource has one home queue; the first two (leads) are in all of them.
            self.queue_members[queue_id] = [r for i, r in enumerate(resource_ids) if i < 2 or i % queues == index]
        for company in self.store[COMPANIES.name].values():
            company["ownerResourceID"] = resource_ids[company["id"] % len(resource_ids)] if resource_ids else None

    def _build_picklists(self) -> dict[str, list[dict[str, Any]]]:
        statuses = {**STATUS_NAMES, **(CUSTOM_STATUS_NAMES if self.custom_statuses else {})}
        status_values = [
            _choice(code, label, order, isSystem=code in (NEW, COMPLETE), isDefaultValue=code == NEW)
            for order, (code, label) in enumerate(sorted(statuses.items()), start=1)
        ]
        status_values.append(_choice(INACTIVE_STATUS[0], INACTIVE_STATUS[1], 99, isActive=False))
        return {
            "status": status_values,
            "priority": [
                _choice(c, label, i, isDefaultValue=c == 2) for i, (c, label) in enumerate(PRIORITY_NAMES.items())
            ],
            "queueID": [_choice(q, QUEUE_NAMES[i % len(QUEUE_NAMES)], i) for i, q in enumerate(self.queue_ids)],
            "source": [_choice(c, label, i) for i, (c, label) in enumerate(SOURCES.items())],
            "issueType": [_choice(c, label, i) for i, (c, label) in enumerate(ISSUE_TYPES.items())],
            "subIssueType": [
                _choice(c, label, i, parentValue=str(parent))
                for i, (c, (label, parent)) in enumerate(SUB_ISSUE_TYPES.items())
            ],
            "ticketType": [
                _choice(c, label, i, isDefaultValue=c == 2) for i, (c, label) in enumerate(TICKET_TYPES.items())
            ],
            "serviceLevelAgreementID": [_choice(c, label, i) for i, (c, label) in enumerate(SLA_NAMES.items())],
        }

    # ----------------------------------------------------------------- tickets
    def _generate(self, active_count: int, history_days: int, per_day: int, deleted: int) -> None:
        rng, now, shape = self.rng, self._now, self.shape
        specs: list[dict[str, Any]] = []
        start = now - history_days * DAY
        responded: int | None
        for _ in range(history_days * per_day):
            completed = shape.sample(rng, start, now)
            duration = min(int(rng.lognormvariate(math.log(8 * HOUR), 1.2)), 20 * DAY) + 600
            created = completed - duration
            responded = created + min(duration // 2, int(rng.expovariate(1 / HOUR)) + 60)
            specs.append({"created": created, "status": COMPLETE, "responded": responded, "completed": completed})
        max_age = max(history_days, 45) * DAY
        waiting: tuple[int, ...] = (WAITING_CUSTOMER, WAITING_VENDOR, ON_HOLD, DISPATCHED)
        waiting += (THIRD_PARTY, CUSTOMER_NOTE_ADDED, AWAITING_CONFIRMATION) if self.custom_statuses else ()
        for _ in range(active_count):
            # Backlog ages are heavy-tailed: most tickets are days old, one in ten is weeks old.
            tail = rng.random() < 0.1
            age = rng.randrange(DAY, max_age) if tail else min(int(rng.expovariate(1 / (3 * DAY))), max_age)
            created = now - age - 1
            responded = created + int(rng.expovariate(1 / (2 * HOUR))) if rng.random() < 0.8 else None
            if responded is not None and responded >= now:
                responded = None
            status = TRIAGE if self.custom_statuses and rng.random() < 0.05 else NEW
            if responded is not None:
                status = IN_PROGRESS if rng.random() < 0.5 else rng.choice(waiting)
            specs.append({"created": created, "status": status, "responded": responded, "completed": None})
        for _ in range(deleted):
            specs.append({"created": now - rng.randrange(HOUR, max(2, history_days) * DAY), "status": NEW,
                          "responded": None, "completed": None, "delete": True})  # fmt: skip
        specs.sort(key=lambda spec: spec["created"])
        for spec in specs:
            fields = self.new_ticket_fields()
            worked = spec["responded"] is not None
            owner = self.owner_for(fields["queue_id"]) if worked or rng.random() < 0.3 else None
            ticket = self._build_ticket(
                created=spec["created"], status=spec["status"], priority=int(fields["priority"] or 2),
                queue_id=fields["queue_id"], resource_id=owner, company_id=int(fields["company_id"] or 0),
                rank=rng.getrandbits(30), sla_id=fields["sla_id"], responded=spec["responded"],
                completed=spec["completed"],
            )  # fmt: skip
            if spec.get("delete"):
                self.delete_ticket(ticket["id"], at=min(now, spec["created"] + rng.randrange(600, DAY)))
            elif spec["completed"] is None:
                last = ticket["lastActivityDate"]
                self._stamp(ticket, last + int(rng.random() * (now - last)), resource_id=owner)

    # ----------------------------------------------------------------- public helpers
    def add_ticket(
        self,
        *,
        created_at: datetime,
        status: int = NEW,
        priority: int = 2,
        queue_id: int | None = None,
        resource_id: int | None = None,
        company_id: int | None = None,
        title: str | None = None,
        sla: bool = True,
        updated_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Add one ticket with exactly these fields (for tests building precise datasets)."""
        created = to_epoch(created_at)
        ticket = self._build_ticket(
            created=created, status=IN_PROGRESS if status == COMPLETE else status, priority=priority,
            queue_id=queue_id if queue_id is not None else (self.queue_ids[0] if self.queue_ids else None),
            resource_id=resource_id, company_id=company_id if company_id is not None else self.customer_ids[0],
            rank=len(self.tickets), sla_id=1 if sla else None, title=title,
        )  # fmt: skip
        touched = to_epoch(updated_at) if updated_at is not None else created
        if status == COMPLETE:
            self._set_status(ticket, COMPLETE, touched)
        self._stamp(ticket, touched, resource_id=resource_id)
        self._refresh(ticket)
        return ticket

    def active_tickets(self) -> list[dict[str, Any]]:
        """Tickets not in status Complete, lowest id first."""
        return [t for t in self.tickets.values() if t["status"] != COMPLETE]

    def record(self, entity: str, record_id: int) -> dict[str, Any] | None:
        """One raw record of ``entity`` (canonical name) or None."""
        return self.store[entity].get(record_id)
