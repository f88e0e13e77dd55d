"""An id too big for the database's 64-bit integers names nothing: a 404 with a sentence, never a 500 (found by
fuzzing the API with schemathesis)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from deskpulse.config import Config
from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from support import api_key_for, source_config

TOO_BIG = 2**63  # one past the largest BIGINT


def test_an_id_beyond_64_bits_is_not_found_on_plain_and_enveloped_routes(db: Database) -> None:
    app = create_app(Config(database_url="sqlite://", sources=[source_config("desk")]), db=db)
    key = {"X-API-Key": api_key_for(db, "admin")}
    with TestClient(app, raise_server_exceptions=False) as client:
        plain = client.patch(f"/api/users/{TOO_BIG}", json={}, headers=key)
        assert plain.status_code == 404
        assert plain.json() == {"detail": "Not found: that id is out of range."}
        enveloped = client.get(f"/api/dashboard/alerts/{TOO_BIG}", headers=key)
        assert enveloped.status_code == 404
        assert enveloped.json()["success"] is False
        ordinary = client.get("/api/dashboard/alerts/999", headers=key)  # an ordinary unknown id: its own 404
        assert ordinary.status_code == 404 and "out of range" not in ordinary.text
