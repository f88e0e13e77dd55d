"""The files source: documents map to tickets, bad files become warnings, unchanged files are not re-read."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from deskpulse.connectors.base import ConnectorError
from deskpulse.connectors.files import FilesConnector, FilesSettings
from deskpulse.connectors.files.legacy import LegacyDocument
from deskpulse.connectors.files.schema import AgentRef, RequesterRef, TeamRef, TicketDocument
from deskpulse.connectors.protocol import HoldsUnreadable, ReportsWarnings
from deskpulse.domain.tickets import DESCRIPTION_MAX_CHARS, Agent, Priority, StatusCategory, Team, Ticket
from files_support import files_source, ticket_doc, write

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs/connectors/files.schema.json").read_text(encoding="utf-8"))
GUIDE = (ROOT / "docs/connectors/files.md").read_text(encoding="utf-8")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


FULL = {
    "id": 4711,
    "subject": "Printer prints blank pages",
    "status": "waiting_on_third_party",
    "status_label": "Waiting on vendor",
    "description": "  Every job comes out blank.\n" + "x" * DESCRIPTION_MAX_CHARS,
    "priority": "high",
    "created_at": "2026-11-17T08:12:00+01:00",
    "updated_at": "2026-11-18T09:40:00",  # no offset: read in naive_timezone (Amsterdam, UTC+1 in November)
    "first_responded_at": "2026-11-17T07:30:00Z",
    "agent_responded_at": "2026-11-18T08:40:00Z",
    "requester_responded_at": "2026-11-17T15:05:00Z",
    "resolved_at": None,
    "closed_at": "",
    "first_response_due_at": "2026-11-17T09:12:00Z",
    "resolution_due_at": "2026-11-20T16:00:00Z",
    "team": {"id": "hw", "name": "Hardware"},
    "agent": {"id": "a-17", "name": "Sam Jansen", "email": "Sam@MSP.example"},
    "requester": {"id": 9, "name": "Kim de Vries", "email": "KIM@client-a.example"},
    "ticket_type": "Incident",
    "url": "https://helpdesk.example/t/4711",
    "channel": "email",
    "custom_field": "ignored",
}


async def test_every_field_of_a_normalized_document_is_mapped(tmp_path: Path) -> None:
    write(tmp_path, "4711.json", FULL)
    _, connector = files_source(tmp_path, naive_timezone="Europe/Amsterdam")
    [ticket] = await connector.fetch_active()
    assert ticket == Ticket(
        external_id="4711",
        number="4711",
        subject="Printer prints blank pages",
        description=("Every job comes out blank.\n" + "x" * DESCRIPTION_MAX_CHARS)[: DESCRIPTION_MAX_CHARS - 1] + "…",
        status_raw="Waiting on vendor",
        status_label="Waiting on vendor",
        status_category=StatusCategory.WAITING_ON_THIRD_PARTY,
        priority_raw="high",
        priority=Priority.HIGH,
        channel="email",
        team_external_id="hw",
        agent_external_id="a-17",
        requester_external_id="9",
        requester_name="Kim de Vries",
        requester_email="kim@client-a.example",
        created_at=utc(2026, 11, 17, 7, 12),
        updated_at=utc(2026, 11, 18, 8, 40),
        first_responded_at=utc(2026, 11, 17, 7, 30),
        resolved_at=None,
        closed_at=None,
        first_response_due_at=utc(2026, 11, 17, 9, 12),
        resolution_due_at=utc(2026, 11, 20, 16, 0),
        last_activity_at=utc(2026, 11, 18, 8, 40),
        agent_responded_at=utc(2026, 11, 18, 8, 40),
        requester_responded_at=utc(2026, 11, 17, 15, 5),
        ticket_type="Incident",
        url="https://helpdesk.example/t/4711",
    )
    assert connector.take_warnings() == []


async def test_a_minimal_document_gets_the_category_name_a_template_link_and_its_creation_as_last_activity(
    tmp_path: Path,
) -> None:
    write(tmp_path, "a b.json", ticket_doc("a b", status="on_hold", team="", updated_at=""))
    _, connector = files_source(tmp_path, web_url_template="https://helpdesk.example/tickets/{id}")
    [ticket] = await connector.fetch_active()
    assert (ticket.status_label, ticket.status_raw) == ("On hold", "on_hold")
    assert ticket.url == "https://helpdesk.example/tickets/a%20b"
    assert ticket.last_activity_at == ticket.created_at == utc(2026, 11, 18, 8)
    assert ticket.priority is None and ticket.team_external_id is None and ticket.description is None


async def test_teams_and_agents_come_from_the_files_and_a_name_anywhere_beats_a_bare_id(tmp_path: Path) -> None:
    write(tmp_path, "1.json", ticket_doc(1, team="hw", agent="a-17"))
    write(tmp_path, "2.json", ticket_doc(2, team={"id": "hw", "name": "Hardware"}, agent={"id": "a-17", "name": "Sam"}))
    write(tmp_path, "3.json", ticket_doc(3, status="closed", team=5, agent={"id": "a-2", "email": "Lee@MSP.example"}))
    _, connector = files_source(tmp_path)
    directory = await connector.fetch_directory()
    assert directory.teams == [Team("5", "5"), Team("hw", "Hardware")]
    assert directory.agents == [Agent("a-17", "Sam"), Agent("a-2", "a-2", "lee@msp.example")]


LEGACY = {
    "subject": "VPN drops every hour",
    "status_raw": 3,
    "priority_raw": "2",
    "created_at_str": "2026-11-16 14:03:11",
    "updated_at_str": "2026-11-18T08:55:40Z",
    "fr_due_by_str": "2026-11-17T14:03:11Z",
    "description_text": "The tunnel drops.",
    "responder_id": 17000123,
    "requester_id": 17000999,
}


async def test_a_legacy_watcher_file_is_read_with_its_id_from_the_file_name(tmp_path: Path) -> None:
    write(tmp_path, "123.txt", LEGACY)
    _, connector = files_source(tmp_path, naive_timezone="Europe/Amsterdam")
    [ticket] = await connector.fetch_active()
    assert ticket == Ticket(
        external_id="123",
        number="123",
        subject="VPN drops every hour",
        description="The tunnel drops.",
        status_raw="3",
        status_label="Pending",
        status_category=StatusCategory.WAITING_ON_CUSTOMER,
        priority_raw="2",
        priority=Priority.MEDIUM,
        agent_external_id="17000123",
        requester_external_id="17000999",
        created_at=utc(2026, 11, 16, 13, 3, 11),
        updated_at=utc(2026, 11, 18, 8, 55, 40),
        first_response_due_at=utc(2026, 11, 17, 14, 3, 11),
        last_activity_at=utc(2026, 11, 18, 8, 55, 40),
    )


@pytest.mark.parametrize(
    ("status_raw", "label", "category"),
    [
        (2, "Open", StatusCategory.OPEN),
        ("3", "Pending", StatusCategory.WAITING_ON_CUSTOMER),
        (4, "Resolved", StatusCategory.RESOLVED),
        (5, "Closed", StatusCategory.CLOSED),
        (6, "Status 6", StatusCategory.ON_HOLD),
    ],
)
@pytest.mark.parametrize(("priority_raw", "priority"), [(1, Priority.LOW), (4, Priority.URGENT), (9, None)])
async def test_legacy_status_and_priority_codes_map_to_categories(
    tmp_path: Path, status_raw: object, label: str, category: StatusCategory, priority_raw: int, priority: Priority
) -> None:
    write(tmp_path, "55.txt", {**LEGACY, "id": 77, "status_raw": status_raw, "priority_raw": priority_raw})
    _, connector = files_source(tmp_path)
    ticket = await connector.fetch_ticket("77")
    assert ticket is not None
    assert (ticket.status_label, ticket.status_category) == (label, category)
    assert (ticket.priority_raw, ticket.priority) == (str(priority_raw), priority)


TRUNCATED = '{\n  "id": "8",\n  "subject": "Half'
MALFORMED: list[tuple[str, str | bytes | list[Any] | dict[str, Any], str]] = [
    ("8.json", TRUNCATED, "invalid JSON at line 3 column 14"),
    ("9.json", b"\xff\xfe{}", "not UTF-8 text"),
    ("10.json", ["not", "an", "object"], "not a JSON object but list"),
    ("11.json", ticket_doc(11, subject=None), "missing required field 'subject'"),
    ("12.json", ticket_doc(12, created_at="18-11-2026 10:00"), "field 'created_at': '18-11-2026 10:00' is not"),
    ("13.json", ticket_doc(13, updated_at=1763456400), "field 'updated_at': must be an ISO 8601 timestamp string"),
    ("14.json", ticket_doc(14, status="pending"), "field 'status': Input should be 'new', 'open'"),
    ("15.json", ticket_doc(15, priority="P1"), "field 'priority'"),
    ("16.json", ticket_doc(16, team={"name": "No id"}), "missing required field 'team.id'"),
    ("17.json", ticket_doc("x" * 65), "field 'id': String should have at most 64 characters"),
    ("18.txt", {**LEGACY, "status_raw": "open"}, "field 'status_raw': must be a whole number"),
    ("19.txt", {**LEGACY, "created_at_str": None}, "field 'created_at_str'"),
    ("20.json", "[" * 200_000 + "]" * 200_000, "JSON nested too deeply"),
    (
        "21.json",
        ticket_doc(21, closed_at="0001-01-01T00:00:00+01:00"),
        "field 'closed_at': '0001-01-01T00:00:00+01:00' is out",
    ),
]


@pytest.mark.parametrize(("name", "content", "reason"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_a_malformed_file_is_reported_by_name_and_held_while_the_others_are_read(
    tmp_path: Path, name: str, content: Any, reason: str
) -> None:
    write(tmp_path, "1.json", ticket_doc(1))
    write(tmp_path, name, content)
    write(tmp_path, "2.json", ticket_doc(2, status="closed"))
    _, connector = files_source(tmp_path)
    assert [t.external_id for t in await connector.fetch_active()] == ["1"]
    assert [t.external_id for t in await connector.fetch_closed_since(utc(2000, 1, 1))] == ["2"]
    [warning] = connector.take_warnings()
    assert warning.startswith(f"Ticket file {name} skipped: ")
    assert reason in warning
    assert connector.held_ids() == {Path(name).stem}


async def test_a_file_over_max_file_bytes_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, "5.json", ticket_doc(5, description="x" * 600))
    _, connector = files_source(tmp_path, max_file_bytes=500)
    assert await connector.fetch_active() == []
    [warning] = connector.take_warnings()
    assert re.search(r"Ticket file 5\.json skipped: \d{3} bytes, over max_file_bytes \(500\)", warning)
    assert connector.reader.parses == 0
    assert connector.held_ids() == {"5"}


async def test_two_files_with_one_id_keep_the_file_named_after_it_and_report_the_other(tmp_path: Path) -> None:
    write(tmp_path, "7.json", ticket_doc(7, subject="from 7.json"))
    write(tmp_path, "copy-of-7.json", ticket_doc(7, subject="from the copy"))
    _, connector = files_source(tmp_path)
    [ticket] = await connector.fetch_active()
    assert ticket.subject == "from 7.json"
    assert connector.take_warnings() == ["Ticket files copy-of-7.json and 7.json both hold ticket 7; 7.json is used."]
    assert connector.held_ids() == set()


async def test_a_file_caught_half_written_is_held_under_the_id_it_held_before(tmp_path: Path) -> None:
    write(tmp_path, "export-1.json", ticket_doc("T-1"))
    _, connector = files_source(tmp_path)
    assert [t.external_id for t in await connector.fetch_active()] == ["T-1"]
    write(tmp_path, "export-1.json", TRUNCATED)
    assert await connector.fetch_active() == []
    assert connector.held_ids() == {"T-1"}
    write(tmp_path, "export-1.json", ticket_doc("T-1", subject="done"))
    assert [t.subject for t in await connector.fetch_active()] == ["done"]
    assert connector.held_ids() == set()


async def test_warnings_repeat_every_scan_until_the_file_is_fixed(tmp_path: Path) -> None:
    write(tmp_path, "3.json", "{")
    _, connector = files_source(tmp_path)
    await connector.fetch_active()
    assert len(connector.take_warnings()) == 1
    assert connector.take_warnings() == []
    await connector.fetch_active()
    assert len(connector.take_warnings()) == 1
    write(tmp_path, "3.json", ticket_doc(3))
    await connector.fetch_active()
    assert connector.take_warnings() == []


async def test_an_unchanged_file_is_not_parsed_again_and_a_changed_one_is(tmp_path: Path) -> None:
    for i in range(5):
        write(tmp_path, f"{i}.json", ticket_doc(i))
    _, connector = files_source(tmp_path)
    await connector.fetch_active()
    assert connector.reader.parses == 5
    await connector.fetch_active()
    assert connector.reader.parses == 5
    write(tmp_path, "3.json", ticket_doc(3, subject="Renamed"))
    tickets = {t.external_id: t for t in await connector.fetch_active()}
    assert connector.reader.parses == 6
    assert tickets["3"].subject == "Renamed"


async def test_the_closed_sweep_returns_tickets_closed_or_touched_since_the_watermark(tmp_path: Path) -> None:
    since = utc(2026, 11, 18, 9)
    write(tmp_path, "1.json", ticket_doc(1, status="closed", closed_at="2026-11-18T09:30:00Z"))
    write(tmp_path, "2.json", ticket_doc(2, status="closed", closed_at="2026-11-18T08:00:00Z"))
    write(tmp_path, "3.json", ticket_doc(3, status="resolved", resolved_at="2026-11-01T08:00:00Z",
                                         updated_at="2026-11-18T09:00:00Z"))  # fmt: skip
    write(tmp_path, "4.json", ticket_doc(4, status="open", updated_at="2026-11-18T09:30:00Z"))
    write(tmp_path, "5.txt", {**LEGACY, "status_raw": 5, "updated_at_str": "2026-11-18T09:45:00Z"})
    _, connector = files_source(tmp_path)
    closed = await connector.fetch_closed_since(since)
    assert sorted(t.external_id for t in closed) == ["1", "3", "5"]


async def test_a_ticket_is_found_only_while_its_file_is_readable(tmp_path: Path) -> None:
    write(tmp_path, "1.json", ticket_doc(1))
    write(tmp_path, "2.json", "not json")
    _, connector = files_source(tmp_path)
    found = await connector.fetch_ticket("1")
    assert found is not None and found.subject == "Ticket 1"
    assert await connector.fetch_ticket("2") is None
    assert await connector.fetch_ticket("3") is None


async def test_only_matching_visible_files_are_read(tmp_path: Path) -> None:
    write(tmp_path, "1.JSON", ticket_doc(1))
    write(tmp_path, ".2.json", ticket_doc(2))
    write(tmp_path, "3.json.tmp", ticket_doc(3))
    write(tmp_path, "notes.md", "# not a ticket")
    (tmp_path / "4.json").mkdir()
    _, connector = files_source(tmp_path)
    assert [t.external_id for t in await connector.fetch_active()] == ["1"]
    _, json_only = files_source(tmp_path, patterns=["*.json"])
    write(tmp_path, "5.txt", LEGACY)
    assert [t.external_id for t in await json_only.fetch_active()] == ["1"]


async def test_check_counts_the_files_and_the_unreadable_ones(tmp_path: Path) -> None:
    for i in range(3):
        write(tmp_path, f"{i}.json", ticket_doc(i))
    write(tmp_path, "bad.json", "[")
    _, connector = files_source(tmp_path)
    assert await connector.check() == f"folder {tmp_path} holds 4 ticket files (1 unreadable)"


async def test_a_missing_folder_is_a_clear_permanent_error(tmp_path: Path) -> None:
    _, connector = files_source(tmp_path / "nowhere")
    with pytest.raises(ConnectorError) as caught:
        await connector.check()
    assert caught.value.permanent
    missing = tmp_path / "nowhere"
    assert caught.value.message == f"folder {missing} does not exist; create it or correct the source's path"


async def test_a_path_naming_a_file_is_a_clear_permanent_error(tmp_path: Path) -> None:
    write(tmp_path, "1.json", ticket_doc(1))
    _, connector = files_source(tmp_path / "1.json")
    with pytest.raises(ConnectorError) as caught:
        await connector.fetch_active()
    assert caught.value.permanent and "is a file, not a folder" in caught.value.message


def test_the_connector_reports_warnings_holds_unreadable_tickets_and_never_looks_up_departed_ones(
    tmp_path: Path,
) -> None:
    _, connector = files_source(tmp_path)
    assert isinstance(connector, ReportsWarnings) and isinstance(connector, HoldsUnreadable)
    assert connector.looks_up_departed is False
    assert connector.kind == "files"


def test_settings_name_the_folder_as_a_file_url_and_reject_bad_values(tmp_path: Path) -> None:
    settings = FilesSettings(name="otherdesk", path=str(tmp_path / "tickets"))
    assert settings.base_url == f"file://{tmp_path / 'tickets'}"
    assert settings.patterns == ["*.json", "*.txt"]
    assert (settings.poll_seconds, settings.max_file_bytes, settings.naive_timezone) == (30, 1_000_000, "UTC")
    for bad in (
        {"web_url_template": "https://x.example/tickets"},
        {"web_url_template": "https://x.example/{id}/{other}"},
        {"patterns": ["sub/*.json"]},
        {"naive_timezone": "Mars/Olympus"},
        {"poll_seconds": 1},
        {"token": "not a files setting"},
    ):
        with pytest.raises(ValidationError):
            FilesSettings(name="otherdesk", path="tickets", **bad)


def test_a_relative_path_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert FilesSettings(name="x", path="tickets").base_url == f"file://{tmp_path / 'tickets'}"


# The JSON Schema in the docs and the pydantic models describe the same document. jsonschema is not a dependency,
# so the schema's structure is compared with the models, and the guide's examples are read by the connector.


def _fields(model: type[BaseModel]) -> tuple[set[str], set[str]]:
    return set(model.model_fields), {n for n, f in model.model_fields.items() if f.is_required()}


@pytest.mark.parametrize(
    ("where", "model"),
    [((), TicketDocument), (("$defs", "team"), TeamRef), (("$defs", "agent"), AgentRef),
     (("$defs", "requester"), RequesterRef)],
)  # fmt: skip
def test_the_json_schema_names_the_same_fields_as_the_model(where: tuple[str, ...], model: type[BaseModel]) -> None:
    node = SCHEMA
    for key in where:
        node = node[key]
    names, required = _fields(model)
    assert set(node["properties"]) == names
    assert set(node["required"]) == required


def test_the_json_schema_is_draft_2020_12_with_the_domain_status_and_priority_values() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["properties"]["status"]["enum"] == [c.value for c in StatusCategory]
    assert SCHEMA["properties"]["priority"]["enum"] == [*(p.value for p in Priority), None]


def guide_examples() -> list[dict[str, Any]]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", GUIDE, flags=re.S)]


def test_the_guide_shows_a_normalized_and_a_legacy_example() -> None:
    examples = guide_examples()
    assert [("status_raw" in e) for e in examples] == [False, True]
    names, _ = _fields(TicketDocument)
    assert set(examples[0]) == names, "the normalized example should show every field"
    legacy_names, _ = _fields(LegacyDocument)
    assert set(examples[1]) <= legacy_names


async def test_the_guide_examples_are_read_without_warnings(tmp_path: Path) -> None:
    for i, example in enumerate(guide_examples()):
        write(tmp_path, f"{example.get('id', 900 + i)}.{'txt' if 'status_raw' in example else 'json'}", example)
    connector = FilesConnector(FilesSettings(name="docs", path=str(tmp_path)))
    assert sorted(t.external_id for t in await connector.fetch_active()) == ["4711", "901"]
    assert connector.take_warnings() == []
