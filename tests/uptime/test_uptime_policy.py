"""Counting rules: flaps closer than a poll interval merge, blips shorter than a minimum are forgiven."""

from __future__ import annotations

import pytest

from deskpulse.uptime import DEFAULT_POLICY, UptimePolicy
from uptime_support import M, at, monitoring, one, version

FLAPPING = {"cpe-acme-01": [(at(5, 10, 0), at(5, 10, 1)), (at(5, 10, 3), at(5, 10, 4)), (at(5, 10, 6), at(5, 10, 7))]}


def test_flaps_closer_than_one_poll_interval_are_one_incident() -> None:
    result = one(version(), monitoring(FLAPPING), policy=DEFAULT_POLICY)
    (incident,) = result.incidents
    assert (incident.start, incident.end) == (at(5, 10, 0), at(5, 10, 7))
    assert result.figures.down_s == 7 * M
    assert incident.root_cause.label == "cpe-acme-01"


def test_without_merging_every_flap_is_its_own_incident() -> None:
    result = one(version(), monitoring(FLAPPING), policy=UptimePolicy(merge_flaps=False))
    assert len(result.incidents) == 3
    assert result.figures.down_s == 3 * M


def test_outages_exactly_one_poll_interval_apart_stay_separate() -> None:
    data = monitoring({"cpe-acme-01": [(at(5, 10, 0), at(5, 10, 1)), (at(5, 10, 6), at(5, 10, 7))]})
    assert len(one(version(), data, policy=DEFAULT_POLICY).incidents) == 2
    assert len(one(version(), data, policy=UptimePolicy(poll_interval_s=301)).incidents) == 1


def test_the_gap_of_a_merged_flap_keeps_the_cause_of_the_outage_before_it() -> None:
    graph = version({"cpe-acme-01": [(1, ["acc-sw-03"])]}, roles={})
    data = monitoring({"acc-sw-03": [(at(5, 10, 0), at(5, 10, 1))], "cpe-acme-01": [(at(5, 10, 2), at(5, 10, 3))]})
    (incident,) = one(graph, data, policy=DEFAULT_POLICY).incidents
    assert [c.label for c in incident.causes] == ["acc-sw-03", "cpe-acme-01"]
    assert incident.root_cause.label == "acc-sw-03"  # 2 minutes including the gap, against 1
    assert incident.customer_device_stayed_up is False


def test_merging_does_not_turn_maintenance_between_outages_into_downtime() -> None:
    from deskpulse.uptime import MaintenanceWindow

    graph = version(maintenance=[MaintenanceWindow("cpe-acme-01", at(5, 10, 1), at(5, 10, 2))])
    data = monitoring({"cpe-acme-01": [(at(5, 10, 0), at(5, 10, 3))]})
    result = one(graph, data, policy=DEFAULT_POLICY)
    assert result.figures.maintenance_s == M
    assert result.figures.down_s == 2 * M


def test_blips_shorter_than_the_minimum_are_ignored_when_asked() -> None:
    data = monitoring({"cpe-acme-01": [(at(5, 10), at(5, 10, 0, 45)), (at(6, 10), at(6, 10, 5))]})
    counted = one(version(), data, policy=DEFAULT_POLICY)
    forgiving = one(version(), data, policy=UptimePolicy(min_outage_s=60))
    assert counted.figures.down_s == 5 * M + 45
    assert forgiving.figures.down_s == 5 * M
    assert [i.start for i in forgiving.incidents] == [at(6, 10)]


def test_blips_are_judged_after_flaps_are_merged() -> None:
    result = one(version(), monitoring(FLAPPING), policy=UptimePolicy(min_outage_s=5 * M))
    assert result.figures.down_s == 7 * M  # three 1-minute blips, but one 7-minute outage once merged


def test_the_policy_describes_itself_for_reports() -> None:
    assert (
        DEFAULT_POLICY.describe()
        == "Outages less than 300 s apart (one poll interval) are merged; every outage counts."
    )
    assert UptimePolicy(merge_flaps=False, min_outage_s=90).describe() == (
        "Outages are not merged; outages shorter than 90 s are ignored."
    )
    with pytest.raises(ValueError, match="cannot be negative"):
        UptimePolicy(min_outage_s=-1)
