"""The advance() workload of the Freshservice simulator: a seeded stream of realistic service-desk events."""

from __future__ import annotations

from datetime import datetime

from deskpulse.simulators.freshservice_lifecycle import (
    W_AGENT_NOTE,
    W_ARRIVE,
    W_ASSIGN,
    W_CLOSE,
    W_DELETE,
    W_PEND,
    W_PRIORITY,
    W_REPLY,
    W_RESOLVE,
    W_RESPOND,
    W_SPAM,
    W_TOTAL,
    TicketLifecycle,
)
from deskpulse.simulators.scenario import DAY, accepted_events, to_epoch


class TicketWorkload(TicketLifecycle):
    """Mixin: advance() draws events (arrivals, replies, assignment, status moves) from a thinned Poisson stream."""

    # ----------------------------------------------------------------- workload
    def advance(self, until: datetime) -> None:
        """Evolve the workload deterministically up to ``until`` (aware); stepping in chunks gives the same result."""
        until_ts = to_epoch(until)
        for at in accepted_events(self._events, self.rng, self.shape, since=self._now, until=until_ts):
            self._now = max(self._now, at)
            self._random_event()
        self._now = until_ts

    def _pool_weight(self, name: str, cap: float) -> float:
        return min(cap, len(self._pools[name]) / self._targets[name])

    def _random_event(self) -> None:
        point = self.rng.random() * W_TOTAL
        for weight, action in (
            (W_ARRIVE, self._arrive),
            (self._pool_weight("unassigned", W_ASSIGN), self._assign_random),
            (self._pool_weight("unresponded", W_RESPOND), self._respond_random),
            (self._pool_weight("open", W_PEND) * 0.5, self._pend_random),
            (W_REPLY, self._reply_random),
            (self._pool_weight("open", W_RESOLVE), self._resolve_random),
            (self._pool_weight("resolved", W_CLOSE), self._close_random),
            (W_AGENT_NOTE, self._note_random),
            (W_PRIORITY, self._priority_random),
            (W_DELETE, lambda: self._trash_random(spam=False)),
            (W_SPAM, lambda: self._trash_random(spam=True)),
        ):
            if point < weight:
                action()
                return
            point -= weight
        # Leftover probability mass is "nothing happened" (the thinning remainder).

    def _pick(self, pool: str) -> int | None:
        return self._pools[pool].choice(self.rng) if self._pools[pool] else None

    def _arrive(self) -> None:
        rng = self.rng
        requester_id = rng.choice(list(self.requesters)) if self.requesters else None
        requester = self.requesters.get(requester_id) if requester_id is not None else None
        group_id = rng.choice(list(self.groups)) if self.groups and rng.random() < 0.6 else None
        self._build_ticket(
            created=self._now, status=2, priority=rng.choices((1, 2, 3, 4), (25, 50, 18, 7))[0],
            ticket_type="Service Request" if rng.random() < 0.3 else "Incident", requester_id=requester_id,
            responder_id=None, group_id=group_id,
            department_id=requester["department_ids"][0] if requester and requester["department_ids"] else None,
            updated=self._now, responded=None, resolved=None, closed=None, inbound=1, rank=rng.getrandbits(30),
        )  # fmt: skip

    def _assign_random(self) -> None:
        ticket_id = self._pick("unassigned")
        if ticket_id is None or not self.groups:
            return
        ticket = self.tickets[ticket_id]
        group_id = ticket["group_id"] or self.rng.choice(list(self.groups))
        members = self.groups[group_id]["members"] or list(self.agents)
        if members:
            self.update_ticket(ticket_id, group_id=group_id, responder_id=self.rng.choice(members))

    def _respond_random(self) -> None:
        ticket_id = self._pick("unresponded")
        if ticket_id is not None and self.tickets[ticket_id]["responder_id"] is not None:
            self.agent_reply(ticket_id)

    def _pend_random(self) -> None:
        ticket_id = self._pick("open")
        if ticket_id is not None and self.stats[ticket_id]["first_responded_at"] is not None:
            statuses = (3, 6, 7) if self.custom_statuses else (3,)
            self.update_ticket(ticket_id, status=self.rng.choice(statuses))

    def _reply_random(self) -> None:
        pool = "waiting" if self.rng.random() < 0.6 else "open"
        ticket_id = self._pick(pool)
        if ticket_id is not None:
            self.requester_reply(ticket_id)

    def _resolve_random(self) -> None:
        ticket_id = self._pick("open")
        if ticket_id is None:
            return
        ticket = self.tickets[ticket_id]
        if ticket["responder_id"] is None:
            self._assign_random()  # nobody owns it yet: someone picks up the queue instead
            return
        self.agent_reply(ticket_id)
        self.update_ticket(ticket_id, status=4)

    def _close_random(self) -> None:
        ticket_id = self._pick("resolved")
        if ticket_id is None:
            return
        resolved_at = self.stats[ticket_id]["resolved_at"]
        # [I] auto-close after 72 h in "Resolved"; fresher tickets stay resolved for now.
        if resolved_at is None or resolved_at <= self.iso(self._now - 3 * DAY):
            self.update_ticket(ticket_id, status=5)

    def _note_random(self) -> None:
        ticket_id = self._pick("open") if self.rng.random() < 0.7 else self._pick("waiting")
        if ticket_id is not None and self.tickets[ticket_id]["responder_id"] is not None:
            self.agent_reply(ticket_id)

    def _priority_random(self) -> None:
        ticket_id = self._pick("open")
        if ticket_id is not None:
            old = self.tickets[ticket_id]["priority"]
            self.update_ticket(ticket_id, priority=min(4, old + 1) if self.rng.random() < 0.7 else max(1, old - 1))

    def _trash_random(self, *, spam: bool) -> None:
        # Duplicates and junk are usually spotted while still unassigned.
        ticket_id = self._pick("unassigned")
        if ticket_id is not None:
            (self.spam_ticket if spam else self.delete_ticket)(ticket_id)
