"""Alert e-mails in their reader's language: a deskpulse user's own choice, else the channel's ``language``, else
English; one message per language. Webhook-style channels stay English."""

from __future__ import annotations

from typing import Any

import pytest

from alerts_support import T0, Desk, alerts, desk_config, minutes, smtp_server
from deskpulse.alerts import channel_status
from deskpulse.alerts.runner import deliver_due, delivery_settings, evaluate_and_apply
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import SmtpConfig
from deskpulse.store.db import Database

FIRES_AT = T0 + minutes(90)
RULE = {"id": "p1", "name": "P1 overdue", "severity": "critical", "actions": {"channels": ["mail"]},
        "condition": {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30}}  # fmt: skip


def user(db: Database, email: str, language: str | None) -> None:
    with db.session() as session:
        row = create_user(session, email=email, role=Role.TECHNICIAN, now=T0, password="correct horse battery")
        row.language = language


def mail_channel(*to: str, **options: Any) -> dict[str, Any]:
    return {"type": "email", "name": "mail", "to": list(to), **options}


async def fire_and_resolve(db: Database, smtp: SmtpConfig, channel: dict[str, Any]) -> None:
    """Ticket 42 breaches its first-response target (an alert fires), then gets its answer (it resolves)."""
    section = alerts(rules=[RULE], channels=[channel])
    config = desk_config(smtp=smtp)
    desk = Desk(db, config)
    desk.add("42", at=T0)
    await evaluate_and_apply(db, config, FIRES_AT, alerts=section)
    await deliver_due(db, config, FIRES_AT, alerts=section)
    answered = FIRES_AT + minutes(5)
    desk.change("42", answered, first_responded_at=answered)
    await evaluate_and_apply(db, config, answered, alerts=section)
    await deliver_due(db, config, answered, alerts=section)


def body(mail: Any) -> str:
    return str(mail.get_payload(decode=True).decode()).replace("\r\n", "\n")


async def test_an_alert_mail_goes_out_in_dutch_to_a_user_who_chose_dutch_and_in_english_to_the_rest(
    db: Database,
) -> None:
    user(db, "Ann@Example.test", "nl")
    user(db, "eric@example.test", None)  # "browser default": no language of his own, so the channel's (English)
    with smtp_server() as (smtp, inbox):
        await fire_and_resolve(db, smtp, mail_channel("ann@example.test", "eric@example.test", "ops@example.test"))
    fired_nl, fired_en, resolved_nl, resolved_en = inbox.messages
    assert fired_nl["To"] == "ann@example.test" and fired_en["To"] == "eric@example.test, ops@example.test"
    assert fired_nl["Subject"] == "[kritiek] First response overdue: desk #42"  # the alert's own title is stored
    assert "Ernst: kritiek\nNiveau: 1\nToestand: actief\nRegel: p1\n" in body(fired_nl)
    assert "Openen: https://desk.example.test/tickets/desk:42" in body(fired_nl) and "Severity" not in body(fired_nl)
    assert fired_en["Subject"] == "[critical] First response overdue: desk #42"
    assert "Severity: critical\nLevel: 1\nState: firing\n" in body(fired_en)
    assert resolved_nl["Subject"] == "[kritiek] Opgelost: First response overdue: desk #42"
    assert "Toestand: opgelost" in body(resolved_nl)
    assert resolved_en["Subject"] == "[critical] Resolved: First response overdue: desk #42"


async def test_the_channel_language_is_for_addresses_of_no_user_with_a_language_of_their_own(db: Database) -> None:
    user(db, "eric@example.test", "en")
    section = alerts(channels=[mail_channel("ops@example.test", "eric@example.test", language="nl")])
    with smtp_server() as (smtp, inbox):
        settings = delivery_settings(desk_config(smtp=smtp), section)
        result = await channel_status.test_channel(db, settings, "mail", T0, by="tess@example.test")
    assert result.ok
    dutch, english = inbox.messages
    assert (dutch["To"], english["To"]) == ("ops@example.test", "eric@example.test")
    assert dutch["Subject"] == "[info] Test: Testmelding voor mail"
    assert "Dit is een test van het email-kanaal mail, verstuurd vanuit deskpulse door tess@example.test." in body(
        dutch
    )
    assert english["Subject"] == "[info] Test: Test notification for mail"
    assert "This is a test of the email channel mail, sent from deskpulse by tess@example.test." in body(english)


def test_a_channel_language_deskpulse_does_not_speak_is_refused_when_the_configuration_loads() -> None:
    with pytest.raises(ValueError, match=r"language\n.*deskpulse speaks 'nl', 'en'; got 'fr'"):
        alerts(channels=[mail_channel("ops@example.test", language="fr")])
