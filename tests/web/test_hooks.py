"""Webhook receivers: an authentic callout makes deskpulse re-read its tickets and tell the pages; anything else
is refused with 401 and changes nothing (no store write, no live event, no vendor call)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
import time_machine
from sqlalchemy import select

from deskpulse.config import Config
from deskpulse.connectors.autotask import AutotaskConnector, AutotaskSettings
from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.live.events import LiveEvent
from deskpulse.live.hub import Subscription
from deskpulse.simulators.autotask import SIM_INTEGRATION_CODE, SIM_SECRET, SIM_USERNAME, AutotaskScenario
from deskpulse.simulators.autotask import create_app as create_at_app
from deskpulse.simulators.autotask_lifecycle import COMPLETE, NEW
from deskpulse.simulators.freshservice import FreshserviceScenario
from deskpulse.simulators.freshservice import create_app as create_fs_app
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.tables import TicketRow
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app
from deskpulse.web.security.replay import MemoryReplayGuard, RedisReplayGuard
from support import RecordingSleep, connector_for, simulator, source_config

NOW = datetime.now(UTC).replace(microsecond=0)
AT_SECRET = "autotask-hook-secret-0123456789"
FS_SECRET = "freshservice-shared-secret-0123456789"


class Desk:
    """One synced source, the web app whose hooks point at it, and a live-event subscription."""

    def __init__(self, db: Database, source: Any, sim: Any, connector: Any) -> None:
        self.db, self.source, self.sim, self.connector = db, source, sim, connector
        config = Config(database_url="sqlite://", sources=[source])
        kwargs = {"transport": httpx2.ASGITransport(app=sim), "sleep": RecordingSleep()}
        self.app = create_app(config, db=db, connector_kwargs={source.name: kwargs})
        self.events: Subscription = self.app.state.hub.subscribe()
        self.config = config

    async def sync(self) -> None:
        result = await SyncEngine(self.db, self.config, self.source, self.connector).run_cycle()
        assert result.ok, result.error

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> httpx2.Response:
        transport = httpx2.ASGITransport(app=self.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://desk.test") as client:
            response = await client.post(path, content=body, headers=headers)
        refresher = getattr(self.app.state, "webhooks", None)
        if refresher is not None:
            await refresher.wait_idle()
        return response

    def live(self) -> list[LiveEvent]:
        found = []
        while not self.events.queue.empty():
            event = self.events.queue.get_nowait()
            assert event is not None
            found.append(event)
        return found

    def stored(self, ext: str) -> TicketRow:
        with self.db.session() as session:
            row = session.scalars(select(TicketRow).where(TicketRow.external_id == ext)).one()
            session.expunge(row)
            return row

    def vendor_calls(self) -> int:
        return len(self.sim.state.request_log)


async def trengo_desk(db: Database, **source: Any) -> tuple[Desk, str]:
    """A Trengo desk with one webhook registered at the simulator; returns the desk and the webhook's secret."""
    scenario = TrengoScenario(31, open_tickets=6, history_days=1, now=NOW - timedelta(hours=1))
    sim = simulator(scenario)
    secret = sim.state.webhooks.create(name="desk", type="TICKET_CLOSED", url="http://desk.test/hooks/trengo/desk")
    cfg = source_config("desk", **{"webhook_secret": [secret.signing_secret], **source})
    desk = Desk(db, cfg, sim, connector_for(sim, cfg))
    await desk.sync()
    return desk, secret.signing_secret


async def test_a_signed_trengo_callout_refreshes_the_ticket_and_tells_the_pages(db: Database) -> None:
    desk, _ = await trengo_desk(db)
    ticket = desk.sim.state.scenario.open_tickets()[0]["id"]
    desk.sim.state.scenario.close(ticket)
    headers, body = desk.sim.state.webhooks.callout("TICKET_CLOSED", ticket)

    response = await desk.post("/hooks/trengo/desk", body, headers)

    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": True, "tickets": [str(ticket)]}
    stored = desk.stored(str(ticket))
    assert stored.status_raw == "CLOSED" and not stored.is_active
    changed = [e for e in desk.live() if e.type == "tickets.changed"]
    assert [(e.data["cause"], e.data["ids"]) for e in changed] == [("webhook", [str(ticket)])]


