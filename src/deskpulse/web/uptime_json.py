"""Uptime results as JSON rows (the API, the CSV export and the pages read the same rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from deskpulse.domain.sla_badge import format_duration
from deskpulse.uptime import Figures, Incident, RootCause, ServiceAvailability, TrendPoint
from deskpulse.web.uptime_view import Report

CSV_COLUMNS = (
    "id", "client", "client_name", "name", "device", "slo", "period_start", "period_end", "sli", "sli_conservative",
    "up_s", "down_s", "unknown_s", "maintenance_s", "scheduled_s", "allowed_down_s", "budget_left_s", "incidents",
    "policy",
)  # fmt: skip


def budget_note(left_s: float, period_label: str) -> str:
    """``"21 min left in 2026-10"`` or ``"over budget by 5 min in 2026-10"``."""
    if left_s >= 0:
        return f"{format_duration(int(left_s))} left in {period_label}"
    return f"over budget by {format_duration(int(-left_s))} in {period_label}"


def service_row(result: ServiceAvailability, report: Report, label: str) -> dict[str, Any]:
    """One service's figures: the engine's summary plus client name, device, budget and the period."""
    row: dict[str, Any] = dict(result.summary())
    row.update(
        client_name=report.clients.names.get(result.service.client, result.service.client),
        device=result.service.device,
        schedule=result.service.schedule,
        allowed_down_s=result.allowed_down_s,
        budget_note=budget_note(result.budget_left_s, label),
        period_start=result.period.start,
        period_end=result.period.end,
    )
    return row


def cause_row(cause: RootCause) -> dict[str, Any]:
    """A root cause: its label (a device, or ``1 of (a, b)``), devices, location and, for a group, ``need``."""
    return {"label": cause.label, "devices": list(cause.devices), "location": cause.location.value, "need": cause.need}


def incident_row(incident: Incident) -> dict[str, Any]:
    """One incident; ``end`` null while the service is still down."""
    return {
        "service_id": incident.service_id,
        "start": incident.start,
        "end": incident.end,
        "duration_s": incident.duration_s,
        "counted_s": incident.counted_s,
        "root_cause": cause_row(incident.root_cause),
        "causes": [cause_row(c) for c in incident.causes],
        "customer_device_stayed_up": incident.customer_device_stayed_up,
        "from_period_start": incident.from_period_start,
        "to_period_end": incident.to_period_end,
    }


def figures_row(figures: Figures) -> dict[str, Any]:
    """Seconds per state and both SLIs."""
    return {
        "up_s": figures.up_s, "down_s": figures.down_s, "unknown_s": figures.unknown_s,
        "maintenance_s": figures.maintenance_s, "scheduled_s": figures.scheduled_s, "sli": figures.sli,
        "sli_note": figures.sli_note, "sli_conservative": figures.sli_conservative,
    }  # fmt: skip


def totals(results: Sequence[ServiceAvailability]) -> dict[str, Any]:
    """The KPI figures of several services: summed seconds, SLIs of the sums, incidents, budget left."""
    summed = sum((r.figures for r in results), Figures())
    return {
        **figures_row(summed),
        "services": len(results),
        "incidents": sum(len(r.incidents) for r in results),
        "budget_left_s": sum(r.budget_left_s for r in results),
        "over_budget": sum(1 for r in results if r.budget_left_s < 0),
    }


def day_row(point: TrendPoint) -> dict[str, Any]:
    """One day (or month) of a trend: its local date, bounds, figures and the incidents that began in it."""
    return {"day": point.day, "start": point.start, "end": point.end, **figures_row(point.figures),
            "incidents": point.incidents}  # fmt: skip


def csv_value(value: Any) -> str:
    """A cell: ISO times, plain numbers with a decimal point, empty for null."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)
