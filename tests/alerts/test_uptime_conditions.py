"""Uptime conditions on the hand-built October of the uptime tests: a service that is down now, or whose error
budget left this month is below a percentage, fires one alert per service and resolves when that clears."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select

from alerts_support import Tables, alerts
from deskpulse.alerts import inputs
from deskpulse.alerts.rules import Rule
from deskpulse.alerts.runner import evaluate_and_apply
from deskpulse.alerts.service_conditions import ServiceState
from deskpulse.config import Config
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.tables import ClientRow
from deskpulse.store.uptime_graphs import ClientDirectory, parse_graph, save_version
from deskpulse.store.uptime_tables import NmsOutageRow
from deskpulse.store.uptime_writes import poll_state
from deskpulse.web.uptime_view import UptimeView
from uptime_store_support import CLIENTS, GRAPH_YAML, at, config, seed_month

NOW = at(23, 12)  # Acme has been down 80 minutes this October (7th, 20th, 22nd) of the 223 its SLO allows


def _seeded(db: Database) -> int:
    source_id = seed_month(db)
    with db.session() as session:
        sync_clients(session, CLIENTS)
        save_version(session, parse_graph(GRAPH_YAML, ClientDirectory.load(session)), fmt="yaml", now=at(1),
                     created_by="test")  # fmt: skip
    return source_id


def _outage(db: Database, source_id: int, host: str, start: datetime, end: datetime | None) -> int:
    """An outage as a LibreNMS poll would store it (``end`` None: still down), bumping the data version."""
    with db.session() as session:
        row = NmsOutageRow(source_id=source_id, hostname=host, start=start, end=end)
        session.add(row)
        _changed(session, source_id, start)
        session.flush()
        return row.id


def _end_outage(db: Database, source_id: int, outage_id: int, end: datetime) -> None:
    with db.session() as session:
        row = session.get(NmsOutageRow, outage_id)
        assert row is not None
        row.end = end
        _changed(session, source_id, row.start)


def _changed(session: object, source_id: int, since: datetime) -> None:
    state = poll_state(session, source_id)  # type: ignore[arg-type]
    state.data_version += 1
    state.changes = [*state.changes, [state.data_version, since.isoformat()]]


def _rule(condition: dict[str, object], **extra: object) -> dict[str, object]:
    return {"id": "svc", "name": "Customer service", "condition": condition, "severity": "critical", **extra}


async def _run(db: Database, cfg: Config, now: datetime, *rules: dict[str, object], view: UptimeView) -> None:
    await evaluate_and_apply(db, cfg, now, alerts=alerts(rules=list(rules)), uptime=view)


def _client_id(db: Database, key: str) -> int:
    with db.session() as session:
        found = session.scalar(select(ClientRow.id).where(ClientRow.key == key))
        assert found is not None
        return found


async def test_a_service_down_now_fires_one_alert_for_its_client_and_resolves_when_it_is_back(db: Database) -> None:
    source_id = _seeded(db)
    cfg, tables = config(), Tables(db)
    view = UptimeView(cfg)
    rule = _rule({"type": "service_down"})
    await _run(db, cfg, NOW, rule, view=view)
    assert tables.alerts() == [], "every service is up at noon on the 23rd"

    outage = _outage(db, source_id, "acc-sw-03", at(23, 11, 50), None)
    for minute in (0, 1, 5):  # evaluated again and again while it lasts: still one alert
        await _run(db, cfg, at(23, 12, minute), rule, view=view)
    (alert,) = tables.alerts()
    assert (alert.subject, alert.state, alert.client_key) == ("service:acme-internet", "firing", "acme")
    assert alert.client_id == _client_id(db, "acme"), "customers of Acme see it, customers of Globex do not"
    assert alert.title == "Service down: Internet 100M (Acme)"
    assert "down since Fri 23 Oct 13:50" in alert.message and "The root cause: acc-sw-03." in alert.message
    assert alert.url == "/uptime/services/acme-internet"

    _end_outage(db, source_id, outage, at(23, 12, 20))
    await _run(db, cfg, at(23, 12, 30), rule, view=view)
    (alert,) = tables.alerts()
    assert (alert.state, alert.resolved_by) == ("resolved", None), "resolved automatically"
    assert tables.events(alert.id) == ["fired", "auto_resolved"]


async def test_a_client_filter_and_a_named_service_limit_which_services_a_rule_watches(db: Database) -> None:
    source_id = _seeded(db)
    cfg, tables = config(), Tables(db)
    view = UptimeView(cfg)
    _outage(db, source_id, "core-01", at(23, 11, 55), None)  # both customers hang under core-01
    globex_only = _rule({"type": "service_down"}, filters={"clients": ["globex"]})
    await _run(db, cfg, NOW, globex_only, view=view)
    assert [a.subject for a in tables.alerts()] == ["service:globex-internet"]

    by_name = _rule({"type": "service_down", "service": "internet 100m"}, id="by-name")
    await _run(db, cfg, NOW, by_name, view=view)
    assert sorted((a.rule_id, a.subject, a.state) for a in tables.alerts()) == [
        ("by-name", "service:acme-internet", "firing"),
        ("svc", "service:globex-internet", "resolved"),  # its rule is gone from this evaluation's rule set
    ]


async def test_an_error_budget_below_the_threshold_fires_per_service_and_clears_at_the_new_month(
    db: Database,
) -> None:
    _seeded(db)
    cfg, tables = config(), Tables(db)
    view = UptimeView(cfg)
    await _run(db, cfg, NOW, _rule({"type": "error_budget_below", "percent": 50}), view=view)
    assert tables.alerts() == [], "Acme has about 64 % of its budget left, Globex all of it"

    seventy = _rule({"type": "error_budget_below", "percent": 70})
    await _run(db, cfg, NOW, seventy, view=view)
    await _run(db, cfg, at(23, 12, 1), seventy, view=view)
    (alert,) = tables.alerts()
    assert (alert.subject, alert.client_key, alert.state) == ("service:acme-internet", "acme", "firing")
    assert alert.title == "Error budget below 70 %: Internet 100M (Acme)"
    assert "64.2 % of its error budget for 2026-10 left" in alert.message

    await _run(db, cfg, at(2, 9, month=11), seventy, view=view)  # November: a fresh budget
    assert [a.state for a in tables.alerts()] == ["resolved"]


def test_an_uptime_rule_refuses_ticket_filters_with_a_sentence() -> None:
    with pytest.raises(ValidationError, match="customer services, which have no priorities or teams"):
        Rule.model_validate(_rule({"type": "service_down"}, filters={"priorities": ["high"], "teams": ["3"]}))
    assert Rule.model_validate(_rule({"type": "error_budget_below", "percent": 20}, filters={"clients": ["acme"]}))


def _state(allowed: float, down: float) -> ServiceState:
    return ServiceState("s", "S", "acme", "Acme", 1, 99.9, None, None, allowed, down, "2026-10")


@given(allowed=st.floats(1, 1e7), share=st.floats(0, 3), more=st.floats(0, 1e6))
def test_budget_left_is_100_untouched_0_when_spent_and_falls_as_downtime_grows(
    allowed: float, share: float, more: float
) -> None:
    down = allowed * share
    assert _state(allowed, 0).budget_left_percent == 100
    assert _state(allowed, allowed).budget_left_percent == pytest.approx(0, abs=1e-9)
    assert _state(allowed, down + more).budget_left_percent <= _state(allowed, down).budget_left_percent
    assert _state(allowed, down).budget_left_percent == pytest.approx(100 * (1 - share), abs=1e-6)


def test_a_service_without_a_budget_counts_as_spent_after_any_downtime() -> None:
    assert (_state(0, 0).budget_left_percent, _state(0, 1).budget_left_percent) == (100, 0)


async def test_uptime_rules_are_held_while_the_figures_cannot_be_computed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    source_id = _seeded(db)
    cfg, tables = config(), Tables(db)
    view = UptimeView(cfg)
    _outage(db, source_id, "cpe-acme-01", at(23, 11, 30), None)
    await _run(db, cfg, NOW, _rule({"type": "service_down"}), view=view)

    def broken(*_args: object) -> None:
        raise ValueError("service acme-internet uses schedule office, which is not a known calendar")

    monkeypatch.setattr(inputs, "service_states", broken)
    await _run(db, cfg, at(23, 12, 5), _rule({"type": "service_down"}), view=view)
    assert [a.state for a in tables.alerts()] == ["firing"], "kept as it was, not resolved"
