"""Business-hours schedules, and figures per local day and month for trend charts."""

from __future__ import annotations

from datetime import date

import pytest

from deskpulse.domain.sla import BusinessCalendar, WeeklyHours
from deskpulse.uptime import GraphHistory, Service, daily, month_period, monthly, service_availability
from uptime_support import INTERNET, OCTOBER, OCTOBER_S, H, M, at, monitoring, one, version

OFFICE = {"office": BusinessCalendar("Europe/Amsterdam", WeeklyHours.weekdays("09:00-17:00"))}
OFFICE_INTERNET = Service("acme-internet", "ACME", "Internet 100M", "cpe-acme-01", 99.9, schedule="office")


def test_a_business_hours_service_counts_only_its_opening_hours() -> None:
    data = monitoring(
        {
            "cpe-acme-01": [
                (at(6, 1), at(6, 3)),  # Tuesday night: outside hours
                (at(6, 6, 30), at(6, 7, 30)),  # 08:30-09:30 in Amsterdam: half an hour counts
            ]
        }
    )
    result = one(version(services=[OFFICE_INTERNET]), data, calendars=OFFICE)
    assert result.figures.scheduled_s == 22 * 8 * H  # 22 weekdays in October 2026
    assert result.figures.down_s == 30 * M
    night, morning = result.incidents
    assert (night.duration_s, night.counted_s) == (2 * H, 0)
    assert (morning.duration_s, morning.counted_s) == (H, 30 * M)
    assert result.allowed_down_s == pytest.approx(0.001 * 22 * 8 * H)


def test_an_unknown_schedule_is_an_error() -> None:
    with pytest.raises(ValueError, match="uses schedule office, which is not a known calendar"):
        one(version(services=[OFFICE_INTERNET]), monitoring())


def test_month_period_follows_local_midnight() -> None:
    assert month_period("2026-10", "Europe/Amsterdam") == (at(30, 22, month=9), at(31, 23))
    assert month_period("2026-12", "UTC") == (at(1, month=12), at(1, month=12).replace(year=2027, month=1))
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_period("2026-13", "UTC")


def test_daily_figures_follow_local_days_and_add_up_to_the_month() -> None:
    period = month_period("2026-10", "Europe/Amsterdam")
    data = monitoring({"cpe-acme-01": [(at(5, 21, 30), at(5, 22, 30))]})  # 23:30-00:30 local, across midnight
    result = one(version(), data, period)
    days = daily([result], "Europe/Amsterdam")
    assert [d.day for d in days] == [date(2026, 10, n) for n in range(1, 32)]
    assert days[4].figures.down_s == 30 * M and days[5].figures.down_s == 30 * M
    assert (days[4].incidents, days[5].incidents) == (1, 0)
    assert days[24].figures.scheduled_s == 25 * H  # summer time ends on 25 October
    total = days[0].figures
    for point in days[1:]:
        total += point.figures
    assert total == result.figures
    (month,) = monthly([result], "Europe/Amsterdam")
    assert month.day == date(2026, 10, 1)
    assert month.figures == result.figures
    assert month.incidents == 1


def test_trends_sum_over_services_and_stop_at_now() -> None:
    services = [INTERNET, Service("acme-tv", "ACME", "TV", "acc-sw-03", 99.0)]
    data = monitoring({"acc-sw-03": [(at(2, 10), at(2, 11))]})
    results = service_availability(GraphHistory([version(services=services)]), data, *OCTOBER, now=at(3, 12))
    days = daily(results, "UTC")
    assert [d.day for d in days] == [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)]
    assert days[1].figures.down_s == 2 * H  # one hour for each service
    assert days[1].incidents == 2
    assert days[2].figures.scheduled_s == 2 * 12 * H
    assert sum(d.figures.scheduled_s for d in days) == 2 * (2 * 86400 + 12 * H)
    assert daily([], "UTC") == []


def test_monthly_trends_span_several_months() -> None:
    result = one(version(), monitoring(), month_period("2026-09", "UTC")._replace(end=OCTOBER.end))
    points = monthly([result], "UTC")
    assert [(p.day, p.figures.up_s) for p in points] == [(date(2026, 9, 1), 30 * 86400), (date(2026, 10, 1), OCTOBER_S)]
