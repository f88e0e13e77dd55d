"""Dutch and English: which language a request gets, gettext for templates and code, locale-aware formats.

The language is the signed-in user's choice (``users.language``), else the browser's ``Accept-Language``,
else English. Catalogs live in ``deskpulse/locale/<lang>/LC_MESSAGES/messages.mo`` inside the package, so an
installed wheel translates too; ``make i18n`` extracts, updates and compiles them (docs/i18n.md).
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from fastapi import HTTPException, Request
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from sqlalchemy import select

from deskpulse.sentences import N_ as N_  # re-exported: pages mark their sentences with it
from deskpulse.store.auth_tables import UserRow

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# Language code -> its own name, as the language picker shows it.
LANGUAGES = {"nl": "Nederlands", "en": "English"}
# Date-time patterns (CLDR syntax) for pages: English keeps deskpulse's unambiguous ISO-like form.
DATETIME_PATTERNS = {"en": "yyyy-MM-dd HH:mm", "nl": "d-M-yyyy HH:mm"}

Translator = Callable[..., str]


# Role values as people read them; extracted through N_ and translated where shown.
ROLE_NAMES = {
    "admin": N_("admin"),
    "manager": N_("manager"),
    "account_manager": N_("account manager"),
    "technician": N_("technician"),
    "viewer": N_("viewer"),
    "customer": N_("customer"),
}
PRIORITY_NAMES = {
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
    "urgent": N_("Urgent"),
    "(none)": N_("No priority"),
}


# Sentences the browser scripts write (static/js/i18n.js reads their translations from the page); "{name}" is
# filled in by the script. Listed here so the catalog extracts them.
SCRIPT_STRINGS = (
    N_("Data as of {time}"),
    N_("No data synced yet"),
    N_("the last sync failed"),
    N_("Stale since {since}: {reason}"),
    N_("Refresh failed: {message}. Showing the last figures; retrying."),
    N_("No open alerts"),
    N_("{count} open alert · {firing} firing"),
    N_("{count} open alerts · {firing} firing"),
    N_("Connecting…"),
    N_("Opening the live connection."),
    N_("Live"),
    N_("Changes appear as soon as they are synced."),
    N_("Reconnecting…"),
    N_("The live connection was interrupted; reconnecting."),
    N_("Paused"),
    N_("Auto-refresh is off: this page does not change until you turn it back on."),
    N_("Offline since {since}"),
    N_("The server cannot be reached; still trying to reconnect."),
    N_("Auto-refresh"),
    N_("Update this page as soon as something changes"),
    N_("Notify me"),
    N_("Show a browser notification for critical alerts"),
    # Charts shown as tables (static/js/chart-table.js) and alert notifications (static/js/notify.js)
    N_(
        "Charts are not available on this server (the optional deskpulse[charts] package is not installed); "
        "showing a table instead."
    ),
    N_("Chart data"),
    N_("deskpulse alert"),
    # TV wall display (static/js/tv.js)
    N_("Status"),
    N_("None right now"),
    N_("and {count} more"),
    N_("No data yet"),
    N_("Data is {minutes} min old"),
    N_("Nothing to show on this screen."),
    # Settings and the set-up wizard (static/js/settings.js)
    N_("Testing the connection…"),
    N_("The test could not be sent: {reason}"),
    N_("Done: {count} devices stored."),
    N_("Done: {count} tickets stored."),
    N_("The sync failed."),
    N_("Polling LibreNMS… the devices show here once the first poll is stored."),
    N_("Syncing in another process… the tickets show here once its first cycle is stored."),
    N_("Syncing… {count} tickets fetched so far."),
    N_("Waiting for the sync to start…"),
    N_("No sync process has started it yet: is `deskpulse worker` running next to a --web-only server?"),
    N_("Reconnecting… ({reason})"),
)


@cache
def translations(language: str) -> stdlib_gettext.NullTranslations:
    """The compiled catalog of ``language`` (English, the source language, falls back to the msgids)."""
    if language not in LANGUAGES:
        return stdlib_gettext.NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], DOMAIN)


def supported(language: str | None) -> str | None:
    """``language`` when deskpulse speaks it ("nl-BE" counts as "nl"), else None."""
    if not language:
        return None
    primary = language.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def browser_language(header: str | None) -> str:
    """The best supported language of an ``Accept-Language`` header (highest q first), else English."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = supported(tag)
        if language is not None and 0 < quality <= 1:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def _user_choice(request: Request) -> str | None:
    """The signed-in user's stored language, or None (anonymous, API key, kiosk, or "browser default")."""
    from deskpulse.web.auth import optional_principal  # auth imports the store; keep this module light to import

    try:
        principal = optional_principal(request)
    except HTTPException:  # a wrong API key: the route itself answers with the 401
        return None
    if principal is None or principal.user_id is None or principal.session_id is None:
        return None  # API keys (which carry their creator's id) and kiosk links follow Accept-Language
    with request.app.state.db.session() as session:
        stored = session.scalar(select(UserRow.language).where(UserRow.id == principal.user_id))
    return supported(stored)


