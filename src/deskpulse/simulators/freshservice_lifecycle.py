"""Ticket building and mutation for the Freshservice simulator: API actions and the advance() workload."""

from __future__ import annotations

import html
import random
import re
from datetime import datetime
from typing import Any

from deskpulse.simulators.scenario import (
    DAY,
    HOUR,
    BusinessHoursShape,
    IndexedSet,
    NaiveFormatter,
    ThinnedPoisson,
    to_epoch,
)

PRIMARY_WORKSPACE_ID = 2  # [I] the id of the primary workspace; the list defaults to it [D]
STATUS_NAMES: dict[int, str] = {2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"}  # [D]
CUSTOM_STATUS_NAMES: dict[int, str] = {6: "Waiting on Customer", 7: "Waiting on Third Party", 8: "Customer Replied"}
# [I] Which statuses pause the SLA clock is an admin setting; the API is not known to expose it, so the
# simulator keeps it here (Pending stops the timer by default in Freshservice).
STOP_SLA_TIMER_STATUSES: frozenset[int] = frozenset({3, 6, 7})
ACTIVE_STATUSES: frozenset[int] = frozenset({2, 3, 6, 7, 8})
WAITING_STATUSES: frozenset[int] = frozenset({3, 6, 7})
TICKET_TYPES: tuple[str, ...] = ("Incident", "Service Request", "Alert")  # [D]
# [I] calendar-time SLA targets (first response, resolution) per priority; real policies use business hours.
SLA_TARGETS: dict[int, tuple[int, int]] = {
    4: (1 * HOUR, 4 * HOUR),
    3: (4 * HOUR, 1 * DAY),
    2: (8 * HOUR, 3 * DAY),
    1: (1 * DAY, 5 * DAY),
}
SUBJECTS: tuple[tuple[str, str, str], ...] = (
    ("VPN not connecting", "Network", "VPN"), ("Password reset", "Access", "Password"),
    ("Laptop will not boot", "Hardware", "Laptop"), ("Printer on 2nd floor offline", "Hardware", "Printer"),
    ("Outlook keeps asking for password", "Software", "Email"), ("New starter account", "Access", "Onboarding"),
    ("MFA device lost", "Access", "MFA"), ("Teams calls dropping", "Software", "Collaboration"),
    ("Request: extra monitor", "Hardware", "Peripherals"), ("Shared mailbox access", "Access", "Email"),
    ("Wi-Fi slow in office", "Network", "Wireless"), ("Phishing mail reported", "Security", "Phishing"),
    ("Software install request", "Software", "Installation"), ("Leaver: disable account", "Access", "Offboarding"),
)  # fmt: skip
TAGS: tuple[str, ...] = ("vip", "hardware", "network", "remote", "recurring")
SOURCES: tuple[int, ...] = (1, 1, 1, 1, 2, 2, 2, 3, 4, 9)  # email-heavy, then portal [D codes]

# Relative event rates during advance(), in units of the arrival rate (resolved_per_day per day).
# Pool-driven events scale with their pool so the backlog mean-reverts instead of drifting.
W_ARRIVE, W_ASSIGN, W_RESPOND, W_PEND, W_REPLY, W_RESOLVE, W_CLOSE = 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 4.0
W_AGENT_NOTE, W_PRIORITY, W_DELETE, W_SPAM = 0.5, 0.08, 0.02, 0.02
W_TOTAL = W_ARRIVE + W_ASSIGN + W_RESPOND + W_PEND + W_REPLY + W_RESOLVE + W_CLOSE + W_AGENT_NOTE
W_TOTAL += W_PRIORITY + W_DELETE + W_SPAM
UPDATABLE_FIELDS: frozenset[str] = frozenset({
    "status", "priority", "urgency", "impact", "responder_id", "group_id", "department_id", "subject",
    "type", "tags", "due_by", "fr_due_by", "category", "sub_category", "custom_fields",
})  # fmt: skip


class TicketLifecycle:
    """Mixin with the ticket store mutations; FreshserviceScenario supplies the state declared here."""

    rng: random.Random
    shape: BusinessHoursShape
    custom_statuses: bool
    tickets: dict[int, dict[str, Any]]
    stats: dict[int, dict[str, Any]]
    agents: dict[int, dict[str, Any]]
    groups: dict[int, dict[str, Any]]
    requesters: dict[int, dict[str, Any]]
    departments: dict[int, dict[str, Any]]
    notes: dict[int, list[dict[str, Any]]]
    version: int
    _fmt: NaiveFormatter
    _now: int
    _next_id: int
    _next_internal_id: int
    _pools: dict[str, IndexedSet]
    _targets: dict[str, int]
    _events: ThinnedPoisson

    def iso(self, ts: int) -> str:
        """Unix seconds as the API's ``YYYY-MM-DDTHH:MM:SSZ``."""
        text = self._fmt(ts)
        return f"{text[:10]}T{text[11:]}Z"

    def status_choices(self) -> dict[int, str]:
        """Status id -> name for this account (custom ones only when configured)."""
        return {**STATUS_NAMES, **(CUSTOM_STATUS_NAMES if self.custom_statuses else {})}

    # ----------------------------------------------------------------- building
    def _build_ticket(
        self,
        *,
        created: int,
        status: int,
        priority: int,
        ticket_type: str,
        requester_id: int | None,
        responder_id: int | None,
        group_id: int | None,
        department_id: int | None,
        updated: int,
        responded: int | None,
        resolved: int | None,
        closed: int | None,
        inbound: int,
        rank: int,
        subject: str | None = None,
        description: str | None = None,
        fr_due: int | None = None,
        due: int | None = None,
        workspace_id: int = PRIMARY_WORKSPACE_ID,
        tags: list[str] | None = None,
    ) -> dict[str, Any]:
        """Build, register and return one ticket; ``rank`` deterministically picks texts and extras."""
        self._check(status=status, priority=priority, type=ticket_type)
        iso = self.iso
        base_subject, category, sub_category = SUBJECTS[rank % len(SUBJECTS)]
        subject = subject if subject is not None else base_subject
        text = description if description is not None else f"Hi, {subject.lower()}. Can you help?"
        fr_target, resolve_target = SLA_TARGETS[priority]
        self._next_id += 1
        self._next_internal_id += 1 + (rank & 15)
        source = SOURCES[(rank >> 4) % len(SOURCES)]
        requester = self.requesters.get(requester_id) if requester_id is not None else None
        email = requester["primary_email"] if requester else None
        ticket: dict[str, Any] = {
            "id": self._next_id, "workspace_id": workspace_id, "subject": subject,
            "description": f"<div>{text}</div>", "description_text": text, "status": status,
            "priority": priority, "urgency": min(3, priority), "impact": 1 + (rank >> 8) % 3, "source": source,
            "type": ticket_type, "requester_id": requester_id, "responder_id": responder_id, "group_id": group_id,
            "department_id": department_id, "email_config_id": 21_000_064_551 if source == 1 else None,
            "category": category, "sub_category": sub_category, "item_category": None,
            "due_by": iso(due if due is not None else created + resolve_target),
            "fr_due_by": iso(fr_due if fr_due is not None else created + fr_target),
            "fr_escalated": False, "is_escalated": False, "spam": False, "deleted": False,
            "tags": list(tags) if tags is not None else ([TAGS[(rank >> 12) % len(TAGS)]] if rank % 5 == 0 else []),
            "custom_fields": {"cf_location": ("Amsterdam", "Utrecht", "Remote")[(rank >> 6) % 3]},
            "cc_emails": [], "fwd_emails": [], "reply_cc_emails": [],
            "to_emails": ["support@deskpulse.test"] if source == 1 else None, "attachments": [],
            "created_at": iso(created), "updated_at": iso(max(updated, created)),
            "resolution_notes": None, "resolution_notes_html": None,
        }  # fmt: skip
        if email is None:
            ticket["to_emails"] = None
        outbound = 0 if responded is None else 1 + (rank >> 3) % 3
        # [C] first_assigned_at / assigned_at are often null even on assigned tickets: fill only 40%.
        assigned = (responded or created) if responder_id is not None and rank % 5 < 2 else None
        last_agent = resolved if resolved is not None else responded
        self.stats[ticket["id"]] = {
            "created_at": iso(created), "updated_at": ticket["updated_at"], "ticket_id": self._next_internal_id,
            "opened_at": None, "group_escalated": False, "inbound_count": inbound,
            "status_updated_at": iso(closed or resolved or (updated if status != 2 else created)),
            "outbound_count": outbound, "pending_since": iso(updated) if status in WAITING_STATUSES else None,
            "resolved_at": iso(resolved) if resolved is not None else None,
            "closed_at": iso(closed) if closed is not None else None,
            "first_assigned_at": iso(assigned) if assigned is not None else None,
            "assigned_at": iso(assigned) if assigned is not None else None,
            "agent_responded_at": iso(last_agent) if last_agent is not None else None,
            "requester_responded_at": iso((last_agent or updated) - 60) if inbound > 1 else None,
            "first_responded_at": iso(responded) if responded is not None else None,
            "first_resp_time_in_secs": responded - created if responded is not None else None,
            # [C] the recorded unresolved ticket shows 0 here, not null.
            "resolution_time_in_secs": resolved - created if resolved is not None else 0,
        }  # fmt: skip
        self.tickets[ticket["id"]] = ticket
        self._refresh(ticket)
        return ticket

    def _check(self, **fields: Any) -> None:
        """Validate field values the way PUT /tickets/{id} would; raise ValueError on bad ones."""
        if "status" in fields and fields["status"] not in self.status_choices():
            raise ValueError(f"status must be one of {sorted(self.status_choices())}")
        for name in ("priority", "urgency", "impact"):
            if name in fields and fields[name] not in ((1, 2, 3, 4) if name == "priority" else (1, 2, 3)):
                raise ValueError(f"invalid {name} {fields[name]!r}")
        if "type" in fields and fields["type"] not in TICKET_TYPES:
            raise ValueError(f"type must be one of {TICKET_TYPES}")
        for name, known in (("responder_id", self.agents), ("group_id", self.groups)):
            if fields.get(name) is not None and fields[name] not in known:
                raise ValueError(f"unknown {name} {fields[name]!r}")
        if fields.get("department_id") is not None and fields["department_id"] not in self.departments:
            raise ValueError(f"unknown department_id {fields['department_id']!r}")

    # ----------------------------------------------------------------- bookkeeping
    def _refresh(self, ticket: dict[str, Any]) -> None:
        """Recompute escalation flags and pool membership after any change; bump the version."""
        ticket_id, status, stats = ticket["id"], ticket["status"], self.stats[ticket["id"]]
        live = not ticket["deleted"] and not ticket["spam"]
        active = live and status in ACTIVE_STATUSES
        now = self.iso(self._now)
        ticket["fr_escalated"] = active and stats["first_responded_at"] is None and ticket["fr_due_by"] < now
        ticket["is_escalated"] = active and status not in WAITING_STATUSES and ticket["due_by"] < now
        memberships = {
            "unassigned": active and ticket["responder_id"] is None,
            "unresponded": active and stats["first_responded_at"] is None,
            "open": active and status in (2, 8),
            "waiting": active and status in WAITING_STATUSES,
            "resolved": live and status == 4,
        }
        for name, member in memberships.items():
            if member:
                self._pools[name].add(ticket_id)
            else:
                self._pools[name].discard(ticket_id)
        self.version += 1

    def touch(self) -> None:
        """Invalidate cached list results after editing ``tickets`` by hand."""
        self.version += 1

    def _stamp(self, ticket: dict[str, Any]) -> None:
        ticket["updated_at"] = self.stats[ticket["id"]]["updated_at"] = self.iso(self._now)

    def _get(self, ticket_id: int) -> dict[str, Any]:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise KeyError(ticket_id)
        return ticket

    # ----------------------------------------------------------------- actions (API and workload)
    def check_update(self, /, **fields: Any) -> None:
        """Validate a PUT /tickets/{id} body without applying it; ValueError names what is wrong."""
        unknown = set(fields) - UPDATABLE_FIELDS
        if unknown:
            raise ValueError(f"fields cannot be updated: {sorted(unknown)}")
        self._check(**fields)

    def update_ticket(self, ticket_id: int, **fields: Any) -> dict[str, Any]:
        """Apply field changes like PUT /tickets/{id}, keeping stats consistent; updated_at = now."""
        ticket = self._get(ticket_id)
        self.check_update(**fields)
        stats, now = self.stats[ticket_id], self.iso(self._now)
        if "responder_id" in fields and fields["responder_id"] != ticket["responder_id"]:
            stats["assigned_at"] = now if fields["responder_id"] is not None else stats["assigned_at"]
            stats["first_assigned_at"] = stats["first_assigned_at"] or stats["assigned_at"]
        if "group_id" in fields and ticket["group_id"] is not None and fields["group_id"] != ticket["group_id"]:
            stats["group_escalated"] = True  # [I] a group change counts as an escalation
        if "priority" in fields and fields["priority"] != ticket["priority"]:
            # [I] a priority change re-targets the SLA from the creation time, like a policy re-match.
            created = to_epoch(datetime.fromisoformat(ticket["created_at"]))
            fr_target, resolve_target = SLA_TARGETS[fields["priority"]]
            fields.setdefault("due_by", self.iso(created + resolve_target))
            if stats["first_responded_at"] is None:
                fields.setdefault("fr_due_by", self.iso(created + fr_target))
        status = fields.pop("status", None)
        ticket.update(fields)
        if status is not None and status != ticket["status"]:
            self._set_status(ticket, status)
        self._stamp(ticket)
        self._refresh(ticket)
        return ticket

    def _set_status(self, ticket: dict[str, Any], status: int) -> None:
        stats, now = self.stats[ticket["id"]], self.iso(self._now)
        old = ticket["status"]
        if old in WAITING_STATUSES and status not in WAITING_STATUSES and stats["pending_since"]:
            # [I] time spent with the SLA timer stopped pushes the due dates out, as Freshservice does.
            paused = self._now - to_epoch(datetime.fromisoformat(stats["pending_since"]))
            for key in ("due_by", "fr_due_by"):
                ticket[key] = self.iso(to_epoch(datetime.fromisoformat(ticket[key])) + paused)
        if old in (4, 5) and status in ACTIVE_STATUSES:
            stats["opened_at"] = now  # reopened
            stats["resolved_at"] = stats["closed_at"] = None
        ticket["status"] = status
        stats["status_updated_at"] = now
        stats["pending_since"] = now if status in WAITING_STATUSES else None
        if status in (4, 5) and stats["resolved_at"] is None:
            stats["resolved_at"] = now
            stats["resolution_time_in_secs"] = self._now - to_epoch(datetime.fromisoformat(ticket["created_at"]))
        if status == 5:
            stats["closed_at"] = now

    def note_record(self, ticket_id: int, body: str, *, private: bool, user_id: int | None) -> dict[str, Any]:
        """A note as the conversations list shows it (not stored; see add_note)."""
        now = self.iso(self._now)
        return {
            "id": 21_070_000_000 + ticket_id * 100 + len(self.notes.get(ticket_id, [])), "user_id": user_id,
            "body": body, "body_text": _text_of(body), "incoming": False, "private": private, "source": 2,
            "ticket_id": ticket_id, "to_emails": [], "support_email": None, "attachments": [],
            "created_at": now, "updated_at": now,
        }  # fmt: skip

    def add_note(
        self, ticket_id: int, body: str, *, private: bool = True, user_id: int | None = None
    ) -> dict[str, Any]:
        """Store a note (POST /tickets/{id}/notes) and return it; a note is not a reply, so stats stay."""
        ticket = self._get(ticket_id)
        note = self.note_record(ticket_id, body, private=private, user_id=user_id)
        self.notes.setdefault(ticket_id, []).append(note)
        self._stamp(ticket)  # [I] a note bumps the ticket's updated_at
        self._refresh(ticket)
        return note

    def delete_ticket(self, ticket_id: int) -> dict[str, Any]:
        """Move a ticket to the trash: ``deleted: true``, visible only under ``filter=deleted``."""
        ticket = self._get(ticket_id)
        ticket["deleted"] = True
        self._stamp(ticket)  # [I] trashing counts as an update
        self._refresh(ticket)
        return ticket

    def restore_ticket(self, ticket_id: int) -> dict[str, Any]:
        """Undo delete_ticket (PUT /tickets/{id}/restore)."""
        ticket = self._get(ticket_id)
        ticket["deleted"] = False
        self._stamp(ticket)
        self._refresh(ticket)
        return ticket

    def spam_ticket(self, ticket_id: int) -> dict[str, Any]:
        """Mark a ticket as spam; it leaves every default list."""
        ticket = self._get(ticket_id)
        ticket["spam"] = True
        self._stamp(ticket)
        self._refresh(ticket)
        return ticket

    def agent_reply(self, ticket_id: int) -> dict[str, Any]:
        """Record an agent reply at the current time (first response if it is the first)."""
        ticket = self._get(ticket_id)
        stats, now = self.stats[ticket_id], self.iso(self._now)
        stats["outbound_count"] += 1
        stats["agent_responded_at"] = now
        if stats["first_responded_at"] is None:
            stats["first_responded_at"] = now
            stats["first_resp_time_in_secs"] = self._now - to_epoch(datetime.fromisoformat(ticket["created_at"]))
        self._stamp(ticket)
        self._refresh(ticket)
        return ticket

    def requester_reply(self, ticket_id: int) -> dict[str, Any]:
        """Record a requester reply: bumps updated_at and wakes waiting or resolved tickets."""
        ticket = self._get(ticket_id)
        stats = self.stats[ticket_id]
        stats["inbound_count"] += 1
        stats["requester_responded_at"] = self.iso(self._now)
        if ticket["status"] in WAITING_STATUSES or ticket["status"] == 4:
            # [I] the usual automation: a reply moves the ticket to "Customer Replied" (or back to Open).
            self._set_status(ticket, 8 if self.custom_statuses and ticket["status"] != 4 else 2)
        self._stamp(ticket)
        self._refresh(ticket)
        return ticket


def _text_of(body: str) -> str:
    """The plain text of a note's HTML body (``body_text``): tags dropped, entities decoded."""
    lines = re.sub(r"<br\s*/?>", "\n", body, flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", "", lines)).strip()
