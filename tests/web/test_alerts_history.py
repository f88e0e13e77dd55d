"""Alert history kept and searchable: the filters and paging of ``GET /api/dashboard/alerts`` and ``/alerts``,
client scoping of both, and bad filter values answered with a sentence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from fastapi.testclient import TestClient

from alerts_support import T0, minutes
from deskpulse.config import ClientConfig, Config
from deskpulse.store.alerts_tables import AlertRow
from deskpulse.store.db import Database
from deskpulse.store.tables import ClientRow
from deskpulse.web import alerts_pages
from deskpulse.web.app import create_app
from support import api_key_for, source_config

NOW = T0 + minutes(24 * 60)
CONFIG = Config(
    timezone="UTC", database_url="sqlite://", sources=[source_config("desk"), source_config("nms")],
    clients=[ClientConfig(id="acme", name="Acme"), ClientConfig(id="globex", name="Globex")],
)  # fmt: skip


def _alert(session: Any, n: int, *, client: ClientRow | None, at: datetime, **values: Any) -> None:
    row = {
        "dedupe_key": f"rule:r|ticket:desk:{n}", "rule_id": "p1", "rule_name": "P1 overdue", "subject":
        f"ticket:desk:{n}", "severity": "warning", "title": f"Overdue: desk #{n}", "message": f"Ticket {n} waits.",
        "url": None, "client_id": client.id if client else None, "client_key": client.key if client else None,
        "source": "desk", "state": "resolved", "level": 1, "policy": {}, "silenced": False, "fired_at": at,
        "last_seen_at": at, "notify_count": 1, "resolved_at": at + minutes(5),
    } | values  # fmt: skip
    session.add(AlertRow(**row))


@pytest.fixture
def history(db: Database) -> Iterator[Database]:
    """40 resolved Acme alerts over two days, a critical Globex one from the nms source, an open desk-wide one."""
    with db.session() as session:
        acme, globex = ClientRow(key="acme", name="Acme"), ClientRow(key="globex", name="Globex")
        session.add_all([acme, globex])
        session.flush()
        for n in range(40):
            _alert(session, n, client=acme, at=T0 - minutes(60 * n))
        _alert(session, 100, client=globex, at=T0, severity="critical", source="nms", rule_id="down",
               subject="service:globex-internet", title="Service down: Internet 1G (Globex)")  # fmt: skip
        _alert(session, 200, client=None, at=T0 + minutes(30), state="firing", open_key="k", resolved_at=None,
               rule_id="stale", title="Source desk is not syncing", subject="source:desk")  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        yield db


def api(db: Database, role: str = "technician", clients: tuple[str, ...] = (), **params: Any) -> tuple[int, Any]:
    with TestClient(create_app(CONFIG, db=db)) as client:
        key = api_key_for(db, role, clients)
        response = client.get(f"/api/dashboard/alerts?{urlencode(params)}", headers={"X-API-Key": key})
    return response.status_code, response.json()


def titles(body: Any) -> list[str]:
    return [a["title"] for a in body["data"]["alerts"]]


def test_resolved_alerts_stay_listed_and_filters_combine(history: Database) -> None:
    status, body = api(history, state="resolved", pageSize=200)
    assert status == 200 and body["data"]["total"] == 41, "40 Acme and 1 Globex alert, all resolved"
    assert set(body["data"]) == {"alerts", "total", "unacknowledged"}
    assert titles(api(history, severity="critical")[1]) == ["Service down: Internet 1G (Globex)"]
    assert titles(api(history, source="nms")[1]) == ["Service down: Internet 1G (Globex)"]
    assert titles(api(history, rule="stale")[1]) == ["Source desk is not syncing"]
    assert api(history, client="acme")[1]["data"]["total"] == 40
    assert api(history, client="acme", search="#7")[1]["data"]["total"] == 1, "desk #7 only"
    assert titles(api(history, search="GLOBEX-internet")[1]) == ["Service down: Internet 1G (Globex)"], "subject"


def test_from_and_to_take_days_or_times_and_pages_keep_the_order(history: Database) -> None:
    # T0 is 08:00 on the 18th: alerts 0..8 fired that day, 9..32 on the 17th, 33..39 on the 16th.
    _, day = api(history, client="acme", **{"from": "2026-11-17", "to": "2026-11-17"})
    assert day["data"]["total"] == 24
    _, since = api(history, client="acme", **{"from": "2026-11-18T05:30:00+00:00"})
    assert titles(since) == ["Overdue: desk #0", "Overdue: desk #1", "Overdue: desk #2"]
    _, first = api(history, client="acme", pageSize=15)
    _, third = api(history, client="acme", pageSize=15, page=3)
    assert (first["data"]["total"], len(first["data"]["alerts"]), len(third["data"]["alerts"])) == (40, 15, 10)
    assert titles(third)[-1] == "Overdue: desk #39", "newest first: the oldest on the last page"


def test_an_account_manager_sees_only_its_clients_alerts_whatever_it_asks_for(history: Database) -> None:
    _, own = api(history, role="account_manager", clients=("globex",))
    assert titles(own) == ["Service down: Internet 1G (Globex)"]
    status, other = api(history, role="account_manager", clients=("globex",), client="acme")
    assert status == 200 and other["data"] == {"alerts": [], "total": 0, "unacknowledged": 0}
    assert api(history, role="customer", clients=("acme",))[0] == 403


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"severity": "loud"}, "severity: unknown value 'loud'"),
        ({"from": "yesterday"}, "from='yesterday' is not a date"),
        ({"to": "2026-11-18T10:00:00"}, "needs a time zone offset"),
        ({"from": "2026-11-18", "to": "2026-11-17"}, "from must come before to"),
    ],
)
def test_bad_filters_are_a_400_with_a_sentence(history: Database, params: dict[str, str], words: str) -> None:
    status, body = api(history, **params)
    assert status == 400 and words in body["message"]


def test_the_alerts_page_offers_the_same_filters_and_keeps_them_in_the_page_links(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts_pages, "PAGE_SIZE", 10)
    with TestClient(create_app(CONFIG, db=history)) as client:
        key = {"X-API-Key": api_key_for(history, "technician", ())}
        page = client.get("/alerts?state=resolved&client=acme&from=2026-11-17", headers=key)
        bad = client.get("/alerts?state=all&severity=loud", headers=key)
    assert page.status_code == 200
    assert 'data-testid="alerts-total">33<' in page.text
    assert 'href="/alerts?state=resolved&amp;client=acme&amp;from=2026-11-17&amp;page=2"' in page.text
    assert '<option value="acme" selected>' in page.text and '<option value="critical">' in page.text
    assert bad.status_code == 400