async def test_the_trengo_simulator_delivers_its_callouts_to_the_receiver(db: Database) -> None:
    desk, _ = await trengo_desk(db)
    ticket = desk.sim.state.scenario.open_tickets()[0]["id"]
    desk.sim.state.scenario.close(ticket)

    statuses = await desk.sim.state.webhooks.deliver("TICKET_CLOSED", ticket, transport=httpx2.ASGITransport(desk.app))
    await desk.app.state.webhooks.wait_idle()

    assert statuses == [202] and desk.sim.state.webhooks.deliveries == [("http://desk.test/hooks/trengo/desk", 202)]
    assert not desk.stored(str(ticket)).is_active


def _tamper(kind: str, headers: dict[str, str], body: bytes, secret: str) -> dict[str, str]:
    from deskpulse.simulators.trengo_webhooks import sign

    now = int(time.time())
    changed = dict(headers)
    if kind == "wrong secret":
        changed["Trengo-Signature"] = sign("not-the-secret", body, now)
    elif kind == "stale":
        changed["Trengo-Signature"] = sign(secret, body, now - 301)
    elif kind == "from the future":
        changed["Trengo-Signature"] = sign(secret, body, now + 301)
    elif kind == "malformed":
        changed["Trengo-Signature"] = "sha256=" + changed["Trengo-Signature"].split(";")[1]
    elif kind == "missing":
        del changed["Trengo-Signature"]
    return changed


@pytest.mark.parametrize("kind", ["wrong secret", "stale", "from the future", "malformed", "missing"])
async def test_a_trengo_callout_that_is_not_authentic_is_refused_and_changes_nothing(db: Database, kind: str) -> None:
    desk, secret = await trengo_desk(db)
    ticket = desk.sim.state.scenario.open_tickets()[0]["id"]
    desk.sim.state.scenario.close(ticket)
    headers, body = desk.sim.state.webhooks.callout("TICKET_CLOSED", ticket)
    calls = desk.vendor_calls()

    # Frozen on a whole second: the server reads the same clock as the signer, so ±301 s is exactly that.
    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False):
        response = await desk.post("/hooks/trengo/desk", body, _tamper(kind, headers, body, secret))

    assert response.status_code == 401
    assert set(response.json()) == {"detail"} and response.json()["detail"].endswith(".")
    assert desk.stored(str(ticket)).is_active, "the store is untouched"
    assert desk.live() == [] and desk.vendor_calls() == calls


async def test_a_trengo_callout_signed_300_seconds_ago_is_still_accepted(db: Database) -> None:
    desk, _ = await trengo_desk(db)
    ticket = desk.sim.state.scenario.open_tickets()[0]["id"]
    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False):
        headers, body = desk.sim.state.webhooks.callout("TICKET_CLOSED", ticket, at=time.time() - 300)
        assert (await desk.post("/hooks/trengo/desk", body, headers)).status_code == 202


async def test_a_replayed_trengo_callout_is_refused(db: Database) -> None:
    desk, _ = await trengo_desk(db)
    ticket = desk.sim.state.scenario.open_tickets()[0]["id"]
    headers, body = desk.sim.state.webhooks.callout("TICKET_CLOSED", ticket)
    assert (await desk.post("/hooks/trengo/desk", body, headers)).status_code == 202
    desk.sim.state.scenario.close(ticket)
    desk.live()

    replay = await desk.post("/hooks/trengo/desk", body, headers)

    assert replay.status_code == 401 and "replay" in replay.json()["detail"]
    assert desk.stored(str(ticket)).is_active and desk.live() == []


