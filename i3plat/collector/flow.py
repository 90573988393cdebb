"""Flow control for upstream requests: token buckets per site and single-flight calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class TokenBucket:
    """`rate` requests per second on average, bursts up to `burst`; thread-safe."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._updated = clock()
        self._lock = threading.Lock()

    def try_take(self) -> float:
        """Take a token: 0.0 when granted, else the seconds until one will be available."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate

    def take(self, stop: threading.Event | None = None) -> None:
        """Block until a token is granted (or `stop` is set)."""
        while True:
            wait = self.try_take()
            if wait == 0.0:
                return
            if stop is not None:
                if stop.wait(wait):
                    return
            else:
                time.sleep(wait)


class SiteBuckets:
    """One TokenBucket per site, made on first use: each site gets its own budget."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def __call__(self, site: str) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(site)
            if bucket is None:
                bucket = self._buckets[site] = TokenBucket(self.rate, self.burst)
            return bucket


class SingleFlight(Generic[T]):
    """Concurrent calls with the same key share one execution and its result (or exception)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[T]] = {}
        self.joined = 0
        """How many calls were answered by another call's flight (upstream requests saved)."""

    def do(self, key: str, work: Callable[[], T]) -> T:
        with self._lock:
            future = self._inflight.get(key)
            leader = future is None
            if leader:
                future = Future()
                self._inflight[key] = future
            else:
                self.joined += 1
        assert future is not None
        if not leader:
            return future.result()
        try:
            result = work()
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(result)
            return result
        finally:
            with self._lock:
                self._inflight.pop(key, None)
