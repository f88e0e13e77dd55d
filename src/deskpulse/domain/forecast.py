"""Backlog forecast: damped-trend Holt smoothing of the daily backlog, with its back-tested error beside it.

Method (stated on the trends page and in docs/metrics.md):

* the series is the open backlog at the end of each local day;
* level and trend are smoothed with Holt's linear method; the trend is damped (``phi``) so a recent slope is
  not extended for ever; ``alpha`` and ``beta`` are picked from a small grid by the lowest sum of squared
  one-step-ahead errors on the history itself;
* the error is measured by back-testing: from each of the last ``weeks`` weekly origins, fit on the days before
  the origin only, forecast ``horizon`` days and compare with what happened. MAPE is the mean of
  ``|actual - forecast| / actual`` over those points (days with a zero backlog are skipped, as a percentage
  error is undefined there). With too little history there is no forecast and the reason says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

ALPHAS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
BETAS = (0.01, 0.05, 0.1, 0.2, 0.3)
PHI = 0.9
MIN_FIT_DAYS = 14
METHOD = "Holt's linear smoothing with a damped trend (phi 0.9), fitted by one-step squared error"


@dataclass(frozen=True, slots=True)
class Fit:
    """Smoothing parameters and the final level and trend."""

    alpha: float
    beta: float
    level: float
    trend: float
    sse: float

    def ahead(self, steps: int) -> float:
        """The forecast ``steps`` days after the last fitted day (never below zero)."""
        damped = sum(PHI**i for i in range(1, steps + 1))
        return max(0.0, self.level + damped * self.trend)


def fit(values: Sequence[float]) -> Fit:
    """The best (alpha, beta) on the grid for ``values`` (at least two points)."""
    if len(values) < 2:
        raise ValueError("a fit needs at least two days")
    best: Fit | None = None
    for alpha in ALPHAS:
        for beta in BETAS:
            level, trend, sse = values[0], values[1] - values[0], 0.0
            for value in values[1:]:
                predicted = level + PHI * trend
                sse += (value - predicted) ** 2
                new_level = alpha * value + (1 - alpha) * predicted
                trend = beta * (new_level - level) + (1 - beta) * PHI * trend
                level = new_level
            if best is None or sse < best.sse:
                best = Fit(alpha, beta, level, trend, sse)
    assert best is not None
    return best


@dataclass(frozen=True, slots=True)
class Backtest:
    """MAPE (percent) over ``points`` forecast/actual pairs from ``origins`` weekly origins; None with a reason."""

    mape: float | None
    points: int
    origins: int
    reason: str | None = None


def backtest(values: Sequence[float], *, horizon: int = 14, weeks: int = 8) -> Backtest:
    """Fit on the days before each of the last ``weeks`` weekly origins and score the next ``horizon`` days."""
    errors: list[float] = []
    origins = 0
    n = len(values)
    for k in range(weeks):
        # The newest origin leaves at least one actual day after it; older ones step back a week each.
        origin = n - 1 - 7 * k
        if origin < MIN_FIT_DAYS:
            break
        model = fit(values[:origin])
        origins += 1
        for step in range(1, horizon + 1):
            index = origin + step - 1
            if index >= n:
                break
            actual = values[index]
            if actual > 0:
                errors.append(abs(actual - model.ahead(step)) / actual)
    if not errors:
        reason = f"back-testing needs more than {MIN_FIT_DAYS} days of history (have {n})"
        return Backtest(None, 0, origins, reason)
    return Backtest(round(100 * sum(errors) / len(errors), 1), len(errors), origins)


@dataclass(frozen=True, slots=True)
class Forecast:
    """Daily forecast points after ``last_day``, the method, and the back-tested error (or why there is none)."""

    points: list[tuple[date, float]]
    method: str
    backtest: Backtest
    reason: str | None = None


def forecast_backlog(days: Sequence[tuple[date, float]], *, horizon: int = 14, weeks: int = 8) -> Forecast:
    """Forecast ``horizon`` days after the last of ``days`` (consecutive local days, oldest first)."""
    values = [v for _, v in days]
    tested = backtest(values, horizon=horizon, weeks=weeks)
    if len(values) < MIN_FIT_DAYS:
        reason = f"a forecast needs at least {MIN_FIT_DAYS} days of backlog history (have {len(values)})"
        return Forecast([], METHOD, tested, reason)
    model = fit(values)
    last = days[-1][0]
    points = [(last + timedelta(days=step), round(model.ahead(step), 1)) for step in range(1, horizon + 1)]
    return Forecast(points, METHOD, tested)