async def test_any_of_several_trengo_secrets_is_accepted(db: Database) -> None:
    desk, _ = await trengo_desk(db, webhook_secret="first-secret, second-secret")
    assert desk.source.webhook_secret == ["first-secret", "second-secret"]
    ticket = desk.sim.state.scenario.open_tickets()[0]["id"]
    headers, body = desk.sim.state.webhooks.callout("INBOUND", ticket, secret="second-secret")
    assert (await desk.post("/hooks/trengo/desk", body, headers)).status_code == 202


async def test_a_merge_callout_marks_the_merged_away_ticket_deleted(db: Database) -> None:
    desk, _ = await trengo_desk(db)
    kept, merged = (t["id"] for t in desk.sim.state.scenario.open_tickets()[:2])
    desk.sim.state.scenario.delete(merged)
    headers, body = desk.sim.state.webhooks.callout(
        "TICKET_CLOSED", kept, merged_and_deleted_ticket_id=merged, secret=desk.source.webhook_secret[0]
    )

    response = await desk.post("/hooks/trengo/desk", body, headers)

    assert response.json()["tickets"] == [str(kept), str(merged)]
    gone = desk.stored(str(merged))
    assert gone.deleted_at is not None and not gone.is_active


async def test_hooks_answer_404_for_an_unknown_source_another_kind_or_no_secret(db: Database) -> None:
    plain = source_config("plain")
    desk, _ = await trengo_desk(db)
    desk.app.state.config = Config(database_url="sqlite://", sources=[desk.source, plain])
    headers, body = desk.sim.state.webhooks.callout("TICKET_CLOSED", 1)
    for path, words in [
        ("/hooks/trengo/nope", "no source named"),
        ("/hooks/autotask/desk", "is a trengo source"),
        ("/hooks/trengo/plain", "Webhooks are not enabled for source 'plain'"),
    ]:
        response = await desk.post(path, body, headers)
        assert response.status_code == 404 and words in response.json()["detail"], (path, response.text)


async def test_a_callout_with_a_session_cookie_passes_csrf_and_an_oversized_one_is_refused(db: Database) -> None:
    desk, _ = await trengo_desk(db)
    ticket = desk.sim.state.scenario.open_tickets()[0]["id"]
    headers, body = desk.sim.state.webhooks.callout("TICKET_CLOSED", ticket)
    with_cookie = {**headers, "Cookie": "deskpulse_session=stale"}
    assert (await desk.post("/hooks/trengo/desk", body, with_cookie)).status_code == 202
    big = body + b"&pad=" + b"x" * 1_000_001
    assert (await desk.post("/hooks/trengo/desk", big, headers)).status_code == 413


# --------------------------------------------------------------------------- Freshservice
async def freshservice_desk(db: Database) -> Desk:
    scenario = FreshserviceScenario(32, active_tickets=5, history_days=1, now=NOW - timedelta(hours=1))
    sim = create_fs_app(scenario, plan="enterprise")
    settings = FreshserviceSettings(
        name="fs", base_url="http://fs.test/api/v2", api_key="sim-fs-key", plan="enterprise", webhook_secret=FS_SECRET
    )
    connector = FreshserviceConnector(settings, transport=httpx2.ASGITransport(app=sim), sleep=RecordingSleep())
    desk = Desk(db, settings, sim, connector)
    await desk.sync()
    return desk


@pytest.mark.parametrize(("secret", "status"), [(FS_SECRET, 202), ("a-wrong-secret-of-some-length", 401), (None, 401)])
async def test_freshservice_calls_are_accepted_only_with_the_shared_secret(
    db: Database, secret: str | None, status: int
) -> None:
    desk = await freshservice_desk(db)
    ticket = desk.sim.state.scenario.active_tickets()[0]["id"]
    desk.sim.state.scenario.update_ticket(ticket, status=4)
    headers = {"Content-Type": "application/json", **({"X-Deskpulse-Secret": secret} if secret else {})}

    response = await desk.post("/hooks/freshservice/fs", b'{"ticket_id": "%d"}' % ticket, headers)

    assert response.status_code == status, response.text
    assert desk.stored(str(ticket)).is_active is (status != 202)
    assert bool(desk.live()) is (status == 202)


