"""Deterministic container logs and the `pods/{pod}/log` options (karmada-api.md §5.4).

A line's content depends only on (site, pod, container, grid slot), so repeated requests agree and
`tailLines`/`sinceSeconds` can be checked against each other. At most `MAX_LINES` lines are kept
(like a rotated log file).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ._status import StatusBody, build_bad_request, build_invalid
from ._timefmt import format_rfc3339_nano, parse_rfc3339
from ._workloads import ContainerFixture, PodFixture

MAX_LINES = 2000
NANOS = 1_000_000_000
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_DEFECTS = ("scratch", "particle", "short", "open", "mura", "none", "none", "none")


class LogRequestError(Exception):
    """The log request is invalid; `status` is the Status body to answer with."""

    def __init__(self, status: StatusBody) -> None:
        super().__init__(status["message"])
        self.status = status


@dataclass(frozen=True)
class LogOptions:
    """Parsed `PodLogOptions` query parameters."""

    container: str | None = None
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: float | None = None
    limit_bytes: int | None = None
    timestamps: bool = False
    previous: bool = False
    follow: bool = False


def parse_go_bool(name: str, value: str) -> bool:
    """`strconv.ParseBool`, as the query parameter codec applies it."""
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise LogRequestError(build_bad_request(f'strconv.ParseBool: parsing "{value}": invalid syntax ({name})'))


def parse_go_int(name: str, value: str) -> int:
    """`strconv.ParseInt`, as the query parameter codec applies it."""
    try:
        return int(value, 10)
    except ValueError:
        raise LogRequestError(
            build_bad_request(f'strconv.ParseInt: parsing "{value}": invalid syntax ({name})')
        ) from None


def parse_log_options(pod_name: str, query: Mapping[str, list[str]]) -> LogOptions:
    """Decode and validate the options; errors carry the 400/422 Status the apiserver would send."""

    def first(key: str) -> str | None:
        values = query.get(key)
        return values[0] if values else None

    def integer(key: str, minimum: int) -> int | None:
        raw = first(key)
        if raw is None:
            return None
        number = parse_go_int(key, raw)
        if number < minimum:
            bound = "greater than or equal to 0" if minimum == 0 else "greater than 0"
            message = f"{key}: Invalid value: {number}: must be {bound}"
            raise LogRequestError(build_invalid("PodLogOptions", pod_name, message))
        return number

    since_time: float | None = None
    if (raw_time := first("sinceTime")) is not None:
        try:
            since_time = parse_rfc3339(raw_time)
        except ValueError:
            raise LogRequestError(build_bad_request(f'parsing time "{raw_time}" as RFC3339 failed')) from None
    options = LogOptions(
        container=first("container") or None,
        tail_lines=integer("tailLines", 0),
        since_seconds=integer("sinceSeconds", 1),
        since_time=since_time,
        limit_bytes=integer("limitBytes", 1),
        timestamps=parse_go_bool("timestamps", first("timestamps") or "false"),
        previous=parse_go_bool("previous", first("previous") or "false"),
        follow=parse_go_bool("follow", first("follow") or "false"),
    )
    if options.since_seconds is not None and options.since_time is not None:
        message = "sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"
        raise LogRequestError(build_invalid("PodLogOptions", pod_name, message))
    return options


def select_container(pod: PodFixture, options: LogOptions) -> ContainerFixture:
    """The container to read: required by name when the pod has several."""
    if options.container is None:
        if len(pod.containers) > 1:
            names = " ".join(pod.container_names())
            raise LogRequestError(
                build_bad_request(
                    f"a container name must be specified for pod {pod.name}, choose one of: [{names}]"
                )
            )
        return pod.containers[0]
    container = pod.container(options.container)
    if container is None:
        raise LogRequestError(
            build_bad_request(f"container {options.container} is not valid for pod {pod.name}")
        )
    return container


def _clock(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _line_inference(rng: random.Random, ts: float, ctx: str) -> str:
    defect = rng.choice(_DEFECTS)
    return (
        f"{_clock(ts):%Y-%m-%d %H:%M:%S},{rng.randrange(1000):03d} INFO  [adc.infer] "
        f"lot=L{_clock(ts):%y%m}-{rng.randrange(10000):04d} panel={rng.randrange(1, 40)} "
        f"class={defect} score={rng.uniform(0.55, 0.999):.3f} latency_ms={rng.randrange(18, 95)}"
    )


def _line_sidecar(rng: random.Random, ts: float, ctx: str) -> str:
    return (
        f'time="{_clock(ts):%Y-%m-%dT%H:%M:%SZ}" level=info msg="uploaded result batch" '
        f"batch={rng.randrange(100000)} records={rng.randrange(16, 129)} bytes={rng.randrange(4000, 60000)}"
    )


def _line_trainer(rng: random.Random, ts: float, ctx: str) -> str:
    step = int(ts // 10) % 500
    epoch = int(ts // 5000) % 50 + 1
    return (
        f"[{_clock(ts):%Y-%m-%d %H:%M:%S}] epoch {epoch}/50 step {step}/500 "
        f"loss={rng.uniform(0.05, 0.9):.4f} acc={rng.uniform(0.80, 0.99):.4f} lr=1.0e-04 "
        f"gpu_mem={rng.uniform(18, 38):.1f}GiB"
    )


def _line_prometheus(rng: random.Random, ts: float, ctx: str) -> str:
    return (
        f"ts={_clock(ts):%Y-%m-%dT%H:%M:%S}.{rng.randrange(1000):03d}Z caller=head.go:1298 level=info "
        f'component=tsdb msg="Head GC completed" caller=truncateMemory duration={rng.uniform(2, 90):.3f}ms'
    )


def _line_reloader(rng: random.Random, ts: float, ctx: str) -> str:
    return (
        f"level=info ts={_clock(ts):%Y-%m-%dT%H:%M:%S}.{rng.randrange(1000):03d}Z caller=reloader.go:424 "
        'msg="Reload triggered" cfg_in=/etc/prometheus/config/prometheus.yaml.gz'
    )


def _line_coredns(rng: random.Random, ts: float, ctx: str) -> str:
    return (
        f"[INFO] 10.244.{rng.randrange(4)}.{rng.randrange(11, 40)}:{rng.randrange(30000, 60000)} - "
        f'{rng.randrange(65536)} "A IN prometheus-k8s.monitoring.svc.cluster.local. udp 62 false 512" '
        f"NOERROR qr,aa,rd 128 0.000{rng.randrange(100, 999)}s"
    )


def _klog(ts: float, rng: random.Random, source: str, message: str) -> str:
    return f"I{_clock(ts):%m%d %H:%M:%S}.{rng.randrange(1000000):06d}       1 {source}] {message}"


def _line_kube_proxy(rng: random.Random, ts: float, ctx: str) -> str:
    return _klog(ts, rng, "proxier.go:805", f'"SyncProxyRules complete" elapsed="{rng.uniform(5, 40):.1f}ms"')


def _line_agent(rng: random.Random, ts: float, ctx: str) -> str:
    return _klog(ts, rng, "cluster_status_controller.go:212", f'"Syncing cluster status" cluster="{ctx}"')


LineRenderer = Callable[[random.Random, float, str], str]
LOG_STYLES: dict[str, tuple[float, LineRenderer]] = {
    "inference": (2.0, _line_inference),
    "sidecar": (15.0, _line_sidecar),
    "trainer": (10.0, _line_trainer),
    "prometheus": (120.0, _line_prometheus),
    "config-reloader": (3600.0, _line_reloader),
    "coredns": (30.0, _line_coredns),
    "kube-proxy": (60.0, _line_kube_proxy),
    "karmada-agent": (10.0, _line_agent),
}
CRASH_LINE = "RuntimeError: CUDA error: out of memory (while allocating 2.00 GiB on device 0)"


def generate_lines(
    site: str, pod: PodFixture, container: ContainerFixture, previous: bool, now: float
) -> list[tuple[int, str]]:
    """(timestamp ns, text) pairs on the style's time grid, newest last, at most MAX_LINES."""
    interval, render = LOG_STYLES.get(container.log_style, LOG_STYLES["kube-proxy"])
    if previous:
        start, end = pod.previous_started_at or pod.started_at, pod.previous_finished_at or pod.started_at
    else:
        start, end = pod.started_at, now
    first_slot = math.ceil(start / interval)
    last_slot = math.floor(end / interval)
    first_slot = max(first_slot, last_slot - MAX_LINES + 1)
    lines: list[tuple[int, str]] = []
    for slot in range(first_slot, last_slot + 1):
        rng = random.Random(f"{site}/{pod.name}/{container.name}/{slot}")
        ts_ns = int(slot * interval * NANOS) + rng.randrange(int(interval * NANOS * 0.5))
        if ts_ns > end * NANOS:
            continue  # the jittered last slot may lie in the future
        lines.append((ts_ns, render(rng, ts_ns / NANOS, site)))
    if previous and lines:
        lines[-1] = (lines[-1][0], CRASH_LINE)  # the terminated instance died with this
    return lines


def render_log(site: str, pod: PodFixture, options: LogOptions, now: float) -> bytes:
    """The `text/plain` body: since-filter, then tail, then timestamps, then the byte limit."""
    container = select_container(pod, options)
    if options.previous and container.restart_count == 0:
        raise LogRequestError(
            build_bad_request(
                f'previous terminated container "{container.name}" in pod "{pod.name}" not found'
            )
        )
    lines = generate_lines(site, pod, container, options.previous, now)
    since = options.since_time
    if options.since_seconds is not None:
        since = now - options.since_seconds
    if since is not None:
        cutoff = int(since * NANOS)
        lines = [line for line in lines if line[0] >= cutoff]
    if options.tail_lines is not None:
        lines = lines[-options.tail_lines :] if options.tail_lines else []
    if options.timestamps:
        text = "".join(f"{format_rfc3339_nano(ts)} {line}\n" for ts, line in lines)
    else:
        text = "".join(f"{line}\n" for _, line in lines)
    data = text.encode()
    if options.limit_bytes is not None:
        data = data[: options.limit_bytes]
    return data
