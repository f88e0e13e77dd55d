"""Report details of one Freshservice ticket: public agent replies, time entries, the CSAT response.

Up to three calls per ticket (there is no bulk endpoint for any of them [C]): time entries always; replies and
the CSAT answer only for resolved or closed tickets (see ``ticket_details``). A 404 means "none" [C]: no CSAT
answer, or a ticket that is gone (then the stored rows are kept rather than emptied).
Facts: /work/shared/vendor-api/freshservice.md.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from deskpulse.connectors.base import ConnectorError, NotFoundError
from deskpulse.connectors.freshservice.client import PER_PAGE, FreshserviceHttp
from deskpulse.connectors.freshservice.mapping import parse_timestamp
from deskpulse.connectors.freshservice.pagination import LinkHeaderPaginator
from deskpulse.domain.ticket_details import (
    CsatAnswer,
    TicketDetails,
    TimeEntry,
    clip_note,
    hours_from_hh_mm,
    rating_from_seven_point,
    rating_on_five,
)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FsConversation(_Loose):
    id: int
    incoming: bool = False
    private: bool = False


class FsTimeEntry(_Loose):
    id: int
    time_spent: str | None = None
    billable: bool = False
    agent_id: int | None = None
    note: str | None = None
    executed_at: str | None = None
    start_time: str | None = None
    created_at: str | None = None


class FsAnswer(_Loose):
    answer_text: str | None = None


class FsQuestionnaireResponse(_Loose):
    answers: list[FsAnswer] = []


class FsScore(_Loose):
    acquired_score: float | None = None
    total_score: float | None = None


class FsCsat(_Loose):
    id: int | None = None
    overall_rating: int | None = None
    overall_rating_text: str | None = None
    questionnaire_responses: list[FsQuestionnaireResponse] = []
    score: FsScore | None = None
    created_at: str | None = None
    updated_at: str | None = None


async def _list(fs: FreshserviceHttp, ticket_id: int, key: str) -> list[dict[str, Any]] | None:
    """Every row of ``GET /tickets/{id}/<key>`` (Link pagination); None when the ticket is gone (404)."""
    rows: list[dict[str, Any]] = []
    try:
        async for page in fs.pages(f"tickets/{ticket_id}/{key}", LinkHeaderPaginator(key), {"per_page": PER_PAGE}):
            rows.extend(page.items)
    except NotFoundError:
        return None
    return rows


# https://api.freshservice.com/#list_all_ticket_conversations
async def public_agent_replies(fs: FreshserviceHttp, ticket_id: int) -> int | None:
    """How many public replies agents sent (incoming and private conversations left out); None on 404."""
    rows = await _list(fs, ticket_id, "conversations")
    if rows is None:
        return None
    try:
        conversations = [FsConversation.model_validate(r) for r in rows]
    except ValidationError as exc:
        raise ConnectorError(f"Freshservice sent a conversation of ticket {ticket_id} deskpulse cannot read") from exc
    return sum(1 for c in conversations if not c.incoming and not c.private)


def map_time_entry(raw: FsTimeEntry) -> TimeEntry:
    """One time entry; ``executed_at`` is when the work was done (else its start, else its logging). ValueError."""
    hours = hours_from_hh_mm(raw.time_spent)
    if hours is None:
        raise ValueError(f"time_spent {raw.time_spent!r} is not hh:mm")
    executed = parse_timestamp(raw.executed_at) or parse_timestamp(raw.start_time) or parse_timestamp(raw.created_at)
    if executed is None:
        raise ValueError("no executed_at, start_time or created_at")
    return TimeEntry(
        external_id=str(raw.id), executed_at=executed, hours=round(hours, 4), billable=raw.billable,
        agent_external_id=str(raw.agent_id) if raw.agent_id is not None else None, note=clip_note(raw.note),
    )  # fmt: skip


# https://api.freshservice.com/#list_all_ticket_time_entries
async def time_entries(fs: FreshserviceHttp, ticket_id: int, warnings: list[str]) -> list[TimeEntry] | None:
    """The ticket's time entries; None on 404. An unreadable entry is skipped with a warning."""
    rows = await _list(fs, ticket_id, "time_entries")
    if rows is None:
        return None
    found = []
    for row in rows:
        try:
            found.append(map_time_entry(FsTimeEntry.model_validate(row)))
        except (ValidationError, ValueError) as exc:
            warnings.append(f"Freshservice time entry {row.get('id')} of ticket {ticket_id} skipped: {exc}")
    return found


def map_csat(raw: FsCsat) -> CsatAnswer:
    """Rating from the survey's own score (1..total) when given, else from the seven-point code. ValueError.

    The comment is what was answered to the questions after the first (the rating question), joined.
    """
    score = raw.score
    if score is not None and score.acquired_score is not None and score.total_score is not None:
        rating = rating_on_five(score.acquired_score, score.total_score)
        raw_rating = f"{score.acquired_score:g}/{score.total_score:g}"
    elif raw.overall_rating is not None:
        rating = rating_from_seven_point(raw.overall_rating)
        raw_rating = str(raw.overall_rating)
    else:
        raise ValueError("no score and no overall_rating")
    if raw.overall_rating is not None:
        raw_rating = f"{raw.overall_rating} ({raw_rating})" if score is not None else raw_rating
    submitted = parse_timestamp(raw.created_at) or parse_timestamp(raw.updated_at)
    if submitted is None:
        raise ValueError("no created_at")
    texts = [
        a.answer_text.strip()
        for response in raw.questionnaire_responses[1:]
        for a in response.answers
        if a.answer_text and a.answer_text.strip()
    ]
    return CsatAnswer(
        rating=rating, raw_rating=raw_rating[:64], submitted_at=submitted, comment="\n".join(texts) or None
    )


# https://api.freshservice.com/ ("csat_response"; 404 when the requester did not answer [C])
async def csat(fs: FreshserviceHttp, ticket_id: int, warnings: list[str]) -> CsatAnswer | None:
    """The ticket's satisfaction answer, or None (no answer, or one deskpulse cannot read: then a warning)."""
    try:
        body, _, _ = await fs.get(f"tickets/{ticket_id}/csat_response")
    except NotFoundError:
        return None
    found = body.get("csat_response") if isinstance(body, dict) else None
    if not isinstance(found, dict):
        raise ConnectorError(f"unexpected Freshservice csat_response for ticket {ticket_id}: no 'csat_response'")
    try:
        return map_csat(FsCsat.model_validate(found))
    except (ValidationError, ValueError) as exc:
        warnings.append(f"Freshservice CSAT answer of ticket {ticket_id} skipped: {exc}".splitlines()[0])
        return None


async def ticket_details(fs: FreshserviceHttp, ticket_id: int, *, finished: bool) -> TicketDetails:
    """All report details of one ticket; raises ConnectorError when a call fails (nothing is half-returned).

    An open ticket costs one call (its time entries): replies only matter for first-contact resolution and a
    survey only follows resolution, and resolving a ticket changes it, so both are read when it is finished.
    """
    details = TicketDetails()
    details.time_entries = await time_entries(fs, ticket_id, details.warnings)
    if details.time_entries is None or not finished:
        return details  # a ticket that is gone (404) empties nothing; see above for open ones
    details.conversations = await public_agent_replies(fs, ticket_id)
    if details.conversations is None:
        return TicketDetails()  # gone between the two calls
    details.csat = await csat(fs, ticket_id, details.warnings)
    return details
