"""The words of alert and silence values as the pages show them (states, severities, history events), marked for
the catalog and translated at render time through the ``alert_word(group, value)`` template global.

The stored values and the JSON API stay English; only what a person reads on a page changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from deskpulse.web.i18n import N_, translator_for

ALERT_WORDS: dict[str, dict[str, str]] = {
    # The state filter of /alerts and an alert's own state.
    "state": {
        "open": N_("open"),
        "firing": N_("firing"),
        "acknowledged": N_("acknowledged"),
        "resolved": N_("resolved"),
        "all": N_("all"),
    },
    # The heading of /alerts per state filter ("Open alerts").
    "heading": {
        "open": N_("Open alerts"),
        "firing": N_("Firing alerts"),
        "acknowledged": N_("Acknowledged alerts"),
        "resolved": N_("Resolved alerts"),
        "all": N_("All alerts"),
    },
    "severity": {"info": N_("info"), "warning": N_("warning"), "critical": N_("critical")},
    # Entries of an alert's history, and the kind of notice a "notified" entry sent.
    "event": {
        "fired": N_("fired"),
        "acknowledged": N_("acknowledged"),
        "resolved": N_("resolved"),
        "auto_resolved": N_("resolved automatically"),
        "escalated": N_("escalated"),
        "notified": N_("notified"),
        "delivery_failed": N_("delivery failed"),
        "silenced": N_("silenced"),
        "unsilenced": N_("silence over"),
        "repeated": N_("still firing"),
        "writeback": N_("ticket updated"),
        "test": N_("test"),
    },
    "silence": {"active": N_("active"), "upcoming": N_("upcoming"), "ended": N_("ended"), "expired": N_("expired")},
}


def alert_word(group: str, value: str | None, language: str) -> str:
    """``value`` of ``group`` in ``language``; an unknown value is shown as it is (underscores as spaces)."""
    if not value:
        return "–"
    known = ALERT_WORDS.get(group, {}).get(value)
    return translator_for(language)(known) if known else value.replace("_", " ")


def install_alert_words(env: Environment) -> None:
    """Give ``env`` the ``alert_word(group, value)`` global, in the language of each render."""

    @pass_context
    def word(context: Context, group: str, value: str | None) -> str:
        # install_i18n's ``current_language``: the render's language (explicit, else the request's, else English)
        current = cast(Callable[[Context], str], context.environment.globals["current_language"])
        return alert_word(group, value, current(context))

    env.globals["alert_word"] = word
