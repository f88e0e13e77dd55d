"""What the API fuzzer found, one test each: declared error responses, the 429 of the rate limit, the Allow header
of a 405, the sentence for a missing body, ISO times only; and the fuzzer's own check for another client's data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from deskpulse.config import AuthConfig, ClientConfig, Config
from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from fuzz_support import foreign_client_data
from support import api_key_for, source_config

CLIENTS = [ClientConfig(id="acme", name="Acme"), ClientConfig(id="globex", name="Globex")]
# Operations anyone may call: a liveness probe and webhook receivers (which check a signature instead).
PUBLIC = {"/healthz", "/hooks/trengo/{source}", "/hooks/autotask/{source}", "/hooks/freshservice/{source}"}


def app_with(requests_per_minute: int, db: Database) -> Any:
    auth = AuthConfig(api_requests_per_minute=requests_per_minute)
    return create_app(Config(database_url="sqlite://", sources=[source_config()], clients=CLIENTS, auth=auth), db=db)


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(app_with(100_000, db)) as http:
        yield http


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def test_every_api_operation_declares_the_caller_errors_with_the_error_body_and_none_declares_422(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    missing = []
    for path, method, operation in operations(document):
        declared = operation["responses"]
        assert "422" not in declared, f"{method} {path} declares FastAPI's 422; the app answers 400"
        wanted = {"400", "401", "403", "429"} if path.startswith("/api/") else set()
        missing += [f"{method} {path}: {status}" for status in sorted(wanted - set(declared))]
        for status, response in declared.items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, f"{method} {path} {status}"
    assert not missing
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_signed_in_operations_outside_the_api_prefix_declare_401_too(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, method, operation in operations(document):
        if path not in PUBLIC:
            assert "401" in operation["responses"], f"{method} {path}"


def test_the_request_past_the_rate_limit_answers_the_declared_429_with_retry_after(db: Database) -> None:
    with TestClient(app_with(2, db)) as http:
        key = {"X-API-Key": api_key_for(db, "admin")}
        assert [http.get("/api/dashboard", headers=key).status_code for _ in range(2)] == [200, 200]
        refused = http.get("/api/dashboard", headers=key)
        declared = http.get("/openapi.json").json()["paths"]["/api/dashboard"]["get"]["responses"]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.json()["detail"].startswith("Too many requests")
    assert "429" in declared and "Retry-After" in declared["429"]["description"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/users", "GET, POST"),
        ("POST", "/api/dashboard/tickets/7", "GET, PATCH"),
        ("GET", "/api/dashboard/escalation-rules/some-rule", "DELETE, PUT"),
        ("DELETE", "/api/dashboard/tickets/bulk", "POST"),
        # The word is not read as a graph version (that was a 400 to an admin and a 403 to a customer).
        ("GET", "/api/uptime/graphs/import", "POST"),
    ],
)
def test_a_405_names_every_method_the_path_supports(
    client: TestClient, db: Database, method: str, path: str, allow: str
) -> None:
    answer = client.request(method, path, headers={"X-API-Key": api_key_for(db, "admin")})
    assert answer.status_code == 405
    assert answer.headers["allow"] == allow


def test_a_post_without_its_body_says_the_body_is_required(client: TestClient, db: Database) -> None:
    key = api_key_for(db, "admin")
    answer = client.post("/api/settings/sources/test", headers={"X-API-Key": key})
    assert answer.status_code == 400
    assert answer.json() == {"detail": "body: Field required"}


@pytest.mark.parametrize("value", ["0.5", "1700000000", "-3"])
@pytest.mark.parametrize(("path", "name"), [("/api/audit", "until"), ("/api/history", "since"),
                                            ("/api/dashboard/alerts", "since")])  # fmt: skip
def test_a_number_is_not_a_time(client: TestClient, db: Database, path: str, name: str, value: str) -> None:
    key = {"X-API-Key": api_key_for(db, "admin")}
    answer = client.get(path, params={name: value}, headers=key)
    assert answer.status_code == 400
    assert "ISO 8601" in answer.json()["detail"]
    assert client.get(path, params={name: "2026-11-18T09:30:00+00:00"}, headers=key).is_success


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/dashboard/tickets/bulk", {"ticketIds": ["1"], "changes": {"unassign": 0}}),
    ("PATCH", "/api/users/1", {"is_active": "no"}),
    ("POST", "/api/dashboard/tickets/bulk", {"ticketIds": ["1"], "changes": {"assignedResourceId": False}}),
    ("PATCH", "/api/dashboard/tickets/7", {"queueId": True}),
])  # fmt: skip
def test_json_types_are_taken_as_declared(
    client: TestClient, db: Database, method: str, path: str, body: dict[str, Any]
) -> None:
    answer = client.request(method, path, json=body, headers={"X-API-Key": api_key_for(db, "admin")})
    assert answer.status_code == 400
    assert "valid boolean" in answer.json()["detail"] or "valid string" in answer.json()["detail"]


def test_the_fuzzers_leak_check_finds_the_other_client_anywhere_in_a_document() -> None:
    document = {
        "services": [{"id": "acme-internet", "client": "acme"}, {"id": "x", "client": {"id": "globex"}}],
        "tickets": [{"requester": "jo@globex.test", "client_name": "Acme"}],
        "run": {"clients": ["acme", "Globex"]},
    }
    assert sorted(foreign_client_data(document)) == [
        "$.run.clients = ['acme', 'Globex']",
        "$.services[1].client = {'id': 'globex'}",
        "$.tickets[0].requester = 'jo@globex.test'",
    ]
    assert list(foreign_client_data({"client": "acme", "note": "about globex"})) == []
