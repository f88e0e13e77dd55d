"""Importing graphs from the YAML of issue 5 and its flattened CSV, with every problem on its line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from deskpulse.uptime import (
    CSV_COLUMNS,
    GraphFormat,
    GraphImportError,
    MaintenanceWindow,
    ParentGroup,
    Role,
    Service,
    detect_format,
    load_graph,
)

ISSUE_YAML = """\
effective_from: 2026-01-01          # optional; versions the whole file
devices:
  cpe-acme-01: {parents: [{need: 1, of: [acc-sw-03]}]}
  acc-sw-03:   {parents: [{need: 1, of: [dist-sw-01, dist-sw-02]}]}
  dist-sw-01:  {parents: [{need: 1, of: [core-01]}]}
  dist-sw-02:  {parents: [{need: 1, of: [core-01]}]}
services:
  - {id: acme-internet, client: ACME, name: Internet 100M, device: cpe-acme-01, slo: 99.9}
maintenance:
  - {device: core-01, start: 2026-10-12T02:00:00+02:00, end: 2026-10-12T03:00:00+02:00}
"""

ISSUE_CSV = """\
kind,device,role,need,of,service_id,client,name,slo,schedule,start,end,effective_from
parents,cpe-acme-01,,1,acc-sw-03,,,,,,,,2026-01-01
parents,acc-sw-03,,1,dist-sw-01 dist-sw-02,,,,,,,,
parents,dist-sw-01,,1,core-01,,,,,,,,
parents,dist-sw-02,,1,core-01,,,,,,,,
service,cpe-acme-01,,,,acme-internet,ACME,Internet 100M,99.9,,,,
maintenance,core-01,,,,,,,,,2026-10-12T02:00:00+02:00,2026-10-12T03:00:00+02:00,
"""

CEST = timezone(timedelta(hours=2))


def problems(text: str, *, fmt: GraphFormat | None = None, inventory: set[str] | None = None) -> list[str]:
    with pytest.raises(GraphImportError) as caught:
        load_graph(text, fmt=fmt, inventory=inventory)
    return [str(p) for p in caught.value.problems]


def test_the_issue_yaml_imports() -> None:
    graph = load_graph(ISSUE_YAML)
    assert graph.effective_from == date(2026, 1, 1)
    assert graph.parents_of("acc-sw-03") == (ParentGroup(1, ("dist-sw-01", "dist-sw-02")),)
    assert graph.services == (Service("acme-internet", "ACME", "Internet 100M", "cpe-acme-01", 99.9),)
    assert graph.maintenance == (
        MaintenanceWindow("core-01", datetime(2026, 10, 12, 2, tzinfo=CEST), datetime(2026, 10, 12, 3, tzinfo=CEST)),
    )
    assert graph.maintenance[0].start == datetime(2026, 10, 12, 0, tzinfo=UTC)


def test_the_flattened_csv_gives_the_same_graph() -> None:
    assert load_graph(ISSUE_CSV) == load_graph(ISSUE_YAML)


def test_a_semicolon_csv_from_a_european_spreadsheet_with_a_byte_order_mark_imports() -> None:
    text = "\ufeffkind;device;role;need;of;service_id;client;name;slo\n"
    text += "parents;cpe-1;cpe;;acc-1, acc-2;;;;\n"
    text += "device;acc-1;access;;;;;;\n"
    text += "service;cpe-1;;;;svc-1;Bèta B.V.;Glasvezel;99,95%\n"
    graph = load_graph(text, filename="graph.csv")
    assert graph.parents_of("cpe-1") == (ParentGroup(1, ("acc-1", "acc-2")),)
    assert graph.role_of("acc-1") is Role.ACCESS
    assert graph.services[0].client == "Bèta B.V."
    assert graph.services[0].slo == 99.95


def test_csv_columns_are_the_documented_ones() -> None:
    assert CSV_COLUMNS[0] == "kind"
    assert set(ISSUE_CSV.split("\n", 1)[0].split(",")) == set(CSV_COLUMNS)


def test_roles_several_groups_and_schedules_import_from_yaml() -> None:
    text = """\
devices:
  cpe-1:
    role: cpe
    parents:
      - {need: 1, of: [acc-1]}
      - {of: [power-1]}
  core-1: {role: Core}
  uplink-a: {role: carrier}
  acc-1: {parents: [{need: 2, of: [core-1, uplink-a]}]}
services:
  - {id: svc-1, client: ACME, name: Office line, device: cpe-1, slo: 99.5, schedule: office}
"""
    graph = load_graph(text, schedules={"office"})
    assert graph.parents_of("cpe-1") == (ParentGroup(1, ("acc-1",)), ParentGroup(1, ("power-1",)))
    assert graph.role_of("core-1") is Role.CORE
    assert graph.services[0].schedule == "office"
    assert graph.effective_from is None


def test_offset_less_times_need_a_default_zone() -> None:
    text = (
        "devices: {core-01: {}}\nmaintenance:\n  - {device: core-01, start: 2026-10-12 02:00, end: 2026-10-12 03:00}\n"
    )
    assert problems(text) == [
        "line 3: start 2026-10-12T02:00:00 needs a UTC offset, like 2026-10-12T02:00:00+02:00",
        "line 3: end 2026-10-12T03:00:00 needs a UTC offset, like 2026-10-12T02:00:00+02:00",
    ]
    graph = load_graph(text, default_tz="Europe/Amsterdam")
    assert graph.maintenance[0].start == datetime(2026, 10, 12, 0, tzinfo=UTC)


def test_every_yaml_problem_is_reported_with_its_line() -> None:
    text = """\
