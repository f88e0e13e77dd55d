"""Ticket building and mutation for the Autotask simulator: the actions behind PATCH, notes, time and deletion.

Records hold Python values (datetimes as Unix seconds) keyed by canonical field name; rendering happens in
autotask_schema. Every change stamps ``lastActivityDate`` (and field edits ``lastTrackedModificationDateTime``),
which is what incremental clients filter on [C].
"""

from __future__ import annotations

import random
from typing import Any

from deskpulse.simulators.autotask_schema import (
    DELETED_TICKET_LOGS,
    SLA_RESULTS,
    TICKET_NOTES,
    TICKETS,
    TIME_ENTRIES,
    format_time,
)
from deskpulse.simulators.scenario import DAY, HOUR, IndexedSet

COMPLETE = 5  # [C] built in; every other status code is tenant-specific
NEW, WAITING_CUSTOMER, IN_PROGRESS, WAITING_MATERIALS, DISPATCHED, WAITING_VENDOR = 1, 7, 8, 9, 10, 12
ESCALATE, WAITING_APPROVAL, ON_HOLD = 11, 13, 16
CUSTOMER_NOTE_ADDED, THIRD_PARTY, AWAITING_CONFIRMATION, TRIAGE = 17, 19, 21, 22  # custom statuses
STATUS_NAMES: dict[int, str] = {
    NEW: "New",
    COMPLETE: "Complete",
    WAITING_CUSTOMER: "Waiting Customer",
    IN_PROGRESS: "In Progress",
    WAITING_MATERIALS: "Waiting Materials",
    DISPATCHED: "Dispatched",
    ESCALATE: "Escalate",
    WAITING_VENDOR: "Waiting Vendor",
    WAITING_APPROVAL: "Waiting Approval",
    ON_HOLD: "On Hold",
}  # fmt: skip  [I] a typical tenant's list
CUSTOM_STATUS_NAMES: dict[int, str] = {
    CUSTOMER_NOTE_ADDED: "Customer Note Added", THIRD_PARTY: "Waiting on Third Party",
    AWAITING_CONFIRMATION: "Resolved - Awaiting Confirmation", TRIAGE: "Triage Board",
}  # fmt: skip
INACTIVE_STATUS = (23, "Legacy Hold")  # a retired status: isActive false in the picklist
WORKING: frozenset[int] = frozenset({NEW, IN_PROGRESS, ESCALATE, DISPATCHED, CUSTOMER_NOTE_ADDED, TRIAGE})
WAITING: frozenset[int] = frozenset({WAITING_CUSTOMER, WAITING_MATERIALS, WAITING_VENDOR, WAITING_APPROVAL, ON_HOLD,
                                     THIRD_PARTY})  # fmt: skip
# Priority codes [I typical tenant]: 1 High, 2 Medium, 3 Low, 4 Critical.
PRIORITY_NAMES: dict[int, str] = {4: "Critical", 1: "High", 2: "Medium", 3: "Low"}
# (first response, resolution plan, resolution) targets per priority, calendar time [I].
SLA_TARGETS: dict[int, tuple[int, int, int]] = {
    4: (1 * HOUR, 2 * HOUR, 4 * HOUR),
    1: (2 * HOUR, 4 * HOUR, 8 * HOUR),
    2: (4 * HOUR, 1 * DAY, 2 * DAY),
    3: (8 * HOUR, 2 * DAY, 5 * DAY),
}
SLA_NAMES: dict[int, str] = {1: "Standard SLA", 2: "Premium SLA"}
SUBJECTS: tuple[tuple[str, int], ...] = (
    ("Server CPU at 95%", 5),
    ("Password reset", 7),
    ("Laptop will not boot", 3),
    ("Printer offline", 3),
    ("Outlook keeps asking for password", 4),
    ("New starter account", 7),
    ("Firewall VPN tunnel down", 5),
    ("Backup job failed", 4),
    ("Request: extra monitor", 3),
    ("Shared mailbox access", 7),
    ("Wi-Fi slow in office", 5),
    ("Phishing mail reported", 6),
    ("Install Adobe Reader", 4),
    ("Leaver: disable account", 7),
)  # fmt: skip  (title, issueType)
NOTE_GENERAL, PUBLISH_ALL = 1, 1  # [I] noteType / publish codes


WORK_SUMMARIES: tuple[str, ...] = (
    "Remote session with the user.", "Replaced the toner and tested.", "Reset the account and verified sign-in.",
    "Checked the logs, escalated to the vendor.", "Worked on the ticket.",
)  # fmt: skip


