"""On-demand reads of a site's namespaces, pods and pod logs, for the logs page.

Pages never reach a site themselves: they ask here. Every read goes through the same path as
on-demand metrics — names validated first, a short TTL cache shared by every viewer (and every
worker: the store is diskcache), single flight for identical concurrent requests, and a token
bucket per site so a room of engineers following logs cannot flood a factory's API server.

Follow mode asks for a `sinceSeconds` window rounded up to a few fixed sizes, so viewers that
follow the same container share one cached answer; the new lines are picked out by their
kubelet timestamp (`timestamps=true`) against a cursor the page keeps (in the browser, with
the nanosecond timestamp as a string: see `cursor_to_plain`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from i3plat.collector.access import SiteAccess
from i3plat.collector.flow import SingleFlight, SiteBuckets
from i3plat.collector.ondemand import OnDemandRateLimited
from i3plat.collector.records import SCHEMA, Failure, describe_failure, failure_from_plain
from i3plat.collector.store import SnapshotStore
from i3plat.karmada_client import InvalidName, KarmadaError, PodInfo, validate_name

T = TypeVar("T")

LIST_TTL = 10.0
"""Namespaces and pods change slowly; a picker that is 10 s behind is fine."""
LOG_TTL = 2.0
"""Short enough for follow mode, long enough that N followers cost one request per window."""
MAX_LINES = 2000
"""At most this many lines are shown; older ones are dropped with a note."""
MAX_BYTES = 1 << 20
"""At most this much log text is shown (1 MiB); older lines are dropped with a note."""
FETCH_LIMIT_BYTES = 4 << 20
"""What the site may send at most (limitBytes; it cuts the newest end, so keep it generous)."""
MAX_LINE_CHARS = 16_384
"""A single line longer than this is cut: one runaway line must not freeze the browser."""
TAIL_CHOICES = (100, 500, 2000)
DEFAULT_TAIL = 500
FOLLOW_WINDOWS = (15, 30, 60, 120, 300, 900, 3600)
"""`sinceSeconds` sizes follow mode rounds up to, so followers share cached answers."""
FOLLOW_SLACK = 5.0
"""Extra seconds on each follow window: lines written while the last answer was in flight."""

_TIMESTAMPED = re.compile(
    r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) ?(.*)$", re.DOTALL
)


@dataclass(frozen=True)
class PodSummary:
    name: str
    phase: str | None
    node: str | None
    containers: list[str]
    init_containers: list[str]
    restarts: int
    ready: bool


@dataclass(frozen=True)
class NamespaceList:
    site: str
    names: list[str]
    fetched_at: float | None
    failure: Failure | None = None


@dataclass(frozen=True)
class PodList:
    site: str
    namespace: str
    pods: list[PodSummary]
    fetched_at: float | None
    failure: Failure | None = None

    def pod(self, name: str | None) -> PodSummary | None:
        return next((p for p in self.pods if p.name == name), None)


@dataclass(frozen=True)
class LogLine:
    ts_ns: int | None
    """The kubelet's timestamp in unix nanoseconds (None if the line had none)."""
    text: str


@dataclass(frozen=True)
class PodLog:
    """The newest lines of one container's log; `dropped_*` say what the caps left out."""

    site: str
    namespace: str
    pod: str
    container: str | None
    previous: bool
    lines: list[LogLine]
    fetched_at: float | None
    failure: Failure | None = None
    more_before: bool = False
    """More lines exist before the first one shown (the line cap or the byte cap cut them)."""
    cut_by_site: bool = False
    """The site stopped sending at FETCH_LIMIT_BYTES: the newest lines may be missing."""
    long_lines: int = 0
    """How many lines were cut at MAX_LINE_CHARS."""


@dataclass(frozen=True)
class FollowCursor:
    """Where a follower is: the newest timestamp shown and the texts shown at that instant."""

    after_ns: int
    seen: list[str] = field(default_factory=list)


# -------------------------------------------------------------------------------- pure helpers


def parse_log_text(body: str) -> list[LogLine]:
    """Split a `timestamps=true` log body into lines with their timestamp (ns)."""
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [parse_log_line(line) for line in lines]


def parse_log_line(line: str) -> LogLine:
    match = _TIMESTAMPED.match(line)
    if match is None:
        return LogLine(None, line)
    base, fraction, zone, text = match.groups()
    try:
        moment = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        return LogLine(None, line)
    nanos = int((fraction or "").ljust(9, "0"))
    return LogLine(int(moment.timestamp()) * 1_000_000_000 + nanos, text)


