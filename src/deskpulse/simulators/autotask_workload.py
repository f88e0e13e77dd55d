"""The advance() workload of the Autotask simulator: a seeded stream of service-desk events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from deskpulse.simulators.autotask_lifecycle import (
    AWAITING_CONFIRMATION,
    COMPLETE,
    CUSTOMER_NOTE_ADDED,
    IN_PROGRESS,
    NEW,
    ON_HOLD,
    SLA_TARGETS,
    THIRD_PARTY,
    WAITING_CUSTOMER,
    WAITING_VENDOR,
    TicketLifecycle,
)
from deskpulse.simulators.scenario import BusinessHoursShape, ThinnedPoisson, accepted_events, to_epoch

# Relative event rates, in units of the arrival rate; pool-driven events scale with their pool so the backlog
# mean-reverts instead of drifting.
W_ARRIVE, W_ASSIGN, W_RESPOND, W_WAIT, W_REPLY, W_COMPLETE, W_CONFIRM = 1.0, 2.0, 2.0, 0.6, 0.8, 2.0, 1.0
W_NOTE, W_TIME, W_PRIORITY, W_DELETE = 0.5, 0.5, 0.08, 0.03
W_TOTAL = W_ARRIVE + W_ASSIGN + W_RESPOND + W_WAIT + W_REPLY + W_COMPLETE + W_CONFIRM + W_NOTE + W_TIME
W_TOTAL += W_PRIORITY + W_DELETE


class TicketWorkload(TicketLifecycle):
    """Mixin: advance() draws events (arrivals, assignment, replies, completion, deletion) from a thinned stream."""

    shape: BusinessHoursShape
    custom_statuses: bool
    sla_share: float
    customer_ids: list[int]
    queue_ids: list[int]
    _events: ThinnedPoisson
    _targets: dict[str, int]

    def advance(self, until: datetime) -> None:
        """Evolve deterministically up to ``until`` (aware); stepping in chunks gives the same result."""
        until_ts = to_epoch(until)
        for at in accepted_events(self._events, self.rng, self.shape, since=self._now, until=until_ts):
            self._now = max(self._now, at)
            self._random_event()
        self._now = until_ts

    def _pool_weight(self, name: str, cap: float) -> float:
        return min(cap, len(self._pools[name]) / self._targets[name])

    def _random_event(self) -> None:
        point = self.rng.random() * W_TOTAL
        actions: tuple[tuple[float, Callable[[], None]], ...] = (
            (W_ARRIVE, self._arrive),
            (self._pool_weight("unassigned", W_ASSIGN), self._assign_random),
            (self._pool_weight("unresponded", W_RESPOND), self._respond_random),
            (self._pool_weight("working", W_WAIT) * 0.5, self._wait_random),
            (W_REPLY, self._reply_random),
            (self._pool_weight("working", W_COMPLETE), self._complete_random),
            (self._pool_weight("confirming", W_CONFIRM), self._confirm_random),
            (W_NOTE, self._note_random),
            (W_TIME, self._time_random),
            (W_PRIORITY, self._priority_random),
            (W_DELETE, self._delete_random),
        )
        for weight, action in actions:
            if point < weight:
                action()
                return
            point -= weight
        # Leftover probability mass is "nothing happened" (the thinning remainder).

    def _pick(self, pool: str) -> int | None:
        return self._pools[pool].choice(self.rng) if self._pools[pool] else None

    def new_ticket_fields(self) -> dict[str, int | None]:
        """Company, priority, queue and SLA of a new ticket, drawn from the seeded stream."""
        rng = self.rng
        return {
            "company_id": rng.choice(self.customer_ids),
            "priority": rng.choices((4, 1, 2, 3), (5, 20, 50, 25))[0],
            "queue_id": rng.choice(self.queue_ids) if self.queue_ids else None,
            "sla_id": rng.choice((1, 2)) if rng.random() < self.sla_share else None,
        }

    def _arrive(self) -> None:
        fields = self.new_ticket_fields()
        self._build_ticket(
            created=self._now, status=NEW, priority=int(fields["priority"] or 2), queue_id=fields["queue_id"],
            resource_id=None, company_id=int(fields["company_id"] or 0), rank=self.rng.getrandbits(30),
            sla_id=fields["sla_id"],
        )  # fmt: skip

    def owner_for(self, queue_id: int | None) -> int:
        """An active member of the queue (any active resource when the queue has none)."""
        members = [r for r in self.queue_members.get(queue_id or -1, []) if self.resources[r]["isActive"]]
        return self.rng.choice(members or [r for r, row in self.resources.items() if row["isActive"]])

    def _assign_random(self) -> None:
        ticket_id = self._pick("unassigned")
        if ticket_id is None:
            return
        ticket = self.tickets[ticket_id]
        owner = self.owner_for(ticket["queueID"])
        status = IN_PROGRESS if ticket["status"] == NEW else ticket["status"]
        self.update_ticket(ticket_id, assignedResourceID=owner, status=status, resource_id=owner)

    def _respond_random(self) -> None:
        ticket_id = self._pick("unresponded")
        if ticket_id is None or self.tickets[ticket_id]["assignedResourceID"] is None:
            return
        ticket = self.tickets[ticket_id]
        self._first_response(ticket, self._now, ticket["assignedResourceID"])
        if ticket["status"] == NEW:
            self.update_ticket(ticket_id, status=IN_PROGRESS, resource_id=ticket["assignedResourceID"])
        self._refresh(ticket)

    def _wait_random(self) -> None:
        ticket_id = self._pick("working")
        if ticket_id is None or self.tickets[ticket_id]["firstResponseDateTime"] is None:
            return
        choices = (WAITING_CUSTOMER, WAITING_VENDOR, ON_HOLD) + ((THIRD_PARTY,) if self.custom_statuses else ())
        owner = self.tickets[ticket_id]["assignedResourceID"]
        self.add_note(ticket_id, "Waiting", "Waiting for an answer.", resource_id=owner)
        self.update_ticket(ticket_id, status=self.rng.choice(choices), resource_id=owner)

    def _reply_random(self) -> None:
        ticket_id = self._pick("waiting") if self.rng.random() < 0.7 else self._pick("confirming")
        if ticket_id is None:
            return
        ticket = self.tickets[ticket_id]
        self.add_note(ticket_id, "Customer reply", "Thanks, any news?", contact_id=ticket["contactID"])
        self.update_ticket(ticket_id, status=CUSTOMER_NOTE_ADDED if self.custom_statuses else IN_PROGRESS)

    def _complete_random(self) -> None:
        ticket_id = self._pick("working")
        if ticket_id is None:
            return
        ticket = self.tickets[ticket_id]
        owner = ticket["assignedResourceID"]
        if owner is None or ticket["firstResponseDateTime"] is None:
            # Nobody owns or answered it yet: someone picks up the queue instead.
            if owner is None:
                self._assign_random()
            else:
                self._respond_random()
            return
        self.add_time_entry(ticket_id, hours=round(0.25 + self.rng.random() * 2, 2))
        ticket["resolutionPlanDateTime"] = ticket["resolutionPlanDateTime"] or self._now
        self.add_note(ticket_id, "Resolution", "Fixed; closing the ticket.", resource_id=owner)
        confirm = self.custom_statuses and self.rng.random() < 0.3
        self.update_ticket(ticket_id, status=AWAITING_CONFIRMATION if confirm else COMPLETE, resource_id=owner)

    def _confirm_random(self) -> None:
        ticket_id = self._pick("confirming")
        if ticket_id is not None:
            self.update_ticket(ticket_id, status=COMPLETE)

    def _note_random(self) -> None:
        ticket_id = self._pick("working")
        if ticket_id is not None and self.tickets[ticket_id]["assignedResourceID"] is not None:
            owner = self.tickets[ticket_id]["assignedResourceID"]
            self.add_note(ticket_id, "Internal", "Checked the logs.", resource_id=owner, publish=2)

    def _time_random(self) -> None:
        ticket_id = self._pick("working")
        if ticket_id is not None and self.tickets[ticket_id]["assignedResourceID"] is not None:
            self.add_time_entry(ticket_id, hours=round(0.25 + self.rng.random(), 2))

    def _priority_random(self) -> None:
        ticket_id = self._pick("working")
        if ticket_id is None:
            return
        ticket = self.tickets[ticket_id]
        priority = self.rng.choice([p for p in SLA_TARGETS if p != ticket["priority"]])
        # [I] a priority change re-targets the SLA from the creation time.
        fr, plan, resolve = SLA_TARGETS[priority]
        if ticket["serviceLevelAgreementID"] is not None:
            created = ticket["createDate"]
            if ticket["firstResponseDateTime"] is None:
                ticket["firstResponseDueDateTime"] = created + fr
            ticket["resolutionPlanDueDateTime"] = created + plan
            ticket["resolvedDueDateTime"] = created + resolve
        self.update_ticket(ticket_id, priority=priority, dueDateTime=ticket["createDate"] + resolve)

    def _delete_random(self) -> None:
        # Duplicates and junk are usually spotted while still unassigned.
        ticket_id = self._pick("unassigned")
        if ticket_id is not None:
            self.delete_ticket(ticket_id)
