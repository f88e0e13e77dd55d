"""Report details of Autotask tickets, many tickets per call: TimeEntries and ServiceLevelAgreementResults.

Both entities are queried with ``ticketID in [...]`` for a batch of tickets (one query, paged, per entity per
batch) instead of one call per ticket: the database's 10,000 requests an hour are shared by every integration
[D]. Autotask has no CSAT and no reply count in the entities used here, so those stay unknown (None).
Facts: /work/shared/vendor-api/autotask.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from pydantic import ValidationError

from deskpulse.connectors.autotask import client
from deskpulse.connectors.autotask.client import cond, search
from deskpulse.connectors.autotask.http import AutotaskHttp
from deskpulse.connectors.autotask.mapping import parse_timestamp
from deskpulse.connectors.autotask.models import AtSlaResult, AtTimeEntry
from deskpulse.domain.ticket_details import SlaVerdict, TicketDetails, TimeEntry, clip_note

# Ticket ids per `in` condition. [D] SOAP allows at most 500 OR conditions per call; REST is assumed alike [I].
BATCH_SIZE = 200
TIME_ENTRY_FIELDS = [
    "id", "ticketID", "resourceID", "dateWorked", "startDateTime", "hoursWorked", "isNonBillable", "summaryNotes",
]  # fmt: skip
SLA_FIELDS = ["id", "ticketID", "firstResponseMet", "resolutionPlanMet", "resolutionMet"]


def map_time_entry(raw: AtTimeEntry, naive_zone: tzinfo) -> TimeEntry:
    """One entry: done at its start time, else on its ``dateWorked`` (a UTC day [D]); ValueError when neither."""
    executed = parse_timestamp(raw.startDateTime, naive_zone) or parse_timestamp(raw.dateWorked, naive_zone)
    if executed is None:
        raise ValueError("no startDateTime or dateWorked")
    if raw.hoursWorked is None or raw.hoursWorked < 0:
        raise ValueError(f"hoursWorked {raw.hoursWorked!r} is not a duration")
    return TimeEntry(
        external_id=str(raw.id), executed_at=executed, hours=round(raw.hoursWorked, 4),
        billable=raw.isNonBillable is not True,
        agent_external_id=str(raw.resourceID) if raw.resourceID is not None else None,
        note=clip_note(raw.summaryNotes),
    )  # fmt: skip


# TimeEntriesEntity.htm (query by ticketID)
async def time_entries(
    at: AutotaskHttp, ticket_ids: Sequence[int], naive_zone: tzinfo, warnings: list[str]
) -> dict[int, list[TimeEntry]]:
    """Entries of every ticket in ``ticket_ids`` (each id present, empty when it has none)."""
    found: dict[int, list[TimeEntry]] = {t: [] for t in ticket_ids}
    body = search(cond("in", "ticketID", list(ticket_ids)), include=TIME_ENTRY_FIELDS)
    for row in await client.query_all(at, "TimeEntries", body):
        try:
            raw = AtTimeEntry.model_validate(row)
            entry = map_time_entry(raw, naive_zone)
        except (ValidationError, ValueError) as exc:
            warnings.append(f"Autotask time entry {row.get('id')} skipped: {exc}".splitlines()[0])
            continue
        if raw.ticketID in found:
            found[raw.ticketID].append(entry)
    return found


# ServiceLevelAgreementResults (AutotaskNET / ATREST models [C])
async def sla_results(at: AutotaskHttp, ticket_ids: Sequence[int], warnings: list[str]) -> dict[int, SlaVerdict]:
    """The SLA verdict of the tickets in ``ticket_ids`` that have one (tickets without an SLA have none)."""
    body = search(cond("in", "ticketID", list(ticket_ids)), include=SLA_FIELDS)
    found: dict[int, SlaVerdict] = {}
    for row in await client.query_all(at, "ServiceLevelAgreementResults", body):
        try:
            raw = AtSlaResult.model_validate(row)
        except ValidationError as exc:
            warnings.append(f"Autotask SLA result {row.get('id')} skipped: {exc}".splitlines()[0])
            continue
        found[raw.ticketID] = SlaVerdict(
            first_response_met=raw.firstResponseMet, resolution_met=raw.resolutionMet,
            resolution_plan_met=raw.resolutionPlanMet,
        )  # fmt: skip
    return found


async def ticket_details(at: AutotaskHttp, ticket_ids: Sequence[int], naive_zone: tzinfo) -> dict[int, TicketDetails]:
    """Time entries and SLA verdicts of a batch of tickets; raises ConnectorError when a query fails."""
    if len(ticket_ids) > BATCH_SIZE:
        raise ValueError(f"at most {BATCH_SIZE} tickets per batch")
    warnings: list[str] = []
    entries = await time_entries(at, ticket_ids, naive_zone, warnings)
    verdicts = await sla_results(at, ticket_ids, warnings)
    found = {t: TicketDetails(time_entries=entries[t], sla=verdicts.get(t)) for t in ticket_ids}
    if found and warnings:
        next(iter(found.values())).warnings.extend(warnings)
    return found
