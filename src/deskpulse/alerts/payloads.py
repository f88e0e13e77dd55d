"""What a notice says, shaped for the machine-readable channels: Slack blocks, a Teams Adaptive Card, and the
JSON (with its HMAC-SHA256 signature) of the generic webhook. Pure functions; these stay English (the e-mail,
written for people, follows its reader's language: alerts/email_notice.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deskpulse.sentences import Sentence

SIGNATURE_HEADER = "X-Deskpulse-Signature"
_PREFIX = {"fired": "", "repeated": "Still firing: ", "resolved": "Resolved: ", "test": "Test: "}
# Slack limits: header text 150 characters, section text 3000.
_SLACK_HEADER, _SLACK_SECTION = 150, 3000


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice about one alert (or a test), as every channel renders it. ``url`` is absolute or None."""

    kind: str
    title: str
    message: str
    severity: str
    level: int
    state: str
    at: datetime
    url: str | None = None
    alert_id: int | None = None
    rule_id: str | None = None
    subject: str | None = None
    client: str | None = None
    fired_at: datetime | None = None
    # Title and message as translatable sentences when deskpulse wrote them itself (test notices); e-mails use
    # them in the reader's language. Alert titles and messages are stored English text.
    sentences: tuple[Sentence, Sentence] | None = None

    @property
    def headline(self) -> str:
        """The title with what this notice is: ``Resolved: ...``, ``Escalated to level 2: ...``."""
        if self.kind == "escalated":
            return f"Escalated to level {self.level}: {self.title}"
        return f"{_PREFIX.get(self.kind, '')}{self.title}"

    @property
    def event(self) -> str:
        """``alert.fired``, ``alert.escalated``, ``alert.repeated``, ``alert.resolved`` or ``alert.test``."""
        return f"alert.{self.kind}"


def _slack_escape(text: str) -> str:
    # Slack mrkdwn reserves these three characters.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(notice: Notice) -> dict[str, Any]:
    """An incoming-webhook message: ``text`` (notifications, fallback) and ``blocks`` (what Slack shows)."""
    context = f"*{notice.severity}* · level {notice.level}" + (f" · rule {notice.rule_id}" if notice.rule_id else "")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": notice.headline[:_SLACK_HEADER]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(notice.message)[:_SLACK_SECTION]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _slack_escape(context)}]},
    ]
    if notice.url:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open in deskpulse"}, "url": notice.url},
        ]})  # fmt: skip
    return {"text": f"{notice.headline}\n{notice.message}", "blocks": blocks}


def teams_payload(notice: Notice) -> dict[str, Any]:
    """A Teams message carrying one Adaptive Card (1.4), as Teams webhooks and Workflows accept it."""
    color = (
        "Good"
        if notice.kind == "resolved"
        else {"critical": "Attention", "warning": "Warning"}.get(notice.severity, "Default")
    )
    facts = [{"title": "Severity", "value": notice.severity}, {"title": "Level", "value": str(notice.level)}]
    if notice.rule_id:
        facts.append({"title": "Rule", "value": notice.rule_id})
    if notice.fired_at is not None:
        facts.append({"title": "Fired", "value": notice.fired_at.strftime("%Y-%m-%d %H:%M UTC")})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": notice.headline, "weight": "Bolder", "size": "Medium", "color": color,
             "wrap": True},
            {"type": "TextBlock", "text": notice.message, "wrap": True},
            {"type": "FactSet", "facts": facts},
        ],
    }  # fmt: skip
    if notice.url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in deskpulse", "url": notice.url}]
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
    return {"type": "message", "attachments": [attachment]}


def webhook_body(notice: Notice) -> bytes:
    """The generic webhook's JSON document, as the exact bytes that are signed and sent."""
    document = {
        "event": notice.event,
        "sentAt": notice.at.isoformat(),
        "alert": {
            "id": notice.alert_id, "rule": notice.rule_id, "title": notice.title, "message": notice.message,
            "severity": notice.severity, "level": notice.level, "state": notice.state, "subject": notice.subject,
            "client": notice.client, "url": notice.url,
            "firedAt": notice.fired_at.isoformat() if notice.fired_at else None,
        },
    }  # fmt: skip
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """The ``X-Deskpulse-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of ``body`` keyed by ``secret``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """True when ``header`` is the signature of ``body`` (constant-time; for receivers and tests)."""
    return header is not None and hmac.compare_digest(signature(secret, body), header)
