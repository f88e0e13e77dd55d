"""The board's named views, "my tickets", name-override files, configured rules and the description panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
from fastapi.testclient import TestClient

from deskpulse.auth import sessions
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.board_config import BoardConfig, BoardView
from deskpulse.config import AuthConfig, Config
from deskpulse.connectors.freshservice import FreshserviceSettings
from deskpulse.name_files import parse_id_names
from deskpulse.simulators.freshservice import FreshserviceScenario
from deskpulse.store.db import Database
from deskpulse.web.app import create_app as create_web_app
from support import api_key_for, sync_freshservice_twice

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SETTINGS = FreshserviceSettings(
    name="fs", base_url="http://fs.test/api/v2", api_key="sim-fs-key", plan="enterprise", budget_share=1
)


async def synced_scenario(db: Database) -> FreshserviceScenario:
    """Three tickets in two groups with two agents, synced twice (the second cycle brings reply stats)."""
    scenario = FreshserviceScenario(11, active_tickets=0, history_days=0, now=NOW - timedelta(hours=3))
    groups, agents = sorted(scenario.groups), sorted(scenario.agents)
    scenario.add_ticket(created_at=NOW - timedelta(hours=2), group_id=groups[0], responder_id=agents[0],
                        subject="Printer on fire", description="Smoke <b>everywhere</b>\nsecond line")  # fmt: skip
    scenario.add_ticket(created_at=NOW - timedelta(hours=2), group_id=groups[1], responder_id=agents[1],
                        subject="VPN down")  # fmt: skip
    scenario.add_ticket(created_at=NOW - timedelta(hours=1), group_id=groups[1], responder_id=agents[0],
                        subject="New laptop", priority=4)  # fmt: skip
    scenario._now = int(NOW.timestamp())  # type: ignore[attr-defined]
    await sync_freshservice_twice(db, scenario, SETTINGS, NOW)
    return scenario


def config_with(board: BoardConfig) -> Config:
    return Config(database_url="sqlite://", sources=[SETTINGS], board=board)


def get(db: Database, config: Config, path: str, headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None) -> tuple[int, Any]:  # fmt: skip
    app = create_web_app(config, db=db)
    headers = headers if headers is not None else {"X-API-Key": api_key_for(db, "technician")}
    with (
        time_machine.travel(NOW + timedelta(minutes=1), tick=False),
        TestClient(app, headers=headers, cookies=cookies) as client,
    ):
        response = client.get(path)
    kind = response.headers.get("content-type", "")
    return response.status_code, response.json() if kind.startswith("application/json") else response.text


def subjects(body: dict[str, Any]) -> set[str]:
    return {item["subject"] for s in body["sections"] for item in s["items"]}


async def test_a_named_view_shows_only_its_groups_matched_by_name_or_id(db: Database) -> None:
    scenario = await synced_scenario(db)
    groups = sorted(scenario.groups)
    first_name = scenario.groups[groups[0]]["name"]
    board = BoardConfig(views=[
        BoardView(name="helpdesk", title="Helpdesk", groups=[first_name.upper()]),
        BoardView(name="projects", groups=[str(groups[1])]),
    ])  # fmt: skip
    status, body = get(db, config_with(board), "/api/board?view=helpdesk")
    assert status == 200
    assert subjects(body) == {"Printer on fire"} and body["view"] == "helpdesk"
    assert [v["title"] for v in body["views"]] == ["Helpdesk", "projects"]
    _, body = get(db, config_with(board), "/api/board?view=projects")
    assert subjects(body) == {"VPN down", "New laptop"}
    _, body = get(db, config_with(board), "/api/board")
    assert subjects(body) == {"Printer on fire", "VPN down", "New laptop"}


async def test_an_unknown_view_is_a_400_naming_the_configured_views(db: Database) -> None:
    await synced_scenario(db)
    board = BoardConfig(views=[BoardView(name="helpdesk", groups=["x"])])
    status, body = get(db, config_with(board), "/api/board?view=nope")
    assert status == 400
    assert "nope" in body["detail"] and "helpdesk" in body["detail"]


async def test_my_tickets_are_those_of_the_agent_with_my_email(db: Database) -> None:
    scenario = await synced_scenario(db)
    me = scenario.agents[sorted(scenario.agents)[0]]
    config = Config(database_url="sqlite://", sources=[SETTINGS], auth=AuthConfig())
    with db.session() as session:
        user = create_user(
            session, email=me["email"].upper(), role=Role.TECHNICIAN, now=NOW, password="correct horse battery"
        )
        session.flush()
        token = sessions.start(session, now=NOW, cfg=config.auth, user_id=user.id)
    status, body = get(db, config, "/api/board?mine=true", headers={}, cookies={sessions.COOKIE: token})
    assert status == 200, body
    assert subjects(body) == {"Printer on fire", "New laptop"}
    assert body["notice"] is None


async def test_my_tickets_with_an_api_key_is_a_clear_400(db: Database) -> None:
    await synced_scenario(db)
    status, body = get(db, config_with(BoardConfig()), "/api/board?mine=true")
    assert status == 400 and "signed-in user" in body["detail"]


async def test_name_files_override_and_fill_in_names(db: Database, tmp_path: Path) -> None:
    scenario = await synced_scenario(db)
    agent_id = sorted(scenario.agents)[1]
    agents_txt = tmp_path / "agents.txt"
    agents_txt.write_text(f"# overrides\n{agent_id}: Vera <script>Vpn</script>\nnot a line\n", encoding="utf-8")
    requester_id = next(iter(scenario.requesters))
    requesters_txt = tmp_path / "requesters.txt"
    requesters_txt.write_text(f"{requester_id}:Rita Requester\n", encoding="utf-8")
    board = BoardConfig(agent_names_file=str(agents_txt), requester_names_file=str(requesters_txt))
    _, body = get(db, config_with(board), "/api/board")
    items = {i["subject"]: i for s in body["sections"] for i in s["items"]}
    assert items["VPN down"]["agent"] == "Vera <script>Vpn</script>"
    synced_name = scenario.agents[sorted(scenario.agents)[0]]
    assert items["Printer on fire"]["agent"].startswith(synced_name["first_name"]), "others keep the synced name"
    renamed = [i for i in items.values() if i["requester_id"] == str(requester_id)]
    assert renamed and all(i["requester"] == "Rita Requester" for i in renamed)
    status, html = get(db, config_with(board), "/board")
    assert status == 200
    assert "Vera &lt;script&gt;Vpn&lt;/script&gt;" in html and "<script>Vpn" not in html


async def test_configured_reply_statuses_and_thresholds_change_the_board(db: Database) -> None:
    await synced_scenario(db)
    # "Open" counts as a reply status here: every open ticket becomes "waiting on agent".
    board = BoardConfig(reply_statuses=["Open"], sla_critical_hours=1, sla_warning_hours=2)
    _, body = get(db, config_with(board), "/api/board")
    keys = {s["key"]: len(s["items"]) for s in body["sections"]}
    assert keys["waiting_on_agent"] == 3


async def test_the_description_is_in_the_json_and_in_an_escaped_details_panel(db: Database) -> None:
    await synced_scenario(db)
    _, body = get(db, config_with(BoardConfig()), "/api/board")
    items = {i["subject"]: i for s in body["sections"] for i in s["items"]}
    assert items["Printer on fire"]["description"] == "Smoke <b>everywhere</b>\nsecond line"
    _, html = get(db, config_with(BoardConfig()), "/board")
    assert "<details>" in html and "Smoke &lt;b&gt;everywhere&lt;/b&gt;" in html
    assert "<b>everywhere</b>" not in html


def test_the_id_name_format_skips_comments_and_reports_bad_lines() -> None:
    names, problems = parse_id_names("\ufeff12:Ann\n# comment\n\n13 : Bob Smith \nbroken\n:empty\n12:Anne\n")
    assert names == {"12": "Anne", "13": "Bob Smith"}
    assert problems == ["line 5 is not in the id:Name format", "line 6 is not in the id:Name format"]


async def test_a_sync_within_the_same_minute_shows_on_the_next_board_view(db: Database) -> None:
    scenario = await synced_scenario(db)
    config = config_with(BoardConfig())
    app = create_web_app(config, db=db)
    key = api_key_for(db, "technician")
    with (
        time_machine.travel(NOW + timedelta(minutes=1), tick=False),
        TestClient(app, headers={"X-API-Key": key}) as client,
    ):
        before = subjects(client.get("/api/board").json())
        assert "Brand new ticket" not in before
        assert subjects(client.get("/api/board").json()) == before, "same minute, same sync: the cached board"
        scenario.add_ticket(created_at=NOW, subject="Brand new ticket")
        await sync_freshservice_twice(db, scenario, SETTINGS, NOW + timedelta(seconds=40))
        assert "Brand new ticket" in subjects(client.get("/api/board").json())


async def test_the_board_json_is_sent_gzipped_to_clients_that_accept_it(db: Database) -> None:
    await synced_scenario(db)
    app = create_web_app(config_with(BoardConfig()), db=db)
    key = api_key_for(db, "technician")
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False), TestClient(app) as client:
        packed = client.get("/api/board", headers={"X-API-Key": key, "Accept-Encoding": "gzip"})
        plain = client.get("/api/board", headers={"X-API-Key": key, "Accept-Encoding": "identity"})
    assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert packed.json() == plain.json()
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
