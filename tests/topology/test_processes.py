"""Production topology, for real: a Trengo simulator, two web processes (one with two uvicorn workers) and two sync
workers, each its own OS process, sharing a fresh PostgreSQL database and one Redis database.

Every process starts at once on an empty database (they take turns to migrate it). The tests run in file order
against this one deployment (a module fixture), each leaving it usable for the next: the second kills a worker
(while the web processes finish starting), the fourth stops the web processes, the last the remaining worker.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from deskpulse.store.tables import SourceRow
from sse_support import Sse, SseReader
from topology_support import POLL_SECONDS, Child, Deployment, fresh_database, services_or_skip, wait_until

pytestmark = pytest.mark.topology


@dataclass
class Running:
    """The deployment once the workers have synced both sources (the web processes may still be starting)."""

    dep: Deployment
    creating_key: subprocess.Popen[str]
    webs: list[tuple[Child, str]]
    workers: list[Child]
    _key: str = ""

    def web_ready(self) -> None:
        """Wait until both web processes answer."""
        for child, base in self.webs:
            self.dep.wait_http(f"{base}/healthz", child)

    def stream(self, url: str) -> SseReader:
        if not self._key:
            self._key = self.dep.api_key(self.creating_key)
        return SseReader(f"{url}/api/stream?topics=tickets,sources", {"X-API-Key": self._key})


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    server = services_or_skip()
    with fresh_database(server) as url:
        dep = Deployment(tmp_path_factory.mktemp("topology"), url)
        try:
            sim = dep.start_simulator()
            workers = [dep.start_worker("worker-1"), dep.start_worker("worker-2")]
            webs = [dep.start_web("web-1", "--workers", "2"), dep.start_web("web-2")]
            creating_key = dep.create_api_key()
            dep.wait_http(f"{dep.sim_url}/_sim/state", sim)
            for source in dep.sources:
                wait_until(f"a first cycle of {source}", lambda s=source: dep.has_synced(s), 60, 0.5)
            yield Running(dep, creating_key, webs, workers)
        finally:
            print(dep.logs())
            dep.stop_all()


@dataclass
class Collector:
    """Reads one stream in a thread and keeps every event (so two streams can be followed at once)."""

    reader: SseReader
    events: list[Sse] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Collector:
        self.reader.__enter__()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self.stop.is_set() and (event := self.reader.next(timeout=60)) is not None:
                self.events.append(event)
        except Exception:  # the stream was closed under us at the end of the test
            return

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=15)
        self.reader.__exit__(*exc)

    def synced(self, source: str) -> list[Sse]:
        return [e for e in list(self.events) if e.event == "sources" and e.data.get("source") == source]

    def changes(self, source: str, ticket: str) -> list[Sse]:
        return [
            e
            for e in list(self.events)
            if e.event == "tickets" and e.data.get("source") == source and ticket in e.data.get("ids", [])
        ]


def test_each_source_is_polled_by_one_worker_at_a_time_once_per_interval(running: Running) -> None:
    def cycles_of(source: str) -> list[tuple[float, float, str]]:
        found = [(c.start, c.end, c.worker) for w in running.workers for c in w.cycles() if c.source == source]
        return sorted(found)

    for source in running.dep.sources:
        cycles = wait_until(f"four cycles of {source}", lambda s=source: len(c := cycles_of(s)) >= 4 and c, 40)
        for (start, end, worker), (next_start, _, next_worker) in itertools.pairwise(cycles):
            # The log has the end to the millisecond and the duration to a tenth of a second.
            assert next_start >= end - 0.2, f"{source}: {next_worker} started while {worker} was still polling"
            assert next_start - start >= POLL_SECONDS - 0.3, f"{source} was polled twice in one interval"


def test_a_worker_killed_mid_cycle_leaves_no_partial_data_and_the_other_takes_over_after_its_lease(
    running: Running,
) -> None:
    dep, source = running.dep, running.dep.sources[0]

    def between_cycles() -> SourceRow | None:
        # No cycle running, and the next one (nobody may start it earlier) at least 1.5 s away: time to set the stage.
        row = dep.source_row(source)
        due = row.next_run_at.timestamp() if row.next_run_at is not None else 0.0
        return row if row.lease_owner is None and due - time.time() > 1.5 else None

    fresh = wait_until("a pause between two cycles", between_cycles, 15, every=0.05)
    before = dep.active_ids(source)
    closed = dep.close_tickets(3)
    after = before - set(closed)
    assert len(after) == len(before) - 3
    dep.slow_down(2.0)  # every vendor request now takes 2 s more: the next cycle is slow
    leased = wait_until("the slow cycle's lease", lambda: (r := dep.source_row(source)).lease_owner and r, 15)
    assert leased.lease_owner is not None and leased.lease_expires_at is not None
    victim = dep.worker_by_pid(int(leased.lease_owner.rsplit(":", 1)[1]))
    survivor = next(w for w in running.workers if w is not victim)
    time.sleep(3.0)  # the first page has been answered, the next request is in flight
    assert dep.source_row(source).last_ok_at == fresh.last_ok_at, "the slow cycle should still be fetching"
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(timeout=10)
    killed_at = time.time()
    dep.heal()

    expires = leased.lease_expires_at.timestamp()
    samples: list[tuple[float, frozenset[str]]] = []

    def taken_over() -> bool:
        samples.append((time.time(), dep.active_ids(source)))
        return samples[-1][1] == after and dep.source_row(source).last_ok_at != fresh.last_ok_at

    wait_until("the other worker's takeover", taken_over, expires - time.time() + 20, every=0.2)
    assert {ids for _, ids in samples} <= {before, after}, "the store showed a half-written cycle"
    assert all(ids == before for at, ids in samples if at < expires), "nothing may sync it while the lease holds"
    takeover = [c for c in survivor.cycles() if c.source == source and c.end > killed_at]
    assert takeover, "the surviving worker ran the next cycle"
    assert takeover[0].start >= expires - 0.5, "not before the dead worker's lease ran out"
    assert dep.source_row(source).lease_owner is None


def test_a_change_at_the_vendor_reaches_a_stream_on_each_web_process_exactly_once(running: Running) -> None:
    dep = running.dep
    running.web_ready()
    with Collector(running.stream(running.webs[0][1])) as one, Collector(running.stream(running.webs[1][1])) as two:
        # Both web processes relay Redis: each hears a cycle of every source before the change is made.
        for stream in (one, two):
            for source in dep.sources:
                wait_until(f"a cycle of {source} on a stream", lambda st=stream, s=source: st.synced(s), 20)
        [ticket] = dep.close_tickets(1)

        def settled() -> bool:
            # The change has arrived, and the cycle after it has ended (a second delivery would be in by then).
            for stream in (one, two):
                for source in dep.sources:
                    change = stream.changes(source, ticket)
                    if not change or not [e for e in stream.synced(source) if int(e.id or 0) > int(change[0].id or 0)]:
                        return False
            return True

        wait_until("the change on both streams, and one more cycle", settled, 30)
        time.sleep(1.0)
        for source in dep.sources:
            first, second = one.changes(source, ticket), two.changes(source, ticket)
            assert len(first) == 1 and len(second) == 1, (source, first, second)
            assert first[0].id == second[0].id, "both processes deliver the event under the same id"
            assert first[0].data["cause"] == "sync"


def test_sigterm_ends_a_web_process_streams_with_bye_and_it_exits_0(running: Running) -> None:
    running.web_ready()
    readers = [running.stream(url) for _, url in running.webs]
    for reader in readers:
        reader.__enter__()
    try:
        started = time.monotonic()
        for child, _ in running.webs:
            child.process.send_signal(signal.SIGTERM)
        for reader in readers:
            while (event := reader.next(timeout=10)) is not None and event.event != "bye":
                pass
            assert event is not None and event.event == "bye", "the stream ended without a polite goodbye"
        for child, _ in running.webs:
            assert child.process.wait(timeout=15) == 0, child.log()[-2000:]
        assert time.monotonic() - started < 5.0
    finally:
        for reader in readers:
            reader.__exit__(None, None, None)


def test_sigterm_lets_a_worker_commit_its_cycle_and_release_its_leases(running: Running) -> None:
    dep = running.dep
    alive = {w.pid: w for w in running.workers if w.process.poll() is None}
    dep.slow_down(0.7)

    def held() -> tuple[str, str] | None:
        for source in dep.sources:
            owner = dep.source_row(source).lease_owner
            if owner is not None and int(owner.rsplit(":", 1)[1]) in alive:
                return source, owner
        return None

    source, owner = wait_until("a cycle under way", held, 15, every=0.05)
    worker = alive[int(owner.rsplit(":", 1)[1])]
    signalled = time.time()
    worker.process.send_signal(signal.SIGTERM)
    assert worker.process.wait(timeout=40) == 0, worker.log()[-2000:]
    dep.heal()
    assert [c for c in worker.cycles() if c.source == source and c.end > signalled], "the cycle was committed"
    assert all(dep.source_row(s).lease_owner != owner for s in dep.sources), "its leases were released"
