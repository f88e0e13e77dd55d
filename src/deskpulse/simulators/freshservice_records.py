"""Derived Freshservice records: conversations, time entries, CSAT responses and the ticket form fields.

They are computed on request from a ticket and its stats (seeded by the ticket id), so a 20k-ticket
benchmark scenario does not pay for sub-resources nobody reads, and they stay consistent with the
ticket's ``inbound_count`` / ``outbound_count``.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from deskpulse.simulators.freshservice_lifecycle import (
    CUSTOM_STATUS_NAMES,
    STATUS_NAMES,
    TICKET_TYPES,
)
from deskpulse.simulators.scenario import to_epoch

REPLIES_IN: tuple[str, ...] = ("Any update on this?", "It is still not working.", "Thanks, that fixed it!")
REPLIES_OUT: tuple[str, ...] = ("We are looking into it.", "Could you try again now?", "Resolved, let us know.")
CSAT_TEXTS: dict[int, str] = {103: "Extremely happy", 102: "Happy", 101: "Neutral", -102: "Unhappy"}  # [I]
CSAT_COMMENTS: dict[int, tuple[str, ...]] = {
    103: ("Quick and friendly, thank you!", "Solved before I finished my coffee."),
    102: ("Good help, took a little while.", "Fine."),
    101: ("It works now, but I had to ask twice.",),
    -102: ("Nobody told me what was going on for days.", "Still not fixed properly."),
}  # fmt: skip
WORK_NOTES: tuple[str, ...] = ("Troubleshooting", "Remote session with the user", "Replaced the part", "")


def _epoch(text: str) -> int:
    return to_epoch(datetime.fromisoformat(text))


def conversations(scenario: Any, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """Replies on a ticket (the description is not a conversation): inbound_count - 1 in, outbound_count out."""
    stats = scenario.stats[ticket["id"]]
    rng = random.Random(ticket["id"] * 7919 + scenario.seed)
    start, end = _epoch(ticket["created_at"]), _epoch(ticket["updated_at"])
    kinds = [True] * max(0, stats["inbound_count"] - 1) + [False] * stats["outbound_count"]
    times = sorted(rng.randint(start, max(start, end)) for _ in kinds)
    rng.shuffle(kinds)
    rows = []
    for index, (incoming, at) in enumerate(zip(kinds, times, strict=True)):
        text = (REPLIES_IN if incoming else REPLIES_OUT)[rng.randrange(3)]
        user_id = ticket["requester_id"] if incoming else ticket["responder_id"] or next(iter(scenario.agents), None)
        rows.append({
            "id": 21_040_000_000 + ticket["id"] * 100 + index, "body": f"<div>{text}</div>", "body_text": text,
            "incoming": incoming, "private": False, "source": 0, "user_id": user_id,
            "ticket_id": ticket["id"], "to_emails": [] if incoming else ["requester@deskpulse.test"],
            "support_email": "support@deskpulse.test" if not incoming else None, "attachments": [],
            "created_at": scenario.iso(at), "updated_at": scenario.iso(at),
        })  # fmt: skip
    # Notes added through the API follow the derived replies (they are newer than all of them).
    return rows + list(scenario.notes.get(ticket["id"], []))


def time_entries(scenario: Any, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """Logged work: one entry per agent reply, a few minutes to two hours each (swagger ``time_entry`` shape).

    About one ticket in six has no time logged at all, as agents forget; some entries are not billable.
    """
    stats = scenario.stats[ticket["id"]]
    rng = random.Random(ticket["id"] * 104_729 + scenario.seed)
    if rng.random() < 1 / 6:
        return []
    start = _epoch(ticket["created_at"])
    rows = []
    for index in range(stats["outbound_count"]):
        minutes = 5 + rng.randrange(55) if rng.random() < 0.85 else 60 + rng.randrange(61)
        at = start + (index + 1) * 600
        note = WORK_NOTES[rng.randrange(len(WORK_NOTES))]
        rows.append({
            "id": 21_050_000_000 + ticket["id"] * 10 + index, "task_id": None, "parent_id": ticket["id"],
            "parent_type": "Ticket", "start_time": scenario.iso(at),
            "time_spent": f"{minutes // 60:02d}:{minutes % 60:02d}",
            "timer_running": False, "billable": rng.random() < 0.6, "agent_id": ticket["responder_id"],
            "note": note or None, "executed_at": scenario.iso(at), "created_at": scenario.iso(at),
            "updated_at": scenario.iso(at), "custom_fields": {},
        })  # fmt: skip
    return rows


def csat_response(scenario: Any, ticket: dict[str, Any]) -> dict[str, Any] | None:
    """A survey answer for about 1 in 4 resolved or closed tickets; None means the API answers 404 [C]."""
    stats = scenario.stats[ticket["id"]]
    if ticket["status"] not in (4, 5) or stats["resolved_at"] is None or ticket["id"] % 4 != 0:
        return None
    rng = random.Random(ticket["id"] * 31 + scenario.seed)
    rating = rng.choices((103, 102, 101, -102), (50, 30, 12, 8))[0]
    score = {103: 4, 102: 3, 101: 2, -102: 1}[rating]
    responses = [{
        "question": {"question_text": "How would you rate your overall satisfaction for the resolution provided?"},
        "answers": [{"answer_text": CSAT_TEXTS[rating]}],
    }]  # fmt: skip
    if rng.random() < 0.4:  # [I] an optional free-text question; about 40 % of requesters write something
        comments = CSAT_COMMENTS[rating]
        responses.append({
            "question": {"question_text": "Anything else you would like to tell us?"},
            "answers": [{"answer_text": comments[rng.randrange(len(comments))]}],
        })  # fmt: skip
    return {
        "id": 21_060_000_000 + ticket["id"], "overall_rating": rating, "overall_rating_text": CSAT_TEXTS[rating],
        "questionnaire_responses": responses,
        "score": {"acquired_score": score, "total_score": 4},
        "created_at": stats["resolved_at"], "updated_at": stats["resolved_at"],
    }  # fmt: skip


def ticket_form_fields(scenario: Any) -> list[dict[str, Any]]:
    """The default ticket fields with their choices [I: exact field-object keys]."""
    created = scenario.iso(scenario._now - 700 * 86_400)
    statuses = {**STATUS_NAMES, **(CUSTOM_STATUS_NAMES if scenario.custom_statuses else {})}

    def field(index: int, name: str, label: str, field_type: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": 21_000_700_001 + index, "workspace_id": None, "name": name, "label": label,
            "description": label, "field_type": field_type, "required": name in ("status", "priority"),
            "required_for_closure": False, "default_field": True, "choices": choices, "nested_fields": [],
            "sections": [], "belongs_to_section": False, "created_at": created, "updated_at": created,
        }  # fmt: skip

    return [
        field(0, "requester", "Requester", "default_requester", []),
        field(1, "subject", "Subject", "default_subject", []),
        field(2, "ticket_type", "Type", "default_ticket_type",
              [{"id": i + 1, "value": t} for i, t in enumerate(TICKET_TYPES)]),
        field(3, "status", "Status", "default_status", [{"id": k, "value": v} for k, v in statuses.items()]),
        field(4, "priority", "Priority", "default_priority",
              [{"id": k, "value": v} for k, v in {1: "Low", 2: "Medium", 3: "High", 4: "Urgent"}.items()]),
        field(5, "group", "Group", "default_group",
              [{"id": g, "value": x["name"]} for g, x in scenario.groups.items()]),
        field(6, "responder", "Agent", "default_agent", [
            {"id": a, "value": f"{x['first_name']} {x['last_name']}"} for a, x in scenario.agents.items()]),
        field(7, "department", "Department", "default_department", [
            {"id": d, "value": x["name"]} for d, x in scenario.departments.items()]),
    ]  # fmt: skip