def request_language(request: Request) -> str:
    """The language of this request's pages and messages; worked out once per request."""
    cached = getattr(request.state, "language", None)
    if isinstance(cached, str):
        return cached
    language = _user_choice(request) or browser_language(request.headers.get("accept-language"))
    request.state.language = language
    return language


def forget_language(request: Request) -> None:
    """Drop the cached language (after the user changed it in this very request)."""
    if hasattr(request.state, "language"):
        del request.state.language


def translator_for(language: str) -> Translator:
    """``_(message, **values)`` in ``language``; ``%(name)s`` placeholders are filled from ``values``."""
    catalog = translations(language)

    def translate(message: str, **values: Any) -> str:
        text = catalog.gettext(message)
        return text % values if values else text

    return translate


def translator(request: Request) -> Translator:
    """``_`` for strings made in code (flash messages, form errors) in the request's language."""
    return translator_for(request_language(request))


# --- Jinja ---------------------------------------------------------------------------------------------------


def _context_language(context: Context) -> str:
    """An explicit ``language`` in the template context (e-mails, reports), else the request's, else English."""
    explicit = supported(context.get("language"))
    if explicit is not None:
        return explicit
    request = context.get("request")
    return request_language(request) if isinstance(request, Request) else DEFAULT_LANGUAGE


@pass_context
def _jinja_gettext(context: Context, message: str) -> str:
    return translations(_context_language(context)).gettext(message)


@pass_context
def _jinja_ngettext(context: Context, singular: str, plural: str, n: float) -> str:
    return translations(_context_language(context)).ngettext(singular, plural, int(n))


@pass_context
def _current_language(context: Context) -> str:
    return _context_language(context)


@pass_context
def _script_strings(context: Context) -> dict[str, str]:
    catalog = translations(_context_language(context))
    translated = {text: catalog.gettext(text) for text in SCRIPT_STRINGS}
    return {text: other for text, other in translated.items() if other != text}


@pass_context
def _priority_name(context: Context, priority: str | None) -> str:
    if not priority:
        return "–"
    name = PRIORITY_NAMES.get(priority.lower(), priority.capitalize())
    return translations(_context_language(context)).gettext(name)


@pass_context
def _role_name(context: Context, role: str) -> str:
    name = ROLE_NAMES.get(role, role.replace("_", " "))
    return translations(_context_language(context)).gettext(name)


def format_local_datetime(value: datetime, zone: ZoneInfo, language: str) -> str:
    """``value`` in ``zone`` as the pages show it: ``2026-11-22 21:15`` in English, ``22-11-2026 21:15`` in Dutch."""
    return babel_datetime(value.astimezone(zone), DATETIME_PATTERNS[language], locale=language)


def format_number(value: float | int | None, language: str, digits: int = 1, *, fixed: bool = False) -> str:
    """``1234.5`` as ``1,234.5`` (English) or ``1.234,5`` (Dutch); at most ``digits`` decimals (exactly that many
    when ``fixed``); None is a dash."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + ("0" if fixed else "#") * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=language)


def format_share(value: float | None, language: str, digits: int = 1) -> str:
    """A percentage given as 0..100 (``97.5``) as ``97.5%`` / ``97,5%``; None is a dash."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "") + "%"
    return format_percent(value / 100, format=pattern, locale=language)


def format_duration_in(seconds: int, language: str) -> str:
    """Like domain ``format_duration`` (floored, absolute) in ``language``'s units: ``3 h 05 min`` / ``3 u 05 min``."""
    _ = translator_for(language)
    minutes = abs(int(seconds)) // 60
    if minutes < 1:
        return _("< 1 min")
    if minutes < 60:
        return _("%(minutes)d min", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(hours)d h %(minutes)02d min", hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return _("%(days)d d %(hours)02d h", days=days, hours=hours)


def install_i18n(env: Environment, zone: ZoneInfo | Callable[[], ZoneInfo]) -> None:
    """Give ``env`` gettext (``_``, ``{% trans %}``) that follows each render's language, and locale filters.
    ``zone`` may be a callable, read at every render (the time zone can change under Settings)."""
    zone_now: Callable[[], ZoneInfo] = zone if callable(zone) else (lambda: zone)
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # whitespace inside {% trans %} is layout, not part of the message
    env.install_gettext_callables(_jinja_gettext, _jinja_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["current_language"] = _current_language
    env.globals["languages"] = LANGUAGES
    env.globals["role_name"] = _role_name
    env.globals["priority_name"] = _priority_name
    env.globals["script_strings"] = _script_strings

    @pass_context
    def localtime(context: Context, value: datetime) -> str:
        return format_local_datetime(value, zone_now(), _context_language(context))

    @pass_context
    def number(context: Context, value: float | int | None, digits: int = 1, fixed: bool = False) -> str:
        return format_number(value, _context_language(context), digits, fixed=fixed)

    @pass_context
    def percent(context: Context, value: float | None, digits: int = 1) -> str:
        return format_share(value, _context_language(context), digits)

    @pass_context
    def duration(context: Context, seconds: int) -> str:
        return format_duration_in(seconds, _context_language(context))

    env.filters.update(localtime=localtime, number=number, percent=percent, duration=duration)
