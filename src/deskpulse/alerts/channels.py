"""Sending one notice to one channel and saying how it went: e-mail over SMTP (aiosmtplib), Slack, Teams and
the generic webhook over HTTP (httpx2).

A result is *permanent* when trying again cannot help (a 4xx other than 408/425/429, an SMTP 5xx, a missing
SMTP setup); anything else is retried with backoff, honouring ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import aiosmtplib
import httpx2

from deskpulse.alerts.email_notice import by_language, email_text
from deskpulse.alerts.payloads import SIGNATURE_HEADER, Notice, signature, slack_payload, teams_payload, webhook_body
from deskpulse.alerts.settings import EmailChannel, SlackChannel, TeamsChannel, WebhookChannel
from deskpulse.auth.mail import build_message
from deskpulse.config import SmtpConfig
from deskpulse.connectors.base import retry_after_seconds

AnyChannel = EmailChannel | SlackChannel | TeamsChannel | WebhookChannel
RESPONSE_CHARS = 1000
_TRANSIENT_4XX = frozenset({408, 425, 429})
USER_AGENT = "deskpulse-alerts"


@dataclass(frozen=True, slots=True)
class SendResult:
    """How one attempt went: the status code and (cut) response where there was one, or the error."""

    ok: bool
    status_code: int | None = None
    response: str | None = None
    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None


async def send_email(
    channel: EmailChannel, notice: Notice, smtp: SmtpConfig, languages: Mapping[str, str] | None = None
) -> SendResult:
    """One message per language through the ``[smtp]`` server, each to the channel's addresses that read it
    (``languages``: lower-case address -> a user's language; others get the channel's language, else English)."""
    if not smtp.enabled:
        return SendResult(False, error="E-mail is not configured: set [smtp] host.", permanent=True)
    result = SendResult(True)
    for language, addresses in by_language(channel, languages or {}).items():
        result = await _send_one(smtp, addresses, *email_text(notice, language))
        if not result.ok:
            return result
    return result


async def _send_one(smtp: SmtpConfig, addresses: list[str], subject: str, text: str) -> SendResult:
    try:
        message = build_message(smtp, ", ".join(addresses), subject, text)
    except ValueError as exc:
        return SendResult(False, error=f"The e-mail could not be composed: {exc}.", permanent=True)
    try:
        errors, reply = await aiosmtplib.send(
            message, hostname=smtp.host, port=smtp.port, username=smtp.username or None,
            password=smtp.password or None, use_tls=smtp.security == "tls", start_tls=smtp.security == "starttls",
            timeout=smtp.timeout_seconds,
        )  # fmt: skip
    except aiosmtplib.SMTPResponseException as exc:
        # 5xx: the server refuses for good (unknown mailbox, relay denied); 4xx: try again later.
        return SendResult(False, exc.code, exc.message[:RESPONSE_CHARS], f"SMTP {exc.code}: {exc.message}",
                          permanent=exc.code >= 500)  # fmt: skip
    except (aiosmtplib.SMTPException, OSError) as exc:
        return SendResult(False, error=f"Sending through {smtp.host}:{smtp.port} failed: {exc}")
    if errors:
        refused = ", ".join(f"{addr} ({code} {text})" for addr, (code, text) in errors.items())
        return SendResult(False, 250, reply[:RESPONSE_CHARS], f"Some recipients were refused: {refused}",
                          permanent=True)  # fmt: skip
    return SendResult(True, 250, reply[:RESPONSE_CHARS])


async def _post(client: httpx2.AsyncClient, url: str, content: bytes | None, json_body: object, headers: dict[str, str],
                now: datetime) -> SendResult:  # fmt: skip
    try:
        if content is not None:
            response = await client.post(url, content=content, headers=headers)
        else:
            response = await client.post(url, json=json_body, headers=headers)
    except httpx2.TimeoutException as exc:
        return SendResult(False, error=f"No answer in time from the webhook: {exc!r}")
    except httpx2.HTTPError as exc:
        return SendResult(False, error=f"The webhook could not be reached: {exc!r}")
    text = response.text[:RESPONSE_CHARS]
    if response.is_success:
        return SendResult(True, response.status_code, text)
    code = response.status_code
    permanent = 400 <= code < 500 and code not in _TRANSIENT_4XX
    return SendResult(
        False, code, text, f"The webhook answered {code}.", permanent,
        retry_after_seconds(response.headers.get("Retry-After"), now=now),
    )  # fmt: skip


async def send(
    channel: AnyChannel, notice: Notice, *, smtp: SmtpConfig, client: httpx2.AsyncClient, now: datetime,
    languages: Mapping[str, str] | None = None,
) -> SendResult:  # fmt: skip
    """Deliver ``notice`` to ``channel`` once; never raises for delivery problems. ``languages`` (lower-case
    address -> language) chooses the language of e-mails; the other channels stay English."""
    headers = {"User-Agent": USER_AGENT}
    if isinstance(channel, EmailChannel):
        return await send_email(channel, notice, smtp, languages)
    if isinstance(channel, SlackChannel):
        return await _post(client, channel.url, None, slack_payload(notice), headers, now)
    if isinstance(channel, TeamsChannel):
        return await _post(client, channel.url, None, teams_payload(notice), headers, now)
    body = webhook_body(notice)
    headers |= {"Content-Type": "application/json", SIGNATURE_HEADER: signature(channel.secret, body),
                "X-Deskpulse-Event": notice.event}  # fmt: skip
    return await _post(client, channel.url, body, None, headers, now)
