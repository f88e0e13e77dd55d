"""Behaviour of the LibreNMS API v0 simulator as a client sees it, and the ground truth it exposes."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest

from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.librenms_outages import OutageSpan
from deskpulse.simulators.librenms_scenario import POLL_SECONDS, LibreNmsScenario
from librenms_support import NOW, TOKEN, ZONE, scenario, simulator

AMS = ZoneInfo(ZONE)


@asynccontextmanager
async def api(app: Any, headers: dict[str, str] | None = None) -> AsyncIterator[httpx2.AsyncClient]:
    sent = {"X-Auth-Token": TOKEN} if headers is None else headers
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://sim/api/v0", headers=sent
    ) as client:
        yield client


def naive(ts: int, zone: ZoneInfo = AMS) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture(scope="module")
def shared() -> LibreNmsScenario:
    """One read-only scenario for the tests that do not change it (building one takes ~60 ms)."""
    return scenario()


# --------------------------------------------------------------------------- auth
@pytest.mark.parametrize("headers", [{}, {"X-Auth-Token": "wrong"}, {"Authorization": "Bearer wrong"}])
async def test_a_missing_or_wrong_token_gets_401_unauthenticated(
    shared: LibreNmsScenario, headers: dict[str, str]
) -> None:
    async with api(simulator(shared), headers) as client:
        response = await client.get("/devices")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


@pytest.mark.parametrize("headers", [{"X-Auth-Token": TOKEN}, {"Authorization": f"Bearer {TOKEN}"}])
async def test_the_token_is_accepted_as_x_auth_token_or_bearer(
    shared: LibreNmsScenario, headers: dict[str, str]
) -> None:
    async with api(simulator(shared), headers) as client:
        response = await client.get("/devices")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


# --------------------------------------------------------------------------- devices
async def test_the_device_list_is_complete_in_one_answer_with_count(shared: LibreNmsScenario) -> None:
    async with api(simulator(shared)) as client:
        body = (await client.get("/devices")).json()
    assert body["count"] == len(body["devices"]) == len(shared.topology.devices) >= 250
    assert [row["hostname"] for row in body["devices"]] == sorted(row["hostname"] for row in body["devices"])


async def test_device_rows_carry_naive_times_in_the_server_zone_and_comma_joined_parents(
    shared: LibreNmsScenario,
) -> None:
    async with api(simulator(shared)) as client:
        rows = {row["hostname"]: row for row in (await client.get("/devices")).json()["devices"]}
    row = rows["acc-sw-01"]
    device = shared.topology.by_host["acc-sw-01"]
    polled = shared.poll_before(device, shared.now_epoch)
    assert row["last_polled"] == naive(polled)  # Amsterdam wall time, no offset
    assert row["last_polled"] != naive(polled, ZoneInfo("UTC"))
    assert (row["status"], row["status_reason"], row["ignore"], row["disabled"]) == (1, "", 0, 0)
    assert row["dependency_parent_hostname"] == "dist-sw-01,dist-sw-02"
    ids = [str(shared.topology.by_host[h].device_id) for h in ("dist-sw-01", "dist-sw-02")]
    assert row["dependency_parent_id"] == ",".join(ids)
    assert rows["upl-a-01"]["dependency_parent_hostname"] is None


async def test_legacy_releases_send_every_value_as_a_string() -> None:
    async with api(simulator(scenario(legacy_strings=True))) as client:
        devices = (await client.get("/devices")).json()["devices"]
        outages = (await client.get("/devices/cpe-globex-01/outages")).json()["outages"]
    assert all(value is None or isinstance(value, str) for row in devices for value in row.values())
    assert devices[0]["device_id"].isdigit() and devices[0]["status"] in ("0", "1")
    assert isinstance(outages[0]["going_down"], str) and outages[0]["up_again"] is None


async def test_a_single_device_comes_from_the_model_with_boolean_status_and_iso_times(shared: LibreNmsScenario) -> None:
    device = shared.topology.by_host["core-01"]
    async with api(simulator(shared)) as client:
        by_name = (await client.get("/devices/core-01")).json()
        by_id = (await client.get(f"/devices/{device.device_id}")).json()
    assert by_name == by_id
    assert by_name["count"] == 1
    row = by_name["devices"][0]
    assert row["status"] is True
    assert row["last_polled"].endswith(".000000Z") and "T" in row["last_polled"]


async def test_an_unknown_device_is_a_404_with_the_vendor_sentence(shared: LibreNmsScenario) -> None:
    async with api(simulator(shared)) as client:
        response = await client.get("/devices/nope-01/outages")
    assert response.status_code == 404
    assert response.json() == {"status": "error", "message": "Device nope-01 does not exist"}


async def test_device_type_filters_pick_up_down_and_disabled(shared: LibreNmsScenario) -> None:
    async with api(simulator(shared)) as client:
        down = (await client.get("/devices", params={"type": "down"})).json()["devices"]
        disabled = (await client.get("/devices", params={"type": "disabled"})).json()["devices"]
        found = (await client.get("/devices", params={"type": "hostname", "query": "core"})).json()["devices"]
    assert [row["hostname"] for row in down] == list(shared.truth().open_outages)
    assert len(disabled) == 1 and disabled[0]["last_polled"] is None
    assert {row["hostname"] for row in found} == {"core-01", "core-02"}


# --------------------------------------------------------------------------- outages
async def test_outages_are_epoch_seconds_newest_first_and_the_open_one_has_null_up_again(
    shared: LibreNmsScenario,
) -> None:
    truth = shared.truth()
    (host,) = truth.open_outages
    async with api(simulator(shared)) as client:
        body = (await client.get(f"/devices/{host}/outages")).json()
        device = next(r for r in (await client.get("/devices")).json()["devices"] if r["hostname"] == host)
    starts = [row["going_down"] for row in body["outages"]]
    assert starts == sorted(starts, reverse=True)
    assert body["outages"][0]["up_again"] is None
    assert [OutageSpan(r["going_down"], r["up_again"]) for r in reversed(body["outages"])] == list(truth.outages[host])
    assert (device["status"], device["status_reason"], device["uptime"]) == (0, "icmp", None)


def test_an_upstream_outage_leaves_the_cut_off_cpes_without_outages() -> None:
    truth = scenario().truth()
    event = next(e for e in truth.upstream if e.failed == ("dist-sw-01",) and (e.end - e.start) == 40 * 60)
    cpes = [host for host in event.unreachable if truth.roles[host] == "cpe"]
    assert len(cpes) >= 5  # single-homed access switches under dist-sw-01 and their customers
    for host in event.unreachable:
        for span in truth.outages.get(host, ()):
            assert span.end is not None and (span.end <= event.start or span.start >= event.end)


def test_redundancy_one_carrier_down_cuts_nobody_off_both_down_cuts_everyone_off(shared: LibreNmsScenario) -> None:
    truth = shared.truth()
    alone = [e for e in truth.upstream if e.failed == ("upl-a-01",)]
    both = [e for e in truth.upstream if e.failed == ("upl-a-01", "upl-b-01")]
    assert alone and all(e.unreachable == () for e in alone)
    assert len(both) == 1 and both[0].end - both[0].start == 8 * 60
    assert len(both[0].unreachable) == len(truth.roles) - 2
    assert truth.parents["core-01"][0].need == 1 and truth.parents["core-01"][0].of == ("upl-a-01", "upl-b-01")


def test_a_flapping_cpe_has_back_to_back_outages_closer_than_a_poll_interval(shared: LibreNmsScenario) -> None:
    truth = shared.truth()
    (host,) = truth.flapping
    spans = [s for s in truth.outages[host] if s.end is not None and s.end - s.start < POLL_SECONDS]
    gaps = [b.start - a.end for a, b in itertools.pairwise(spans) if a.end is not None]
    assert len(spans) >= 6
    assert sum(1 for gap in gaps if 0 < gap < POLL_SECONDS) >= 5


def test_poller_gaps_hide_or_clip_outages_and_are_listed_in_the_truth(shared: LibreNmsScenario) -> None:
    truth = shared.truth()
    assert len(truth.poller_gaps) == 2
    (hidden,) = truth.hidden_by_gap
    inside = [
        s for s in truth.actual_outages[hidden]
        if s.end is not None and any(g.start <= s.start and s.end <= g.end for g in truth.poller_gaps)
    ]  # fmt: skip
    assert inside and all(s not in truth.outages.get(hidden, ()) for s in inside)
    ends = {g.end for g in truth.poller_gaps}
    clipped = [s for spans in truth.outages.values() for s in spans if s.start in ends or s.end in ends]
    assert len(clipped) == 2  # one outage ending inside a gap, one starting inside another


def test_maintenance_windows_and_services_are_part_of_the_truth(shared: LibreNmsScenario) -> None:
    truth = shared.truth()
    assert {w.hostname for w in truth.maintenance} >= {"core-01"}
    for window in truth.maintenance:
        assert any(window.start <= s.start and s.end is not None and s.end <= window.end
                   for s in truth.outages[window.hostname])  # fmt: skip
    assert len(truth.services) == sum(1 for role in truth.roles.values() if role == "cpe")
    document = shared.graph_document()
    assert document["devices"]["cpe-acme-01"]["parents"][0]["need"] == 1
    assert document["devices"]["upl-a-01"] == {"role": "carrier"}
    assert {s["device"] for s in document["services"]} == {s.device for s in truth.services}


def test_the_same_seed_builds_the_same_network_and_history() -> None:
    assert scenario().truth() == scenario().truth()
    assert scenario(seed=2).truth().outages != scenario().truth().outages


# --------------------------------------------------------------------------- changes at run time
async def test_a_failed_access_switch_leaves_its_cpes_up_but_no_longer_polled() -> None:
    scn = scenario()
    single = next(e.failed[0] for e in scn.truth().upstream if e.failed[0].startswith("acc-sw-") and e.unreachable)
    children = scn.topology.descendants(single)
    scn.fail(single)
    scn.advance(NOW + timedelta(minutes=30))
    async with api(simulator(scn)) as client:
        rows = {row["hostname"]: row for row in (await client.get("/devices")).json()["devices"]}
    assert rows[single]["status"] == 0
    for child in children:
        assert rows[child]["status"] == 1  # not marked down
        stale = datetime.strptime(rows[child]["last_polled"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=AMS)
        assert scn.now - stale >= timedelta(minutes=30)
    assert set(scn.state()["unreachable"]) == children


async def test_recovering_closes_the_outage_and_logs_both_status_changes() -> None:
    scn = scenario()
    scn.fail("cpe-acme-02")
    scn.advance(NOW + timedelta(minutes=7))
    scn.recover("cpe-acme-02")
    async with api(simulator(scn)) as client:
        newest = (await client.get("/devices/cpe-acme-02/outages")).json()["outages"][0]
        logs = (await client.get("/logs/eventlog/cpe-acme-02")).json()["logs"]
    assert newest == {"going_down": int(NOW.timestamp()), "up_again": int(NOW.timestamp()) + 420}
    assert [row["message"] for row in logs[-2:]] == [
        "Device status changed to Down from icmp check.", "Device status changed to Up from icmp check.",
    ]  # fmt: skip


async def test_a_deleted_device_vanishes_with_its_links_and_log() -> None:
    scn = scenario()
    device = scn.topology.by_host["cpe-acme-02"]
    scn.delete_device("cpe-acme-02")
    async with api(simulator(scn)) as client:
        hosts = {row["hostname"] for row in (await client.get("/devices")).json()["devices"]}
        outages = await client.get("/devices/cpe-acme-02/outages")
        links = (await client.get("/resources/links")).json()["links"]
    assert "cpe-acme-02" not in hosts and outages.status_code == 404
    assert all(device.device_id not in (link["local_device_id"], link["remote_device_id"]) for link in links)
    assert all(event.device_id != device.device_id for event in scn.live.events)
    with pytest.raises(ValueError, match="children"):
        scn.delete_device("acc-sw-01")


async def test_while_the_poller_is_down_nothing_is_polled_and_the_gap_is_recorded_after() -> None:
    scn = scenario()
    scn.poller_down()
    scn.advance(NOW + timedelta(hours=1))
    with pytest.raises(ValueError, match="poller is down"):
        scn.fail("cpe-acme-02")
    async with api(simulator(scn)) as client:
        rows = (await client.get("/devices")).json()["devices"]
    newest = max(row["last_polled"] for row in rows if row["last_polled"])
    assert newest <= naive(int(NOW.timestamp()))
    scn.poller_up()
    assert scn.truth().poller_gaps[-1].end - scn.truth().poller_gaps[-1].start == 3600


# --------------------------------------------------------------------------- event log
async def test_the_event_log_pages_by_offset_with_a_string_total_in_time_order(shared: LibreNmsScenario) -> None:
    async with api(simulator(shared)) as client:
        first = (await client.get("/logs/eventlog")).json()
        second = (await client.get("/logs/eventlog", params={"start": 50, "limit": 50})).json()
    assert first["count"] == 50 and first["total"] == str(len(shared.live.events))
    assert isinstance(first["logs"][0]["event_id"], str) and first["logs"][0]["reference"] == "NULL"
    times = [row["datetime"] for row in first["logs"] + second["logs"]]
    assert times == sorted(times)
    assert first["logs"][-1]["event_id"] != second["logs"][0]["event_id"]


async def test_from_filters_by_id_when_numeric_and_by_time_otherwise(shared: LibreNmsScenario) -> None:
    events = shared.live.events
    pivot = events[-10]
    async with api(simulator(shared)) as client:
        by_id = (await client.get("/logs/eventlog", params={"from": pivot.event_id})).json()
        by_time = (await client.get("/logs/eventlog", params={"from": naive(pivot.at)})).json()
        upto = (await client.get("/logs/eventlog", params={"to": events[4].event_id})).json()
    assert by_id["total"] == "10" and by_id["logs"][0]["event_id"] == str(pivot.event_id)
    assert int(by_time["total"]) >= 10
    assert upto["total"] == "5"


# --------------------------------------------------------------------------- links, ports, groups, services, alerts
async def test_lldp_links_match_the_topology_seen_from_both_ends(shared: LibreNmsScenario) -> None:
    async with api(simulator(shared)) as client:
        links = (await client.get("/resources/links")).json()["links"]
        mine = (await client.get("/devices/acc-sw-01/links")).json()["links"]
    by_id = {d.device_id: d.hostname for d in shared.topology.devices.values()}
    pairs = {(by_id[link["local_device_id"]], by_id.get(link["remote_device_id"] or 0)) for link in links}
    for device in shared.topology.devices.values():
        for group in device.parents:
            for parent in group.of:
                assert (device.hostname, parent) in pairs and (parent, device.hostname) in pairs
    assert {link["protocol"] for link in links} == {"lldp", "cdp"}
    assert any(link["remote_device_id"] in (0, None) for link in links)  # neighbours we do not monitor
    assert all(link["local_device_id"] == shared.topology.by_host["acc-sw-01"].device_id for link in mine)


async def test_an_empty_list_is_a_404_on_the_list_endpoints() -> None:
    scn = scenario()
    scn.topology.links.clear()
    async with api(simulator(scn)) as client:
        response = await client.get("/resources/links")
    assert response.status_code == 404
    assert response.json() == {"status": "error", "message": "Links do not exist"}


async def test_services_come_wrapped_in_a_nested_array_with_count_one(shared: LibreNmsScenario) -> None:
    async with api(simulator(shared)) as client:
        body = (await client.get("/services")).json()
        critical = (await client.get("/services", params={"state": 2})).json()
    assert body["count"] == 1 and isinstance(body["services"][0], list)
    states = {row["service_status"] for row in body["services"][0]}
    assert states == {0, 1, 2, 3}
    assert {row["service_status"] for row in critical["services"][0]} == {2}


async def test_ports_validate_columns_and_leave_deleted_ports_out(shared: LibreNmsScenario) -> None:
    async with api(simulator(shared)) as client:
        ports = (await client.get("/ports")).json()["ports"]
        wrong = await client.get("/ports", params={"columns": "port_id,password"})
    assert set(ports[0]) == {"port_id", "ifName"}
    assert len(ports) == sum(1 for p in shared.topology.ports.values() if not p.deleted) < len(shared.topology.ports)
    assert wrong.status_code == 400 and wrong.json()["message"] == "Invalid columns: password"


async def test_device_groups_list_with_a_message_and_members_by_name(shared: LibreNmsScenario) -> None:
    async with api(simulator(shared)) as client:
        body = (await client.get("/devicegroups")).json()
        members = (await client.get("/devicegroups/Customer ACME")).json()
    assert body["message"] == f"Found {body['count']} device groups"
    assert {"id", "name", "desc", "type", "rules", "pattern"} <= set(body["groups"][0])
    acme = {d.device_id for d in shared.topology.devices.values() if d.client == "acme"}
    assert {row["device_id"] for row in members["devices"]} == acme


async def test_alerts_default_to_state_1_newest_first(shared: LibreNmsScenario) -> None:
    async with api(simulator(shared)) as client:
        alerting = (await client.get("/alerts")).json()["alerts"]
        every = (await client.get("/alerts", params={"state": "0,1,2"})).json()["alerts"]
    assert alerting and {row["state"] for row in alerting} == {1}
    assert {row["state"] for row in every} == {0, 1, 2}
    stamps = [row["timestamp"] for row in alerting]
    assert stamps == sorted(stamps, reverse=True)


# --------------------------------------------------------------------------- faults and the control plane
async def test_a_rate_limit_fault_answers_429_with_retry_after(shared: LibreNmsScenario) -> None:
    app = simulator(shared)
    app.state.faults.set(FaultPlan(mode="rate_limit", remaining=1, retry_after=9))
    async with api(app) as client:
        limited = await client.get("/devices")
        healthy = await client.get("/devices")
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "9")
    assert healthy.status_code == 200


async def test_truncated_json_and_fail_on_page_hit_what_they_target(shared: LibreNmsScenario) -> None:
    app = simulator(shared)
    async with api(app) as client:
        app.state.faults.set(FaultPlan(mode="truncated", remaining=1))
        cut = await client.get("/devices")
        app.state.faults.set(FaultPlan(mode="fail_on_page", page=2))
        page1 = await client.get("/logs/eventlog", params={"start": 0, "limit": 50})
        page2 = await client.get("/logs/eventlog", params={"start": 50, "limit": 50})
        other = await client.get("/devices")
    assert cut.status_code == 200
    with pytest.raises(ValueError):
        cut.json()
    assert (page1.status_code, page2.status_code, other.status_code) == (200, 500, 200)


async def test_a_broken_host_answers_500_on_its_own_endpoints_only(shared: LibreNmsScenario) -> None:
    app = simulator(shared)
    app.state.broken_hosts.add("core-01")
    async with api(app) as client:
        assert (await client.get("/devices/core-01/outages")).status_code == 500
        assert (await client.get("/devices/core-02/outages")).status_code == 200


async def test_concurrent_requests_are_counted_in_flight(shared: LibreNmsScenario) -> None:
    app = simulator(shared, latency_seconds=0.02)
    async with api(app) as client:
        await asyncio.gather(*(client.get("/devices/core-01/outages") for _ in range(5)))
    assert app.state.in_flight.peak == 5
    assert app.state.in_flight.current == 0


async def test_control_routes_set_faults_and_advance_time_without_a_token() -> None:
    scn = scenario()
    app = simulator(scn)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sim") as client:
        set_plan = await client.post("/_sim/faults", json={"mode": "server_error", "status": 503})
        state = (await client.post("/_sim/advance", json={"seconds": 600})).json()
    assert set_plan.status_code == 200 and app.state.faults.plan.status == 503
    assert state["now"] == (NOW + timedelta(minutes=10)).isoformat()
    assert state["down"] == list(scn.truth().open_outages)
    assert scn.now == NOW.astimezone(UTC) + timedelta(minutes=10)
