"""The alert lifecycle: apply one evaluation to the store, idempotently, in the caller's transaction.

* A new firing subject opens an alert (firing, level 1) carrying a copy of its rule's escalation policy: the
  policy in force when an alert fires is the one it follows. Its first notice is queued unless silenced.
* While firing and unacknowledged it escalates to the next level ``after_minutes`` after it fired, and is
  re-notified only every ``repeat_interval_minutes``.
* A subject no longer firing is resolved automatically; the resolved notice goes to every channel that got a
  notice of it (also while silenced: whoever heard it fire hears it clear).
* Silenced alerts are recorded but notify no one (and escalate no further) until the silence ends.

Every step is a compare-and-set on the alert row and every notice has a unique dedupe value, so two workers
applying the same evaluation at once open one alert and queue each notice once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from deskpulse.alerts.changes import AlertChange, change_of
from deskpulse.alerts.evaluate import Evaluation, Firing
from deskpulse.alerts.opening import NewAlert, open_alerts
from deskpulse.alerts.outbox import (
    ESCALATED,
    FIRED,
    FIRING,
    REPEATED,
    WRITEBACK,
    WRITEBACK_CHANNEL,
    level_channels,
    queue,
    record_event,
)
from deskpulse.alerts.resolution import close_alert
from deskpulse.alerts.rules import Rule
from deskpulse.alerts.settings import Silence
from deskpulse.store.alerts_tables import AlertRow

LAST_SEEN_EVERY = timedelta(minutes=10)


@dataclass(slots=True)
class ApplyResult:
    """What one application changed."""

    fired: list[AlertChange] = field(default_factory=list)
    escalated: list[AlertChange] = field(default_factory=list)
    resolved: list[AlertChange] = field(default_factory=list)
    queued: int = 0


def silence_for(silences: Sequence[Silence], firing: Firing, now: datetime) -> Silence | None:
    """The first silence covering ``firing`` at ``now``."""
    return next(
        (s for s in silences if s.covers(rule=firing.rule_id, client=firing.client, source=firing.source, at=now)),
        None,
    )


def _refresh(session: Session, row: AlertRow, silence: Silence | None, now: datetime) -> None:
    # A still-firing alert is written only when something changes, not on every evaluation; its wording (which
    # counts minutes) is brought up to date when it notifies, and when it was last seen every few minutes.
    if now - row.last_seen_at >= LAST_SEEN_EVERY:
        row.last_seen_at = now
    if row.silenced != (silence is not None):
        row.silenced = silence is not None
        if silence is not None:
            record_event(session, row.id, "silenced", now, note=silence.reason)
        else:
            record_event(session, row.id, "unsilenced", now)


def _cas(session: Session, row: AlertRow, guard: Any, **values: Any) -> bool:
    """Update ``row`` only if ``guard`` still holds in the store (another worker may have acted first)."""
    stmt = update(AlertRow).where(AlertRow.id == row.id, AlertRow.state == FIRING, guard).values(**values)
    done = getattr(session.execute(stmt, execution_options={"synchronize_session": "fetch"}), "rowcount", 0) == 1
    return done


def _due_level(row: AlertRow, now: datetime) -> int:
    minutes = (now - row.fired_at) / timedelta(minutes=1)
    levels = row.policy.get("levels", [])
    return max((i + 1 for i, lv in enumerate(levels) if lv.get("after_minutes", 0) <= minutes), default=1)


def _reword(row: AlertRow, firing: Firing, now: datetime) -> None:
    row.title, row.message, row.last_seen_at = firing.title[:300], firing.message, now


def _advance(session: Session, row: AlertRow, firing: Firing, now: datetime, result: ApplyResult) -> None:
    """Queue what a firing, unsilenced alert owes now: its first notice, an escalation or a repeat."""
    if row.notify_count == 0:
        if _cas(session, row, AlertRow.notify_count == 0, notify_count=1, last_notified_at=now):
            _reword(row, firing, now)
            result.queued += queue(session, row, FIRED, 0, level_channels(row.policy, 1, row.level), now)
            if row.policy.get("writeback") and row.ticket_id is not None:
                result.queued += queue(session, row, WRITEBACK, 0, [WRITEBACK_CHANNEL], now)
        return
    level, was = _due_level(row, now), row.level
    if level > was:
        if _cas(session, row, AlertRow.level == was, level=level, escalated_at=now, last_notified_at=now,
                notify_count=AlertRow.notify_count + 1):  # fmt: skip
            _reword(row, firing, now)
            result.queued += queue(session, row, ESCALATED, level, level_channels(row.policy, was + 1, level), now)
            record_event(session, row.id, "escalated", now, level=level)
            result.escalated.append(change_of(row, "escalated"))
        return
    interval = row.policy.get("repeat_interval_minutes")
    last = row.last_notified_at or row.fired_at
    if interval and now - last >= timedelta(minutes=interval):
        count = row.notify_count
        if _cas(session, row, AlertRow.notify_count == count, notify_count=count + 1, last_notified_at=now):
            _reword(row, firing, now)
            result.queued += queue(session, row, REPEATED, count, level_channels(row.policy, 1, row.level), now)


def _clear(session: Session, row: AlertRow, evaluation: Evaluation, rules: Mapping[str, Rule], now: datetime,
           result: ApplyResult) -> None:  # fmt: skip
    """Resolve an open alert whose subject no longer fires (unless its rule is held or was not evaluated)."""
    if row.rule_id in evaluation.held_rules:
        return
    rule = rules.get(row.rule_id)
    if rule is not None and rule.enabled and row.rule_id not in evaluation.rule_ids:
        return  # not part of this evaluation
    gone = rule is None or not rule.enabled
    queued = close_alert(session, row, None, now, note="The rule was removed or disabled." if gone else None)
    if queued is not None:
        result.queued += queued
        result.resolved.append(change_of(row, "resolved"))


def apply_evaluation(
    session: Session, evaluation: Evaluation, rules: Mapping[str, Rule], silences: Sequence[Silence], now: datetime
) -> ApplyResult:
    """Open, advance and resolve alerts so the store matches ``evaluation``; call it in one transaction.

    ``rules`` are all known rules by id (enabled or not): the open alerts of a rule that is gone or disabled
    are resolved. Alerts of rules held for business hours are left as they are.
    """
    result = ApplyResult()
    opened = {row.dedupe_key: row for row in session.scalars(select(AlertRow).where(AlertRow.open_key.is_not(None)))}
    firing = evaluation.by_key()
    # New subjects first, opened in bulk (sorted by key); then one pass over the open alerts in dedupe-key
    # order. Concurrent workers take their locks in the same order, so they never deadlock.
    new = [
        NewAlert(found, rules[found.rule_id], silence_for(silences, found, now))
        for key, found in sorted(firing.items())
        if key not in opened and found.rule_id in rules
    ]
    result.fired, result.queued = open_alerts(session, new, now)
    for key in sorted(opened):
        row, found = opened[key], firing.get(key)
        if found is None:
            _clear(session, row, evaluation, rules, now, result)
            continue
        if found.rule_id not in rules:
            continue
        _refresh(session, row, silence_for(silences, found, now), now)
        if row.state == FIRING and not row.silenced:
            _advance(session, row, found, now, result)
    return result
