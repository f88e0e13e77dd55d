"""Every sentence the report itself prints, in English and Dutch, in one place.

Kept as a plain dictionary until the reports move to the application's gettext catalogs: each English
string is its own message id there, so moving means wrapping these in ``_()`` and dropping the Dutch column.
"""

from __future__ import annotations

from collections.abc import Callable

EN: dict[str, str] = {
    "report_title": "Service report",
    "period": "Period",
    "generated": "Generated",
    "page": "Page",
    "of": "of",
    "no_data": "No data this period.",
    "summary": "Summary",
    "opened": "Opened",
    "resolved": "Resolved",
    "closed": "Closed",
    "backlog_start": "Open at start",
    "backlog_end": "Open at end",
    "previous": "Previous period",
    "change": "Change",
    "daily": "Tickets per day",
    "by_type": "By type",
    "by_priority": "By priority",
    "by_category": "By category",
    "name": "Name",
    "count": "Tickets",
    "times": "Response and resolution times",
    "first_response": "First response",
    "resolution": "Resolution",
    "median": "Median",
    "average": "Average",
    "business_hours": "business hours",
    "calendar": "calendar time",
    "sla": "Service levels (SLA)",
    "met": "Met",
    "breached": "Breached",
    "met_pct": "Met %",
    "breached_tickets": "Tickets that missed their target",
    "ticket": "Ticket",
    "subject": "Subject",
    "priority": "Priority",
    "target": "Target",
    "due": "Due",
    "done": "Done",
    "overdue": "Over by",
    "quality": "Quality",
    "fcr": "First contact resolution",
    "reopened": "Reopened",
    "of_resolved": "of resolved tickets",
    "csat": "Customer satisfaction",
    "responses": "Responses",
    "positive": "Positive (4-5 of 5)",
    "comments": "Comments",
    "rating": "Rating",
    "hours": "Hours worked",
    "billable": "Billable",
    "non_billable": "Non-billable",
    "total": "Total",
    "agent": "Agent",
    "top_requesters": "Top requesters",
    "requester": "Requester",
    "uptime": "Service availability",
    "service": "Service",
    "objective": "Objective",
    "achieved": "Achieved",
    "downtime": "Downtime",
    "budget_left": "Budget left",
    "incidents": "Incidents",
    "no_incidents": "No incidents.",
    "start": "Start",
    "duration": "Duration",
    "root_cause": "Cause",
    "location": "Where",
    "ticket_list": "Appendix: tickets",
    "type": "Type",
    "status": "Status",
    "created": "Created",
    "definitions": "Appendix: definitions",
    "sources": "Data sources",
    "stale_since": "not updated since",
    "chart_unavailable": "Chart not available on this server; the table shows the same figures.",
    "email_intro": "Please find the service report for {period} attached as a PDF.",
    "email_greeting": "Hello,",
    "email_closing": "Kind regards,",
    "subject_line": "{company}: service report {client}, {period}",
    "yes": "yes",
    "no": "no",
    "customer_device_up": "Your equipment stayed up",
}

NL: dict[str, str] = {
    "report_title": "Servicerapport",
    "period": "Periode",
    "generated": "Gemaakt",
    "page": "Pagina",
    "of": "van",
    "no_data": "Geen gegevens in deze periode.",
    "summary": "Samenvatting",
    "opened": "Geopend",
    "resolved": "Opgelost",
    "closed": "Gesloten",
    "backlog_start": "Open aan het begin",
    "backlog_end": "Open aan het eind",
    "previous": "Vorige periode",
    "change": "Verschil",
    "daily": "Tickets per dag",
    "by_type": "Per type",
    "by_priority": "Per prioriteit",
    "by_category": "Per categorie",
    "name": "Naam",
    "count": "Tickets",
    "times": "Reactie- en oplostijden",
    "first_response": "Eerste reactie",
    "resolution": "Oplossing",
    "median": "Mediaan",
    "average": "Gemiddeld",
    "business_hours": "kantooruren",
    "calendar": "kalendertijd",
    "sla": "Serviceniveaus (SLA)",
    "met": "Gehaald",
    "breached": "Niet gehaald",
    "met_pct": "Gehaald %",
    "breached_tickets": "Tickets die hun doel niet haalden",
    "ticket": "Ticket",
    "subject": "Onderwerp",
    "priority": "Prioriteit",
    "target": "Doel",
    "due": "Uiterlijk",
    "done": "Gedaan",
    "overdue": "Te laat",
    "quality": "Kwaliteit",
    "fcr": "Opgelost bij eerste contact",
    "reopened": "Heropend",
    "of_resolved": "van de opgeloste tickets",
    "csat": "Klanttevredenheid",
    "responses": "Reacties",
    "positive": "Positief (4-5 van 5)",
    "comments": "Opmerkingen",
    "rating": "Score",
    "hours": "Gewerkte uren",
    "billable": "Declarabel",
    "non_billable": "Niet declarabel",
    "total": "Totaal",
    "agent": "Medewerker",
    "top_requesters": "Meeste meldingen",
    "requester": "Melder",
    "uptime": "Beschikbaarheid van diensten",
    "service": "Dienst",
    "objective": "Doel",
    "achieved": "Behaald",
    "downtime": "Uitval",
    "budget_left": "Marge over",
    "incidents": "Storingen",
    "no_incidents": "Geen storingen.",
    "start": "Begin",
    "duration": "Duur",
    "root_cause": "Oorzaak",
    "location": "Waar",
    "ticket_list": "Bijlage: tickets",
    "type": "Type",
    "status": "Status",
    "created": "Aangemaakt",
    "definitions": "Bijlage: begrippen",
    "sources": "Gegevensbronnen",
    "stale_since": "niet bijgewerkt sinds",
    "chart_unavailable": "Grafiek niet beschikbaar op deze server; de tabel toont dezelfde cijfers.",
    "email_intro": "In de bijlage vindt u het servicerapport over {period} als PDF.",
    "email_greeting": "Goedendag,",
    "email_closing": "Met vriendelijke groet,",
    "subject_line": "{company}: servicerapport {client}, {period}",
    "yes": "ja",
    "no": "nee",
    "customer_device_up": "Uw apparatuur bleef bereikbaar",
}

CATALOGS: dict[str, dict[str, str]] = {"en": EN, "nl": NL}
MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def translator(language: str) -> Callable[..., str]:
    """``t(key, **values)`` for ``language`` (English for unknown languages and missing keys)."""
    catalog = CATALOGS.get(language, EN)

    def t(key: str, **values: object) -> str:
        text = catalog.get(key) or EN.get(key, key)
        return text.format(**values) if values else text

    return t


def period_label(period: dict[str, str], language: str) -> str:
    """The period's label in ``language``: "oktober 2026" for a Dutch month, the document's label otherwise."""
    label = period.get("label", period.get("key", ""))
    if language == "nl":
        for english, dutch in zip(MONTHS_EN, MONTHS_NL, strict=True):
            label = label.replace(english, dutch)
    return label