# --------------------------------------------------------------------------- Autotask
async def autotask_desk(db: Database) -> Desk:
    scenario = AutotaskScenario.empty(now=NOW - timedelta(hours=1))
    for index in range(3):
        scenario.add_ticket(created_at=NOW - timedelta(minutes=50 - index), status=NEW)
    sim = create_at_app(scenario)
    settings = AutotaskSettings(
        name="at", username=SIM_USERNAME, secret=SIM_SECRET, integration_code=SIM_INTEGRATION_CODE,
        zone_lookup_url="http://sim.test/atservicesrest/v1.0/zoneInformation", webhook_secret=AT_SECRET,
    )  # fmt: skip
    connector = AutotaskConnector(settings, transport=httpx2.ASGITransport(app=sim), sleep=RecordingSleep())
    desk = Desk(db, settings, sim, connector)
    await desk.sync()
    return desk


@pytest.mark.parametrize(("secret", "status"), [(AT_SECRET, 202), ("not-the-autotask-secret", 401)])
async def test_autotask_callouts_are_accepted_only_with_a_valid_signature(
    db: Database, secret: str, status: int
) -> None:
    desk = await autotask_desk(db)
    ticket = min(desk.sim.state.scenario.tickets)
    desk.sim.state.scenario.update_ticket(ticket, status=COMPLETE)
    headers, body = desk.sim.state.webhooks.callout(ticket, secret=secret, status=COMPLETE)

    response = await desk.post("/hooks/autotask/at", body, headers)

    assert response.status_code == status, response.text
    assert desk.stored(str(ticket)).is_active is (status != 202)
    if status == 202:
        assert response.json()["tickets"] == [str(ticket)]
        again = await desk.post("/hooks/autotask/at", body, headers)
        assert again.status_code == 401 and "replay" in again.json()["detail"]


async def test_an_autotask_delete_callout_marks_the_ticket_deleted(db: Database) -> None:
    desk = await autotask_desk(db)
    ticket = min(desk.sim.state.scenario.tickets)
    desk.sim.state.scenario.delete_ticket(ticket)
    headers, body = desk.sim.state.webhooks.callout(ticket, action="Delete", secret=AT_SECRET)

    assert (await desk.post("/hooks/autotask/at", body, headers)).status_code == 202
    assert desk.stored(str(ticket)).deleted_at is not None


# --------------------------------------------------------------------------- replay memory
async def test_the_replay_memory_forgets_after_ten_minutes_and_stays_bounded() -> None:
    now = [0.0]
    guard = MemoryReplayGuard(max_keys=3, clock=lambda: now[0])
    assert await guard.first_time("a") and not await guard.first_time("a")
    now[0] += 601
    assert await guard.first_time("a"), "a signature older than the window is outside the timestamp check anyway"
    for key in "bcde":
        assert await guard.first_time(key)
    assert len(guard) == 3


async def test_without_a_reachable_redis_the_replay_check_uses_the_process_memory() -> None:
    guard = RedisReplayGuard("redis://127.0.0.1:1/0")
    assert await guard.first_time("sig") and not await guard.first_time("sig")
    await guard.aclose()


def test_webhook_secrets_never_show_in_a_settings_repr() -> None:
    trengo = source_config("desk", webhook_secret="trengo-secret-1,trengo-secret-2")
    autotask = AutotaskSettings(name="at", username="u", secret="s", integration_code="c", webhook_secret=AT_SECRET)
    fresh = FreshserviceSettings(name="fs", base_url="https://x.test/api/v2", api_key="k", webhook_secret=FS_SECRET)
    shown = repr(trengo) + repr(autotask) + repr(fresh)
    assert not any(secret in shown for secret in ("trengo-secret-1", AT_SECRET, FS_SECRET))
