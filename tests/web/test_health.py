"""/health tells whether each source is fresh, and why not."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app
from support import Clock, RecordingSleep, api_key_for, config_for, connector_for, simulator, source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


async def test_health_goes_from_starting_to_ok_to_degraded_with_the_reason(db: Database) -> None:
    src = source_config(max_retries=0)
    app = create_app(config_for(src), db=db)
    with TestClient(app, headers={"X-API-Key": api_key_for(db)}) as client:
        body = client.get("/health").json()
        assert body["status"] == "starting"
        sim = simulator(TrengoScenario(14, open_tickets=30, history_days=1, now=NOW))
        engine = SyncEngine(db, config_for(src), src, connector_for(sim, src, RecordingSleep()), clock=Clock(NOW))
        assert (await engine.run_cycle()).ok
        body = client.get("/health").json()
        assert body["status"] == "ok"
        (source,) = body["sources"]
        assert source["ok"] and source["budget_limit"] == 120 and source["last_cycle_requests"] > 0
        sim.state.faults.set(FaultPlan(mode="server_error", status=503))
        assert not (await engine.run_cycle()).ok
        body = client.get("/health").json()
        assert body["status"] == "degraded"
        (source,) = body["sources"]
        assert not source["ok"]
        assert source["stale_since"] is not None and "HTTP 503" in source["last_error"]
        dash = client.get("/api/dashboard").json()
        assert dash["stale_since"] is not None and "HTTP 503" in dash["stale_reason"]
        assert dash["summary"]["total"] == 30, "stale data stays on the board, marked stale"
