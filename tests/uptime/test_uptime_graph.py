"""Graph validation: every mistake in a dependency graph is reported as a sentence."""

from __future__ import annotations

from deskpulse.uptime import GraphError, GraphHistory, Location, MaintenanceWindow, Role, Service, validate_version
from uptime_support import INTERNET, NETWORK, at, version


def messages(graph_problems: list[object]) -> list[str]:
    return [str(p) for p in graph_problems]


def test_the_issue_network_is_valid_and_its_implicit_roots_exist() -> None:
    graph = version()
    assert validate_version(graph) == []
    assert "uplink-a" in graph.hostnames
    assert graph.parents_of("uplink-a") == ()


def test_roles_default_to_cpe_for_service_devices_and_our_network_otherwise() -> None:
    graph = version()
    assert graph.role_of("cpe-acme-01") is Role.CPE
    assert graph.location_of("cpe-acme-01") is Location.CUSTOMER_PREMISES
    assert graph.location_of("acc-sw-03") is Location.OUR_NETWORK
    assert graph.location_of("uplink-b") is Location.CARRIER


def test_a_cycle_is_reported_with_its_path() -> None:
    graph = version({**NETWORK, "core-01": [(1, ["acc-sw-03"])]})
    assert messages(validate_version(graph)) == [
        "devices depend on each other in a cycle (acc-sw-03 -> dist-sw-01 -> core-01 -> acc-sw-03, each arrow points "
        "to a parent): a device cannot be its own ancestor",
    ]


def test_a_device_cannot_be_its_own_parent() -> None:
    graph = version({"cpe-acme-01": [(1, ["cpe-acme-01"])]}, roles={})
    assert messages(validate_version(graph)) == [
        "device cpe-acme-01 lists itself as a parent: a device cannot be its own ancestor"
    ]


def test_need_must_be_between_one_and_the_group_size() -> None:
    graph = version({"cpe-acme-01": [(3, ["a", "b"]), (0, ["c"])]}, roles={})
    assert messages(validate_version(graph)) == [
        "device cpe-acme-01, parent group 1 needs 3 of 2 devices (a, b); need cannot exceed the number of devices",
        "device cpe-acme-01, parent group 2 needs 0 devices up; need must be at least 1",
    ]


def test_a_member_listed_twice_is_reported() -> None:
    graph = version({"cpe-acme-01": [(1, ["a", "a"])]}, roles={})
    assert messages(validate_version(graph)) == ["device cpe-acme-01, parent group 1 lists a 2 times"]


def test_with_an_inventory_unknown_parents_are_reported() -> None:
    graph = version({"cpe-acme-01": [(1, ["acc-sw-03", "acc-sw-99"])]}, roles={})
    assert messages(validate_version(graph, inventory={"cpe-acme-01", "acc-sw-03"})) == [
        "device cpe-acme-01 has parent acc-sw-99, which is not a device the monitoring system knows"
    ]


def test_service_problems_are_reported() -> None:
    services = [
        INTERNET,
        Service("acme-internet", "ACME", "Internet again", "cpe-acme-01", 99.9),
        Service("acme-tv", "ACME", "TV", "cpe-acme-99", 120, schedule="night"),
    ]
    assert messages(validate_version(version(services=services), schedules={"office"})) == [
        "service id acme-internet is used 2 times",
        "service acme-tv runs on cpe-acme-99, which is not a device in the graph",
        "service acme-tv has SLO 120%; an SLO must be above 0 and at most 100",
        "service acme-tv uses schedule night, which is not a known calendar",
    ]


def test_maintenance_problems_are_reported() -> None:
    windows = [MaintenanceWindow("core-99", at(2), at(3)), MaintenanceWindow("core-01", at(3), at(2))]
    assert messages(validate_version(version(maintenance=windows))) == [
        "maintenance window 1 (core-99) is for a device that is not in the graph",
        "maintenance window 2 (core-01) ends at 2026-10-02T00:00:00+00:00, "
        "not after its start 2026-10-03T00:00:00+00:00",
    ]


def test_a_history_refuses_invalid_versions_with_every_problem() -> None:
    bad = version({"cpe-acme-01": [(2, ["acc-sw-03"])], "acc-sw-03": [(1, ["acc-sw-03"])]}, roles={})
    try:
        GraphHistory([bad])
    except GraphError as error:
        assert [p.message for p in error.problems] == [
            "undated version: device cpe-acme-01, parent group 1 needs 2 of 1 devices (acc-sw-03); "
            "need cannot exceed the number of devices",
            "undated version: device acc-sw-03 lists itself as a parent: a device cannot be its own ancestor",
        ]
    else:
        raise AssertionError("an invalid graph was accepted")
