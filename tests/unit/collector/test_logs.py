"""collector.logs: typed answers, caps, follow cursors, cache + single flight + rate limit."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from i3plat.collector.access import SiteAccess
from i3plat.collector.logs import (
    FOLLOW_WINDOWS,
    MAX_LINE_CHARS,
    FollowCursor,
    LogLine,
    PodLogs,
    advance,
    cap_lines,
    cursor_from_plain,
    cursor_to_plain,
    follow_window,
    new_since,
    parse_log_line,
    parse_log_text,
)
from i3plat.collector.ondemand import OnDemandRateLimited
from i3plat.collector.store import SnapshotStore
from i3plat.karmada_client import ClientConfig, InvalidName, KarmadaClient
from i3plat.settings import Settings

KARMADA = "https://karmada.test:5443"
PROXY = "/apis/cluster.karmada.io/v1alpha1/clusters/fab-a/proxy"
T0 = 1_700_000_000


def stamp(seconds: float, nanos: int = 0) -> str:
    from datetime import UTC, datetime

    base = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{nanos:09d}Z".replace(".000000000Z", "Z")


def pod_json(name: str, containers: list[str]) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "adc"},
        "spec": {"nodeName": "n1", "containers": [{"name": c, "image": "x"} for c in containers]},
        "status": {"phase": "Running"},
    }


class Site:
    """A fake member behind the cluster proxy that counts requests."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.log_body = "".join(f"{stamp(T0 + i)} line {i}\n" for i in range(10))
        self.fail_with: int | None = None
        self.gate: threading.Event | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail_with is not None:
            status = {"kind": "Status", "status": "Failure", "message": "nope", "code": self.fail_with}
            if self.fail_with == 403:
                status["reason"] = "Forbidden"
            return httpx.Response(self.fail_with, json=status)
        path = request.url.path
        if path == PROXY + "/api/v1/namespaces":
            items = [{"metadata": {"name": n}} for n in ("kube-system", "adc")]
            return httpx.Response(200, json={"kind": "NamespaceList", "items": items})
        if path == PROXY + "/api/v1/namespaces/adc/pods":
            items = [pod_json("b-pod", ["main", "sidecar"]), pod_json("a-pod", ["only"])]
            return httpx.Response(200, json={"kind": "PodList", "items": items})
        if path.endswith("/log"):
            return httpx.Response(200, text=self.log_body, headers={"Content-Type": "text/plain"})
        return httpx.Response(404, json={"kind": "Status", "code": 404, "reason": "NotFound"})

    def logs_asked(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith("/log")]


@pytest.fixture
def site() -> Site:
    return Site()


@pytest.fixture
def make_logs(tmp_path: Path, site: Site) -> Callable[..., PodLogs]:
    def factory(**kw: Any) -> PodLogs:
        settings = Settings(data_dir=tmp_path)
        client = KarmadaClient(ClientConfig(server=KARMADA, token="t"), transport=httpx.MockTransport(site))
        return PodLogs(SiteAccess(settings, lambda: client), SnapshotStore(tmp_path / "cache"), **kw)

    return factory


def test_parse_timestamped_lines_to_nanoseconds() -> None:
    line = parse_log_line(f"{stamp(T0, 120)} hello world")
    assert line == LogLine(T0 * 1_000_000_000 + 120, "hello world")
    assert parse_log_line("2023-11-14T22:13:20.5+01:00 x").ts_ns == (T0 - 3600) * 10**9 + 500_000_000
    assert parse_log_line("no stamp here") == LogLine(None, "no stamp here")
    assert [x.text for x in parse_log_text("a\nb\n")] == ["a", "b"]


def test_caps_keep_the_newest_lines_and_cut_runaway_lines() -> None:
    lines = [LogLine(i, f"l{i}") for i in range(10)]
    kept, dropped, cut = cap_lines(lines, 4, 1 << 20)
    assert [x.ts_ns for x in kept] == [6, 7, 8, 9] and dropped and cut == 0
    kept, dropped, _ = cap_lines(lines, 100, 9)  # each line is 3 bytes with its newline
    assert [x.text for x in kept] == ["l7", "l8", "l9"] and dropped
    kept, dropped, cut = cap_lines([LogLine(1, "x" * (MAX_LINE_CHARS + 5))], 10, 1 << 20)
    assert cut == 1 and not dropped and kept[0].text.endswith(" …")


def test_follow_cursor_dedupes_lines_at_the_same_instant() -> None:
    lines = [LogLine(1, "a"), LogLine(2, "b"), LogLine(2, "c")]
    cursor = advance(None, lines)
    assert cursor == FollowCursor(2, ["b", "c"])
    again = [*lines, LogLine(2, "d"), LogLine(3, "e"), LogLine(None, "junk")]
    fresh = new_since(again, cursor)
    assert [x.text for x in fresh] == ["d", "e"]
    assert advance(cursor, fresh) == FollowCursor(3, ["e"])
    assert advance(cursor, []) is cursor


def _through_the_browser(plain: Any) -> Any:
    """What a dcc.Store gives back: JSON numbers become doubles (as in JavaScript)."""
    return json.loads(json.dumps(plain), parse_int=float)