class TicketLifecycle:
    """Mixin with the record mutations; AutotaskScenario supplies the state declared here."""

    rng: random.Random
    store: dict[str, dict[int, dict[str, Any]]]
    resources: dict[int, dict[str, Any]]
    queue_members: dict[int, list[int]]
    picklists: dict[str, list[dict[str, Any]]]
    version: int
    _now: int
    _ids: dict[str, int]
    _numbers: dict[str, int]
    _pools: dict[str, IndexedSet]
    _sla_index: dict[int, int]

    @property
    def tickets(self) -> dict[int, dict[str, Any]]:
        """Live tickets by id (deleted ones are gone; see DeletedTicketLogs)."""
        return self.store[TICKETS.name]

    def next_id(self, entity: str) -> int:
        """A fresh id for ``entity``."""
        # Increasing but not contiguous [I]; no random draw, so API writes do not change the workload stream.
        self._ids[entity] += 1 + self._ids[entity] % 3
        return self._ids[entity]

    def picklist_codes(self, field: str, *, active_only: bool = True) -> set[int]:
        """Codes of one Tickets picklist (values are strings in the API [C], ints on records)."""
        values = self.picklists.get(field, [])
        return {int(v["value"]) for v in values if v["isActive"] or not active_only}

    # ----------------------------------------------------------------- building
    def _build_ticket(
        self,
        *,
        created: int,
        status: int,
        priority: int,
        queue_id: int | None,
        resource_id: int | None,
        company_id: int,
        rank: int,
        sla_id: int | None,
        responded: int | None = None,
        completed: int | None = None,
        title: str | None = None,
        description: str | None = None,
        source: int | None = None,
        ticket_type: int | None = None,
    ) -> dict[str, Any]:
        """Build and register one ticket; ``rank`` deterministically picks texts and codes."""
        base_title, issue = SUBJECTS[rank % len(SUBJECTS)]
        fr, plan, resolve = SLA_TARGETS[priority]
        ticket = TICKETS.blank()
        ticket_id = self.next_id(TICKETS.name)
        day = format_time(created, "naive")[:10].replace("-", "")
        self._numbers[day] = self._numbers.get(day, 0) + 1
        sources = sorted(self.picklist_codes("source"))
        ticket.update({
            "id": ticket_id, "ticketNumber": f"T{day}.{self._numbers[day]:04d}",
            "title": title if title is not None else base_title,
            "description": description if description is not None else f"{base_title}. Please have a look.",
            "status": status, "priority": priority, "queueID": queue_id, "assignedResourceID": resource_id,
            "assignedResourceRoleID": 29_683_461 if resource_id is not None else None, "companyID": company_id,
            "contactID": 30_100 + company_id * 10 + rank % 7, "issueType": issue,
            "ticketType": ticket_type if ticket_type is not None else (1 if rank % 10 < 3 else 2),
            "source": source if source is not None else sources[(rank >> 4) % len(sources)],
            "creatorType": 2, "createdByContactID": 30_100 + company_id * 10 + rank % 7, "createDate": created,
            "dueDateTime": created + resolve, "lastActivityDate": created, "lastTrackedModificationDateTime": created,
            "lastActivityPersonType": 2, "serviceLevelAgreementID": sla_id, "estimatedHours": 0.0,
            "hoursToBeScheduled": 0.0, "serviceLevelAgreementPausedNextEventHours": 0.0,
            "userDefinedFields": [{"name": "Site", "value": ("Main office", "Remote", "Branch")[(rank >> 6) % 3]}],
        })  # fmt: skip
        if sla_id is not None:
            ticket.update({
                "firstResponseDueDateTime": created + fr, "resolutionPlanDueDateTime": created + plan,
                "resolvedDueDateTime": created + resolve,
            })  # fmt: skip
            result = SLA_RESULTS.blank()
            result.update({"id": self.next_id(SLA_RESULTS.name), "ticketID": ticket_id,
                           "serviceLevelAgreementName": SLA_NAMES[sla_id]})  # fmt: skip
            self.store[SLA_RESULTS.name][result["id"]] = result
            self._sla_index[ticket_id] = result["id"]
        self.tickets[ticket_id] = ticket
        if responded is not None:
            self._first_response(ticket, responded, resource_id)
        if completed is not None:
            ticket["status"] = IN_PROGRESS
            ticket["resolutionPlanDateTime"] = ticket["resolutionPlanDateTime"] or completed
            self._log_work(ticket_id, rank, created, completed)
            self._set_status(ticket, COMPLETE, completed)
            self._stamp(ticket, completed, resource_id=resource_id)
        self._refresh(ticket)
        return ticket

    # ----------------------------------------------------------------- bookkeeping
    def _refresh(self, ticket: dict[str, Any]) -> None:
        """Recompute pool membership after a change; bump the version."""
        ticket_id, status = ticket["id"], ticket["status"]
        live = ticket_id in self.tickets
        active = live and status != COMPLETE
        members = {
            "unassigned": active and ticket["assignedResourceID"] is None,
            "unresponded": active and ticket["firstResponseDateTime"] is None,
            "working": active and status in WORKING,
            "waiting": active and status in WAITING,
            "confirming": active and status == AWAITING_CONFIRMATION,
        }
        for name, member in members.items():
            (self._pools[name].add if member else self._pools[name].discard)(ticket_id)
        self.version += 1

    def _stamp(self, ticket: dict[str, Any], at: int, *, resource_id: int | None, tracked: bool = True) -> None:
        ticket["lastActivityDate"] = max(ticket["lastActivityDate"], at)
        ticket["lastActivityResourceID"] = resource_id
        ticket["lastActivityPersonType"] = 1 if resource_id is not None else 2
        if tracked:
            ticket["lastTrackedModificationDateTime"] = max(ticket["lastTrackedModificationDateTime"], at)

    def _sla_result(self, ticket_id: int) -> dict[str, Any] | None:
        result_id = self._sla_index.get(ticket_id)
        return None if result_id is None else self.store[SLA_RESULTS.name].get(result_id)

    def _first_response(self, ticket: dict[str, Any], at: int, resource_id: int | None) -> None:
        ticket["firstResponseDateTime"] = at
        ticket["firstResponseInitiatingResourceID"] = resource_id
        ticket["firstResponseAssignedResourceID"] = ticket["assignedResourceID"]
        ticket["lastCustomerVisibleActivityDateTime"] = at
        self.add_note(ticket["id"], "Update", "We are looking into this.", resource_id=resource_id, at=at)
        result = self._sla_result(ticket["id"])
        if result is not None and ticket["firstResponseDueDateTime"] is not None:
            result["firstResponseMet"] = at <= ticket["firstResponseDueDateTime"]
            result["firstResponseElapsedHours"] = round((at - ticket["createDate"]) / HOUR, 2)

    def _set_status(self, ticket: dict[str, Any], status: int, at: int) -> None:
        old = ticket["status"]
        ticket["status"] = status
        if status == COMPLETE and old != COMPLETE:
            ticket["completedDate"] = at
            ticket["completedByResourceID"] = ticket["assignedResourceID"]
            ticket["resolvedDateTime"] = ticket["resolvedDateTime"] or at
            due = ticket["resolvedDueDateTime"]
            if due is not None:
                ticket["serviceLevelAgreementHasBeenMet"] = ticket["resolvedDateTime"] <= due
                result = self._sla_result(ticket["id"])
                if result is not None:
                    result["resolutionMet"] = ticket["resolvedDateTime"] <= due
                    plan_due = ticket["resolutionPlanDueDateTime"]
                    plan_at = ticket["resolutionPlanDateTime"] or ticket["resolvedDateTime"]
                    result["resolutionPlanMet"] = plan_at <= plan_due
                    elapsed = ticket["resolvedDateTime"] - ticket["createDate"]
                    result["resolutionElapsedHours"] = round(elapsed / HOUR, 2)
        elif old == COMPLETE and status != COMPLETE:
            # [I] reopening clears the completion, as the UI does.
            ticket["completedDate"] = ticket["completedByResourceID"] = ticket["resolvedDateTime"] = None
        if status == AWAITING_CONFIRMATION:
            ticket["resolvedDateTime"] = ticket["resolvedDateTime"] or at

    # ----------------------------------------------------------------- actions (API and workload)
    def update_ticket(self, ticket_id: int, *, resource_id: int | None = None, **fields: Any) -> dict[str, Any]:
        """Apply PATCH-style field changes at the current time; raises KeyError / ValueError like the API."""
        ticket = self.tickets[ticket_id]
        self.validate(fields)
        status = fields.pop("status", None)
        ticket.update(fields)
        if status is not None and status != ticket["status"]:
            self._set_status(ticket, status, self._now)
        self._stamp(ticket, self._now, resource_id=resource_id)
        self._refresh(ticket)
        return ticket

    def validate(self, fields: dict[str, Any]) -> None:
        """Field values the API would refuse (picklists, references); raises ValueError with the message."""
        for name in ("status", "priority", "queueID", "source", "issueType", "ticketType", "serviceLevelAgreementID"):
            value = fields.get(name)
            if value is None and name in fields and name in ("status", "priority"):
                raise ValueError(f"{name} is required.")
            if value is not None and (isinstance(value, bool) or value not in self.picklist_codes(name)):
                raise ValueError(f"Value {value!r} is not a valid {name}.")
        resource = fields.get("assignedResourceID")
        if resource is not None and not (resource in self.resources and self.resources[resource]["isActive"]):
            raise ValueError(f"assignedResourceID {resource!r} is not an active resource.")
        company = fields.get("companyID")
        if "companyID" in fields and company not in self.store["Companies"]:
            raise ValueError(f"companyID {company!r} does not exist.")
        if "title" in fields and not (isinstance(fields["title"], str) and fields["title"].strip()):
            raise ValueError("title is required.")

    def add_note(
        self,
        ticket_id: int,
        title: str,
        description: str,
        *,
        resource_id: int | None = None,
        contact_id: int | None = None,
        note_type: int = NOTE_GENERAL,
        publish: int = PUBLISH_ALL,
        at: int | None = None,
    ) -> dict[str, Any]:
        """A note on a live ticket (KeyError otherwise); it counts as activity on the ticket."""
        ticket = self.tickets[ticket_id]
        when = self._now if at is None else at
        note = TICKET_NOTES.blank()
        note.update({
            "id": self.next_id(TICKET_NOTES.name), "ticketID": ticket_id, "title": title, "description": description,
            "noteType": note_type, "publish": publish, "creatorResourceID": resource_id,
            "createdByContactID": contact_id, "createDateTime": when, "lastActivityDate": when,
        })  # fmt: skip
        self.store[TICKET_NOTES.name][note["id"]] = note
        self._stamp(ticket, when, resource_id=resource_id, tracked=False)
        self.version += 1
        return note

    def _log_work(self, ticket_id: int, rank: int, created: int, completed: int) -> None:
        """Seeded time entries of a finished ticket: none on about one in seven (forgotten), else one to three,
        the last ending at completion; about one in five is non-billable (warranty, internal rework)."""
        if rank % 7 == 3:
            return
        count = 1 + rank % 3
        span = max(completed - created, count * 900)
        for index in range(count):
            end = completed - (count - 1 - index) * span // count
            hours = 0.25 + ((rank + index) % 8) / 4
            billable = (rank + index) % 5 != 2
            note = WORK_SUMMARIES[(rank + index) % len(WORK_SUMMARIES)]
            self.add_time_entry(ticket_id, hours=hours, at=end, billable=billable, note=note)

    def add_time_entry(
        self,
        ticket_id: int,
        *,
        hours: float,
        at: int | None = None,
        billable: bool = True,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Time worked by the ticket's resource, ending at ``at`` (default now)."""
        ticket = self.tickets[ticket_id]
        end = self._now if at is None else at
        start = end - int(hours * HOUR)
        resource = ticket["assignedResourceID"] or next(iter(self.resources))
        entry = TIME_ENTRIES.blank()
        entry.update({
            "id": self.next_id(TIME_ENTRIES.name), "ticketID": ticket_id, "resourceID": resource,
            "roleID": 29_683_461, "dateWorked": start - start % DAY, "startDateTime": start, "endDateTime": end,
            "hoursWorked": hours, "hoursToBill": hours if billable else 0.0,
            "summaryNotes": note or "Worked on the ticket.", "isNonBillable": not billable, "createDateTime": end,
            "lastModifiedDateTime": end,
        })  # fmt: skip
        self.store[TIME_ENTRIES.name][entry["id"]] = entry
        self._stamp(ticket, end, resource_id=resource, tracked=False)
        self.version += 1
        return entry

    def delete_ticket(self, ticket_id: int, *, resource_id: int | None = None, at: int | None = None) -> dict[str, Any]:
        """Delete in the UI (the API cannot [D]): the ticket and its children go, a DeletedTicketLog row stays."""
        ticket = self.tickets.pop(ticket_id)
        for entity in (TICKET_NOTES.name, TIME_ENTRIES.name, SLA_RESULTS.name):
            rows = self.store[entity]
            for child in [k for k, v in rows.items() if v["ticketID"] == ticket_id]:
                del rows[child]
        self._sla_index.pop(ticket_id, None)
        log = DELETED_TICKET_LOGS.blank()
        log.update({
            "id": self.next_id(DELETED_TICKET_LOGS.name), "ticketID": ticket_id,
            "ticketNumber": ticket["ticketNumber"], "ticketTitle": ticket["title"],
            "deletedByResourceID": resource_id if resource_id is not None else next(iter(self.resources)),
            "deletedDateTime": self._now if at is None else at,
        })  # fmt: skip
        self.store[DELETED_TICKET_LOGS.name][log["id"]] = log
        self._refresh(ticket)
        return log
