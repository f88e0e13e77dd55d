"""Running the alerts engine: evaluate every rule against the store and apply the result (one transaction),
deliver what is due, and push ``alerts`` live events for alerts that fired or resolved.

Call :func:`run_alerts` after each sync cycle and on a timer (``[alerts] evaluate_seconds``) for the
time-based conditions. Any number of workers may run it at once: they open one alert per subject and send
each notice once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx2

from deskpulse.alerts.changes import AlertChange
from deskpulse.alerts.delivery import DeliveryReport, DeliverySettings, deliver_outbox
from deskpulse.alerts.evaluate import evaluate
from deskpulse.alerts.inputs import load_inputs
from deskpulse.alerts.lifecycle import ApplyResult, apply_evaluation
from deskpulse.alerts.rule_store import all_rules
from deskpulse.alerts.settings import AlertsConfig, Silence
from deskpulse.alerts.silences import stored_silences
from deskpulse.alerts.writeback import Writer, connector_writer
from deskpulse.config import Config
from deskpulse.live.events import DESK, LiveEvent
from deskpulse.live.service import LiveService
from deskpulse.store.db import Database
from deskpulse.web.uptime_view import UptimeView


def alerts_config(config: Config) -> AlertsConfig:
    """``config.alerts`` (an empty section until the config declares one)."""
    found = getattr(config, "alerts", None)
    return found if isinstance(found, AlertsConfig) else AlertsConfig()


def delivery_settings(config: Config, alerts: AlertsConfig | None = None) -> DeliverySettings:
    """What delivery needs from ``config``."""
    return DeliverySettings(alerts or alerts_config(config), config.smtp, config.auth.public_url)


_STATES = {"resolved": "resolved", "acknowledged": "acknowledged"}


def _data(change: AlertChange) -> dict[str, Any]:
    # The browser notifies for severity "critical" only: a silenced, acknowledged or resolved alert must not pop up.
    quiet = change.silenced or change.change in _STATES
    return {
        "id": change.alert_id, "rule": change.rule_id, "title": change.title, "message": change.message,
        "severity": "info" if quiet else change.severity, "ruleSeverity": change.severity, "url": change.url,
        "state": _STATES.get(change.change, "firing"), "level": change.level, "silenced": change.silenced,
    }  # fmt: skip


def events_for(change: AlertChange, at: datetime) -> list[LiveEvent]:
    """``alert.<change>`` for the desk, and for the alert's client when it has one. For the API too: after an
    acknowledgement, publish ``events_for(change_of(row, "acknowledged"), now)``."""
    data = _data(change)
    events = [LiveEvent("alerts", f"alert.{change.change}", DESK, data, at)]
    if change.client_id is not None:
        events.append(LiveEvent("alerts", f"alert.{change.change}", change.client_id, data, at))
    return events


def live_events(result: ApplyResult, at: datetime) -> list[LiveEvent]:
    """The events of every alert that fired, escalated or resolved in one application."""
    return [
        event for change in (*result.fired, *result.escalated, *result.resolved) for event in events_for(change, at)
    ]


async def evaluate_and_apply(
    db: Database, config: Config, now: datetime, *, alerts: AlertsConfig | None = None,
    live: LiveService | None = None, silences: Iterable[Silence] = (), uptime: UptimeView | None = None,
) -> ApplyResult:  # fmt: skip
    """Evaluate the rules in force (config and stored) at ``now`` and apply the result in one transaction;
    ``silences`` add to the configured ones and those created in the UI (maintenance windows from elsewhere).
    ``uptime``: the worker's uptime view, so uptime figures are cached between runs."""
    section = alerts or alerts_config(config)

    def run() -> ApplyResult:
        with db.session() as session:
            quiet: Sequence[Silence] = [*section.silences, *stored_silences(session, now), *silences]
            rules = all_rules(session, section)
            evaluation = evaluate(rules, load_inputs(session, config, rules, now, uptime))
            return apply_evaluation(session, evaluation, {r.id: r for r in rules}, quiet, now)

    result = await asyncio.to_thread(run)
    if live is not None:
        await live.publish(live_events(result, now))
    return result


async def deliver_due(
    db: Database, config: Config, now: datetime, *, alerts: AlertsConfig | None = None,
    client: httpx2.AsyncClient | None = None, writer: Writer | None = None,
    connector_kwargs: Mapping[str, dict[str, Any]] | None = None, owner: str | None = None,
) -> DeliveryReport:  # fmt: skip
    """Deliver every due notice and write-back (write-backs through the sources' connectors by default)."""
    settings = delivery_settings(config, alerts)
    write = writer or connector_writer(config, connector_kwargs)
    return await deliver_outbox(db, settings, now, client=client, writer=write, owner=owner)


@dataclass(frozen=True, slots=True)
class AlertsRun:
    """One run: what the evaluation changed and what delivery did."""

    applied: ApplyResult
    delivered: DeliveryReport


async def run_alerts(
    db: Database, config: Config, now: datetime, *, live: LiveService | None = None,
    connector_kwargs: Mapping[str, dict[str, Any]] | None = None, uptime: UptimeView | None = None,
) -> AlertsRun:  # fmt: skip
    """Evaluate, apply, then deliver: what a worker calls after each sync and on its timer."""
    applied = await evaluate_and_apply(db, config, now, live=live, uptime=uptime)
    delivered = await deliver_due(db, config, now, connector_kwargs=connector_kwargs)
    return AlertsRun(applied, delivered)
