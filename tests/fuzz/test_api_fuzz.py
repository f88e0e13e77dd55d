"""API fuzzing: schemathesis generates requests for every operation in /openapi.json, as an admin and as a
customer of one client, against a seeded store with two clients (tests/fuzz_support.py).

Each response must be no 5xx, have a status the operation declares, match that status's schema and headers,
and (for the customer) show nothing of the other client. The examples per operation are bounded so the file runs
in CI in a few minutes; raise them with ``DESKPULSE_FUZZ_EXAMPLES`` (docs/api.md, "Fuzzing the API").
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import time_machine
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.python.asgi import shutdown_lifespans

from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from fuzz_support import NOW, FuzzWorld, foreign_client_data, fuzz_config, seed
from support import empty_store

EXAMPLES = int(os.environ.get("DESKPULSE_FUZZ_EXAMPLES", "5"))
pytestmark = pytest.mark.fuzz


def fuzz_settings() -> schemathesis.Config:
    """Bounded, reproducible generation; no stateful phase (the operations are fuzzed one by one)."""
    return schemathesis.Config.from_dict(
        {
            "seed": 20261118,
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                # Schema-valid input may still be refused: 404 for an id or name that does not exist, 409 when
                # the state does not allow the change, 400 when a rule across parameters is broken (from= without
                # to=, mine=true with an API key) or a free-text parameter names an unknown value. A 5xx, an
                # undeclared status or a body off its schema still fails.
                "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409"]},
            },
        }
    )


# The document is the same for every config with these sources; the app answering is built per operation below.
schema = schemathesis.openapi.from_dict(create_app(fuzz_config(1)).openapi(), config=fuzz_settings())


class Arena:
    """One seeded store at a time: each persona gets a freshly seeded one, so what the admin's run changed
    (users deactivated, keys revoked, settings saved) never decides what the customer's run sees."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.persona: str | None = None
        self.world: FuzzWorld | None = None

    def enter(self, persona: str) -> tuple[FuzzWorld, FastAPI]:
        """The world for ``persona`` (seeded again when the previous caller was someone else) and a new app on it:
        schemathesis ends an app's lifespan after each operation's test, and a stopped app stays stopped."""
        if self.persona != persona or self.world is None:
            self.close()
            self.world = seed(self.db)
            self.persona = persona
        app = create_app(self.world.config, db=self.db, connector_kwargs=self.world.connector_kwargs)
        app.state.live_max_stream_seconds = 0  # /api/stream answers and ends at once instead of streaming
        return self.world, app

    def close(self) -> None:
        """Stop any running app and empty the store."""
        shutdown_lifespans()
        if self.world is not None:
            self.world = None
            empty_store(self.db)


@pytest.fixture(scope="module")
def arena(_engine_db: Database) -> Iterator[Arena]:
    with time_machine.travel(NOW, tick=True):
        place = Arena(_engine_db)
        try:
            yield place
        finally:
            place.close()


@pytest.fixture
def as_admin(arena: Arena) -> tuple[FuzzWorld, FastAPI]:
    return arena.enter("admin")


@pytest.fixture
def as_customer(arena: Arena) -> tuple[FuzzWorld, FastAPI]:
    return arena.enter("customer")


def no_globex_data(ctx: Any, response: Any, case: Any) -> None:
    """Custom check: nothing in a JSON answer names the other client (fuzz_support.foreign_client_data)."""
    content_type = ";".join(response.headers.get("content-type", []))
    if "json" in content_type and response.content:
        leaks = list(foreign_client_data(response.json()))
        if leaks:
            raise AssertionError(f"A customer of Acme was shown Globex: {'; '.join(leaks[:5])}")


# One app per operation for all its examples, on purpose: that is what the function-scoped fixtures give.
ONE_APP_PER_OPERATION = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@schema.parametrize()
@ONE_APP_PER_OPERATION
def test_every_operation_answers_an_admin_within_its_declared_responses(case: Any, as_admin: Any) -> None:
    world, app = as_admin
    case.call_and_validate(headers={"X-API-Key": world.admin_key}, app=app)


@schema.parametrize()
@ONE_APP_PER_OPERATION
def test_a_customer_of_acme_never_gets_a_5xx_an_undeclared_answer_or_globex_data(case: Any, as_customer: Any) -> None:
    world, app = as_customer
    case.call_and_validate(headers={"X-API-Key": world.customer_key}, app=app, additional_checks=[no_globex_data])
