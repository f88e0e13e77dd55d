"""LibreNMS API v0 calls, one function per endpoint, behind a concurrency gate.

Facts used here: /work/shared/vendor-api/librenms.md; what deskpulse does with them: docs/connectors/librenms.md.
Every list call treats HTTP 404 as an empty list: several v0 list endpoints answer an empty result that way [S].
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx2

from deskpulse.connectors.base import HttpClient, NotFoundError, Page, RequestBudget, Sleep
from deskpulse.connectors.librenms.models import to_int
from deskpulse.connectors.librenms.pagination import OffsetPaginator, envelope_rows
from deskpulse.connectors.librenms.settings import LibreNmsSettings

VENDOR = "LibreNMS"


class GatedHttp(HttpClient):
    """``HttpClient`` whose every request (retries included) holds one of ``max_concurrency`` slots."""

    def __init__(self, *, max_concurrency: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = asyncio.Semaphore(max_concurrency)

    async def request_json(
        self, method: str, path_or_url: str, *, params: Mapping[str, Any] | None = None, json_body: Any = None
    ) -> tuple[Any, Mapping[str, str], str]:
        """As ``HttpClient.request_json``, waiting for a free slot first."""
        async with self.gate:
            return await super().request_json(method, path_or_url, params=params, json_body=json_body)


def make_http(
    cfg: LibreNmsSettings,
    *,
    budget: RequestBudget,
    transport: httpx2.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
) -> GatedHttp:
    """A client sending ``X-Auth-Token`` [D], paced by ``budget`` and gated to ``max_concurrency``."""
    headers = {"X-Auth-Token": cfg.token, "Accept": "application/json", "User-Agent": "deskpulse"}
    kwargs: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    return GatedHttp(
        max_concurrency=cfg.max_concurrency, base_url=cfg.base_url, headers=headers, budget=budget, vendor=VENDOR,
        timeout=cfg.timeout_seconds, max_retries=cfg.max_retries, transport=transport, **kwargs,
    )  # fmt: skip


def _seg(value: str) -> str:
    """A path segment (hostname, group name) with everything but unreserved characters escaped."""
    return quote(value, safe="")


async def _list(http: HttpClient, path: str, key: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    try:
        body, _, _ = await http.request_json("GET", path, params=params)
    except NotFoundError:
        return []
    return envelope_rows(body, key)


# https://docs.librenms.org/API/Devices/#list_devices
async def list_devices(http: HttpClient, device_type: str = "all") -> list[dict[str, Any]]:
    """``GET /devices?type=all``: every device, ignored and disabled included, in one answer (no paging [S])."""
    return await _list(http, "devices", "devices", {"type": device_type})


# https://docs.librenms.org/API/Devices/#get_device
async def get_device(http: HttpClient, hostname: str) -> dict[str, Any] | None:
    """``GET /devices/:hostname`` (a one-element array [S]); None when LibreNMS does not know the device."""
    found = await _list(http, f"devices/{_seg(hostname)}", "devices")
    return found[0] if found else None


# https://docs.librenms.org/API/Devices/#device_outages
async def device_outages(http: HttpClient, hostname: str) -> list[dict[str, Any]]:
    """``GET /devices/:hostname/outages``: every recorded outage, newest first [D]."""
    return await _list(http, f"devices/{_seg(hostname)}/outages", "outages")


# https://docs.librenms.org/API/Alerts/#list_alerts
async def list_alerts(http: HttpClient, states: str = "1") -> list[dict[str, Any]]:
    """``GET /alerts?state=1`` (a comma list of states; LibreNMS's default is 1, alerting [S])."""
    return await _list(http, "alerts", "alerts", {"state": states})


# https://docs.librenms.org/API/Logs/#list_eventlog
def eventlog_pages(
    http: HttpClient, *, lower: str | None, limit: int, hostname: str | None = None
) -> AsyncIterator[Page]:
    """Pages of ``GET /logs/eventlog(/:hostname)?start=&limit=&from=``, ascending by time [S]."""
    path = "logs/eventlog" if hostname is None else f"logs/eventlog/{_seg(hostname)}"
    params: dict[str, Any] = {"start": 0, "limit": limit}
    if lower is not None:
        params["from"] = lower
    return http.pages(path, OffsetPaginator("logs", limit), params)


async def eventlog_head(http: HttpClient) -> dict[str, Any] | None:
    """The newest event log row (two small requests: the total, then the last offset); None when empty."""
    first = await _raw(http, "logs/eventlog", {"start": 0, "limit": 1})
    try:
        total = to_int(first.get("total")) if isinstance(first, dict) else None
    except ValueError:
        total = None
    if not total:
        return None
    rows = envelope_rows(await _raw(http, "logs/eventlog", {"start": total - 1, "limit": 1}), "logs")
    return rows[-1] if rows else None


async def _raw(http: HttpClient, path: str, params: Mapping[str, Any]) -> Any:
    try:
        body, _, _ = await http.request_json("GET", path, params=params)
    except NotFoundError:
        return {"status": "ok", "logs": [], "total": 0}
    return body


# https://docs.librenms.org/API/Switching/#list_links
async def list_links(http: HttpClient, hostname: str | None = None) -> list[dict[str, Any]]:
    """``GET /resources/links`` or ``/devices/:hostname/links``; 404 "Links do not exist" when empty [S]."""
    path = "resources/links" if hostname is None else f"devices/{_seg(hostname)}/links"
    return await _list(http, path, "links")


# https://docs.librenms.org/API/Ports/#get_all_ports
async def list_ports(http: HttpClient, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """``GET /ports?columns=…``: every non-deleted port, only the columns named [S]."""
    return await _list(http, "ports", "ports", {"columns": ",".join(columns)})


# https://docs.librenms.org/API/DeviceGroups/#get_devicegroups
async def list_devicegroups(http: HttpClient) -> list[dict[str, Any]]:
    """``GET /devicegroups``; 404 "No device groups found" when there are none [S]."""
    return await _list(http, "devicegroups", "groups")


# https://docs.librenms.org/API/DeviceGroups/#get_devices_by_group
async def devicegroup_members(http: HttpClient, name: str) -> list[dict[str, Any]]:
    """``GET /devicegroups/:name``: ``[{"device_id": …}, …]``."""
    return await _list(http, f"devicegroups/{_seg(name)}", "devices")


# https://docs.librenms.org/API/Services/#list_services
async def list_services(http: HttpClient, hostname: str | None = None) -> list[dict[str, Any]]:
    """``GET /services`` or ``/services/:hostname``; rows arrive as ``[[…]]`` [S], flattened here."""
    return await _list(http, "services" if hostname is None else f"services/{_seg(hostname)}", "services")
