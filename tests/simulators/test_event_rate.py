"""``event_rate`` (``deskpulse demo --event-rate``) makes a simulated desk change that many times as often, from
the same starting desk: the soak test runs the demo's desks 50 times as fast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from deskpulse.simulators.autotask_scenario import AutotaskScenario
from deskpulse.simulators.freshservice_scenario import FreshserviceScenario
from deskpulse.simulators.trengo_scenario import TrengoScenario

TUESDAY_MORNING = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
SCENARIOS: dict[str, Callable[..., Any]] = {
    "trengo": lambda **kw: TrengoScenario(7, open_tickets=60, history_days=2, closed_per_day=40, **kw),
    "freshservice": lambda **kw: FreshserviceScenario(7, active_tickets=60, history_days=2, resolved_per_day=40, **kw),
    "autotask": lambda **kw: AutotaskScenario(7, active_tickets=60, history_days=2, completed_per_day=40, **kw),
}


def _tickets(scenario: Any) -> dict[int, Any]:
    return dict(scenario.tickets)


@pytest.mark.parametrize("vendor", sorted(SCENARIOS))
def test_a_faster_desk_starts_the_same_and_changes_many_times_as_often(vendor: str) -> None:
    usual = SCENARIOS[vendor](now=TUESDAY_MORNING)
    fast = SCENARIOS[vendor](now=TUESDAY_MORNING, event_rate=20)
    assert _tickets(fast) == _tickets(usual), "the starting desk and its history do not depend on the rate"
    start = (usual.version, fast.version)
    for scenario in (usual, fast):
        scenario.advance(TUESDAY_MORNING + timedelta(hours=1))
    changes_usual, changes_fast = usual.version - start[0], fast.version - start[1]
    assert changes_usual > 0
    assert changes_fast > 8 * changes_usual, (changes_usual, changes_fast)