def test_follow_cursor_survives_the_browser_without_repeating_the_newest_line() -> None:
    # Nanosecond kubelet timestamps (~1.8e18) are above 2**53: as a JSON number the cursor came
    # back from the browser up to 128 ns early, so the newest line shown was "new" again.
    newest = 1_796_000_000 * 10**9 + 123_456_789
    assert float(newest) < newest  # this one rounds down, as half of them do
    shown = [LogLine(newest - 2 * 10**9, "older"), LogLine(newest, "newest")]
    window = [*shown, LogLine(newest + 2 * 10**9, "next")]

    legacy = _through_the_browser([newest, ["newest"]])  # the old int form, to show the bug
    rounded = FollowCursor(int(legacy[0]), legacy[1])
    assert [x.text for x in new_since(window, rounded)] == ["newest", "next"]

    plain = _through_the_browser(cursor_to_plain(advance(None, shown)))
    assert plain == [str(newest), ["newest"]]
    cursor = cursor_from_plain(plain)
    assert cursor == FollowCursor(newest, ["newest"])
    assert [x.text for x in new_since(window, cursor)] == ["next"]
    assert cursor_from_plain(_through_the_browser(cursor_to_plain(advance(cursor, window)))) == (
        FollowCursor(newest + 2 * 10**9, ["next"])
    )


def test_follow_cursor_from_the_browser_is_checked() -> None:
    assert cursor_to_plain(None) is None and cursor_from_plain(None) is None
    assert cursor_from_plain([5, ["a"]]) == FollowCursor(5, ["a"])
    for bad in (["x", []], [True, []], ["5"], ["5", "a"], [1.5, []], "5"):
        with pytest.raises(ValueError):
            cursor_from_plain(bad)


def test_follow_windows_round_up_so_followers_share_answers() -> None:
    assert follow_window(3) == FOLLOW_WINDOWS[0]
    assert follow_window(40) == 60
    assert follow_window(10**6) == FOLLOW_WINDOWS[-1]


def test_namespaces_and_pods_are_typed_and_sorted(make_logs: Callable[..., PodLogs]) -> None:
    logs = make_logs()
    assert logs.namespaces("fab-a").names == ["adc", "kube-system"]
    pods = logs.pods("fab-a", "adc")
    assert [p.name for p in pods.pods] == ["a-pod", "b-pod"]
    assert pods.pod("b-pod") is not None and pods.pod("b-pod").containers == ["main", "sidecar"]  # type: ignore[union-attr]
    assert pods.failure is None and pods.fetched_at is not None


def test_log_asks_for_one_more_line_to_know_whether_older_ones_exist(
    make_logs: Callable[..., PodLogs], site: Site
) -> None:
    logs = make_logs()
    record = logs.log(
        "fab-a", "adc", "b-pod", container="main", tail_lines=9, since_seconds=60, previous=True
    )
    params = site.logs_asked()[0].url.params
    assert params["tailLines"] == "10" and params["container"] == "main" and params["sinceSeconds"] == "60"
    assert params["timestamps"] == "true" and params["previous"] == "true"
    assert [x.text for x in record.lines] == [f"line {i}" for i in range(1, 10)]
    assert record.more_before and not record.cut_by_site
    whole = logs.log("fab-a", "adc", "b-pod", container="main", tail_lines=10)
    assert len(whole.lines) == 10 and not whole.more_before


def test_answers_are_cached_and_shared(make_logs: Callable[..., PodLogs], site: Site) -> None:
    logs = make_logs()
    first = logs.log("fab-a", "adc", "a-pod", container=None)
    assert logs.log("fab-a", "adc", "a-pod", container=None) == first
    assert len(site.logs_asked()) == 1


def test_concurrent_identical_reads_share_one_flight(make_logs: Callable[..., PodLogs], site: Site) -> None:
    logs = make_logs()
    site.gate = threading.Event()
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(logs.namespaces("fab-a"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    while not site.requests:
        threading.Event().wait(0.01)
    site.gate.set()
    for thread in threads:
        thread.join(5)
    assert len(results) == 4 and len(site.requests) == 1


def test_failures_are_named_and_cached_briefly(make_logs: Callable[..., PodLogs], site: Site) -> None:
    logs = make_logs()
    site.fail_with = 403
    record = logs.log("fab-a", "adc", "a-pod", container=None)
    assert record.failure is not None and record.failure.cause == "forbidden" and record.lines == []
    logs.log("fab-a", "adc", "a-pod", container=None)
    assert len(site.logs_asked()) == 1
    site.fail_with = 500
    assert logs.namespaces("fab-a").failure.cause == "unreachable"  # type: ignore[union-attr]


def test_rate_limit_per_site(make_logs: Callable[..., PodLogs]) -> None:
    logs = make_logs(rate_per_site=0.001, burst_per_site=1)
    logs.namespaces("fab-a")
    with pytest.raises(OnDemandRateLimited):
        logs.pods("fab-a", "adc")


def test_bad_names_are_refused_before_anything_is_sent(make_logs: Callable[..., PodLogs], site: Site) -> None:
    logs = make_logs()
    for call in (
        lambda: logs.pods("fab-a", "../etc"),
        lambda: logs.log("fab-a", "adc", "a pod", container=None),
        lambda: logs.log("fab-a", "adc", "a-pod", container="A_B"),
        lambda: logs.log("fab-a", "adc", "a-pod", container=None, tail_lines=0),
    ):
        with pytest.raises(InvalidName):
            call()
    assert site.requests == []


def test_follow_returns_only_new_lines(make_logs: Callable[..., PodLogs], site: Site) -> None:
    logs = make_logs()
    cursor = FollowCursor((T0 + 7) * 10**9, ["line 7"])
    record = logs.follow("fab-a", "adc", "a-pod", container=None, cursor=cursor, gap_seconds=3)
    assert [x.text for x in record.lines] == ["line 8", "line 9"]
    assert site.logs_asked()[0].url.params["sinceSeconds"] == str(FOLLOW_WINDOWS[0])
