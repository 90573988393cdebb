"""Pure pieces of the collector: token buckets, single flight, window merging, backoff, the lease."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from i3plat.collector.flow import SingleFlight, TokenBucket
from i3plat.collector.lease import PollerLease
from i3plat.collector.merge import incremental_start, merge_series
from i3plat.collector.records import SeriesRecord
from tests.support.clock import Clock


def test_token_bucket_bursts_then_refills() -> None:
    clock = Clock(100.0)
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    assert [bucket.try_take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.try_take() == pytest.approx(0.5)
    clock.now += 0.5
    assert bucket.try_take() == 0.0


def test_single_flight_shares_one_call() -> None:
    flights: SingleFlight[int] = SingleFlight()
    calls = 0
    release = threading.Event()
    started = threading.Event()

    def work() -> int:
        nonlocal calls
        calls += 1
        started.set()
        release.wait(5)
        return 42

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(flights.do("k", work))) for _ in range(20)]
    threads[0].start()
    started.wait(5)
    for t in threads[1:]:
        t.start()
    deadline = time.monotonic() + 5
    while flights.joined < 19:  # every follower has joined the leader's flight
        assert time.monotonic() < deadline
        time.sleep(0.01)
    release.set()
    for t in threads:
        t.join(5)
    assert results == [42] * 20
    assert calls == 1
    assert flights.do("k", lambda: 7) == 7  # a later call runs again


def test_single_flight_propagates_errors() -> None:
    flights: SingleFlight[int] = SingleFlight()
    with pytest.raises(ValueError):
        flights.do("k", lambda: (_ for _ in ()).throw(ValueError("boom")))
    assert flights.do("k", lambda: 1) == 1


def s(labels: dict[str, str], points: list[tuple[float, float]]) -> SeriesRecord:
    return SeriesRecord(labels, [p[0] for p in points], [p[1] for p in points])


def test_incremental_start() -> None:
    assert incremental_start(None, 1000, 15) == 1000
    assert incremental_start(4600, 1000, 15) == 4570
    assert incremental_start(900, 1000, 15) == 1000
    assert incremental_start(1010, 1000, 15) == 1000


def test_merge_replaces_overlap_appends_and_trims() -> None:
    old = [s({"node": "a"}, [(0, 1), (15, 2), (30, 3), (45, 4)]), s({"node": "gone"}, [(15, 9), (30, 9)])]
    new = [s({"node": "a"}, [(30, 30), (45, 40), (60, 50)]), s({"node": "b"}, [(45, 7), (60, 8)])]
    merged = {
        m.labels["node"]: list(zip(m.timestamps, m.values, strict=True))
        for m in merge_series(old, new, 15, 30)
    }
    assert merged["a"] == [(15, 2), (30, 30), (45, 40), (60, 50)]
    assert merged["b"] == [(45, 7), (60, 8)]
    assert merged["gone"] == [(15, 9)]  # kept until it ages out; points from the refetched span are not


def test_lease_single_holder_and_takeover(tmp_path: Path) -> None:
    first = PollerLease(tmp_path, ttl=0.5, owner="a")
    second = PollerLease(tmp_path, ttl=0.5, owner="b")
    assert first.try_acquire()
    assert not second.try_acquire()
    assert first.try_acquire()  # renewal
    assert second.holder() == "a"
    deadline = time.monotonic() + 5
    while not second.try_acquire():  # a never renews again: it "died"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert first.holder() == "b" and not first.try_acquire()
    second.release()
    assert first.try_acquire()


def test_backoff_grows_with_jitter_to_a_cap() -> None:
    from i3plat.collector.poller import backoff_delay

    rng = random.Random(1)
    delays = [backoff_delay(n, 15, 300, rng) for n in range(1, 10)]
    assert 7.5 <= delays[0] <= 15
    assert 15 <= delays[1] <= 30
    assert all(150 <= d <= 300 for d in delays[5:])
