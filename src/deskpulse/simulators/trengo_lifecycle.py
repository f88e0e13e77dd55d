"""Ticket building and mutation for the Trengo simulator: API actions and the advance() workload."""

from __future__ import annotations

import random
from collections import deque
from datetime import datetime
from typing import Any

from deskpulse.simulators.scenario import (
    BusinessHoursShape,
    IndexedSet,
    NaiveFormatter,
    ThinnedPoisson,
    accepted_events,
    to_epoch,
)

# (channel dict, weight). Shapes follow the recorded fixture; VOIP matches it field for field.
CHANNELS: tuple[tuple[dict[str, Any], float], ...] = (
    ({"id": 650571, "name": None, "title": "Support", "type": "EMAIL",
      "display_name": "Support (support@deskpulse.test)", "is_private": False}, 0.55),
    ({"id": 650574, "name": None, "title": "Website chat", "type": "CHAT",
      "display_name": "Website chat ()", "is_private": False}, 0.2),
    ({"id": 650576, "name": None, "title": "WhatsApp", "type": "WA_BUSINESS",
      "display_name": "WhatsApp (+31 20 123 4567)", "is_private": False}, 0.15),
    ({"id": 650578, "name": None, "title": "Voip", "type": "VOIP",
      "display_name": "Voip ()", "is_private": False}, 0.1),
)  # fmt: skip
SUBJECTS: tuple[str, ...] = (
    "VPN not connecting", "Password reset", "Laptop will not boot", "Printer on 2nd floor offline",
    "Outlook keeps asking for password", "New starter account", "MFA device lost",
    "Teams calls dropping", "Request: extra monitor", "Shared mailbox access", "Wi-Fi slow in office",
    "Phishing mail reported", "Software install request", "License renewal", "Leaver: disable account",
)  # fmt: skip
INBOUND_TEXTS: tuple[str, ...] = ("Hi, any update on this?", "It is still not working.", "Thanks!")
OUTBOUND_TEXTS: tuple[str, ...] = ("We are looking into it.", "Could you try again?", "Fixed, closing.")

# Relative event rates during advance(), in units of the arrival rate (closed_per_day per day).
# Assign and close scale with queue length so the backlog mean-reverts to its initial size
# instead of drifting like a random walk over long demo runs.
W_ARRIVE, W_ASSIGN_MAX, W_CLOSE_MAX, W_MESSAGE, W_REOPEN, W_MERGE = 1.0, 2.0, 2.0, 1.5, 0.03, 0.02
W_TOTAL = W_ARRIVE + W_ASSIGN_MAX + W_CLOSE_MAX + W_MESSAGE + W_REOPEN + W_MERGE


def pick_channel(rank: int) -> dict[str, Any]:
    """Deterministically map ``rank`` onto a channel following the channel weights."""
    point = (rank % 1000) / 1000
    for channel, weight in CHANNELS:
        if point < weight:
            return channel
        point -= weight
    return CHANNELS[0][0]


