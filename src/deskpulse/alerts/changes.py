"""What the lifecycle reports about an alert that changed (for live events and logs), and the escalation policy
snapshot an alert keeps from the rule that opened it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deskpulse.alerts.rules import Rule
from deskpulse.store.alerts_tables import AlertRow


@dataclass(frozen=True, slots=True)
class AlertChange:
    """An alert that fired, escalated or resolved in this application (for live events and logs)."""

    alert_id: int
    change: str
    rule_id: str
    title: str
    message: str
    severity: str
    url: str | None
    client_id: int | None
    level: int
    silenced: bool


def change_of(row: AlertRow, change: str) -> AlertChange:
    """The live-event view of ``row``."""
    return AlertChange(row.id, change, row.rule_id, row.title, row.message, row.severity, row.url, row.client_id,
                       row.level, row.silenced)  # fmt: skip


def policy_of(rule: Rule) -> dict[str, Any]:
    """The snapshot of ``rule``'s escalation policy kept on each alert it opens."""
    levels = [{"after_minutes": 0, "channels": list(rule.actions.channels)}]
    levels += [{"after_minutes": lv.after_minutes, "channels": list(lv.channels)} for lv in rule.escalation.levels]
    writeback = rule.actions.writeback
    return {
        "levels": levels,
        "repeat_interval_minutes": rule.repeat_interval_minutes,
        "writeback": writeback.model_dump(mode="json") if writeback is not None else None,
    }
