"""The pure SLA engine: business calendars, SLA policies, the auditable per-ticket clock and compliance.

Nothing here reads the database or the clock; callers pass ``now`` and the ticket's history.
"""

from deskpulse.domain.sla.calendar import MAX_SEARCH_DAYS, BusinessCalendar
from deskpulse.domain.sla.clock import (
    DEFAULT_PAUSING,
    ClockState,
    Segment,
    SegmentKind,
    SlaClock,
    Transition,
    sla_clock,
)
from deskpulse.domain.sla.compliance import Compliance, ComplianceReport, SlaRecord, compliance, compliance_by_kind
from deskpulse.domain.sla.hours import Interval, OpeningRange, WeeklyHours
from deskpulse.domain.sla.policy import (
    DEFAULT_TARGETS,
    AtRiskRule,
    ClientSla,
    ResolvedSla,
    SlaPolicySet,
    SlaTargets,
    TargetKind,
)

__all__ = [
    "DEFAULT_PAUSING",
    "DEFAULT_TARGETS",
    "MAX_SEARCH_DAYS",
    "AtRiskRule",
    "BusinessCalendar",
    "ClientSla",
    "ClockState",
    "Compliance",
    "ComplianceReport",
    "Interval",
    "OpeningRange",
    "ResolvedSla",
    "Segment",
    "SegmentKind",
    "SlaClock",
    "SlaPolicySet",
    "SlaRecord",
    "SlaTargets",
    "TargetKind",
    "Transition",
    "WeeklyHours",
    "compliance",
    "compliance_by_kind",
    "sla_clock",
]
