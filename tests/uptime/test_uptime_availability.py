"""Service availability in hand-computed scenarios: dependencies, redundancy, maintenance, missing data."""

from __future__ import annotations

import pytest

from deskpulse.domain.sla import Interval
from deskpulse.uptime import GraphHistory, Location, MaintenanceWindow, Service, State, service_availability
from uptime_support import (
    INTERNET,
    NETWORK,
    OCTOBER,
    OCTOBER_S,
    SEPTEMBER,
    H,
    M,
    at,
    monitoring,
    one,
    version,
)


def test_a_month_with_a_distribution_switch_outage_while_the_cpe_stayed_up() -> None:
    # No redundancy here: the access switch hangs off dist-sw-01 only.
    graph = version({**NETWORK, "acc-sw-03": [(1, ["dist-sw-01"])]})
    data = monitoring(
        {
            "dist-sw-01": [(at(5, 10), at(5, 10, 40))],  # 40 min, CPE still answering
            "cpe-acme-01": [(at(8, 9), at(8, 9, 5))],  # 5 min, the customer's own router
        }
    )
    result = one(graph, data)
    assert result.figures.down_s == 45 * M
    assert result.figures.up_s == OCTOBER_S - 45 * M
    assert result.figures.unknown_s == result.figures.maintenance_s == 0
    assert result.figures.scheduled_s == OCTOBER_S
    switch, router = result.incidents
    assert (switch.start, switch.end, switch.duration_s) == (at(5, 10), at(5, 10, 40), 40 * M)
    assert switch.root_cause.label == "dist-sw-01"
    assert switch.root_cause.location is Location.OUR_NETWORK
    assert switch.customer_device_stayed_up is True
    assert router.root_cause.label == "cpe-acme-01"
    assert router.root_cause.location is Location.CUSTOMER_PREMISES
    assert router.customer_device_stayed_up is False


def test_the_service_is_down_while_its_device_is_up_but_unreachable() -> None:
    result = one(version(), monitoring({"acc-sw-03": [(at(3, 12), at(3, 12, 30))]}))
    down = [s for s in result.slices if s.state is State.DOWN]
    assert [(s.start, s.end) for s in down] == [(at(3, 12), at(3, 12, 30))]
    assert down[0].device_status == "up"


def test_one_of_two_redundant_uplinks_down_keeps_the_service_up() -> None:
    result = one(version(), monitoring({"dist-sw-01": [(at(5, 10), at(5, 12))]}))
    assert result.figures.down_s == 0
    assert result.incidents == ()


def test_both_redundant_switches_down_is_an_outage_of_the_group() -> None:
    data = monitoring({"dist-sw-01": [(at(5, 10), at(5, 10, 40))], "dist-sw-02": [(at(5, 10, 10), at(5, 10, 30))]})
    result = one(version(), data)
    assert result.figures.down_s == 20 * M
    (incident,) = result.incidents
    assert incident.root_cause.label == "1 of (dist-sw-01, dist-sw-02)"
    assert incident.root_cause.need == 1
    assert incident.root_cause.location is Location.OUR_NETWORK


def test_both_carrier_uplinks_down_is_blamed_on_the_carrier() -> None:
    data = monitoring({"uplink-a": [(at(7, 3), at(7, 4))], "uplink-b": [(at(7, 3, 30), at(7, 5))]})
    (incident,) = one(version(), data).incidents
    assert (incident.start, incident.end) == (at(7, 3, 30), at(7, 4))
    assert incident.root_cause.devices == ("uplink-a", "uplink-b")
    assert incident.root_cause.location is Location.CARRIER
    assert incident.customer_device_stayed_up is True


def test_redundant_members_failing_for_one_shared_reason_are_blamed_on_that_reason() -> None:
    data = monitoring(
        {
            "core-01": [(at(9, 1), at(9, 2))],
            "dist-sw-01": [(at(9, 1), at(9, 2))],  # LibreNMS marks the switches down too
            "dist-sw-02": [(at(9, 1), at(9, 2))],
        }
    )
    (incident,) = one(version(), data).incidents
    assert incident.root_cause.label == "core-01"


def test_the_highest_failing_component_is_the_root_cause_at_each_moment() -> None:
    graph = version({**NETWORK, "acc-sw-03": [(1, ["dist-sw-01"])]})
    data = monitoring(
        {
            "dist-sw-01": [(at(9, 10), at(9, 10, 30))],
            "core-01": [(at(9, 10, 5), at(9, 10, 15))],
            "cpe-acme-01": [(at(9, 10), at(9, 10, 30))],
        }
    )
    (incident,) = one(graph, data).incidents
    assert [c.label for c in incident.causes] == ["dist-sw-01", "core-01"]
    assert incident.root_cause.label == "dist-sw-01"  # 20 of the 30 minutes
    assert incident.customer_device_stayed_up is False


