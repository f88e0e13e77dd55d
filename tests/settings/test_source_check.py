"""The connection test calls the vendor through the real connector and explains a failure in one sentence."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest

from deskpulse.config import AnySource, SourceConfig
from deskpulse.connectors.freshservice.settings import FreshserviceSettings
from deskpulse.connectors.librenms.settings import LibreNmsSettings
from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.freshservice import FreshserviceScenario
from deskpulse.simulators.freshservice import create_app as freshservice_app
from deskpulse.simulators.trengo import create_app as trengo_app
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.source_check import CheckOutcome, check_source, for_test
from support import RecordingSleep

FS_BASE = "http://fs.test/api/v2"


def run(cfg: AnySource, app: Any = None, transport: Any = None) -> CheckOutcome:
    sent = transport or httpx2.ASGITransport(app=app)
    return asyncio.run(check_source(for_test(cfg), transport=sent, sleep=RecordingSleep()))


def freshservice(**overrides: Any) -> FreshserviceSettings:
    return FreshserviceSettings(**{"name": "fs", "base_url": FS_BASE, "api_key": "sim-fs-key"} | overrides)


@pytest.fixture(scope="module")
def fs_app() -> Any:
    return freshservice_app(FreshserviceScenario(seed=3, active_tickets=5, requesters=5), plan="enterprise")


def test_good_credentials_say_what_was_found(fs_app: Any) -> None:
    outcome = run(freshservice(), fs_app)
    assert outcome.ok and "API key accepted" in outcome.message


def test_a_refused_freshservice_key_says_where_to_find_the_key(fs_app: Any) -> None:
    outcome = run(freshservice(api_key="wrong-key"), fs_app)
    assert outcome == CheckOutcome(
        False, "Freshservice refused the API key (401): check the key under Profile settings."
    )


def test_a_refused_trengo_token_names_the_token() -> None:
    app = trengo_app(TrengoScenario(seed=1, open_tickets=3))
    cfg = SourceConfig(name="tr", kind="trengo", base_url="http://trengo.test/api/v2", token="nope")
    outcome = run(cfg, app)
    assert not outcome.ok and outcome.message.startswith("Trengo refused the personal access token (401)")


def test_a_wrong_base_url_is_a_404_with_the_expected_shape(fs_app: Any) -> None:
    outcome = run(freshservice(base_url="http://fs.test/api/v1"), fs_app)
    assert not outcome.ok
    assert outcome.message == (
        "Freshservice has no API at http://fs.test/api/v1 (404): check the base URL; it should look like "
        "https://<domain>.freshservice.com/api/v2."
    )


def test_rate_limiting_is_reported_at_once_instead_of_waiting() -> None:
    app = freshservice_app(FreshserviceScenario(seed=3, active_tickets=5, requesters=5), plan="enterprise")
    app.state.faults.set(FaultPlan(mode="rate_limit", retry_after=60))
    outcome = run(freshservice(), app)
    assert not outcome.ok and outcome.message.startswith("Freshservice is rate-limiting this key right now (429)")


def _failing(message: str) -> httpx2.MockTransport:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError(message, request=request)

    return httpx2.MockTransport(handler)


def test_a_host_that_does_not_exist_is_reported_as_dns() -> None:
    cfg = freshservice(base_url="https://acme.freshservic.com/api/v2")
    outcome = run(cfg, transport=_failing("[Errno -2] Name or service not known"))
    assert outcome.message == (
        "The host name in https://acme.freshservic.com/api/v2 could not be found (DNS): check the spelling of the "
        "base URL."
    )


def test_a_refused_certificate_is_reported_as_tls() -> None:
    cfg = LibreNmsSettings(name="nms", base_url="https://nms.example.net/api/v0", token="t")
    outcome = run(cfg, transport=_failing("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))
    assert outcome.message.startswith("The TLS certificate of https://nms.example.net/api/v0 was not accepted")


def test_a_closed_port_is_reported_as_connection_refused() -> None:
    outcome = run(freshservice(), transport=_failing("[Errno 111] Connection refused"))
    assert outcome.message.startswith(f"Nothing answers at {FS_BASE} (connection refused)")


def test_the_test_copy_has_no_retries_and_a_short_timeout() -> None:
    tested = for_test(freshservice(max_retries=6, timeout_seconds=60))
    assert isinstance(tested, FreshserviceSettings)
    assert (tested.max_retries, tested.timeout_seconds, tested.api_key) == (0, 15.0, "sim-fs-key")


def test_a_sync_error_kept_in_the_store_is_explained_like_a_connection_test() -> None:
    from deskpulse.source_check import explain_stored

    cfg = freshservice()
    refused = explain_stored(cfg, "Freshservice rejected the credentials (HTTP 401): Invalid credentials")
    assert refused == "Freshservice refused the API key (401): check the key under Profile settings."
    lost = explain_stored(cfg, f"cannot reach Freshservice at {FS_BASE}/tickets: [Errno -2] Name or service not known")
    assert lost == f"The host name in {FS_BASE} could not be found (DNS): check the spelling of the base URL."
    slow = explain_stored(cfg, f"Freshservice did not answer within 20 s ({FS_BASE}/tickets)")
    assert slow == f"Freshservice did not answer within 20 seconds at {FS_BASE}: try again later."
    bug = explain_stored(cfg, "internal error: KeyError: 'requester_id'")
    assert "KeyError" not in bug and "server log" in bug