def cap_lines(lines: list[LogLine], max_lines: int, max_bytes: int) -> tuple[list[LogLine], bool, int]:
    """Keep the newest lines within both caps; cut runaway lines. Returns (lines, dropped, cut)."""
    cut = 0
    capped: list[LogLine] = []
    for line in lines:
        if len(line.text) > MAX_LINE_CHARS:
            cut += 1
            line = LogLine(line.ts_ns, line.text[:MAX_LINE_CHARS] + " …")
        capped.append(line)
    dropped = len(capped) > max_lines
    capped = capped[-max_lines:]
    total = 0
    for index in range(len(capped) - 1, -1, -1):
        total += len(capped[index].text.encode()) + 1
        if total > max_bytes:
            return capped[index + 1 :], True, cut
    return capped, dropped, cut


def new_since(lines: Sequence[LogLine], cursor: FollowCursor | None) -> list[LogLine]:
    """Lines after the cursor; lines at the cursor's instant count once (by text)."""
    if cursor is None:
        return list(lines)
    seen = set(cursor.seen)
    fresh = []
    for line in lines:
        if line.ts_ns is None:
            continue
        if line.ts_ns > cursor.after_ns or (line.ts_ns == cursor.after_ns and line.text not in seen):
            fresh.append(line)
    return fresh


def advance(cursor: FollowCursor | None, lines: Sequence[LogLine]) -> FollowCursor | None:
    """The cursor after showing `lines` (unchanged when none carry a timestamp)."""
    stamped = [line for line in lines if line.ts_ns is not None]
    if not stamped:
        return cursor
    newest = max(line.ts_ns for line in stamped if line.ts_ns is not None)
    seen = [line.text for line in stamped if line.ts_ns == newest]
    if cursor is not None and cursor.after_ns == newest:
        seen = [*cursor.seen, *seen]
    return FollowCursor(newest, seen[-50:])


def cursor_to_plain(cursor: FollowCursor | None) -> list[Any] | None:
    """The cursor as the browser keeps it (a dcc.Store), the timestamp as a decimal string.

    A nanosecond timestamp (~1.8e18) is far above 2**53: as a JSON number the browser would
    parse it into a double and send back a value up to ~128 ns off. Rounded down, the newest line
    shown is "after" the cursor again and the next follow poll repeats it.
    """
    return None if cursor is None else [str(cursor.after_ns), list(cursor.seen)]


def cursor_from_plain(raw: Any) -> FollowCursor | None:
    """The cursor `cursor_to_plain` made, back from the browser; ValueError if malformed."""
    if not raw:
        return None
    try:
        after, seen = raw
    except (TypeError, ValueError):
        raise ValueError(f"not a follow cursor: {raw!r}") from None
    if isinstance(after, bool) or not isinstance(after, str | int) or not isinstance(seen, list):
        raise ValueError(f"not a follow cursor: {raw!r}")
    return FollowCursor(int(after), [str(text) for text in seen])


def follow_window(gap_seconds: float) -> int:
    """The shared `sinceSeconds` that covers a poll gap (plus slack)."""
    wanted = max(0.0, gap_seconds) + FOLLOW_SLACK
    return next((w for w in FOLLOW_WINDOWS if w >= wanted), FOLLOW_WINDOWS[-1])


def summarise_pod(pod: PodInfo) -> PodSummary:
    return PodSummary(
        pod.name,
        pod.phase,
        pod.node,
        list(pod.containers),
        list(pod.init_containers),
        pod.restarts,
        pod.ready,
    )


def _namespaces_from_plain(data: dict[str, Any]) -> NamespaceList:
    return NamespaceList(**{**data, "failure": failure_from_plain(data.get("failure"))})


def _pods_from_plain(data: dict[str, Any]) -> PodList:
    return PodList(
        **{
            **data,
            "pods": [PodSummary(**p) for p in data["pods"]],
            "failure": failure_from_plain(data.get("failure")),
        }
    )


def _log_from_plain(data: dict[str, Any]) -> PodLog:
    return PodLog(
        **{
            **data,
            "lines": [LogLine(*pair) for pair in data["lines"]],
            "failure": failure_from_plain(data.get("failure")),
        }
    )


def _log_to_plain(record: PodLog) -> dict[str, Any]:
    plain = asdict(record)
    plain["lines"] = [[line.ts_ns, line.text] for line in record.lines]  # compact: no key per line
    return plain


# -------------------------------------------------------------------------------- the I/O path


