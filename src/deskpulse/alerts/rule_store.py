"""Rules created through the API or UI, kept in ``alert_rules`` as the same JSON the config file uses.

The rules in force are the config file's plus the stored ones; a stored rule can never shadow a config rule
(its id is refused when it is saved, and skipped should one appear anyway).
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from deskpulse.alerts.rules import Rule
from deskpulse.alerts.settings import AlertsConfig
from deskpulse.store.alerts_tables import AlertRuleRow

log = logging.getLogger(__name__)


def stored_rules(session: Session) -> list[Rule]:
    """Every stored rule that still validates (one that does not is logged and left out)."""
    out = []
    for row in session.scalars(select(AlertRuleRow).order_by(AlertRuleRow.created_at, AlertRuleRow.id)):
        try:
            out.append(Rule.model_validate(row.rule))
        except ValidationError as exc:
            log.warning("stored alert rule %s is not valid any more and is ignored: %s", row.id, exc)
    return out


def all_rules(session: Session, alerts: AlertsConfig) -> list[Rule]:
    """The rules in force: the config file's, then the stored ones (config ids win)."""
    taken = {r.id for r in alerts.rules}
    return [*alerts.rules, *(r for r in stored_rules(session) if r.id not in taken)]


def get_rule(session: Session, rule_id: str) -> Rule | None:
    """One stored rule, or None."""
    row = session.get(AlertRuleRow, rule_id)
    return Rule.model_validate(row.rule) if row is not None else None


def save_rule(session: Session, rule: Rule, *, by: str | None, now: datetime) -> Rule:
    """Insert or replace the stored rule ``rule.id``. Check ``AlertsConfig.problems_with`` first."""
    row = session.get(AlertRuleRow, rule.id)
    data = rule.model_dump(mode="json")
    if row is None:
        session.add(AlertRuleRow(id=rule.id, rule=data, created_at=now, updated_at=now, created_by=by))
    else:
        row.rule, row.updated_at = data, now
    return rule


def delete_rule(session: Session, rule_id: str) -> bool:
    """Delete a stored rule; False when there was none. Its open alerts resolve at the next evaluation."""
    result = session.execute(delete(AlertRuleRow).where(AlertRuleRow.id == rule_id))
    return bool(getattr(result, "rowcount", 0))


def new_rule_id(name: str) -> str:
    """A fresh id for a rule created without one: a slug of its name and a random suffix."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30] or "rule"
    return f"{slug}-{secrets.token_hex(3)}"
