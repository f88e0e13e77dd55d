"""A faithful fake of the LibreNMS API v0 as an ASGI app (facts: /work/shared/vendor-api/librenms.md).

Mounted under ``/api/v0`` so a client's base URL is ``http://host:port/api/v0``, as for a real install.
Control endpoints (``/_sim/faults``, ``/_sim/advance``, ``/_sim/state``) live outside the API prefix.
``app.state`` exposes ``scenario``, ``faults``, ``request_log`` (method, path, query), ``in_flight``
(current / peak concurrent requests) and ``broken_hosts`` (hostnames whose per-device endpoints answer 500).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from deskpulse.simulators import librenms_rows as rows
from deskpulse.simulators.control import control_routes
from deskpulse.simulators.faults import FaultController, json_error, server_error_response
from deskpulse.simulators.librenms_http import (
    Handler,
    InFlight,
    RequestLog,
    api_error,
    api_success,
    guarded,
    int_param,
    no_device,
)
from deskpulse.simulators.librenms_scenario import LibreNmsScenario
from deskpulse.simulators.librenms_topology import SimDevice

__all__ = ["EVENTLOG_DEFAULT_LIMIT", "LibreNmsScenario", "create_app"]

EVENTLOG_DEFAULT_LIMIT = 50  # [S]
DEVICE_TYPES = frozenset({"all", "active", "ignored", "up", "down", "disabled"})
QUERY_TYPES = {"os": "os", "hostname": "hostname", "location": "location", "device_id": "device_id", "ipv4": "ip"}
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def create_app(
    scenario: LibreNmsScenario,
    *,
    token: str = "sim-token",  # noqa: S107  (a fixed, public token is the point of a simulator)
    latency_seconds: float = 0.0,
) -> Starlette:
    """Build the simulator app around ``scenario`` (see the module docstring for ``app.state``)."""
    faults, flight = FaultController(), InFlight()
    request_log: RequestLog = []
    broken_hosts: set[str] = set()

    def api(handler: Handler, *, paged: bool = False) -> Handler:
        return guarded(
            handler, token=token, faults=faults, flight=flight, log=request_log, latency_seconds=latency_seconds,
            page_of=_eventlog_page if paged else None,
        )  # fmt: skip

    def lookup(request: Request) -> SimDevice | Response:
        name = request.path_params["hostname"]
        device = scenario.device(name)
        if device is None:
            return no_device(name)
        if device.hostname in broken_hosts:
            return server_error_response(500)
        return device

    async def root(request: Request) -> Response:
        base = f"{request.url.scheme}://{request.url.netloc}/api/v0"
        names = ("devices", "alerts", "logs/eventlog", "resources/links", "ports", "devicegroups", "services")
        return JSONResponse({name.replace("/", "_"): f"{base}/{name}" for name in names})

    # https://docs.librenms.org/API/Devices/#list_devices
    async def list_devices(request: Request) -> Response:
        kind = request.query_params.get("type", "all")
        query = request.query_params.get("query", "")
        if kind not in DEVICE_TYPES and kind not in QUERY_TYPES:
            return api_error(400, f"Invalid type {kind}")
        unreachable = scenario.unreachable()
        found = [d for d in scenario.topology.devices.values() if _matches(scenario, d, kind, query)]
        listed = [rows.device_row(scenario, d, unreachable) for d in found]
        field, _, direction = request.query_params.get("order", "hostname ASC").partition(" ")
        if listed and field in listed[0]:
            listed.sort(key=lambda row: (row[field] is None, str(row[field])), reverse=direction.upper() == "DESC")
        return api_success("devices", listed)

    # https://docs.librenms.org/API/Devices/#get_device
    async def get_device(request: Request) -> Response:
        device = lookup(request)
        if isinstance(device, Response):
            return device
        return api_success("devices", [rows.device_model(scenario, device, scenario.unreachable())])

    # https://docs.librenms.org/API/Devices/#device_outages
    async def device_outages(request: Request) -> Response:
        device = lookup(request)
        if isinstance(device, Response):
            return device
        return api_success("outages", rows.outage_rows(scenario, device.hostname))

    # https://docs.librenms.org/API/Switching/#list_links and #get_links
    async def list_links(request: Request) -> Response:
        links: Iterable[Any] = scenario.topology.links
        if "hostname" in request.path_params:
            device = lookup(request)
            if isinstance(device, Response):
                return device
            links = [link for link in scenario.topology.links if link.local_device_id == device.device_id]
        found = [rows.link_row(scenario, link) for link in links]
        return api_success("links", found) if found else api_error(404, "Links do not exist")

    # https://docs.librenms.org/API/Ports/#get_all_ports and /Devices/#get_port_graphs
    async def list_ports(request: Request) -> Response:
        columns = [c.strip() for c in request.query_params.get("columns", "port_id,ifName").split(",") if c.strip()]
        invalid = [c for c in columns if c not in rows.PORT_COLUMNS]
        if invalid:
            return api_error(400, f"Invalid columns: {','.join(invalid)}")
        ports = [p for p in scenario.topology.ports.values() if not p.deleted]
        if "hostname" in request.path_params:
            device = lookup(request)
            if isinstance(device, Response):
                return device
            ports = [p for p in ports if p.device_id == device.device_id]
        return api_success("ports", [rows.port_row(scenario, p, columns) for p in ports])

    # https://docs.librenms.org/API/Alerts/#list_alerts
    async def list_alerts(request: Request) -> Response:
        params = request.query_params
        states = {int(s) for s in params.get("state", "1").split(",") if s.strip().isdigit()}
        found = [a for a in scenario.live.alerts.values() if a.state in states]
        if params.get("alert_rule", "").isdigit():
            found = [a for a in found if a.rule_id == int(params["alert_rule"])]
        listed = [rows.alert_row(scenario, a) for a in found]
        if params.get("severity"):
            listed = [row for row in listed if row["severity"] == params["severity"]]
        newest_first = params.get("order", "timestamp desc").lower().endswith("desc")
        listed.sort(key=lambda row: (str(row["timestamp"]), int(row["id"])), reverse=newest_first)
        return api_success("alerts", listed)

    # https://docs.librenms.org/API/Logs/ (offset paging, `from`/`to` by id or time, ascending by time)
    async def eventlog(request: Request) -> Response:
        events = scenario.live.events
        if "hostname" in request.path_params:
            device = lookup(request)
            if isinstance(device, Response):
                return device
            events = [e for e in events if e.device_id == device.device_id]
        lower, upper = request.query_params.get("from", ""), request.query_params.get("to", "")
        if lower or upper:
            events = [e for e in events if _within(scenario, e.event_id, e.at, lower.strip(), upper.strip())]
        events = sorted(events, key=lambda e: (e.at, e.event_id))
        start = int_param(request, "start", 0)
        limit = int_param(request, "limit", EVENTLOG_DEFAULT_LIMIT)
        page = [rows.event_row(scenario, e) for e in events[start : start + limit]]
        return JSONResponse({"status": "ok", "count": len(page), "total": str(len(events)), "logs": page})

    # https://docs.librenms.org/API/DeviceGroups/
    async def list_groups(request: Request) -> Response:
        groups = rows.device_groups(scenario)
        if "hostname" in request.path_params:
            device = lookup(request)
            if isinstance(device, Response):
                return device
            groups = [(row, members) for row, members in groups if device.device_id in members]
        if not groups:
            return api_error(404, "No device groups found")
        return api_success("groups", [row for row, _ in groups], message=f"Found {len(groups)} device groups")

    async def group_members(request: Request) -> Response:
        name = request.path_params["name"]
        match = next(((row, m) for row, m in rows.device_groups(scenario) if row["name"] == name), None)
        if match is None:
            return api_error(404, f"Device group {name} not found")
        members = [scenario.topology.devices[i] for i in match[1] if i in scenario.topology.devices]
        if request.query_params.get("full"):
            unreachable = scenario.unreachable()
            return api_success("devices", [rows.device_row(scenario, d, unreachable) for d in members])
        return api_success("devices", [{"device_id": d.device_id} for d in members])

    # https://docs.librenms.org/API/Services/ (the rows come wrapped in one more array "for backwards compat")
    async def list_services(request: Request) -> Response:
        found = rows.service_rows(scenario)
        if "hostname" in request.path_params:
            device = lookup(request)
            if isinstance(device, Response):
                return device
            found = [s for s in found if s["device_id"] == device.device_id]
        state, kind = request.query_params.get("state"), request.query_params.get("type")
        if state is not None and state.isdigit():
            found = [s for s in found if s["service_status"] == int(state)]
        if kind:
            found = [s for s in found if kind.lower().strip("%") in s["service_type"]]
        return api_success("services", [found])

    async def not_found(request: Request) -> Response:
        return json_error(404, "Not Found")

    routes: list[BaseRoute] = [
        Route("/", api(root), methods=["GET"]),
        Route("/devices", api(list_devices), methods=["GET"]),
        Route("/devices/{hostname}", api(get_device), methods=["GET"]),
        Route("/devices/{hostname}/outages", api(device_outages), methods=["GET"]),
        Route("/devices/{hostname}/links", api(list_links), methods=["GET"]),
        Route("/devices/{hostname}/ports", api(list_ports), methods=["GET"]),
        Route("/devices/{hostname}/groups", api(list_groups), methods=["GET"]),
        Route("/alerts", api(list_alerts), methods=["GET"]),
        Route("/logs/eventlog", api(eventlog, paged=True), methods=["GET"]),
        Route("/logs/eventlog/{hostname}", api(eventlog, paged=True), methods=["GET"]),
        Route("/resources/links", api(list_links), methods=["GET"]),
        Route("/ports", api(list_ports), methods=["GET"]),
        Route("/devicegroups", api(list_groups), methods=["GET"]),
        Route("/devicegroups/{name}", api(group_members), methods=["GET"]),
        Route("/services", api(list_services), methods=["GET"]),
        Route("/services/{hostname}", api(list_services), methods=["GET"]),
        Route("/{rest:path}", api(not_found), methods=ALL_METHODS),
    ]
    app = Starlette(routes=[Mount("/api/v0", routes=routes), *control_routes(scenario, faults, scenario.state)])
    app.state.scenario = scenario
    app.state.faults = faults
    app.state.request_log = request_log
    app.state.in_flight = flight
    app.state.broken_hosts = broken_hosts
    return app


def _eventlog_page(request: Request) -> int:
    """The 1-based page an offset request asks for, so ``fail_on_page`` can target the event log."""
    limit = int_param(request, "limit", EVENTLOG_DEFAULT_LIMIT) or EVENTLOG_DEFAULT_LIMIT
    return int_param(request, "start", 0) // limit + 1


def _matches(scenario: LibreNmsScenario, device: SimDevice, kind: str, query: str) -> bool:
    active = not device.ignore and not device.disabled
    if kind == "all":
        return True
    if kind == "active":
        return active
    if kind == "ignored":
        return device.ignore
    if kind == "disabled":
        return device.disabled
    if kind in ("up", "down"):
        return active and scenario.is_down(device.hostname) == (kind == "down")
    value = str(getattr(device, QUERY_TYPES[kind]))
    return value == query if kind == "device_id" else query.lower() in value.lower()


def _within(scenario: LibreNmsScenario, event_id: int, at: int, lower: str, upper: str) -> bool:
    """``from``/``to`` (inclusive): a number bounds the id, anything else the naive server-zone time [S]."""
    stamp = scenario.fmt(at)
    if lower and not (event_id >= int(lower) if lower.isdigit() else stamp >= lower):
        return False
    return not upper or (event_id <= int(upper) if upper.isdigit() else stamp <= upper)
