"""Outgoing e-mail through the configured SMTP server (password-reset links now, reports later)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from deskpulse.config import SmtpConfig


class MailError(RuntimeError):
    """The e-mail could not be sent; the message says why in a sentence."""


def _domain_of(address: str) -> str:
    # The Message-ID's right-hand side: the sender's domain, so no slow reverse DNS lookup is needed.
    domain = address.rpartition("@")[2].strip(" >")
    return domain or "localhost"


def build_message(smtp: SmtpConfig, to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A plain-text message (with an HTML alternative when given) carrying a fresh Message-ID."""
    message = EmailMessage()
    message["From"] = smtp.from_address
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=_domain_of(smtp.from_address))
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


async def send_mail(smtp: SmtpConfig, to: str, subject: str, text: str, html: str | None = None) -> str:
    """Send one message and return its Message-ID; MailError when SMTP is not configured or fails."""
    if not smtp.enabled:
        raise MailError("E-mail is not configured on this server: set [smtp] host in the configuration.")
    try:
        message = build_message(smtp, to, subject, text, html)
    except ValueError as exc:  # a header with a line break or similar
        raise MailError(f"The e-mail to {to!r} could not be composed: {exc}.") from exc
    try:
        await aiosmtplib.send(
            message,
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username or None,
            password=smtp.password or None,
            use_tls=smtp.security == "tls",
            # False, not None: "none" must never upgrade on its own, "starttls" must never fall back to plain.
            start_tls=smtp.security == "starttls",
            timeout=smtp.timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise MailError(f"Sending e-mail through {smtp.host}:{smtp.port} failed: {exc}.") from exc
    return str(message["Message-ID"])
