"""Graph versions by effective date: a rewire on the 15th changes only the second half of the month."""

from __future__ import annotations

from datetime import date

import pytest

from deskpulse.uptime import GraphError, GraphHistory, MaintenanceWindow, Service, service_availability
from uptime_support import INTERNET, OCTOBER, SEPTEMBER, H, at, monitoring, one, version

OLD = {"cpe-acme-01": [(1, ["acc-sw-03"])]}
NEW = {"cpe-acme-01": [(1, ["acc-sw-07"])]}
DEVICES = ("cpe-acme-01", "acc-sw-03", "acc-sw-07")
OUTAGES = {
    "acc-sw-03": [(at(20, 9, month=9), at(20, 10, month=9)), (at(10, 9), at(10, 10)), (at(20, 9), at(20, 10))],
    "acc-sw-07": [(at(5, 9), at(5, 11)), (at(25, 9), at(25, 11))],
}


def history(*, rewired: bool) -> GraphHistory:
    versions = [version(OLD, roles={}, effective_from=date(2026, 1, 1))]
    if rewired:
        versions.append(version(NEW, roles={}, effective_from=date(2026, 10, 15)))
    return GraphHistory(versions)


def test_a_rewire_on_the_15th_changes_only_the_second_half_of_the_month() -> None:
    result = one(history(rewired=True), monitoring(OUTAGES, devices=DEVICES))
    assert [(i.start, i.root_cause.label) for i in result.incidents] == [
        (at(10, 9), "acc-sw-03"),
        (at(25, 9), "acc-sw-07"),
    ]
    assert result.figures.down_s == 3 * H


def test_rewiring_does_not_rewrite_last_month() -> None:
    data = monitoring(OUTAGES, devices=DEVICES)
    before = one(history(rewired=False), data, SEPTEMBER)
    after = one(history(rewired=True), data, SEPTEMBER)
    assert after == before
    assert after.figures.down_s == H


def test_a_service_added_mid_month_counts_from_its_first_version() -> None:
    tv = Service("acme-tv", "ACME", "TV", "cpe-acme-01", 99.0)
    versions = [
        version(OLD, roles={}, effective_from=date(2026, 1, 1)),
        version(OLD, [INTERNET, tv], roles={}, effective_from=date(2026, 10, 15)),
    ]
    results = service_availability(GraphHistory(versions), monitoring(devices=DEVICES), *OCTOBER, now=OCTOBER.end)
    by_id = {r.service.id: r for r in results}
    assert by_id["acme-tv"].figures.scheduled_s == 17 * 86400
    assert by_id["acme-internet"].figures.scheduled_s == 31 * 86400


def test_a_changed_slo_applies_from_its_version_on() -> None:
    stricter = Service("acme-internet", "ACME", "Internet 100M", "cpe-acme-01", 99.99)
    versions = [
        version(OLD, roles={}, effective_from=date(2026, 1, 1)),
        version(OLD, [stricter], roles={}, effective_from=date(2026, 9, 16)),
    ]
    result = one(GraphHistory(versions), monitoring(devices=DEVICES), SEPTEMBER)
    assert result.allowed_down_s == pytest.approx(0.001 * 15 * 86400 + 0.0001 * 15 * 86400)
    assert result.service.slo == 99.99


def test_versions_take_effect_at_local_midnight() -> None:
    versions = [version(OLD, roles={}), version(NEW, roles={}, effective_from=date(2026, 10, 15))]
    hist = GraphHistory(versions, tz="Europe/Amsterdam")
    assert hist.effective_at(versions[1]) == at(14, 22)
    assert hist.version_at(at(14, 21, 59)) is versions[0]
    assert hist.version_at(at(14, 22)) is versions[1]
    assert [iv for iv, _ in hist.pieces(*OCTOBER)] == [(OCTOBER.start, at(14, 22)), (at(14, 22), OCTOBER.end)]


def test_time_before_the_first_version_is_left_out() -> None:
    hist = GraphHistory([version(OLD, roles={}, effective_from=date(2026, 10, 15))])
    assert hist.version_at(at(14)) is None
    assert [iv for iv, _ in hist.pieces(*OCTOBER)] == [(at(15), OCTOBER.end)]


def test_two_versions_with_the_same_date_are_refused() -> None:
    with pytest.raises(GraphError, match="two graph versions are effective from 2026-10-15"):
        GraphHistory([version(effective_from=date(2026, 10, 15)), version(effective_from=date(2026, 10, 15))])


def test_maintenance_windows_apply_at_their_own_times_whichever_version_declared_them() -> None:
    window = MaintenanceWindow("acc-sw-03", at(10, 8), at(10, 12))
    versions = [
        version(OLD, roles={}, effective_from=date(2026, 1, 1)),
        version(OLD, roles={}, effective_from=date(2026, 10, 15), maintenance=[window]),
    ]
    result = one(GraphHistory(versions), monitoring(OUTAGES, devices=DEVICES))
    assert result.figures.maintenance_s == H  # the outage on the 10th, declared in the later version


def test_extra_maintenance_windows_are_checked() -> None:
    with pytest.raises(GraphError, match="maintenance window for core-01 does not end after it starts"):
        GraphHistory([version()], maintenance=[MaintenanceWindow("core-01", at(3), at(2))])
