"""SLA policies: default targets per priority, per-client overrides and the at-risk rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from deskpulse.domain.sla import (
    DEFAULT_TARGETS,
    AtRiskRule,
    BusinessCalendar,
    ClientSla,
    SlaPolicySet,
    SlaTargets,
    TargetKind,
    WeeklyHours,
)
from deskpulse.domain.tickets import Priority

H = timedelta(hours=1)
S = timedelta(seconds=1)
OFFICE = BusinessCalendar("Europe/Amsterdam", WeeklyHours.weekdays("09:00-18:00"), holiday_country="NL")
ALWAYS = BusinessCalendar("UTC", WeeklyHours.always())


@pytest.mark.parametrize(
    ("priority", "response", "resolution"),
    [
        (Priority.URGENT, 1 * H, 4 * H),
        (Priority.HIGH, 4 * H, 8 * H),
        (Priority.MEDIUM, 8 * H, 24 * H),
        (Priority.LOW, 24 * H, 72 * H),
        (None, 8 * H, 24 * H),
    ],
)
def test_the_default_policy_targets_per_priority_and_no_priority_counts_as_medium(
    priority: Priority | None, response: timedelta, resolution: timedelta
) -> None:
    sla = SlaPolicySet(OFFICE).resolve(None, priority)
    assert sla.targets.get(TargetKind.FIRST_RESPONSE) == response
    assert sla.targets.get(TargetKind.RESOLUTION) == resolution
    assert sla.targets.get(TargetKind.NEXT_RESPONSE) is None
    assert sla.calendar is OFFICE
    assert sla.priority == (priority or Priority.MEDIUM)


def test_a_client_overrides_the_targets_of_one_priority_and_the_calendar() -> None:
    policies = SlaPolicySet(
        OFFICE,
        clients={
            "acme": ClientSla(
                targets={Priority.URGENT: SlaTargets(timedelta(minutes=30), 2 * H, next_response=H)},
                calendar=ALWAYS,
                at_risk=AtRiskRule(min_left=timedelta(minutes=10), fraction_left=0.1),
            ),
            "globex": ClientSla(calendar=ALWAYS),
        },
    )
    acme_urgent = policies.resolve("acme", Priority.URGENT)
    assert acme_urgent.targets == SlaTargets(timedelta(minutes=30), 2 * H, next_response=H)
    assert acme_urgent.calendar is ALWAYS
    assert acme_urgent.at_risk.min_left == timedelta(minutes=10)
    assert policies.resolve("acme", Priority.LOW).targets == DEFAULT_TARGETS[Priority.LOW]
    assert policies.resolve("globex", Priority.HIGH).targets == DEFAULT_TARGETS[Priority.HIGH]
    assert policies.resolve("globex", Priority.HIGH).at_risk == AtRiskRule()
    assert policies.resolve("unknown", Priority.HIGH).calendar is OFFICE
    assert policies.resolve(None, Priority.HIGH).calendar is OFFICE


@pytest.mark.parametrize(
    ("remaining", "target", "at_risk", "why"),
    [
        (60 * 60 * S, 2 * H, False, "exactly 60 minutes left is not yet at risk"),
        (60 * 60 * S - S, 2 * H, True, "one second under 60 minutes is at risk"),
        (2 * H, 8 * H, False, "exactly 25 % left is not yet at risk"),
        (2 * H - S, 8 * H, True, "one second under 25 % is at risk"),
        (5 * H, 24 * H, True, "under 25 % of a long target although hours are left"),
        (7 * H, 24 * H, False, "more than 60 minutes and more than 25 % left"),
        (-H, 8 * H, True, "overdue is under both thresholds"),
        (2 * H, None, False, "without a known target only the 60 minutes count"),
    ],
)
def test_the_default_at_risk_rule_is_under_60_minutes_or_under_a_quarter_left(
    remaining: timedelta, target: timedelta | None, at_risk: bool, why: str
) -> None:
    assert AtRiskRule().is_at_risk(remaining, target) is at_risk, why


def test_the_at_risk_thresholds_are_configurable() -> None:
    rule = AtRiskRule(min_left=timedelta(minutes=15), fraction_left=0.0)
    assert not rule.is_at_risk(timedelta(minutes=15), 8 * H)
    assert rule.is_at_risk(timedelta(minutes=15) - S, 8 * H)


@pytest.mark.parametrize(
    "build",
    [
        lambda: AtRiskRule(fraction_left=1.5),
        lambda: AtRiskRule(min_left=-H),
        lambda: SlaTargets(timedelta(0), H),
        lambda: SlaPolicySet(OFFICE, {Priority.URGENT: SlaTargets(H, H)}),
    ],
)
def test_invalid_policies_raise_a_value_error(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]
