"""Channels against local receivers: a signed webhook, Slack and Teams payload shapes, e-mail through an SMTP
server; retries with backoff honouring Retry-After, giving up, channel health and the test button."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

import pytest

from alerts_support import T0, WEBHOOK_SECRET, Desk, Receiver, alerts, desk_config, minutes, receiver, smtp_server
from deskpulse.alerts import channel_status
from deskpulse.alerts.payloads import Notice, signature, verify
from deskpulse.alerts.runner import deliver_due, delivery_settings, evaluate_and_apply
from deskpulse.store.db import Database

FIRES_AT = T0 + minutes(90)


def rule(*channels: str) -> dict[str, Any]:
    return {"id": "p1", "name": "P1 overdue", "severity": "critical", "actions": {"channels": list(channels)},
            "condition": {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30}}  # fmt: skip


def channels(http: Receiver, secret: str = WEBHOOK_SECRET) -> list[dict[str, Any]]:
    return [
        {"type": "webhook", "name": "hook", "url": http.url("/hook/ops"), "secret": secret},
        {"type": "slack", "name": "slack", "url": http.url("/slack/ops")},
        {"type": "teams", "name": "teams", "url": http.url("/teams/ops")},
    ]


async def fire(db: Database, section: Any, **config: Any) -> Desk:
    cfg = desk_config(**config)
    desk = Desk(db, cfg)
    desk.add("42", at=T0, subject="Mail server down <again> & again")
    await evaluate_and_apply(db, cfg, FIRES_AT, alerts=section)
    await deliver_due(db, cfg, FIRES_AT, alerts=section)
    return desk


def test_the_signature_is_the_hex_hmac_sha256_of_the_body() -> None:
    body = b'{"event":"alert.fired"}'
    expected = "sha256=" + hmac.new(b"s3cret-s3cret-s3cret", body, hashlib.sha256).hexdigest()
    assert signature("s3cret-s3cret-s3cret", body) == expected
    assert verify("s3cret-s3cret-s3cret", body, expected)
    assert not verify("s3cret-s3cret-s3cret", body + b" ", expected) and not verify("x" * 16, body, None)


async def test_the_webhook_receiver_gets_signed_json_and_slack_and_teams_get_their_shapes(db: Database) -> None:
    with receiver() as http:
        section = alerts(rules=[rule("hook", "slack", "teams")], channels=channels(http))
        await fire(db, section)
    [hook] = http.at("/hook/ops")
    assert hook.headers["x-deskpulse-signature"] == signature(WEBHOOK_SECRET, hook.body)
    assert hook.headers["x-deskpulse-event"] == "alert.fired"
    assert hook.json()["alert"] | {"firedAt": None} == {
        "id": 1, "rule": "p1", "title": "First response overdue: desk #42", "severity": "critical", "level": 1,
        "state": "firing", "subject": "ticket:desk:42", "client": "acme", "firedAt": None,
        "url": "https://desk.example.test/tickets/desk:42",
        "message": "“Mail server down <again> & again” (urgent, acme) is 30 minutes of business time past its "
                   "first-response target (due Wed 18 Nov 09:00).",
    }  # fmt: skip

    [slack] = http.at("/slack/ops")
    payload = slack.json()
    assert payload["text"].startswith("First response overdue: desk #42\n")
    assert [b["type"] for b in payload["blocks"]] == ["header", "section", "context", "actions"]
    assert payload["blocks"][0]["text"] == {"type": "plain_text", "text": "First response overdue: desk #42"}
    assert "&lt;again&gt; &amp; again" in payload["blocks"][1]["text"]["text"], "mrkdwn control characters escaped"
    assert payload["blocks"][3]["elements"][0]["url"] == "https://desk.example.test/tickets/desk:42"

    [teams] = http.at("/teams/ops")
    message = teams.json()
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert [b["type"] for b in card["body"]] == ["TextBlock", "TextBlock", "FactSet"]
    assert card["body"][0]["color"] == "Attention"
    assert {"title": "Severity", "value": "critical"} in card["body"][2]["facts"]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in deskpulse",
                                "url": "https://desk.example.test/tickets/desk:42"}]  # fmt: skip


async def test_email_goes_through_the_smtp_server_with_a_link(db: Database) -> None:
    with smtp_server() as (smtp, inbox):
        section = alerts(rules=[rule("mail")], channels=[{"type": "email", "name": "mail", "to": ["ops@example.test"]}])
        await fire(db, section, smtp=smtp)
    [mail] = inbox.messages
    assert (mail["From"], mail["To"]) == ("alerts@example.test", "ops@example.test")
    assert mail["Subject"] == "[critical] First response overdue: desk #42"
    body = mail.get_payload(decode=True).decode()
    assert "Open: https://desk.example.test/tickets/desk:42" in body and "Level: 1" in body


async def test_a_wrong_signature_is_refused_and_not_retried(db: Database) -> None:
    with receiver() as http:
        section = alerts(rules=[rule("hook")], channels=channels(http, secret="not-the-receivers-secret"))
        desk = await fire(db, section)
    assert http.received == [] and len(http.rejected) == 1
    [attempt] = desk.deliveries()
    assert (attempt.ok, attempt.status_code, attempt.error) == (False, 401, "The webhook answered 401.")
    assert desk.outbox() == [("fired", "hook", 1, "failed")]
    assert desk.events()[-1] == "delivery_failed"


async def test_a_busy_receiver_is_retried_after_its_retry_after(db: Database) -> None:
    with receiver() as http:
        http.fail = [(503, "120")]
        section = alerts(rules=[rule("hook")], channels=channels(http))
        desk = await fire(db, section)
        assert desk.outbox() == [("fired", "hook", 1, "pending")]
        config = desk_config()
        await deliver_due(db, config, FIRES_AT + timedelta(seconds=119), alerts=section)
        assert len(desk.deliveries()) == 1, "not before Retry-After (longer than the 30 s backoff)"
        await deliver_due(db, config, FIRES_AT + timedelta(seconds=120), alerts=section)
    assert [(d.attempt, d.ok, d.status_code) for d in desk.deliveries()] == [(1, False, 503), (2, True, 200)]
    assert desk.outbox() == [("fired", "hook", 1, "sent")] and len(http.at("/hook/ops")) == 1


async def test_delivery_backs_off_then_gives_up_and_the_channel_shows_as_failing(db: Database) -> None:
    with receiver() as http:
        http.fail = [(500, None)] * 3
        section = alerts(rules=[rule("hook")], channels=channels(http), max_attempts=3, retry_seconds=10,
                         failing_after=3)  # fmt: skip
        desk = await fire(db, section)
        config = desk_config()
        waits = [10, 20]  # 10 s, then twice as long
        at = FIRES_AT
        for wait in waits:
            await deliver_due(db, config, at + timedelta(seconds=wait - 1), alerts=section)
            at += timedelta(seconds=wait)
            await deliver_due(db, config, at, alerts=section)
        await deliver_due(db, config, at + timedelta(hours=2), alerts=section)
    assert [(d.attempt, d.status_code) for d in desk.deliveries()] == [(1, 500), (2, 500), (3, 500)]
    assert desk.outbox() == [("fired", "hook", 1, "failed")]
    with db.session() as session:
        health = {h.name: h for h in channel_status.channel_health(session, section)}
    assert health["hook"].failing and health["hook"].consecutive_failures == 3
    assert health["hook"].last_error == "The webhook answered 500." and health["hook"].last_ok_at is None
    assert not health["slack"].failing and health["slack"].last_attempt_at is None


async def test_the_test_button_sends_a_test_notice_and_a_success_clears_failing(db: Database) -> None:
    with receiver() as http:
        section = alerts(channels=channels(http), failing_after=1)
        settings = delivery_settings(desk_config(), section)
        http.fail = [(502, None)]
        failed = await channel_status.test_channel(db, settings, "hook", T0, by="tess@example.test")
        with db.session() as session:
            assert channel_status.channel_health(session, section)[0].failing
        passed = await channel_status.test_channel(db, settings, "hook", T0 + minutes(1))
        with pytest.raises(channel_status.UnknownChannel, match="no alert channel called 'nope'"):
            await channel_status.test_channel(db, settings, "nope", T0)
    assert (failed.ok, failed.status_code, passed.ok) == (False, 502, True)
    [sent] = http.at("/hook/ops")
    assert sent.json()["event"] == "alert.test" and "by" not in sent.json()["alert"]["message"]
    with db.session() as session:
        health = channel_status.channel_health(session, section)[0]
    assert (health.failing, health.consecutive_failures, health.last_ok_at) == (False, 0, T0 + minutes(1))


async def test_email_without_smtp_fails_for_good_with_a_sentence(db: Database) -> None:
    section = alerts(channels=[{"type": "email", "name": "mail", "to": ["ops@example.test"]}])
    result = await channel_status.test_channel(db, delivery_settings(desk_config(), section), "mail", T0)
    assert (result.ok, result.permanent, result.error) == (False, True, "E-mail is not configured: set [smtp] host.")


async def test_a_resolved_notice_waits_for_its_firing_notice_to_be_retried_first(db: Database) -> None:
    with receiver() as http:
        http.fail = [(503, None)]
        section = alerts(rules=[rule("hook")], channels=channels(http))
        desk = await fire(db, section)
        config = desk_config()
        answered = FIRES_AT + timedelta(seconds=5)
        desk.change("42", answered, first_responded_at=answered)
        await evaluate_and_apply(db, config, answered, alerts=section)
        await deliver_due(db, config, answered, alerts=section)
        assert desk.outbox() == [("fired", "hook", 1, "pending"), ("resolved", "hook", 1, "pending")]
        await deliver_due(db, config, FIRES_AT + timedelta(seconds=30), alerts=section)
    assert [r.json()["event"] for r in http.at("/hook/ops")] == ["alert.fired", "alert.resolved"]


def test_a_notice_says_what_it_is() -> None:
    base = Notice(kind="fired", title="Queue full", message="m", severity="warning", level=2, state="firing", at=T0)
    assert base.headline == "Queue full"
    assert Notice(kind="escalated", title="Queue full", message="m", severity="warning", level=2, state="firing",
                  at=T0).headline == "Escalated to level 2: Queue full"  # fmt: skip
    assert Notice(kind="resolved", title="Queue full", message="m", severity="warning", level=2, state="resolved",
                  at=T0).headline == "Resolved: Queue full"  # fmt: skip
