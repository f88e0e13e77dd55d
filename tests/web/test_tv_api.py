"""TV mode over HTTP: the rotation, each slide's numbers and levels, the privacy mask, client scoping of kiosk
links and keys, staleness, and the errors a misconfigured screen gets.

The desk (now = Wednesday 2026-11-18 10:00 UTC, Mon–Fri 09:00–17:00 Amsterdam): client Acme has an urgent
ticket whose first response is an hour overdue (breached) and a medium one with 30 minutes left (at risk);
client Globex has one breached urgent ticket. Requester names and subjects are distinctive so that a test can
tell whether they reached the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from deskpulse.auth import kiosk
from deskpulse.config import ClientConfig, Config
from deskpulse.domain.tickets import Priority, StatusCategory, Ticket
from deskpulse.store.alerts_tables import AlertRow
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source
from deskpulse.store.tables import SourceRow, TeamRow
from deskpulse.sync.upsert import upsert_tickets
from deskpulse.tv_config import TvConfig, TvPlaylist, TvSlide
from deskpulse.web.app import create_app
from support import api_key_for, source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SOURCE = source_config("desk")
CLIENTS = [
    ClientConfig(id="acme", name="Acme Widgets", email_domains=["acme.test"]),
    ClientConfig(id="globex", name="Globex", email_domains=["globex.test"]),
]
# Strings that must never reach a masked screen.
SECRET_NAMES = ("Acme Widgets", "Globex", "Wilhelmina Requester", "Gertrude Globexer", "Bartholomew Asker")
SECRET_SUBJECTS = ("Printer on fire", "VPN down at the Globex office")
ALL_BOARDS = [
    TvSlide(board="summary", seconds=30),
    TvSlide(board="sla-at-risk", seconds=20),
    TvSlide(board="workload", seconds=20),
    TvSlide(board="alerts", seconds=15),
    TvSlide(board="board", seconds=15),
    TvSlide(board="uptime", seconds=20),
]


def tv_config(*playlists: TvPlaylist, database_url: str = "sqlite://") -> Config:
    """A desk config (one source, clients Acme and Globex) with these playlists."""
    return Config(database_url=database_url, sources=[SOURCE], clients=CLIENTS, tv=TvConfig(playlists=list(playlists)))


def default_config(database_url: str = "sqlite://") -> Config:
    """Playlists ``wall`` (every board), ``lobby`` (the same, masked) and ``globex`` (a Globex-only slide)."""
    return tv_config(
        TvPlaylist(name="wall", title="Service desk", slides=ALL_BOARDS, stale_minutes=10),
        TvPlaylist(name="lobby", title="Reception", slides=ALL_BOARDS, privacy_mask=True),
        TvPlaylist(name="globex", slides=[TvSlide(board="sla-at-risk", client="globex")]),
        database_url=database_url,
    )


def _ticket(ext: str, created: datetime, priority: Priority, email: str, requester: str, subject: str,
            team: str) -> Ticket:  # fmt: skip
    return Ticket(
        external_id=ext, status_raw="open", status_label="Open", status_category=StatusCategory.OPEN,
        created_at=created, updated_at=created, priority=priority, subject=subject, requester_name=requester,
        requester_email=email, requester_external_id=f"r-{ext}", team_external_id=team,
    )  # fmt: skip


def build_tv_desk(db: Database, config: Config, now: datetime, *, synced_minutes_ago: float = 2) -> None:
    """Three open tickets (two Acme, one Globex), a team, an open alert per client, a recent good sync."""
    # At NOW: 101 and 201 opened 09:00 local, unanswered urgent (breached); 102 has 30 business minutes left.
    tickets = [
        _ticket("101", now - timedelta(hours=2), Priority.URGENT, "wil@acme.test", "Wilhelmina Requester",
                "Printer on fire", "t1"),
        _ticket("102", now - timedelta(hours=23, minutes=30), Priority.MEDIUM, "bart@acme.test",
                "Bartholomew Asker", "Mouse squeaks", "t2"),
        _ticket("201", now - timedelta(hours=2), Priority.URGENT, "gert@globex.test", "Gertrude Globexer",
                "VPN down at the Globex office", "t1"),
    ]  # fmt: skip
    with db.session() as session:
        ids = sync_clients(session, config.clients)
        source = ensure_source(session, SOURCE)
        session.add(TeamRow(source_id=source.id, external_id="t1", name="Service Desk"))
        session.add(TeamRow(source_id=source.id, external_id="t2", name="Field Team"))
        domain = {"acme.test": ids["acme"], "globex.test": ids["globex"]}
        upsert_tickets(
            session, source.id, now=now - timedelta(minutes=5), seen=tickets, complete_active_set=True,
            deleted_ids=set(), active_ids={t.external_id for t in tickets},
            client_of=lambda t: domain.get((t.requester_email or "").split("@")[-1]),
        )  # fmt: skip
        source.last_ok_at = now - timedelta(minutes=synced_minutes_ago)
        for key, who in (("acme", "Wilhelmina Requester"), ("globex", "Gertrude Globexer")):
            name = next(c.name for c in config.clients if c.id == key)
            session.add(AlertRow(
                dedupe_key=f"sla:{key}", open_key=f"sla:{key}", rule_id="sla", rule_name=f"SLA breach {name}",
                subject=f"ticket of {who}", severity="critical", title=f"{who} at {name} waits too long",
                message="breached", client_id=ids[key], client_key=key, source="desk", state="firing", level=1,
                policy={}, fired_at=now - timedelta(minutes=20), last_seen_at=now,
            ))  # fmt: skip


@pytest.fixture
def desk(db: Database) -> Iterator[TestClient]:
    config = default_config()
    build_tv_desk(db, config, NOW)
    with time_machine.travel(NOW, tick=False), TestClient(create_app(config, db=db), follow_redirects=False) as c:
        yield c


def kiosk_session(client: TestClient, db: Database, clients: list[str] | None, playlist: str = "wall") -> Any:
    """Open a new kiosk link's TV address the way a wall display does; returns the redirect response."""
    with db.session() as session:
        _, secret = kiosk.create(session, name="TV", boards=["dashboard"], clients=clients, creator=None, now=NOW)
    client.cookies.clear()
    return client.get(f"/kiosk/{secret}/tv/{playlist}")


