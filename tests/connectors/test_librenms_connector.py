"""The LibreNMS connector against the LibreNMS simulator: quirks, incremental outages, throttling, faults."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from deskpulse.connectors.base import ConnectorError, RequestBudget
from deskpulse.connectors.librenms import DeviceStatus, LibreNmsSettings, OutageSyncState
from deskpulse.connectors.librenms.mapping import parse_time, poller_silent
from deskpulse.connectors.librenms.models import LnDevice
from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.librenms_scenario import LibreNmsScenario
from librenms_support import NOW, FakeTime, connect, paths, scenario, settings, simulator

AMSTERDAM_OFFSET = timedelta(hours=1)  # November


def outage_reads(app: object, since: int = 0) -> list[str]:
    return sorted(p.split("/")[4] for p in paths(app, since) if p.endswith("/outages"))


@pytest.fixture(scope="module")
def shared() -> LibreNmsScenario:
    return scenario()


# --------------------------------------------------------------------------- auth and settings
async def test_a_wrong_token_is_a_permanent_error_quoting_librenms(shared: LibreNmsScenario) -> None:
    connector = connect(simulator(shared), settings(token="wrong"))
    with pytest.raises(ConnectorError) as info:
        await connector.fetch_devices()
    assert info.value.permanent and info.value.status == 401
    assert "Unauthenticated." in info.value.message


def test_settings_check_the_base_url_and_the_zone_and_hide_the_token() -> None:
    with pytest.raises(ValidationError, match="/api/v0"):
        settings(base_url="https://nms.example.net")
    with pytest.raises(ValidationError, match="unknown time zone"):
        settings(server_timezone="Mars/Olympus")
    cfg = settings(base_url="https://nms.example.net/api/v0/")
    assert cfg.base_url == "https://nms.example.net/api/v0"
    assert "sim-token" not in repr(cfg)
    assert LibreNmsSettings(name="n", base_url=cfg.base_url, token="t").server_timezone == "UTC"


async def test_check_says_how_many_devices_are_down(shared: LibreNmsScenario) -> None:
    assert await connect(simulator(shared)).check() == "token accepted; 290 device(s), 1 down"


# --------------------------------------------------------------------------- devices and type quirks
async def test_string_typed_rows_read_exactly_like_typed_rows() -> None:
    typed = await connect(simulator(scenario())).fetch_devices()
    stringly = await connect(simulator(scenario(legacy_strings=True))).fetch_devices()
    assert typed == stringly
    assert {d.status for d in typed} == {DeviceStatus.UP, DeviceStatus.DOWN, DeviceStatus.UNKNOWN}


@pytest.mark.parametrize("value", [1, "1", True, "true", 1.0])
def test_truthy_spellings_coerce_to_true(value: object) -> None:
    assert LnDevice.model_validate({"device_id": "7", "hostname": 10, "status": value}).status is True


def test_zero_dates_epochs_iso_and_naive_times_all_parse() -> None:
    ams = ZoneInfo("Europe/Amsterdam")
    assert parse_time("0000-00-00 00:00:00", ams) is None
    assert parse_time("1593194031", ams) == parse_time(1593194031, ams) == datetime(2020, 6, 26, 17, 53, 51, tzinfo=UTC)
    assert parse_time("2025-05-31T17:55:10.000000Z", ams) == datetime(2025, 5, 31, 17, 55, 10, tzinfo=UTC)
    assert parse_time("2025-06-01 12:21:20", ams) == datetime(2025, 6, 1, 10, 21, 20, tzinfo=UTC)  # CEST


async def test_naive_times_are_read_in_the_configured_server_zone(shared: LibreNmsScenario) -> None:
    app = simulator(shared)
    device = shared.topology.by_host["core-01"]
    expected = datetime.fromtimestamp(shared.poll_before(device, shared.now_epoch), UTC)
    right = {d.hostname: d for d in await connect(app).fetch_devices()}["core-01"]
    wrong = {d.hostname: d for d in await connect(app, settings(server_timezone="UTC")).fetch_devices()}["core-01"]
    assert right.last_polled == expected
    assert wrong.last_polled == expected + AMSTERDAM_OFFSET  # the same wall time read as UTC is an hour later


async def test_devices_carry_parents_role_hints_and_the_down_reason(shared: LibreNmsScenario) -> None:
    devices = {d.hostname: d for d in await connect(simulator(shared)).fetch_devices()}
    (down,) = shared.truth().open_outages
    assert devices[down].status is DeviceStatus.DOWN and devices[down].status_reason == "icmp"
    assert devices["acc-sw-01"].parent_hostnames == ("dist-sw-01", "dist-sw-02")
    assert devices["acc-sw-01"].role_hint == "access" and devices["upl-a-01"].role_hint == "carrier"
    disabled = [d for d in devices.values() if d.disabled]
    assert len(disabled) == 1 and disabled[0].status is DeviceStatus.UNKNOWN


async def test_cpes_behind_a_failed_switch_read_unknown_once_stale_not_down() -> None:
    scn = scenario()
    switch = next(e.failed[0] for e in scn.truth().upstream if e.failed[0].startswith("acc-sw-") and e.unreachable)
    scn.fail(switch)
    scn.advance(NOW + timedelta(minutes=20))
    devices = {d.hostname: d for d in await connect(simulator(scn)).fetch_devices()}
    assert devices[switch].status is DeviceStatus.DOWN
    for child in scn.topology.descendants(switch):
        assert devices[child].librenms_up is True and devices[child].status is DeviceStatus.UNKNOWN
    assert not poller_silent(devices.values())


async def test_a_stopped_poller_makes_every_device_unknown_and_is_reported_as_silent() -> None:
    scn = scenario()
    scn.poller_down()
    scn.advance(NOW + timedelta(minutes=20))
    devices = await connect(simulator(scn)).fetch_devices()
    assert {d.status for d in devices} == {DeviceStatus.UNKNOWN}
    assert poller_silent(devices)


# --------------------------------------------------------------------------- outages
async def test_outages_are_utc_oldest_first_with_the_open_one_last(shared: LibreNmsScenario) -> None:
    (host,) = shared.truth().open_outages
    outages = await connect(simulator(shared)).fetch_outages(host)
    truth = shared.truth().outages[host]
    assert [(int(o.start.timestamp()), o.end and int(o.end.timestamp())) for o in outages] == [
        (s.start, s.end) for s in truth
    ]
    assert outages[-1].open and all(o.start.tzinfo is UTC for o in outages)


async def test_outages_before_since_are_left_out_but_open_ones_never(shared: LibreNmsScenario) -> None:
    (host,) = shared.truth().open_outages
    outages = await connect(simulator(shared)).fetch_outages(host, since=NOW - timedelta(minutes=1))
    assert [o.open for o in outages] == [True]


async def test_outages_of_an_unknown_device_read_as_none(shared: LibreNmsScenario) -> None:
    assert await connect(simulator(shared)).fetch_outages("gone-01") == []


async def test_incremental_reads_everything_first_then_only_open_and_changed_devices() -> None:
    scn = scenario()
    app = simulator(scn)
    connector = connect(app)
    first, state = await connector.fetch_outages_incremental()
    assert len(first) == len(scn.topology.devices)
    assert len(outage_reads(app)) == len(scn.topology.devices)
    assert state.last_full_sweep == NOW

    scn.advance(NOW + timedelta(minutes=2))
    mark = len(app.state.request_log)
    second, state = await connector.fetch_outages_incremental(state)
    assert outage_reads(app, mark) == list(scn.truth().open_outages)  # only the device that is still down
    assert set(second) == set(scn.truth().open_outages)

    still_down = scn.truth().open_outages
    scn.fail("core-02")
    scn.advance(NOW + timedelta(minutes=4))
    mark = len(app.state.request_log)
    third, state = await connector.fetch_outages_incremental(state)
    assert outage_reads(app, mark) == sorted({"core-02", *still_down}) == sorted(third)
    assert third["core-02"][-1].open


async def test_an_outage_between_two_polls_is_found_through_the_event_log() -> None:
    scn = scenario()
    app = simulator(scn)
    connector = connect(app)
    _, state = await connector.fetch_outages_incremental()
    scn.advance(NOW + timedelta(seconds=30))
    scn.fail("cpe-acme-03")
    scn.advance(NOW + timedelta(seconds=70))
    scn.recover("cpe-acme-03")  # back up before the next poll: its status flag never changed
    scn.advance(NOW + timedelta(minutes=2))
    mark = len(app.state.request_log)
    read, _ = await connector.fetch_outages_incremental(state)
    assert "cpe-acme-03" in outage_reads(app, mark)
    assert read["cpe-acme-03"][-1].end == NOW + timedelta(seconds=70)


async def test_without_event_log_hints_only_status_changes_and_open_outages_are_read() -> None:
    scn = scenario()
    app = simulator(scn)
    connector = connect(app, settings(eventlog_hints=False))
    _, state = await connector.fetch_outages_incremental()
    scn.advance(NOW + timedelta(minutes=2))
    mark = len(app.state.request_log)
    await connector.fetch_outages_incremental(state)
    assert not [p for p in paths(app, mark) if "eventlog" in p]
    assert outage_reads(app, mark) == list(scn.truth().open_outages)


async def test_the_full_sweep_comes_back_on_its_cadence() -> None:
    scn = scenario()
    app = simulator(scn)
    connector = connect(app, settings(full_sweep_seconds=600))
    _, state = await connector.fetch_outages_incremental()
    counts = []
    for minutes in (2, 4, 6, 8, 10, 12):
        scn.advance(NOW + timedelta(minutes=minutes))
        mark = len(app.state.request_log)
        _, state = await connector.fetch_outages_incremental(state)
        counts.append(len(outage_reads(app, mark)))
    assert counts == [1, 1, 1, 1, len(scn.topology.devices), 1]
    assert state.last_full_sweep == NOW + timedelta(minutes=10)


async def test_a_deleted_device_drops_out_of_the_sync_state() -> None:
    scn = scenario()
    connector = connect(simulator(scn))
    _, state = await connector.fetch_outages_incremental()
    scn.delete_device("cpe-acme-02")
    scn.advance(NOW + timedelta(minutes=2))
    read, state = await connector.fetch_outages_incremental(state)
    assert "cpe-acme-02" not in state.marks and "cpe-acme-02" not in read
    assert len(state.marks) == len(scn.topology.devices)


def test_the_sync_state_survives_a_json_round_trip() -> None:
    from deskpulse.connectors.librenms import DeviceMark

    state = OutageSyncState({"core-01": DeviceMark(True, False), "cpe-x": DeviceMark(False, True)}, NOW, 1_000_123)
    assert OutageSyncState.from_json(state.to_json()) == state


# --------------------------------------------------------------------------- event log
async def test_the_event_log_is_read_by_offset_pages_and_returns_the_next_watermark(shared: LibreNmsScenario) -> None:
    app = simulator(shared)
    batch = await connect(app, settings(eventlog_page_size=50)).fetch_eventlog()
    total = len(shared.live.events)
    assert [e.event_id for e in batch.events] == sorted(e.event_id for e in shared.live.events)
    assert batch.next_from == shared.live.events[-1].event_id + 1
    starts = [p for p in paths(app) if "eventlog" in p]
    assert len(starts) == math.ceil(total / 50)
    assert starts[1].endswith("start=50") and all(e.at is not None and e.at.tzinfo is UTC for e in batch.events)


async def test_the_watermark_returns_only_new_events() -> None:
    scn = scenario()
    app = simulator(scn)
    connector = connect(app)
    first = await connector.fetch_eventlog(since_id=scn.live.events[-3].event_id)
    assert len(first.events) == 3
    scn.advance(NOW + timedelta(minutes=1))
    scn.fail("cpe-acme-02")
    second = await connector.fetch_eventlog(since_id=first.next_from)
    assert [e.message for e in second.events] == ["Device status changed to Down from icmp check."]
    assert second.events[0].at == NOW + timedelta(minutes=1)
    empty = await connector.fetch_eventlog(since_id=second.next_from)
    assert empty.events == [] and empty.next_from == second.next_from


async def test_the_event_log_can_start_from_a_time_in_the_server_zone(shared: LibreNmsScenario) -> None:
    pivot = shared.live.events[-5]
    batch = await connect(simulator(shared)).fetch_eventlog(since=datetime.fromtimestamp(pivot.at, UTC))
    assert batch.events[0].event_id <= pivot.event_id
    assert all(e.at is not None and e.at >= datetime.fromtimestamp(pivot.at, UTC) for e in batch.events)


# --------------------------------------------------------------------------- links and the other lists
async def test_links_name_monitored_neighbours_by_hostname_not_their_advertised_sysname(
    shared: LibreNmsScenario,
) -> None:
    links = await connect(simulator(shared)).fetch_links()
    hosts = set(shared.topology.by_host)
    monitored = [link for link in links if link.remote_device_id is not None]
    assert all(link.remote_host in hosts for link in monitored)
    assert any(shared.topology.by_host[link.remote_host].sys_name == "MikroTik" for link in monitored)
    parents = {(link.local_host, link.remote_host) for link in monitored}
    assert ("cpe-acme-01", shared.topology.by_host["cpe-acme-01"].parents[0].of[0]) in parents
    outside = [link for link in links if link.remote_device_id is None]
    assert outside and all(link.remote_host not in hosts for link in outside)
    assert all(link.local_port for link in links)


async def test_404_on_a_list_endpoint_reads_as_an_empty_list() -> None:
    scn = scenario()
    scn.topology.links.clear()
    assert await connect(simulator(scn)).fetch_links() == []


async def test_services_arrive_flattened_from_the_nested_array(shared: LibreNmsScenario) -> None:
    connector = connect(simulator(shared))
    services = await connector.fetch_services()
    assert len(services) == len({s.service_id for s in services}) > 5
    assert {s.status for s in services} == {0, 1, 2, 3}
    assert all(s.device_id == 1 for s in await connector.fetch_services("upl-a-01"))


async def test_ports_groups_and_alerts_are_read(shared: LibreNmsScenario) -> None:
    connector = connect(simulator(shared))
    ports = await connector.fetch_ports()
    assert len(ports) == sum(1 for p in shared.topology.ports.values() if not p.deleted)
    groups = {g.name: g for g in await connector.fetch_device_groups()}
    assert len(groups["Customer ACME"].device_ids) == sum(
        1 for d in shared.topology.devices.values() if d.client == "acme"
    )
    alerts = await connector.fetch_alerts()
    assert {a.state for a in alerts} == {1} and alerts[0].at is not None
    assert {a.state for a in await connector.fetch_alerts((0, 1, 2))} == {0, 1, 2}


# --------------------------------------------------------------------------- throttling
@pytest.mark.parametrize("limit", [1, 3])
async def test_no_more_requests_are_in_flight_than_max_concurrency(shared: LibreNmsScenario, limit: int) -> None:
    app = simulator(shared, latency_seconds=0.005)
    connector = connect(app, settings(max_concurrency=limit))
    hosts = [d.hostname for d in shared.topology.devices.values()][:12]
    read = await connector.fetch_outages_for(hosts)
    assert set(read) == set(hosts)
    assert app.state.in_flight.peak == limit


async def test_the_request_rate_is_paced_by_the_budget(shared: LibreNmsScenario) -> None:
    time = FakeTime()
    budget = RequestBudget(10, clock=time)
    connector = connect(simulator(shared), settings(requests_per_minute=10), time=time, budget=budget)
    await connector.fetch_outages_for([d.hostname for d in shared.topology.devices.values()][:25])
    assert budget.requests_made == 25
    assert len(time.waits) == 2 and time.now - 1_000 >= 120  # two full windows waited out


async def test_a_429_is_waited_out_with_retry_after_and_then_succeeds(shared: LibreNmsScenario) -> None:
    app = simulator(shared)
    app.state.faults.set(FaultPlan(mode="rate_limit", remaining=2, retry_after=7))
    time = FakeTime()
    devices = await connect(app, time=time).fetch_devices()
    assert len(devices) == len(shared.topology.devices)
    assert time.waits == [7, 7]


async def test_5xx_answers_are_retried_with_backoff(shared: LibreNmsScenario) -> None:
    app = simulator(shared)
    app.state.faults.set(FaultPlan(mode="server_error", status=503, remaining=2))
    time = FakeTime()
    assert await connect(app, time=time).fetch_devices()
    assert time.waits == [1.0, 2.0]


# --------------------------------------------------------------------------- faults: nothing partial
async def test_truncated_json_is_a_transient_connector_error(shared: LibreNmsScenario) -> None:
    app = simulator(shared)
    app.state.faults.set(FaultPlan(mode="truncated"))
    with pytest.raises(ConnectorError, match="malformed JSON") as info:
        await connect(app).fetch_devices()
    assert not info.value.permanent


async def test_a_failure_mid_pagination_fails_the_whole_event_log_read(shared: LibreNmsScenario) -> None:
    app = simulator(shared)
    app.state.faults.set(FaultPlan(mode="fail_on_page", page=3))
    connector = connect(app, settings(eventlog_page_size=50, max_retries=1))
    with pytest.raises(ConnectorError, match="HTTP 500"):
        await connector.fetch_eventlog()
    assert len([p for p in paths(app) if "eventlog" in p]) == 4  # pages 1, 2, then page 3 twice


async def test_one_failing_device_fails_the_incremental_read_and_the_old_state_still_works() -> None:
    scn = scenario()
    app = simulator(scn)
    connector = connect(app, settings(max_retries=0))
    _, state = await connector.fetch_outages_incremental()
    scn.fail("core-02")
    scn.advance(NOW + timedelta(minutes=2))
    app.state.broken_hosts.add("core-02")
    with pytest.raises(ConnectorError, match="HTTP 500"):
        await connector.fetch_outages_incremental(state)
    app.state.broken_hosts.clear()
    read, _ = await connector.fetch_outages_incremental(state)  # the same state: core-02 is read again
    assert read["core-02"][-1].open


async def test_a_timeout_is_a_transient_error_that_says_so(shared: LibreNmsScenario) -> None:
    app = simulator(shared)
    app.state.faults.set(FaultPlan(mode="timeout", delay_seconds=2))
    with pytest.raises(ConnectorError, match="did not answer") as info:
        await connect(app, settings(timeout_seconds=0.05)).fetch_devices()
    assert not info.value.permanent
