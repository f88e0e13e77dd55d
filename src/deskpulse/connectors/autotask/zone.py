"""Zone discovery: which Autotask server holds the user's database.

``GET https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation?user=<api-username>`` needs no
credentials and answers ``{"zoneName", "url", "webUrl", "ci"}``; the API base is ``url + "V1.0/"``. A blank or
unknown user gets HTTP 500. The answer is cached for 12 hours, as django-autotask does (autotask.md, "Zone
discovery").
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx2
from pydantic import ValidationError

from deskpulse.connectors.autotask.models import AtZone
from deskpulse.connectors.autotask.settings import api_base
from deskpulse.connectors.base import Clock, ConnectorError, HttpClient, RequestBudget, Sleep

CACHE_SECONDS = 12 * 3600.0


@dataclass(frozen=True, slots=True)
class Zone:
    """A resolved zone: the API base (``.../ATServicesRest/V1.0``) and the web UI's base."""

    api_base: str
    web_url: str | None = None
    name: str | None = None


class ZoneResolver:
    """Looks the zone up without credentials and caches it; ``invalidate`` forces the next call to ask again."""

    def __init__(
        self,
        lookup_url: str,
        username: str,
        *,
        sleep: Sleep,
        timeout: float,
        transport: httpx2.AsyncBaseTransport | None = None,
        monotonic: Clock = time.monotonic,
    ) -> None:
        self.lookup_url = lookup_url
        self.username = username
        self.lookups = 0
        self._monotonic = monotonic
        self._cached: tuple[Zone, float] | None = None
        # Zone lookups are not thread-limited [D] and are not known to count against the database's hourly
        # limit [I], so they have a budget of their own. One retry covers a blip; a second 500 means "no such user".
        self._http = HttpClient(
            base_url=lookup_url,
            headers={"Accept": "application/json", "User-Agent": "deskpulse"},
            budget=RequestBudget(60),
            vendor="Autotask zone lookup",
            timeout=timeout,
            max_retries=1,
            transport=transport,
            sleep=sleep,
        )

    def invalidate(self) -> None:
        """Forget the cached zone."""
        self._cached = None

    async def zone(self) -> Zone:
        """The cached zone, or a fresh lookup when there is none or it is older than 12 hours."""
        if self._cached is not None and self._monotonic() - self._cached[1] < CACHE_SECONDS:
            return self._cached[0]
        found = await self._lookup()
        self._cached = (found, self._monotonic())
        return found

    # https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation (DeveloperHelp: REST API zones)
    async def _lookup(self) -> Zone:
        self.lookups += 1
        try:
            body, _, _ = await self._http.request_json("GET", self.lookup_url, params={"user": self.username})
        except ConnectorError as exc:
            if exc.status is not None and exc.status >= 500:
                raise ConnectorError(
                    f"Autotask's zone lookup does not know the API user {self.username!r} (HTTP {exc.status}); "
                    "check username",
                    permanent=True,
                    status=exc.status,
                ) from exc
            raise
        try:
            zone = AtZone.model_validate(body if isinstance(body, Mapping) else {})
        except ValidationError as exc:
            raise ConnectorError(f"Autotask's zone lookup sent no usable url for {self.username!r}") from exc
        if not zone.url.startswith(("http://", "https://")):
            raise ConnectorError(f"Autotask's zone lookup sent an unusable url {zone.url!r}")
        return Zone(api_base=api_base(zone.url), web_url=zone.webUrl, name=zone.zoneName)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()