def slide(client: TestClient, playlist: str, number: int, key: str | None = None) -> Any:
    headers = {"X-API-Key": key} if key else {}
    response = client.get(f"/api/tv/{playlist}/slides/{number}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def numbers(body: dict[str, Any]) -> dict[str, Any]:
    return {w["key"]: w["value"] for w in body["widgets"]}


def levels(body: dict[str, Any]) -> dict[str, str]:
    return {w["key"]: w["level"] for w in body["widgets"]}


def test_a_kiosk_link_opens_the_playlist_without_sign_in_and_reads_its_slides(desk: TestClient, db: Database) -> None:
    opened = kiosk_session(desk, db, None)
    assert opened.status_code == 303 and opened.headers["location"] == "/tv/wall"
    page = desk.get("/tv/wall")
    assert page.status_code == 200
    assert 'data-testid="tv-title"' in page.text and "Tickets" in page.text
    rotation = desk.get("/api/tv/wall").json()
    assert [(s["number"], s["board"], s["seconds"]) for s in rotation["slides"]] == [
        (1, "summary", 30), (2, "sla-at-risk", 20), (3, "workload", 20), (4, "alerts", 15), (5, "board", 15),
        (6, "uptime", 20),
    ]  # fmt: skip
    summary = slide(desk, "wall", 1)
    assert numbers(summary)["open"] == 3 and numbers(summary)["unassigned"] == 3
    at_risk = slide(desk, "wall", 2)
    assert numbers(at_risk) == {"at_risk": 1, "breached": 2}


def test_a_kiosk_for_client_a_never_shows_client_b(desk: TestClient, db: Database) -> None:
    kiosk_session(desk, db, ["acme"])
    assert numbers(slide(desk, "wall", 1))["open"] == 2
    at_risk = slide(desk, "wall", 2)
    assert numbers(at_risk) == {"at_risk": 1, "breached": 1}
    assert numbers(slide(desk, "wall", 4))["firing"] == 1
    for number in range(1, 7):
        text = desk.get(f"/api/tv/wall/slides/{number}").text
        assert "Globex" not in text and "Gertrude" not in text, number
    assert "Globex" not in desk.get("/tv/wall").text


def test_a_slide_for_another_client_shows_nothing_of_it_and_says_why(desk: TestClient, db: Database) -> None:
    kiosk_session(desk, db, ["acme"], playlist="globex")
    body = slide(desk, "globex", 1)
    assert numbers(body) == {"at_risk": 0, "breached": 0}
    assert "outside this screen's scope" in body["notice"]
    assert "Globex" not in desk.get("/api/tv/globex/slides/1").text


def test_the_privacy_mask_keeps_customer_and_requester_names_and_subjects_off_the_page(
    desk: TestClient, db: Database
) -> None:
    kiosk_session(desk, db, None, playlist="lobby")
    texts = [desk.get(f"/api/tv/lobby/slides/{n}").text for n in range(1, 7)] + [desk.get("/tv/lobby").text]
    for text in texts:
        for secret in SECRET_NAMES + SECRET_SUBJECTS:
            assert secret not in text
    # The masked slides still carry their numbers, and the unmasked playlist does show the names.
    assert numbers(slide(desk, "lobby", 2)) == {"at_risk": 1, "breached": 2}
    assert "•••" in desk.get("/api/tv/lobby/slides/4").text  # the alert rule named after a client, blanked
    unmasked = desk.get("/api/tv/wall/slides/2").text + desk.get("/api/tv/wall/slides/5").text
    assert "Acme Widgets" in unmasked and "Printer on fire" in unmasked and "Wilhelmina Requester" in unmasked


def test_customers_get_the_summary_but_not_the_internal_boards(desk: TestClient, db: Database) -> None:
    customer = api_key_for(db, "customer", ("acme",))
    rotation = desk.get("/api/tv/wall", headers={"X-API-Key": customer}).json()
    assert [s["board"] for s in rotation["slides"]] == ["summary", "uptime"]
    assert numbers(slide(desk, "wall", 1, customer))["open"] == 2
    refused = desk.get("/api/tv/wall/slides/2", headers={"X-API-Key": customer})
    assert refused.status_code == 403 and "sla-at-risk" in refused.json()["detail"]


def test_widgets_take_their_level_from_configured_thresholds_with_a_word_and_icon(db: Database) -> None:
    config = tv_config(TvPlaylist(name="wall", slides=[
        TvSlide(board="sla-at-risk", thresholds={"at_risk": (1, 5), "breached": (3, 10)}),
        TvSlide(board="sla-at-risk", thresholds={"at_risk": (2, 3), "breached": (1, 2)}),
    ]))  # fmt: skip
    build_tv_desk(db, config, NOW)
    key = api_key_for(db, "technician")
    with time_machine.travel(NOW, tick=False), TestClient(create_app(config, db=db)) as client:
        first, second = slide(client, "wall", 1, key), slide(client, "wall", 2, key)
    assert levels(first) == {"at_risk": "warn", "breached": "ok"}
    assert levels(second) == {"at_risk": "ok", "breached": "bad"}
    texts = {w["key"]: (w["icon"], w["levelText"]) for w in second["widgets"]}
    assert texts == {"at_risk": ("✓", "OK"), "breached": ("✖", "Critical")}


def test_the_team_filter_narrows_the_sla_slide(db: Database) -> None:
    config = tv_config(TvPlaylist(name="wall", slides=[TvSlide(board="sla-at-risk", team="Field Team")]))
    build_tv_desk(db, config, NOW)
    key = api_key_for(db, "manager")
    with time_machine.travel(NOW, tick=False), TestClient(create_app(config, db=db)) as client:
        assert numbers(slide(client, "wall", 1, key)) == {"at_risk": 1, "breached": 0}


def test_fresh_data_has_no_staleness_badge(desk: TestClient, db: Database) -> None:
    kiosk_session(desk, db, None)
    freshness = slide(desk, "wall", 1)["freshness"]
    assert (freshness["stale"], freshness["ageMinutes"], freshness["staleMinutes"]) == (False, 2, 10)


def test_data_older_than_the_playlists_limit_is_marked_stale_with_the_reason(db: Database) -> None:
    config = default_config()
    build_tv_desk(db, config, NOW, synced_minutes_ago=25)
    with db.session() as session:
        row = session.query(SourceRow).one()
        row.stale_since, row.last_error = NOW - timedelta(minutes=20), "HTTP 503 from the vendor"
    key = api_key_for(db, "viewer")
    with time_machine.travel(NOW, tick=False), TestClient(create_app(config, db=db)) as client:
        freshness = slide(client, "wall", 1, key)["freshness"]
    assert freshness["stale"] is True and freshness["ageMinutes"] == 25
    assert "HTTP 503" in freshness["reason"]


def test_a_source_that_never_synced_is_stale(db: Database) -> None:
    config = default_config()
    key = api_key_for(db, "viewer")
    with time_machine.travel(NOW, tick=False), TestClient(create_app(config, db=db)) as client:
        freshness = slide(client, "wall", 1, key)["freshness"]
    assert freshness["stale"] is True and "has not synced yet" in freshness["reason"]


def test_unknown_playlists_and_slides_get_a_sentence_never_a_500(desk: TestClient, db: Database) -> None:
    key = api_key_for(db, "viewer")
    missing = desk.get("/api/tv/nope", headers={"X-API-Key": key})
    assert missing.status_code == 404 and "playlists: wall, lobby, globex" in missing.json()["detail"]
    beyond = desk.get("/api/tv/wall/slides/7", headers={"X-API-Key": key})
    assert beyond.status_code == 404 and "6 slides" in beyond.json()["detail"]
    assert desk.get("/api/tv/wall/slides/0", headers={"X-API-Key": key}).status_code == 400
    assert desk.get("/api/tv/wall/slides/x", headers={"X-API-Key": key}).status_code == 400


def test_without_a_session_the_page_asks_for_sign_in_and_the_api_for_credentials(desk: TestClient) -> None:
    desk.cookies.clear()
    page = desk.get("/tv/wall")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert desk.get("/api/tv/wall/slides/1").status_code == 401


def test_a_revoked_or_unknown_kiosk_link_opens_nothing(desk: TestClient, db: Database) -> None:
    with db.session() as session:
        row, secret = kiosk.create(session, name="TV", boards=["dashboard"], clients=None, creator=None, now=NOW)
        kiosk.revoke(session, row.prefix, now=NOW)
    desk.cookies.clear()
    assert desk.get(f"/kiosk/{secret}/tv/wall").status_code == 404
    assert desk.get("/kiosk/not-a-secret/tv/wall").status_code == 404
    assert "set-cookie" not in desk.get("/kiosk/not-a-secret/tv/wall").headers


def test_every_board_answers_for_a_signed_in_admin(desk: TestClient, db: Database) -> None:
    key = api_key_for(db, "admin")
    boards = [slide(desk, "wall", n, key) for n in range(1, 7)]
    assert [b["board"] for b in boards] == ["summary", "sla-at-risk", "workload", "alerts", "board", "uptime"]
    workload, board, uptime = boards[2], boards[4], boards[5]
    assert numbers(workload)["open"] == 3
    assert [t["title"] for t in workload["tables"]] == ["Technicians", "Queues"]
    assert numbers(board)["active"] == 3
    assert numbers(uptime)["uptime"] is None and uptime["notice"]