effective_from: someday
devices:
  cpe-1: {parents: [{need: 3, of: [acc-1, acc-2]}], role: router}
  acc-1: {parents: [{need: 1, of: [cpe-1]}], colour: blue}
  acc-1: {}
services:
  - {id: svc-1, client: ACME, name: Internet, device: cpe-1, slo: 99.9}
  - {id: svc-1, client: ACME, name: Internet 2, device: cpe-9, slo: high}
  - {id: svc-2, client: ACME}
maintenance:
  - {device: acc-1, start: 2026-10-12T03:00:00Z, end: 2026-10-12T02:00:00Z}
owner: me
"""
    assert problems(text) == [
        "line 1: effective_from 'someday' is not a date like 2026-01-01",
        "line 3: role 'router' is not one of cpe, access, distribution, core, carrier",
        "line 3: device cpe-1, parent group 1 needs 3 of 2 devices (acc-1, acc-2); "
        "need cannot exceed the number of devices",
        "line 4: device acc-1 has unknown field colour",
        "line 4: devices depend on each other in a cycle (acc-1 -> cpe-1 -> acc-1, each arrow points to a parent): "
        "a device cannot be its own ancestor",
        "line 5: devices has acc-1 twice (first on line 4)",
        "line 8: slo 'high' is not a percentage like 99.9",
        "line 9: a service needs name, device, slo",
        "line 11: maintenance window 1 (acc-1) ends at 2026-10-12T02:00:00+00:00, not after its start "
        "2026-10-12T03:00:00+00:00",
        "line 12: unknown section owner; expected one of devices, effective_from, maintenance, services",
    ]


def test_a_repeated_service_id_names_both_lines() -> None:
    text = """\
devices: {cpe-1: {}}
services:
  - {id: svc-1, client: ACME, name: Internet, device: cpe-1, slo: 99.9}
  - {id: svc-1, client: ACME, name: Internet 2, device: cpe-1, slo: 99.9}
"""
    assert problems(text) == ["line 4: service id svc-1 is already used on line 3"]


def test_broken_yaml_is_reported_with_its_line() -> None:
    (broken,) = problems("devices:\n  cpe-1: {parents: [\n")
    assert broken.startswith("line 3: not valid YAML: expected the node content")
    assert problems("") == ["the file is empty"]


def test_every_csv_problem_is_reported_with_its_line() -> None:
    text = """\
kind,device,need,of,service_id,client,name,slo,start,end,effective_from,colour
parents,cpe-1,two,acc-1,,,,,,,2026-01-01,
parents,acc-1,1,acc-1,,,,,,,2026-02-01,
# comment,ignored
service,cpe-1,,,svc-1,ACME,,99.9,,,,
service,cpe-1,,,svc-2,ACME,Voice,99.9,2026-10-12T02:00:00Z,,,
switch,cpe-1,,,,,,,,,,

maintenance,cpe-1,,,,,,,2026-10-12 02:00,2026-10-12T03:00:00+02:00,,
"""
    assert problems(text) == [
        "line 1: unknown column colour; the columns are " + ", ".join(CSV_COLUMNS),
        "line 2: need 'two' is not a whole number",
        "line 3: effective_from 2026-02-01 differs from 2026-01-01 on line 2",
        "line 3: device acc-1 lists itself as a parent: a device cannot be its own ancestor",
        "line 5: a service row needs name",
        "line 6: a service row does not use column start",
        "line 7: kind switch is not one of device, parents, service, maintenance",
        "line 9: start 2026-10-12T02:00:00 needs a UTC offset, like 2026-10-12T02:00:00+02:00",
    ]


def test_a_csv_without_a_kind_column_is_refused() -> None:
    assert problems("device,of\ncpe-1,acc-1\n", fmt="csv") == ["line 1: the header needs a kind column"]


def test_the_format_is_detected_from_the_name_or_the_header() -> None:
    assert detect_format("devices: {}\n") == "yaml"
    assert detect_format(ISSUE_CSV) == "csv"
    assert detect_format('"kind";"device"\n') == "csv"
    assert detect_format("anything", filename="graph.YML") == "yaml"


def test_an_inventory_catches_misspelt_hostnames_on_their_line() -> None:
    inventory = {"cpe-acme-01", "acc-sw-03", "dist-sw-01", "dist-sw-02"}
    assert problems(ISSUE_YAML, inventory=inventory) == [
        "line 5: device dist-sw-01 has parent core-01, which is not a device the monitoring system knows",
        "line 6: device dist-sw-02 has parent core-01, which is not a device the monitoring system knows",
    ]


def test_every_csv_column_and_role_is_documented() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "uptime.md").read_text(encoding="utf-8")
    for column in CSV_COLUMNS:
        assert f"| `{column}` |" in guide, f"docs/uptime.md does not describe the CSV column {column}"
    for role in Role:
        assert f"`{role.value}`" in guide
