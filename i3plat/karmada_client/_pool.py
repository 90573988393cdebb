"""A connection pool split into shards, because httpcore's pool costs O(connections²) per request.

httpcore 1.0's `_assign_requests_to_connections` runs on every request and every response close,
and for each idle connection counts all the others again. With one pool of ~100 keep-alive
connections to the Karmada API server (the poller keeps 64 requests in flight), that bookkeeping
took three quarters of the poller's CPU. Several small pools behind one transport keep the same
total number of connections at a fraction of the cost. A request goes to the shard with the fewest
requests in flight (counted until its response is closed), so no shard queues while another is free.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import httpx

__all__ = ["ShardedTransport"]


class _ReleasingStream(httpx.SyncByteStream):
    """The inner response stream; closing it (once) marks the request done for its shard."""

    def __init__(self, inner: httpx.SyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class ShardedTransport(httpx.BaseTransport):
    """`shards` transports made by `factory`, used least-busy first; thread-safe."""

    def __init__(self, factory: Callable[[], httpx.BaseTransport], shards: int) -> None:
        if shards < 1:
            raise ValueError(f"shards must be at least 1, got {shards}")
        self._shards = [factory() for _ in range(shards)]
        self._in_flight = [0] * shards
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> tuple[int, ...]:
        with self._lock:
            return tuple(self._in_flight)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            index = min(range(len(self._shards)), key=self._in_flight.__getitem__)
            self._in_flight[index] += 1
        release = self._releaser(index)
        try:
            response = self._shards[index].handle_request(request)
        except BaseException:
            release()
            raise
        if isinstance(response.stream, httpx.SyncByteStream):
            response.stream = _ReleasingStream(response.stream, release)
        else:  # a body already in memory: nothing stays in flight
            release()
        return response

    def _releaser(self, index: int) -> Callable[[], None]:
        def release() -> None:
            with self._lock:
                self._in_flight[index] -= 1

        return release

    def close(self) -> None:
        for shard in self._shards:
            shard.close()
