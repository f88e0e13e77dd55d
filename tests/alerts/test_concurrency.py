"""Several workers at once: one alert per subject, every notice queued once and sent once (SQLite and, with
DESKPULSE_TEST_DATABASE_URL, PostgreSQL)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from alerts_support import T0, WEBHOOK_SECRET, Desk, alerts, desk_config, minutes, receiver
from deskpulse.alerts import lifecycle
from deskpulse.alerts.runner import deliver_due, evaluate_and_apply
from deskpulse.store.db import Database

FIRES_AT = T0 + minutes(90)


def section(url: str) -> Any:
    return alerts(
        rules=[{
            "id": "p1", "name": "P1 overdue", "severity": "critical",
            "condition": {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30},
            "actions": {"channels": ["hook"]},
            "escalation": {"levels": [{"after_minutes": 10, "channels": ["hook-2"]}]},
        }],
        channels=[
            {"type": "webhook", "name": "hook", "url": f"{url}/hook/one", "secret": WEBHOOK_SECRET},
            {"type": "webhook", "name": "hook-2", "url": f"{url}/hook/two", "secret": WEBHOOK_SECRET},
        ],
    )  # fmt: skip


def in_parallel(*jobs: Callable[[], Any]) -> list[Any]:
    """Run each job in its own thread (its own event loop), all at once; re-raise the first failure."""
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = jobs[index]()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def meet_at(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, parties: int = 2) -> None:
    """Make every caller of ``module.name`` wait for the others first, so both workers have read the store
    before either writes: the race happens every time instead of now and then."""
    original = getattr(module, name)
    barrier = threading.Barrier(parties, timeout=20)

    def waiting(*args: Any, **kwargs: Any) -> Any:
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, waiting)


def test_two_workers_evaluating_at_once_open_one_alert_and_queue_one_notice(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = desk_config()
    desk = Desk(db, config)
    desk.add("1", at=T0)
    rules = section("http://127.0.0.1:9")
    meet_at(monkeypatch, lifecycle, "silence_for")
    job = lambda: asyncio.run(evaluate_and_apply(db, config, FIRES_AT, alerts=rules))  # noqa: E731
    first, second = in_parallel(job, job)
    assert len(desk.alerts()) == 1
    assert sorted([len(first.fired), len(second.fired)]) == [0, 1], "exactly one worker opened it"
    assert desk.outbox() == [("fired", "hook", 1, "pending")]
    assert desk.events() == ["fired"]


def test_two_workers_escalating_at_once_send_the_level_2_notice_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = desk_config()
    desk = Desk(db, config)
    desk.add("1", at=T0)
    rules = section("http://127.0.0.1:9")
    asyncio.run(evaluate_and_apply(db, config, FIRES_AT, alerts=rules))
    meet_at(monkeypatch, lifecycle, "_due_level")
    job = lambda: asyncio.run(evaluate_and_apply(db, config, FIRES_AT + minutes(10), alerts=rules))  # noqa: E731
    in_parallel(job, job)
    assert desk.alerts()[0].level == 2
    assert desk.outbox() == [("fired", "hook", 1, "pending"), ("escalated", "hook-2", 2, "pending")]
    assert desk.events() == ["fired", "escalated"]


def test_two_workers_delivering_at_once_send_each_notice_once(db: Database) -> None:
    config = desk_config()
    desk = Desk(db, config)
    for ext in ("1", "2", "3"):
        desk.add(ext, at=T0)
    with receiver() as http:
        rules = section(http.server.url)
        asyncio.run(evaluate_and_apply(db, config, FIRES_AT, alerts=rules))
        job = lambda: asyncio.run(deliver_due(db, config, FIRES_AT, alerts=rules))  # noqa: E731
        reports = in_parallel(job, job, job)
    assert sum(r.sent for r in reports) == 3
    assert sorted(r.json()["alert"]["subject"] for r in http.at("/hook/one")) == [
        "ticket:desk:1", "ticket:desk:2", "ticket:desk:3",
    ]  # fmt: skip
    assert [d.attempt for d in desk.deliveries()] == [1, 1, 1]


async def test_evaluating_and_delivering_twice_never_sends_twice(db: Database) -> None:
    config = desk_config()
    desk = Desk(db, config)
    desk.add("1", at=T0)
    with receiver() as http:
        rules = section(http.server.url)
        for _ in range(2):
            await evaluate_and_apply(db, config, FIRES_AT, alerts=rules)
            await deliver_due(db, config, FIRES_AT, alerts=rules)
        await evaluate_and_apply(db, config, FIRES_AT + minutes(1), alerts=rules)
        await deliver_due(db, config, FIRES_AT + minutes(1), alerts=rules)
    assert len(http.at("/hook/one")) == 1 and desk.outbox() == [("fired", "hook", 1, "sent")]