def test_an_outage_of_only_maintained_devices_counts_as_maintenance() -> None:
    window = MaintenanceWindow("core-01", at(12, 0), at(12, 1))
    data = monitoring({"core-01": [(at(12, 0, 10), at(12, 0, 30))]})
    result = one(version(maintenance=[window]), data)
    assert result.figures.maintenance_s == 20 * M
    assert result.figures.down_s == 0
    assert result.incidents == ()


def test_a_cpe_down_during_upstream_maintenance_is_still_down() -> None:
    window = MaintenanceWindow("core-01", at(12, 0), at(12, 1))
    data = monitoring({"core-01": [(at(12, 0, 10), at(12, 0, 30))], "cpe-acme-01": [(at(12, 0, 20), at(12, 0, 40))]})
    result = one(version(maintenance=[window]), data)
    assert result.figures.maintenance_s == 10 * M
    assert result.figures.down_s == 20 * M
    (incident,) = result.incidents
    assert (incident.start, incident.end) == (at(12, 0, 20), at(12, 0, 40))
    assert incident.root_cause.label == "cpe-acme-01"


def test_an_unmaintained_device_failing_during_maintenance_elsewhere_is_down() -> None:
    graph = version(
        {**NETWORK, "acc-sw-03": [(1, ["dist-sw-01"])]}, maintenance=[MaintenanceWindow("core-01", at(12), at(13))]
    )
    result = one(graph, monitoring({"dist-sw-01": [(at(12, 5), at(12, 6))]}))
    assert result.figures.down_s == H
    assert result.figures.maintenance_s == 0


def test_a_poller_gap_is_unknown_and_left_out_of_the_sli() -> None:
    data = monitoring({"cpe-acme-01": [(at(2, 8), at(2, 9))]}, poller_gaps=[(at(20, 12), at(20, 15))])
    result = one(version(), data)
    assert result.figures.unknown_s == 3 * H
    assert result.figures.down_s == H
    assert result.figures.up_s == OCTOBER_S - 4 * H
    assert result.figures.sli == pytest.approx((OCTOBER_S - 4 * H) / (OCTOBER_S - 3 * H))
    assert result.figures.sli_conservative == pytest.approx((OCTOBER_S - H) / OCTOBER_S)


def test_missing_data_on_a_redundant_member_does_not_matter_while_the_other_is_up() -> None:
    result = one(version(), monitoring(unknown={"dist-sw-02": [(at(4), at(5))]}))
    assert result.figures.unknown_s == 0
    assert result.figures.up_s == OCTOBER_S


def test_missing_data_on_the_surviving_member_makes_the_service_unknown() -> None:
    data = monitoring({"dist-sw-01": [(at(4, 10), at(4, 11))]}, unknown={"dist-sw-02": [(at(4, 10, 30), at(4, 12))]})
    result = one(version(), data)
    assert result.figures.down_s == 0
    assert result.figures.unknown_s == 30 * M  # 10:30-11:00, while dist-sw-01 is down


def test_a_service_down_whatever_the_missing_data_said_is_down() -> None:
    graph = version({**NETWORK, "acc-sw-03": [(1, ["dist-sw-01"])]})
    data = monitoring({"dist-sw-01": [(at(6, 1), at(6, 2))]}, unknown={"cpe-acme-01": [(at(6, 0), at(6, 3))]})
    result = one(graph, data)
    assert result.figures.down_s == H
    assert result.figures.unknown_s == 2 * H
    assert result.incidents[0].customer_device_stayed_up is False  # nobody knows what the CPE did


def test_a_device_without_any_monitoring_data_is_unknown() -> None:
    data = monitoring(devices=[h for h in ("cpe-acme-01", "acc-sw-03", "dist-sw-01", "dist-sw-02", "uplink-a")])
    result = one(version(), data)  # core-01 was never added to LibreNMS
    assert result.figures.unknown_s == OCTOBER_S
    assert result.figures.sli is None
    assert result.figures.sli_note == "all scheduled time was maintenance or without monitoring data"


def test_time_before_a_device_was_first_monitored_is_unknown() -> None:
    data = monitoring()
    devices = dict(data.devices)
    devices["cpe-acme-01"] = type(devices["cpe-acme-01"])(monitored_since=at(10))
    result = one(version(), type(data)(devices))
    assert result.figures.unknown_s == 9 * 86400
    assert result.figures.up_s == 22 * 86400


