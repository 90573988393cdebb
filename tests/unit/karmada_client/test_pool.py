"""`ShardedTransport`: least-busy shard first; a request counts until its response is closed."""

from __future__ import annotations

import httpx
import pytest

from i3plat.karmada_client._pool import ShardedTransport


class Recording(httpx.MockTransport):
    def __init__(self, name: str, log: list[str], fail: bool = False) -> None:
        def answer(request: httpx.Request) -> httpx.Response:
            log.append(name)
            if fail:
                raise httpx.ConnectError("refused", request=request)
            return httpx.Response(200, stream=httpx.ByteStream(b"ok"))

        super().__init__(answer)


def sharded(count: int, log: list[str], failing: int | None = None) -> ShardedTransport:
    names = iter(range(count))

    def make() -> httpx.BaseTransport:
        index = next(names)
        return Recording(f"shard-{index}", log, fail=index == failing)

    return ShardedTransport(make, count)


def test_open_responses_steer_new_requests_to_idle_shards() -> None:
    log: list[str] = []
    transport = sharded(3, log)
    with httpx.Client(transport=transport) as client:
        opened = [client.send(client.build_request("GET", "https://k/x"), stream=True) for _ in range(3)]
        assert sorted(log) == ["shard-0", "shard-1", "shard-2"]
        assert transport.in_flight == (1, 1, 1)
        opened[1].close()
        opened[1].close()  # a second close releases nothing more
        assert transport.in_flight == (1, 0, 1)
        client.get("https://k/y")
        assert log[-1] == "shard-1"
        assert transport.in_flight == (1, 0, 1), "a read response is closed, so it no longer counts"
        for response in opened:
            response.close()
    assert transport.in_flight == (0, 0, 0)


def test_a_failed_request_does_not_stay_in_flight() -> None:
    log: list[str] = []
    transport = sharded(2, log, failing=0)
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.get("https://k/x")
    assert log == ["shard-0"] and transport.in_flight == (0, 0)


def test_at_least_one_shard() -> None:
    with pytest.raises(ValueError, match="shards"):
        ShardedTransport(lambda: httpx.MockTransport(lambda r: httpx.Response(200)), 0)
