"""Dashboard figures equal an independent recomputation from the simulator's own dataset."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient

from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app
from support import Clock, RecordingSleep, api_key_for, config_for, connector_for, simulator, source_config

AMS = ZoneInfo("Europe/Amsterdam")


def parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def expected(scenario: TrengoScenario, now: datetime) -> dict[str, Any]:
    """The dashboard computed the slow, obvious way from raw Trengo dicts."""
    tickets = [t for t in scenario.tickets.values() if t["status"] in ("OPEN", "ASSIGNED")]
    today = now.astimezone(AMS).date()
    ages: Counter[str] = Counter()
    for t in tickets:
        created = parse(t["created_at"])
        if created.astimezone(AMS).date() == today:
            ages["today"] += 1
            continue
        days = int((now - created).total_seconds() // 86400)
        key = "week" if days < 7 else "twoweeks" if days < 14 else "month" if days < 30 else "quarter"
        ages["older" if days >= 90 else key] += 1
    teams: Counter[Any] = Counter(t["team_id"] for t in tickets)
    agents: Counter[Any] = Counter(t["user_id"] for t in tickets if t["status"] == "ASSIGNED" and t["user_id"])
    return {
        "summary": {
            "total": len(tickets),
            "new": sum(t["status"] == "OPEN" for t in tickets),
            "assigned": sum(t["status"] == "ASSIGNED" for t in tickets),
            "new_today": sum(parse(t["created_at"]).astimezone(AMS).date() == today for t in tickets),
        },
        "ages": {k: ages.get(k, 0) for k in ("today", "week", "twoweeks", "month", "quarter", "older")},
        "teams": {("No team" if k is None else scenario.teams[k]["name"]): n for k, n in teams.items()},
        "agents": {scenario.users[k]["full_name"]: n for k, n in agents.items()},
    }


async def synced(db: Database, scenario: TrengoScenario, now: datetime) -> SyncEngine:
    src = source_config()
    engine = SyncEngine(
        db, config_for(src), src, connector_for(simulator(scenario), src, RecordingSleep()), clock=Clock(now)
    )
    assert (await engine.run_cycle()).ok
    return engine


def dashboard(db: Database, now: datetime, query: str = "") -> dict[str, Any]:
    app = create_app(config_for(source_config()), db=db)
    with time_machine.travel(now, tick=False), TestClient(app, headers={"X-API-Key": api_key_for(db)}) as client:
        response = client.get(f"/api/dashboard{query}")
    assert response.status_code == 200, response.text
    return response.json()


def compare(body: dict[str, Any], want: dict[str, Any]) -> None:
    assert body["summary"] == want["summary"]
    assert {b["key"]: b["count"] for b in body["age_buckets"]} == want["ages"]
    assert {t["name"]: t["total"] for t in body["teams"]} == want["teams"]
    assert {u["name"]: u["assigned"] for u in body["users"]} == want["agents"]


async def test_a_realistic_desk_matches_the_recomputation(db: Database) -> None:
    now = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
    scenario = TrengoScenario(21, open_tickets=400, history_days=120, now=now)
    await synced(db, scenario, now)
    body = dashboard(db, now)
    compare(body, expected(scenario, now))
    totals = [t["total"] for t in body["teams"]]
    named = [t for t in body["teams"] if t["name"] != "No team"]
    assert totals[: len(named)] == sorted(totals[: len(named)], reverse=True)
    assert body["teams"][-1]["name"] == "No team"
    assert all(t["total"] > 0 for t in body["teams"])


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 18, 22, 59, 59, tzinfo=UTC),  # 23:59:59 in Amsterdam
        datetime(2026, 11, 18, 23, 0, 0, tzinfo=UTC),  # local midnight
        datetime(2026, 10, 25, 11, 0, tzinfo=UTC),  # the 25-hour day when DST ends
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # just after the spring-forward gap
    ],
    ids=["before-midnight", "at-midnight", "dst-end-day", "dst-start-day"],
)
async def test_tickets_around_local_midnight_and_dst_land_in_the_right_bucket(db: Database, now: datetime) -> None:
    scenario = TrengoScenario.empty(now=now)
    local_midnight = datetime.combine(now.astimezone(AMS).date(), datetime.min.time(), tzinfo=AMS).astimezone(UTC)
    offsets = [timedelta(seconds=s) for s in (-3600, -1, 0, 1, 3600)]
    for delta in offsets:
        at = local_midnight + delta
        if at <= now:
            scenario.add_ticket(status="OPEN", created_at=at)
    for days in (1, 6, 7, 13, 14, 29, 30, 89, 90):
        for nudge in (timedelta(seconds=-1), timedelta(0), timedelta(seconds=1)):
            scenario.add_ticket(status="OPEN", created_at=now - timedelta(days=days) + nudge)
    await synced(db, scenario, now)
    compare(dashboard(db, now), expected(scenario, now))


async def test_an_unknown_source_is_a_404_with_the_configured_names(db: Database) -> None:
    app = create_app(config_for(source_config()), db=db)
    with TestClient(app, headers={"X-API-Key": api_key_for(db)}) as client:
        response = client.get("/api/dashboard?source=nope")
    assert response.status_code == 404
    assert "trengo" in response.json()["detail"]


async def test_closed_statistics_count_local_days(db: Database) -> None:
    now = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    scenario = TrengoScenario.empty(now=now)
    closed_at = [now - timedelta(hours=1), now - timedelta(hours=12), now - timedelta(days=3), now - timedelta(days=20)]
    for at in closed_at:
        scenario.add_ticket(status="CLOSED", created_at=at - timedelta(hours=2), closed_at=at)
    scenario.add_ticket(status="CLOSED", created_at=now - timedelta(days=100), closed_at=now - timedelta(hours=2))
    engine = await synced(db, scenario, now)
    engine.clock = Clock(now + timedelta(minutes=1))  # second cycle runs the closed sweep
    assert (await engine.run_cycle()).ok
    app = create_app(config_for(source_config()), db=db)
    with time_machine.travel(now, tick=False), TestClient(app, headers={"X-API-Key": api_key_for(db)}) as client:
        body = client.get("/api/closed").json()
    # Local "today" in Amsterdam began at 23:00 UTC yesterday: now-1h, now-2h and now-12h are all today.
    assert body["closed_today"] == 3
    # Closed at 01:00 local but created at 23:00 local the day before: closed today, not created today.
    assert body["created_today_closed"] == 1
    assert body["closed_week"] == 4
    assert body["closed_month"] == 5
    assert sum(d["count"] for d in body["daily_counts"]) == 5


async def test_a_new_sync_shows_up_at_once_even_within_the_same_minute(db: Database) -> None:
    now = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
    scenario = TrengoScenario(22, open_tickets=50, history_days=2, now=now)
    engine = await synced(db, scenario, now)
    app = create_app(config_for(source_config()), db=db)
    with (
        time_machine.travel(now + timedelta(seconds=30), tick=False),
        TestClient(app, headers={"X-API-Key": api_key_for(db)}) as client,
    ):
        before = client.get("/api/dashboard").json()["summary"]["total"]
        for ticket in scenario.open_tickets()[:5]:
            scenario.close(ticket["id"])
        engine.clock = Clock(now + timedelta(seconds=20))
        assert (await engine.run_cycle()).ok
        after = client.get("/api/dashboard").json()["summary"]["total"]
    assert (before, after) == (50, 45)
