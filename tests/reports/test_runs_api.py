"""Report runs through the API and pages: started, built from their own client's data, scoped to the caller."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from deskpulse.reports import build
from deskpulse.reports.runs import create_run, execute_run
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from reports_support import FakeFigures, report_config
from support import api_key_for

BROWSER = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def app_client(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Any]]:
    config = report_config()
    monkeypatch.setattr(build, "compute_figures", FakeFigures(failing=("globex",)))
    app = create_app(config, db=db)
    with db.session() as session:
        sync_clients(session, config.clients)
    with TestClient(app, follow_redirects=False) as client:
        yield client, config


def _as(client: TestClient, key: str) -> dict[str, str]:
    return {"X-API-Key": key, **BROWSER}


def test_a_manager_starts_a_report_and_downloads_its_outputs(app_client: Any, db: Database) -> None:
    client, _ = app_client
    key = api_key_for(db, "manager")
    started = client.post("/api/reports", json={"client": "acme", "period": "2026-10"}, headers=_as(client, key))
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    run = client.get(f"/api/reports/{run_id}", headers=_as(client, key)).json()
    assert run["status"] == "done" and run["figures"]["client"]["key"] == "acme"
    assert run["outputs"] == {"html": True, "pdf": True, "eml": True}
    html = client.get(f"/api/reports/{run_id}.html", headers=_as(client, key))
    assert html.status_code == 200 and "Acme" in html.text
    assert "default-src 'none'" in html.headers["content-security-policy"]
    pdf = client.get(f"/api/reports/{run_id}.pdf?download=true", headers=_as(client, key))
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    eml = client.get(f"/api/reports/{run_id}.eml", headers=_as(client, key))
    assert eml.headers["content-type"].startswith("message/rfc822")
    listed = client.get("/api/reports?client=acme", headers=_as(client, key)).json()
    assert [r["id"] for r in listed["runs"]] == [run_id]


def test_a_failing_build_is_stored_with_a_sentence_and_has_no_outputs(app_client: Any, db: Database) -> None:
    client, _ = app_client
    key = api_key_for(db, "admin")
    run_id = client.post("/api/reports", json={"client": "globex", "period": "2026-10"}, headers=_as(client, key))
    body = client.get(f"/api/reports/{run_id.json()['id']}", headers=_as(client, key)).json()
    assert body["status"] == "failed" and "no tickets table for globex" in body["error"]
    missing = client.get(f"/api/reports/{body['id']}.pdf", headers=_as(client, key))
    assert missing.status_code == 404 and "failed" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"client": "acme", "period": "2026-13"}, "not a month number"),
        ({"client": "acme", "period": "october"}, "is not a period"),
        ({"client": "nobody", "period": "2026-10"}, "no client 'nobody'"),
        ({"period": "2026-10"}, "client"),
    ],
)
def test_bad_report_requests_get_a_4xx_with_a_sentence(app_client: Any, db: Database, body: Any, says: str) -> None:
    client, _ = app_client
    answer = client.post("/api/reports", json=body, headers=_as(client, api_key_for(db, "admin")))
    assert answer.status_code in (400, 404)
    assert says in answer.json()["detail"]


def test_a_customer_of_client_a_cannot_see_or_fetch_client_bs_report(app_client: Any, db: Database) -> None:
    client, config = app_client
    with db.session() as session:
        period = build.parse_period("2026-10", config.tz)
        acme_run = create_run(session, config, "acme", period, now=period.end, created_by="t")
        globex_run = create_run(session, config, "globex", period, now=period.end, created_by="t")
    customer_b = api_key_for(db, "customer", ("globex",))
    for path in (f"/api/reports/{acme_run}", f"/api/reports/{acme_run}.html", f"/api/reports/{acme_run}.pdf"):
        assert client.get(path, headers=_as(client, customer_b)).status_code == 404
    assert client.get(f"/api/reports/{globex_run}", headers=_as(client, customer_b)).status_code == 200
    listed = client.get("/api/reports", headers=_as(client, customer_b)).json()
    assert [r["client"] for r in listed["runs"]] == ["globex"]
    # A customer reads but neither builds nor sends.
    assert client.post("/api/reports", json={"client": "globex"}, headers=_as(client, customer_b)).status_code == 403
    send = client.post(f"/api/reports/{globex_run}/send", headers=_as(client, customer_b))
    assert send.status_code == 403
    # An account manager of client A cannot start a report of client B.
    manager_a = api_key_for(db, "account_manager", ("acme",))
    refused = client.post("/api/reports", json={"client": "globex", "period": "2026-10"},
                          headers=_as(client, manager_a))  # fmt: skip
    assert refused.status_code == 404


def test_two_reports_built_at_the_same_time_each_hold_only_their_own_clients_data(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = report_config()
    # Both builds are inside the figures computation at once before either goes on.
    fake = FakeFigures(barrier=threading.Barrier(2))
    monkeypatch.setattr(build, "compute_figures", fake)
    with db.session() as session:
        sync_clients(session, config.clients)
        period = build.parse_period("2026-10", config.tz)
        ids = {k: create_run(session, config, k, period, now=period.end, created_by="t") for k in ("acme", "globex")}
    threads = [threading.Thread(target=execute_run, args=(db, config, run_id)) for run_id in ids.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(fake.calls) == ["acme", "globex"]
    from deskpulse.store.report_tables import ReportRunRow

    with db.session() as session:
        for key, run_id in ids.items():
            run = session.get(ReportRunRow, run_id)
            assert run is not None and run.status == "done", run.error if run else None
            other = "globex" if key == "acme" else "acme"
            assert run.html is not None and run.eml is not None
            assert f"[{key}]".encode() in run.html and f"[{other}]".encode() not in run.html
            mail = email.message_from_bytes(run.eml, policy=email.policy.default)
            body = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
            assert f"ann@{key}.test" in body and f"@{other}.test" not in body
            assert run.figures is not None and run.figures["client"]["key"] == key


def test_figures_for_another_client_are_refused_rather_than_rendered(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = report_config()
    fake = FakeFigures()
    monkeypatch.setattr(build, "compute_figures", lambda s, c, k, p, now: fake(s, c, "globex", p, now=now))
    with db.session() as session:
        sync_clients(session, config.clients)
        period = build.parse_period("2026-10", config.tz)
        run_id = create_run(session, config, "acme", period, now=period.end, created_by="t")
    assert run_id is not None
    assert execute_run(db, config, run_id) == "failed"


def test_the_preview_page_shows_the_recipients_before_sending(app_client: Any, db: Database) -> None:
    client, _ = app_client
    key = api_key_for(db, "manager")
    made = client.post("/reports", data={"client": "acme", "period": "2026-10"}, headers=_as(client, key))
    assert made.status_code == 303
    page = client.get(made.headers["location"], headers=_as(client, key))
    assert page.status_code == 200
    assert "To: it@acme.test" in page.text and "Cc: boss@acme.test" in page.text
    assert "Internal copy: reports@msp.test" in page.text
    listing = client.get("/reports", headers=_as(client, key))
    assert listing.status_code == 200 and "acme" in listing.text


def test_a_cross_site_form_post_is_refused(app_client: Any, db: Database) -> None:
    client, _ = app_client
    from deskpulse.auth import sessions

    client.cookies.set(sessions.COOKIE, "whatever")
    answer = client.post("/reports", data={"client": "acme"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 403


def test_with_the_real_figures_a_client_without_tickets_gets_a_report_that_says_no_data(db: Database) -> None:
    config = report_config()
    with db.session() as session:
        sync_clients(session, config.clients)
        period = build.parse_period("2026-10", build.client_zone(config, "acme"))
        run_id = create_run(session, config, "acme", period, now=period.end, created_by="t")
    assert run_id is not None and execute_run(db, config, run_id) == "done"
    from deskpulse.store.report_tables import ReportRunRow

    with db.session() as session:
        run = session.get(ReportRunRow, run_id)
        assert run is not None and run.html is not None and run.figures is not None
        assert run.figures["client"]["key"] == "acme" and run.figures["period"]["key"] == "2026-10"
        assert run.html.decode().count("No data this period.") >= 5