class PodLogs:
    """Namespaces, pods and logs of a site, cached, single-flight and rate-limited per site."""

    def __init__(
        self,
        access: SiteAccess,
        store: SnapshotStore,
        *,
        rate_per_site: float = 2.0,
        burst_per_site: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.access = access
        self.store = store
        self._clock = clock
        self._flights: SingleFlight[Any] = SingleFlight()
        self._bucket = SiteBuckets(rate_per_site, burst_per_site)

    def namespaces(self, site: str) -> NamespaceList:
        validate_name("cluster", site)
        key = f"{SCHEMA}:logs:ns:{site}"

        def fetch() -> NamespaceList:
            return NamespaceList(site, self.access.karmada.namespaces(site), self._clock())

        def failed(failure: Failure) -> NamespaceList:
            return NamespaceList(site, [], None, failure)

        return self._cached(site, key, LIST_TTL, fetch, failed, asdict, _namespaces_from_plain)

    def pods(self, site: str, namespace: str) -> PodList:
        validate_name("cluster", site)
        validate_name("namespace", namespace)
        key = f"{SCHEMA}:logs:pods:{site}:{namespace}"

        def fetch() -> PodList:
            pods = [summarise_pod(p) for p in self.access.karmada.pods(site, namespace)]
            return PodList(site, namespace, sorted(pods, key=lambda p: p.name), self._clock())

        def failed(failure: Failure) -> PodList:
            return PodList(site, namespace, [], None, failure)

        return self._cached(site, key, LIST_TTL, fetch, failed, asdict, _pods_from_plain)

    def log(
        self,
        site: str,
        namespace: str,
        pod: str,
        *,
        container: str | None,
        tail_lines: int = DEFAULT_TAIL,
        since_seconds: int | None = None,
        previous: bool = False,
    ) -> PodLog:
        """The newest `tail_lines` (at most MAX_LINES) lines, within MAX_BYTES."""
        validate_name("cluster", site)
        validate_name("namespace", namespace)
        validate_name("pod", pod)
        if container is not None:
            validate_name("container", container)
        if not 1 <= tail_lines <= MAX_LINES:
            raise InvalidName("tail_lines", tail_lines, f"must be between 1 and {MAX_LINES}")
        key = f"{SCHEMA}:logs:log:{site}:{namespace}:{pod}:{container or '-'}:{tail_lines}:{since_seconds or 0}:{int(previous)}"  # noqa: E501

        def fetch() -> PodLog:
            body = self.access.karmada.pod_log(
                site, namespace, pod, container=container, tail_lines=tail_lines + 1,
                since_seconds=since_seconds, previous=previous, limit_bytes=FETCH_LIMIT_BYTES,
                timestamps=True,
            )  # fmt: skip
            cut_by_site = len(body.encode()) >= FETCH_LIMIT_BYTES
            if cut_by_site and "\n" in body:
                body = body[: body.rindex("\n") + 1]  # the last line is partial
            lines = parse_log_text(body)
            more = len(lines) > tail_lines
            lines, dropped, long_lines = cap_lines(lines[-tail_lines:], MAX_LINES, MAX_BYTES)
            return PodLog(
                site, namespace, pod, container, previous, lines, self._clock(),
                more_before=more or dropped, cut_by_site=cut_by_site, long_lines=long_lines,
            )  # fmt: skip

        def failed(failure: Failure) -> PodLog:
            return PodLog(site, namespace, pod, container, previous, [], None, failure)

        return self._cached(site, key, LOG_TTL, fetch, failed, _log_to_plain, _log_from_plain)

    def follow(
        self,
        site: str,
        namespace: str,
        pod: str,
        *,
        container: str | None,
        cursor: FollowCursor | None,
        gap_seconds: float,
    ) -> PodLog:
        """Only the lines written after `cursor`, read through a shared since-window."""
        window = self.log(
            site, namespace, pod, container=container, tail_lines=MAX_LINES,
            since_seconds=follow_window(gap_seconds),
        )  # fmt: skip
        fresh = new_since(window.lines, cursor)
        return PodLog(
            site, namespace, pod, container, False, fresh, window.fetched_at, window.failure,
            more_before=window.more_before and len(fresh) == len(window.lines),
            cut_by_site=window.cut_by_site, long_lines=window.long_lines,
        )  # fmt: skip

    # ---------------------------------------------------------------------------- machinery

    def _cached(
        self,
        site: str,
        key: str,
        ttl: float,
        fetch: Callable[[], T],
        failed: Callable[[Failure], T],
        to_plain: Callable[[T], dict[str, Any]],
        from_plain: Callable[[dict[str, Any]], T],
    ) -> T:
        """Cached answer, else one shared upstream call; failures are cached too (briefly), so a
        down site is asked once per TTL however many people look at it."""
        data = self.store.get_raw(key)
        if data is not None:
            return from_plain(data)

        def work() -> T:
            # one flight per key in this process (SingleFlight) and across web workers (the lock)
            with self.store.lock(key, expire=self.access.settings.request_timeout + 5):
                again = self.store.get_raw(key)  # a flight that just finished may have filled it
                if again is not None:
                    return from_plain(again)
                wait = self._bucket(site).try_take()
                if wait > 0:
                    raise OnDemandRateLimited(site, wait)
                try:
                    result = fetch()
                except KarmadaError as exc:
                    if isinstance(exc, InvalidName):
                        raise
                    result = failed(describe_failure(exc, self._clock()))
                self.store.put_raw(key, to_plain(result), expire=ttl)
                return result

        result: T = self._flights.do(key, work)
        return result