def test_an_open_outage_counts_until_now() -> None:
    now = at(20, 12)
    result = one(version(), monitoring({"cpe-acme-01": [(at(20, 11), None)]}), now=now)
    assert result.figures.down_s == H
    assert result.figures.scheduled_s == (19 * 24 + 12) * H
    assert result.observed_end == now
    (incident,) = result.incidents
    assert incident.end is None
    assert incident.duration_s == H
    assert result.scheduled_ahead_s == OCTOBER_S - (19 * 24 + 12) * H


def test_an_open_outage_in_a_past_period_runs_to_the_period_end() -> None:
    result = one(version(), monitoring({"cpe-acme-01": [(at(31, 23), None)]}), now=at(5, 0, month=11))
    (incident,) = result.incidents
    assert incident.end == OCTOBER.end
    assert incident.to_period_end is True
    assert result.figures.down_s == H


def test_an_slo_of_99_9_allows_43_2_minutes_in_a_30_day_month() -> None:
    result = one(version(), monitoring({"cpe-acme-01": [(at(3, 4, month=9), at(3, 4, 10, month=9))]}), SEPTEMBER)
    assert result.allowed_down_s == 2592  # 43.2 minutes
    assert result.budget_left_s == 2592 - 10 * M


def test_the_budget_of_a_month_in_progress_is_the_whole_month_minus_what_was_used() -> None:
    result = one(
        version(),
        monitoring({"cpe-acme-01": [(at(3, 4, month=9), at(3, 4, 22, month=9))]}),
        SEPTEMBER,
        now=at(10, month=9),
    )
    assert result.allowed_down_s == 43.2 * M
    assert result.budget_left_s == pytest.approx(21.2 * M)


def test_the_summary_row_carries_the_api_fields() -> None:
    result = one(version(), monitoring({"cpe-acme-01": [(at(3, 4, month=9), at(3, 4, 10, month=9))]}), SEPTEMBER)
    assert result.summary() == {
        "id": "acme-internet",
        "client": "ACME",
        "name": "Internet 100M",
        "slo": 99.9,
        "sli": (30 * 86400 - 600) / (30 * 86400),
        "sli_note": None,
        "sli_conservative": (30 * 86400 - 600) / (30 * 86400),
        "up_s": 30 * 86400 - 600,
        "down_s": 600,
        "unknown_s": 0,
        "maintenance_s": 0,
        "scheduled_s": 30 * 86400,
        "budget_left_s": 1992,
        "incidents": 1,
        "policy": "Outages are not merged; every outage counts.",
    }


def test_maintenance_and_unknown_time_shrink_the_budget() -> None:
    data = monitoring(poller_gaps=[(at(3, month=9), at(4, month=9))])
    result = one(version(), data, SEPTEMBER)
    assert result.allowed_down_s == pytest.approx(0.001 * 29 * 86400)


def test_the_budget_is_negative_once_the_slo_is_broken() -> None:
    result = one(version(), monitoring({"cpe-acme-01": [(at(3, month=9), at(3, 1, month=9))]}), SEPTEMBER)
    assert result.budget_left_s == pytest.approx(43.2 * M - H)


def test_services_are_sorted_by_client_and_name_and_can_be_filtered() -> None:
    services = [
        INTERNET,
        Service("beta-voice", "Beta", "Voice", "acc-sw-03", 99.5),
        Service("acme-tv", "ACME", "A TV", "cpe-acme-01", 99.0),
    ]
    history = GraphHistory([version(services=services)])
    results = service_availability(history, monitoring(), OCTOBER.start, OCTOBER.end, now=OCTOBER.end)
    assert [r.service.id for r in results] == ["acme-tv", "acme-internet", "beta-voice"]
    only = service_availability(history, monitoring(), *OCTOBER, now=OCTOBER.end, service_ids={"beta-voice"})
    assert [r.service.id for r in only] == ["beta-voice"]


def test_a_period_must_be_aware_and_not_empty() -> None:
    history = GraphHistory([version()])
    with pytest.raises(ValueError, match="must end after it starts"):
        service_availability(history, monitoring(), OCTOBER.end, OCTOBER.start, now=OCTOBER.end)
    with pytest.raises(ValueError, match="timezone-aware"):
        service_availability(history, monitoring(), OCTOBER.start.replace(tzinfo=None), OCTOBER.end, now=OCTOBER.end)


def test_a_future_period_has_nothing_observed_but_its_whole_budget() -> None:
    result = one(version(), monitoring(), Interval(at(1, month=11), at(1, month=12)), now=at(15))
    assert result.figures.scheduled_s == 0
    assert result.figures.sli is None
    assert result.figures.sli_note == "no scheduled time in the period"
    assert result.allowed_down_s == pytest.approx(0.001 * 30 * 86400)