class TicketLifecycle:
    """Mixin holding the ticket store mutations; TrengoScenario supplies the state declared here."""

    rng: random.Random
    fmt: NaiveFormatter
    shape: BusinessHoursShape
    tickets: dict[int, dict[str, Any]]
    teams: dict[int, dict[str, Any]]
    users: dict[int, dict[str, Any]]
    user_team: dict[int, int | None]
    version: int
    _now: int
    _next_id: int
    _next_message_id: int
    _contacts: list[dict[str, Any]]
    _unassigned: IndexedSet
    _assigned: IndexedSet
    _recently_closed: deque[int]
    _target_unassigned: int
    _target_assigned: int
    _events: ThinnedPoisson

    # ----------------------------------------------------------------- building
    def _insert(
        self,
        ticket_id: int,
        *,
        status: str,
        created: int,
        assigned: int | None,
        closed: int | None,
        user_id: int | None,
        team_id: int | None,
        message_at: int,
        message_type: str,
        messages_count: int,
        rank: int,
        subject: str | None = None,
        use_subject: bool = False,
    ) -> dict[str, Any]:
        """Build and register one ticket; ``rank`` deterministically picks channel, contact and texts."""
        fmt = self.fmt
        channel = pick_channel(rank)
        if not use_subject:
            # Email tickets have subjects; chat, WhatsApp and calls arrive without one (fixture: null).
            subject = SUBJECTS[rank % len(SUBJECTS)] if channel["type"] == "EMAIL" else None
        contact = self._contacts[(rank >> 3) % len(self._contacts)] if self._contacts else None
        self._next_message_id += 1 + (rank & 7)
        ticket: dict[str, Any] = {
            "id": ticket_id, "status": status, "subject": subject,
            "closed_at": fmt(closed) if closed is not None else None,
            "created_at": fmt(created),
            "updated_at": fmt(max(message_at, created, assigned or 0, closed or 0)),
            "user_id": user_id, "team_id": team_id,
            "assigned_at": fmt(assigned) if assigned is not None else None,
            "contact_id": contact["id"] if contact else None, "contact": contact, "channel": channel,
            "channelMeta": None,
            "latest_message": self._message(message_type, message_at, channel, rank),
            "labels": [], "custom_data": None, "messages_count": messages_count,
        }  # fmt: skip
        self.tickets[ticket_id] = ticket
        self._index(ticket_id, None, status)
        return ticket

    def _message(self, message_type: str, at: int, channel: dict[str, Any], rank: int) -> dict[str, Any]:
        if channel["type"] == "VOIP" and message_type == "INBOUND":
            text = "Inbound call"
        else:
            texts = INBOUND_TEXTS if message_type == "INBOUND" else OUTBOUND_TEXTS
            text = texts[(rank >> 5) % len(texts)]
        self._next_message_id += 1
        return {
            "id": self._next_message_id, "type": message_type, "message": text,
            "created_at": self.fmt(at), "attachments": [],
        }  # fmt: skip

    # ----------------------------------------------------------------- bookkeeping
    def _index(self, ticket_id: int, old: str | None, new: str | None) -> None:
        """Keep the status indexes used by advance() in step with a status change."""
        if old == "OPEN":
            self._unassigned.discard(ticket_id)
        elif old == "ASSIGNED":
            self._assigned.discard(ticket_id)
        if new == "OPEN":
            self._unassigned.add(ticket_id)
        elif new == "ASSIGNED":
            self._assigned.add(ticket_id)
        self.version += 1

    def touch(self) -> None:
        """Invalidate cached list results after editing ``tickets`` by hand."""
        self.version += 1

    def _set_status(self, ticket: dict[str, Any], status: str) -> None:
        old = ticket["status"]
        ticket["status"] = status
        self._index(ticket["id"], old, status)

    def _get(self, ticket_id: int) -> dict[str, Any]:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise KeyError(ticket_id)
        return ticket

    # ----------------------------------------------------------------- actions (API and workload)
    def assign(self, ticket_id: int, *, user_id: int | None = None, team_id: int | None = None) -> dict[str, Any]:
        """Assign to a user (optionally with team) or, with only ``team_id``, to a team; KeyError if unknown."""
        ticket = self._get(ticket_id)
        if user_id is None and team_id is None:
            raise ValueError("assign needs user_id or team_id")
        if user_id is not None and user_id not in self.users:
            raise KeyError(user_id)
        if team_id is not None and team_id not in self.teams:
            raise KeyError(team_id)
        now = self.fmt(self._now)
        if user_id is not None:
            ticket["user_id"] = user_id
            ticket["team_id"] = team_id if team_id is not None else ticket["team_id"]
        else:
            # [I] assigning to a team clears the user, like moving a ticket to another team inbox.
            ticket["user_id"] = None
            ticket["team_id"] = team_id
        ticket["assigned_at"] = now
        ticket["updated_at"] = now
        if ticket["status"] in ("OPEN", "ASSIGNED"):
            self._set_status(ticket, "ASSIGNED")
        else:
            self.version += 1
        return ticket

    def close(self, ticket_id: int) -> dict[str, Any]:
        """Close a ticket at the scenario's current time."""
        ticket = self._get(ticket_id)
        now = self.fmt(self._now)
        ticket["closed_at"] = now
        ticket["updated_at"] = now
        self._set_status(ticket, "CLOSED")
        self._recently_closed.append(ticket_id)
        return ticket

    def reopen(self, ticket_id: int) -> dict[str, Any]:
        """Reopen a ticket: ASSIGNED if it has an assignee, else OPEN."""
        ticket = self._get(ticket_id)
        ticket["closed_at"] = None
        ticket["updated_at"] = self.fmt(self._now)
        assigned = ticket["user_id"] is not None or ticket["team_id"] is not None
        self._set_status(ticket, "ASSIGNED" if assigned else "OPEN")
        return ticket

    def delete(self, ticket_id: int) -> None:
        """Remove a ticket (merged into another or deleted); it disappears from every list."""
        ticket = self.tickets.pop(ticket_id)
        self._index(ticket_id, ticket["status"], None)

    def add_message(self, ticket_id: int, *, inbound: bool = True) -> dict[str, Any]:
        """Record a new latest message on a ticket at the current time."""
        ticket = self._get(ticket_id)
        kind = "INBOUND" if inbound else "OUTBOUND"
        ticket["latest_message"] = self._message(kind, self._now, ticket["channel"], ticket_id)
        ticket["messages_count"] += 1
        ticket["updated_at"] = ticket["latest_message"]["created_at"]
        self.version += 1
        return ticket

    # ----------------------------------------------------------------- workload
    def advance(self, until: datetime) -> None:
        """Evolve the workload deterministically up to ``until`` (aware); stepping in chunks gives the same result."""
        until_ts = to_epoch(until)
        for at in accepted_events(self._events, self.rng, self.shape, since=self._now, until=until_ts):
            self._now = max(self._now, at)
            self._random_event()
        self._now = until_ts

    def _random_event(self) -> None:
        rng = self.rng
        point = rng.random() * W_TOTAL
        assign_weight = min(W_ASSIGN_MAX, len(self._unassigned) / self._target_unassigned)
        close_weight = min(W_CLOSE_MAX, len(self._assigned) / self._target_assigned)
        for weight, action in (
            (W_ARRIVE, self._arrive),
            (assign_weight, self._assign_random),
            (close_weight, self._close_random),
            (W_MESSAGE, self._message_random),
            (W_REOPEN, self._reopen_random),
            (W_MERGE, self._merge_random),
        ):
            if point < weight:
                action()
                return
            point -= weight
        # Leftover probability mass is "nothing happened" (the thinning remainder).

    def _arrive(self) -> None:
        rng = self.rng
        self._next_id += rng.randint(1, 40)
        team = rng.choice(list(self.teams)) if self.teams and rng.random() < 0.35 else None
        self._insert(
            self._next_id, status="OPEN", created=self._now, assigned=None, closed=None, user_id=None,
            team_id=team, message_at=self._now, message_type="INBOUND", messages_count=1,
            rank=rng.randrange(1 << 30),
        )  # fmt: skip

    def _assign_random(self) -> None:
        if not self._unassigned or not self.users:
            return
        ticket_id = self._unassigned.choice(self.rng)
        user_id = self.rng.choice(list(self.users))
        team_id = self.tickets[ticket_id]["team_id"] or self.user_team.get(user_id)
        self.assign(ticket_id, user_id=user_id, team_id=team_id)

    def _close_random(self) -> None:
        if self._assigned:
            ticket_id = self._assigned.choice(self.rng)
            self.add_message(ticket_id, inbound=False)
            self.close(ticket_id)

    def _message_random(self) -> None:
        pool = self._assigned if self.rng.random() < 0.8 and self._assigned else self._unassigned
        if pool:
            self.add_message(pool.choice(self.rng), inbound=self.rng.random() < 0.55)

    def _reopen_random(self) -> None:
        if not self._recently_closed:
            return
        ticket_id = self._recently_closed[self.rng.randrange(len(self._recently_closed))]
        ticket = self.tickets.get(ticket_id)
        if ticket is not None and ticket["status"] == "CLOSED":
            self.add_message(ticket_id, inbound=True)
            self.reopen(ticket_id)

    def _merge_random(self) -> None:
        # Duplicates are usually spotted while still unassigned; merging deletes the source ticket.
        if self._unassigned:
            self.delete(self._unassigned.choice(self.rng))
