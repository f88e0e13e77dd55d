"""The definitions appendix of a report: one entry per figure, saying exactly how it was counted.

The figures document keeps the English text; the report prints it in the client's language (each term and
text is a catalog id, marked with ``N_``).
"""

from __future__ import annotations

from deskpulse.web.i18n import N_

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (N_("Period"), N_(
     "From local midnight of the first day to local midnight after the last day, in the client's time zone; "
     "a month with a daylight-saving change is an hour longer or shorter.")),
    (N_("Tickets opened"), N_("Tickets created in the period.")),
    (N_("Tickets resolved"), N_(
     "Tickets whose resolution time falls in the period (their close time where the system keeps no "
     "resolution time). A ticket reopened and resolved again counts at its latest resolution.")),
    (N_("Tickets closed"), N_("Tickets whose close time falls in the period.")),
    (N_("Backlog at start and end"), N_(
     "Tickets created before that instant and open at it, from the recorded status changes; tickets deleted "
     "in the ticket system are not counted anywhere in this report.")),
    (N_("By type, priority and category"), N_(
     "Tickets opened in the period, counted per value; \"(none)\" counts tickets without one.")),
    (N_("First response time"), N_(
     "From creation to the first agent reply (or to resolution, for a ticket resolved without a reply), for "
     "tickets whose first response fell in the period. Calendar time counts every hour; business time counts "
     "only the opening hours of the client's SLA calendar and leaves out time spent in a paused status "
     "(such as waiting on the customer), exactly as the SLA clock does. Median and average of those tickets.")),
    (N_("Resolution time"), N_(
     "From creation to resolution, for tickets resolved in the period; calendar and business time as for the "
     "first response time.")),
    (N_("SLA met"), N_(
     "Met / (met + breached) per target, as on the SLA page: a target counts as met when it was completed in "
     "the period in time, and as breached when its due time fell in the period and it was not completed by "
     "then (also when the ticket was completed later). Tickets without an SLA target are left out.")),
    (N_("Breached tickets"), N_(
     "The targets whose due time fell in the period and that were not met; overdue is the time from the due "
     "time to completion, or to when this report was made for a ticket still open.")),
    (N_("First contact resolution"), N_(
     "Tickets resolved in the period with at most one public agent reply, as a share of the resolved tickets "
     "whose replies are known.")),
    (N_("Reopen rate"), N_(
     "Tickets that went from resolved or closed back to an open status in the period, as a share of the "
     "tickets resolved in the period.")),
    (N_("Customer satisfaction (CSAT)"), N_(
     "Share of the survey answers submitted in the period that rated the service 4 or 5 out of 5.")),
    (N_("Hours worked"), N_(
     "Time entries on the client's tickets for work done in the period, billable and non-billable.")),
    (N_("Top requesters"), N_("The people who opened the most tickets in the period (at most ten).")),
    (N_("Service uptime"), N_(
     "Per service: the time it was up as a share of its scheduled time with monitoring data (maintenance "
     "windows left out), with the incidents in the period and the component that caused each; the error "
     "budget is the downtime its SLO allows in the period minus the downtime counted.")),
    (N_("Comparison with the previous period"), N_(
     "The same figures for the month (or quarter, or as many days) right before this period.")),
    (N_("Ticket list"), N_(
     "Every ticket opened, resolved or closed in the period, or still open at its end, with its current status.")),
)  # fmt: skip


def definitions() -> list[dict[str, str]]:
    """The ``definitions`` section of the figures document."""
    return [{"term": term, "text": text} for term, text in DEFINITIONS]
