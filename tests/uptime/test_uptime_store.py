"""Uptime data in the store: graph versions, clients, poll state and outages round-trip unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy.exc import IntegrityError

from deskpulse.connectors.librenms import DeviceMark, OutageSyncState
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source
from deskpulse.store.uptime_graphs import (
    ClientDirectory,
    current_rows,
    default_effective_date,
    load_history,
    parse_graph,
    save_version,
)
from deskpulse.store.uptime_tables import NmsOutageRow
from deskpulse.store.uptime_writes import PollData, apply_poll, poll_state
from deskpulse.uptime import GraphImportError, load_graph
from deskpulse.uptime.document import from_document, to_document
from deskpulse.uptime.edits import dated
from librenms_support import scenario, settings
from uptime_store_support import CLIENTS, GRAPH_YAML, REWIRE_YAML

NOW = datetime(2026, 11, 18, 10, tzinfo=UTC)


def test_a_simulated_network_survives_the_trip_through_a_stored_document() -> None:
    version = load_graph(yaml.safe_dump(scenario(cpes=30, access=4, distribution=2).graph_document()))
    assert from_document(to_document(version)) == version


def test_graph_versions_are_stored_and_the_newest_of_each_date_is_in_force(db: Database) -> None:
    with db.session() as session:
        sync_clients(session, CLIENTS)
        clients = ClientDirectory.load(session)
        assert default_effective_date(session, NOW.date()) is None
        first = parse_graph(GRAPH_YAML, clients)
        save_version(session, first, fmt="yaml", now=NOW, created_by="test", text=GRAPH_YAML)
        assert default_effective_date(session, NOW.date()) == NOW.date()
        rewired = parse_graph(REWIRE_YAML, clients)
        save_version(session, rewired, fmt="yaml", now=NOW, created_by="test")
        again = dated(rewired, date(2026, 10, 15))
        newest = save_version(session, again, fmt="api", now=NOW, created_by="test")
        rows = current_rows(session)
        assert [(r.effective_from, r.id) for r in rows] == [
            (date(2026, 1, 1), rows[0].id),
            (date(2026, 10, 15), newest.id),
        ]
        history = load_history(session, ZoneInfo("Europe/Amsterdam"))
    assert history.versions == (first, again)
    assert [s.client for s in first.services] == ["acme", "globex"]


def test_a_client_is_found_by_id_or_name_whatever_the_case(db: Database) -> None:
    with db.session() as session:
        sync_clients(session, CLIENTS)
        clients = ClientDirectory.load(session)
    assert [clients.resolve(v) for v in ("acme", "ACME", " Globex ", "initech")] == ["acme", "acme", "globex", None]
    with pytest.raises(GraphImportError) as problem:
        parse_graph(GRAPH_YAML.replace("client: globex", "client: Initech"), clients)
    assert [str(p) for p in problem.value.problems] == [
        "line 12: service globex-internet is for client 'Initech', which is not a client in [[clients]] "
        "(by id or name; known ids: acme, globex)"
    ]


def test_an_empty_file_is_a_problem_rather_than_an_empty_graph(db: Database) -> None:
    with db.session() as session:
        clients = ClientDirectory.load(session)
    with pytest.raises(GraphImportError, match="defines no devices and no services"):
        parse_graph("devices: {}\nservices: []\n", clients)


def test_the_connectors_sync_state_round_trips_through_the_poll_state(db: Database) -> None:
    state = OutageSyncState({"cpe-1": DeviceMark(True, False), "cpe-2": DeviceMark(None, True)}, NOW, 42)
    with db.session() as session:
        sid = ensure_source(session, settings()).id
        apply_poll(session, sid, PollData([], {}, state, NOW, silent=False), NOW)
    with db.session() as session:
        stored = poll_state(session, sid).outage_state
        assert stored is not None
        assert OutageSyncState.from_json(stored) == state


def test_an_outage_is_stored_once_per_source_host_and_start(db: Database) -> None:
    with db.session() as session:
        sid = ensure_source(session, settings()).id
        session.add(NmsOutageRow(source_id=sid, hostname="cpe-1", start=NOW, end=None))
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(NmsOutageRow(source_id=sid, hostname="cpe-1", start=NOW, end=NOW))
