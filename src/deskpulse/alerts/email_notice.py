"""The alert e-mail in each recipient's language: which language an address reads, and the subject and body.

An address that belongs to a deskpulse user with a language gets that language; any other address gets the
channel's ``language``, else English. Alert titles and messages are stored in English when the alert fires and
are quoted as they are; the words deskpulse adds around them (labels, states, "Resolved:") are translated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.alerts.payloads import Notice
from deskpulse.alerts.settings import EmailChannel
from deskpulse.sentences import N_
from deskpulse.store.auth_tables import UserRow
from deskpulse.web.alert_words import alert_word
from deskpulse.web.i18n import DEFAULT_LANGUAGE, supported, translator_for

_HEADLINES = {
    "repeated": N_("Still firing: %(title)s"),
    "resolved": N_("Resolved: %(title)s"),
    "test": N_("Test: %(title)s"),
    "escalated": N_("Escalated to level %(level)d: %(title)s"),
}


def recipient_languages(session: Session, addresses: Iterable[str]) -> dict[str, str]:
    """Lower-case address -> language, for the addresses of active users who chose a language."""
    wanted = {a.strip().lower() for a in addresses}
    rows = session.execute(
        select(func.lower(UserRow.email), UserRow.language).where(
            func.lower(UserRow.email).in_(sorted(wanted)), UserRow.is_active
        )
    ).all()
    found = {email: supported(language) for email, language in rows}
    return {email: language for email, language in found.items() if language is not None}


def by_language(channel: EmailChannel, languages: Mapping[str, str]) -> dict[str, list[str]]:
    """The channel's addresses grouped by the language each reads (user's choice, channel's, English)."""
    fallback = supported(channel.language) or DEFAULT_LANGUAGE
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for address in channel.to:
        groups[languages.get(address.lower(), fallback)].append(address)
    return dict(groups)


def email_text(notice: Notice, language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """The subject and plain-text body of the e-mail in ``language``."""
    _ = translator_for(language)
    title, message = notice.title, notice.message
    if notice.sentences is not None:
        title, message = (sentence.in_language(_) for sentence in notice.sentences)
    template = _HEADLINES.get(notice.kind)
    headline = _(template, title=title, level=notice.level) if template else title
    severity = alert_word("severity", notice.severity, language)
    lines = [
        message, "", _("Severity: %(severity)s", severity=severity), _("Level: %(level)d", level=notice.level),
        _("State: %(state)s", state=alert_word("state", notice.state, language)),
    ]  # fmt: skip
    if notice.rule_id:
        lines.append(_("Rule: %(rule)s", rule=notice.rule_id))
    if notice.url:
        lines += ["", _("Open: %(url)s", url=notice.url)]
    return f"[{severity}] {headline}", "\n".join(lines) + "\n"
