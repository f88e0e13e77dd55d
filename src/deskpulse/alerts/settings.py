"""The ``[alerts]`` section: rules, notification channels and silences, plus delivery tuning.

Channels are named; rules refer to them by name. E-mail goes through the ``[smtp]`` server; Slack and Teams
get their incoming-webhook payloads; a generic webhook gets JSON signed with HMAC-SHA256.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from deskpulse.alerts.rules import NAME_PATTERN, Rule


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _http_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("the url must start with https:// (or http:// on a trusted network)")
    return value


class EmailChannel(_Model):
    """E-mail to one or more addresses through the ``[smtp]`` server."""

    type: Literal["email"]
    name: str = Field(pattern=NAME_PATTERN)
    to: list[str] = Field(min_length=1, max_length=50)
    # The language of addresses that are not a deskpulse user with a language of their own (default English).
    language: str | None = None

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        bad = [a for a in value if "@" not in a or any(c in a for c in ",;\r\n")]
        if bad:
            raise ValueError(f"these are not e-mail addresses (one address per entry): {', '.join(map(repr, bad))}")
        return [a.strip() for a in value]

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        from deskpulse.web.i18n import LANGUAGES  # the web layer owns the catalogs; imported when a channel names one

        if value is not None and value not in LANGUAGES:
            raise ValueError(f"deskpulse speaks {', '.join(map(repr, LANGUAGES))}; got {value!r}")
        return value


class SlackChannel(_Model):
    """A Slack incoming webhook (``https://hooks.slack.com/services/...``)."""

    type: Literal["slack"]
    name: str = Field(pattern=NAME_PATTERN)
    url: str = Field(repr=False)

    _url = field_validator("url")(_http_url)


class TeamsChannel(_Model):
    """A Microsoft Teams webhook (a Workflows "post to a channel when a webhook request is received" URL)."""

    type: Literal["teams"]
    name: str = Field(pattern=NAME_PATTERN)
    url: str = Field(repr=False)

    _url = field_validator("url")(_http_url)


class WebhookChannel(_Model):
    """Any HTTP endpoint: a JSON POST signed with ``X-Deskpulse-Signature: sha256=<hex HMAC of the body>``."""

    type: Literal["webhook"]
    name: str = Field(pattern=NAME_PATTERN)
    url: str
    secret: str = Field(min_length=16, repr=False)

    _url = field_validator("url")(_http_url)


Channel = Annotated[EmailChannel | SlackChannel | TeamsChannel | WebhookChannel, Field(discriminator="type")]


class Silence(_Model):
    """No notifications for alerts matching every given field between ``start`` and ``end``; the alerts are
    still recorded. A silence naming no rule, client or source is a maintenance window: it silences all."""

    rule: str | None = None
    client: str | None = None
    source: str | None = None
    start: datetime
    end: datetime
    reason: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _window(self) -> Silence:
        for name, value in (("start", self.start), ("end", self.end)):
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"silence {name} needs a time zone offset, e.g. 2026-11-18T22:00:00+01:00")
        if self.end <= self.start:
            raise ValueError("a silence must end after it starts")
        return self

    def covers(self, *, rule: str, client: str | None, source: str | None, at: datetime) -> bool:
        """True when this silence applies to an alert of ``rule`` about ``client``/``source`` at ``at``."""
        if not self.start <= at < self.end:
            return False
        return (
            (self.rule is None or self.rule == rule)
            and (self.client is None or self.client == client)
            and (self.source is None or self.source == source)
        )


class AlertsConfig(_Model):
    """Rules, channels and silences from the config file, and how notifications are delivered."""

    rules: list[Rule] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    silences: list[Silence] = Field(default_factory=list)
    # How often time-based conditions are evaluated between syncs.
    evaluate_seconds: float = Field(default=60, ge=10, le=3600)
    # A notification is tried this many times, waiting retry_seconds, then twice as long each time (at most 1 h).
    max_attempts: int = Field(default=6, ge=1, le=20)
    retry_seconds: float = Field(default=30, ge=1, le=3600)
    # A channel whose last this-many attempts all failed shows as failing on the status page.
    failing_after: int = Field(default=3, ge=1, le=100)
    # Resolved alerts (with their history and deliveries) are kept this many days; open ones are never pruned.
    history_days: int = Field(default=365, ge=1, le=36500)

    @model_validator(mode="after")
    def _consistent(self) -> AlertsConfig:
        for what, names in (
            ("rule ids", [r.id for r in self.rules]),
            ("channel names", [c.name for c in self.channels]),
        ):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"alert {what} must be unique; repeated: {', '.join(repeated)}")
        for rule in self.rules:
            problems = self.problems_with(rule, stored=False)
            if problems:
                raise ValueError(" ".join(problems))
        return self

    def channel(self, name: str) -> EmailChannel | SlackChannel | TeamsChannel | WebhookChannel | None:
        """The channel called ``name``, or None."""
        return next((c for c in self.channels if c.name == name), None)

    def problems_with(self, rule: Rule, *, stored: bool = True) -> list[str]:
        """Sentences on why ``rule`` cannot be used here (unknown channels; for a rule stored through the API,
        an id taken by a rule of the config file). Empty when it is fine."""
        problems = []
        unknown = [n for n in rule.channel_names if self.channel(n) is None]
        if unknown:
            known = ", ".join(c.name for c in self.channels) or "none are configured"
            problems.append(
                f"Rule {rule.id} names channels that are not in [[alerts.channels]]: {', '.join(unknown)} "
                f"(known: {known})."
            )
        if stored and any(r.id == rule.id for r in self.rules):
            problems.append(f"Rule id {rule.id} is taken by a rule of the config file; choose another id.")
        return problems

    def unknown_references(self, clients: Iterable[str], sources: Iterable[str]) -> list[str]:
        """Sentences naming clients and sources that rules and silences refer to but the configuration lacks
        (for the top-level config check); empty when all are known."""
        known = {"clients": set(clients), "sources": set(sources)}
        used: dict[str, set[str]] = {"clients": set(), "sources": set()}
        for rule in self.rules:
            used["clients"].update(rule.filters.clients)
            used["sources"].update(rule.filters.sources)
        for silence in self.silences:
            used["clients"].update([silence.client] if silence.client else [])
            used["sources"].update([silence.source] if silence.source else [])
        return [
            f"alerts name {what} that are not configured: {', '.join(sorted(used[what] - known[what]))}"
            for what in ("clients", "sources")
            if used[what] - known[what]
        ]
