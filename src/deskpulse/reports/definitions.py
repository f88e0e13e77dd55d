"""The definitions appendix of a report: one entry per figure, saying exactly how it was counted."""

from __future__ import annotations

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Period",
     "From local midnight of the first day to local midnight after the last day, in the client's time zone; "
     "a month with a daylight-saving change is an hour longer or shorter."),
    ("Tickets opened", "Tickets created in the period."),
    ("Tickets resolved",
     "Tickets whose resolution time falls in the period (their close time where the system keeps no "
     "resolution time). A ticket reopened and resolved again counts at its latest resolution."),
    ("Tickets closed", "Tickets whose close time falls in the period."),
    ("Backlog at start and end",
     "Tickets created before that instant and open at it, from the recorded status changes; tickets deleted "
     "in the ticket system are not counted anywhere in this report."),
    ("By type, priority and category",
     "Tickets opened in the period, counted per value; \"(none)\" counts tickets without one."),
    ("First response time",
     "From creation to the first agent reply (or to resolution, for a ticket resolved without a reply), for "
     "tickets whose first response fell in the period. Calendar time counts every hour; business time counts "
     "only the opening hours of the client's SLA calendar and leaves out time spent in a paused status "
     "(such as waiting on the customer), exactly as the SLA clock does. Median and average of those tickets."),
    ("Resolution time",
     "From creation to resolution, for tickets resolved in the period; calendar and business time as for the "
     "first response time."),
    ("SLA met",
     "Met / (met + breached) per target, as on the SLA page: a target counts as met when it was completed in "
     "the period in time, and as breached when its due time fell in the period and it was not completed by "
     "then (also when the ticket was completed later). Tickets without an SLA target are left out."),
    ("Breached tickets",
     "The targets whose due time fell in the period and that were not met; overdue is the time from the due "
     "time to completion, or to when this report was made for a ticket still open."),
    ("First contact resolution",
     "Tickets resolved in the period with at most one public agent reply, as a share of the resolved tickets "
     "whose replies are known."),
    ("Reopen rate",
     "Tickets that went from resolved or closed back to an open status in the period, as a share of the "
     "tickets resolved in the period."),
    ("Customer satisfaction (CSAT)",
     "Share of the survey answers submitted in the period that rated the service 4 or 5 out of 5."),
    ("Hours worked",
     "Time entries on the client's tickets for work done in the period, billable and non-billable."),
    ("Top requesters", "The people who opened the most tickets in the period (at most ten)."),
    ("Service uptime",
     "Per service: the time it was up as a share of its scheduled time with monitoring data (maintenance "
     "windows left out), with the incidents in the period and the component that caused each; the error "
     "budget is the downtime its SLO allows in the period minus the downtime counted."),
    ("Comparison with the previous period",
     "The same figures for the month (or quarter, or as many days) right before this period."),
    ("Ticket list",
     "Every ticket opened, resolved or closed in the period, or still open at its end, with its current status."),
)  # fmt: skip


def definitions() -> list[dict[str, str]]:
    """The ``definitions`` section of the figures document."""
    return [{"term": term, "text": text} for term, text in DEFINITIONS]
