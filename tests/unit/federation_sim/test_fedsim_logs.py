"""Deterministic pod logs and PodLogOptions handling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from i3plat.federation_sim import SiteSpec
from i3plat.federation_sim._logs import (
    LogOptions,
    LogRequestError,
    generate_lines,
    parse_log_options,
    render_log,
)
from i3plat.federation_sim._timefmt import format_rfc3339_nano
from i3plat.federation_sim._workloads import PodFixture, build_pods

NOW = 1_750_000_000.0


def pod(prefix: str) -> PodFixture:
    return next(p for p in build_pods(SiteSpec(name="site-a"), NOW) if p.name.startswith(prefix))


def test_logs_are_deterministic_across_calls() -> None:
    trainer = pod("train-resnet-42-")
    first = render_log("site-a", trainer, LogOptions(tail_lines=20, timestamps=True), NOW)
    assert len(first.splitlines()) == 20
    assert render_log("site-a", trainer, LogOptions(tail_lines=20, timestamps=True), NOW) == first
    rebuilt = pod("train-resnet-42-")  # a fresh federation builds the same pods and the same lines
    assert render_log("site-a", rebuilt, LogOptions(tail_lines=20, timestamps=True), NOW) == first


def test_no_line_is_newer_than_now() -> None:
    trainer = pod("train-resnet-42-")
    for now in (NOW, NOW + 3.3, NOW + 7.9):
        lines = generate_lines("site-a", trainer, trainer.containers[0], False, now)
        assert lines[-1][0] <= now * 1_000_000_000


def test_line_slots_are_stable_when_time_moves() -> None:
    trainer = pod("train-resnet-42-")
    container = trainer.containers[0]
    now_lines = dict(generate_lines("site-a", trainer, container, False, NOW))
    later_lines = dict(generate_lines("site-a", trainer, container, False, NOW + 50))
    shared = set(now_lines) & set(later_lines)
    assert len(shared) >= len(now_lines) - 5
    assert all(now_lines[ts] == later_lines[ts] for ts in shared)


def test_tail_since_and_limit() -> None:
    trainer = pod("train-resnet-42-")
    everything = render_log("site-a", trainer, LogOptions(), NOW).decode().splitlines()
    assert (
        render_log("site-a", trainer, LogOptions(tail_lines=3), NOW).decode().splitlines() == everything[-3:]
    )
    assert render_log("site-a", trainer, LogOptions(tail_lines=0), NOW) == b""
    recent = render_log("site-a", trainer, LogOptions(since_seconds=100), NOW).decode().splitlines()
    assert 10 <= len(recent) <= 11 and recent == everything[-len(recent) :]
    assert render_log("site-a", trainer, LogOptions(limit_bytes=7), NOW) == "\n".join(everything).encode()[:7]


def test_timestamps_are_rfc3339_nano_and_ascending() -> None:
    trainer = pod("train-resnet-42-")
    lines = (
        render_log("site-a", trainer, LogOptions(timestamps=True, tail_lines=50), NOW).decode().splitlines()
    )
    stamps = [line.split(" ", 1)[0] for line in lines]
    assert stamps == sorted(stamps)
    assert all(stamp.endswith("Z") and "T" in stamp for stamp in stamps)


def test_previous_ends_with_the_crash_and_needs_a_restart() -> None:
    trainer = pod("train-resnet-42-")
    previous = render_log("site-a", trainer, LogOptions(previous=True), NOW).decode().splitlines()
    assert previous[-1].startswith("RuntimeError: CUDA error")
    current = render_log("site-a", trainer, LogOptions(), NOW).decode().splitlines()
    assert set(previous).isdisjoint(current[-100:])
    with pytest.raises(LogRequestError) as error:
        render_log("site-a", pod("prometheus-k8s-0"), LogOptions(container="prometheus", previous=True), NOW)
    assert error.value.status["message"] == (
        'previous terminated container "prometheus" in pod "prometheus-k8s-0" not found'
    )


def test_container_rules() -> None:
    adc = pod("adc-inference-")
    with pytest.raises(LogRequestError) as error:
        render_log("site-a", adc, LogOptions(), NOW)
    assert error.value.status["message"] == (
        f"a container name must be specified for pod {adc.name}, choose one of: [inference sidecar]"
    )
    assert error.value.status["code"] == 400
    sidecar = render_log("site-a", adc, LogOptions(container="sidecar", tail_lines=1), NOW).decode()
    assert 'msg="uploaded result batch"' in sidecar


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"tailLines": ["x"]}, 400),
        ({"tailLines": ["-1"]}, 422),
        ({"sinceSeconds": ["0"]}, 422),
        ({"limitBytes": ["0"]}, 422),
        ({"timestamps": ["yes"]}, 400),
        ({"sinceTime": ["yesterday"]}, 400),
        ({"sinceSeconds": ["5"], "sinceTime": ["2025-01-01T00:00:00Z"]}, 422),
    ],
)
def test_option_errors(query: dict[str, list[str]], code: int) -> None:
    with pytest.raises(LogRequestError) as error:
        parse_log_options("p", query)
    assert error.value.status["code"] == code


def test_options_parse_go_style() -> None:
    options = parse_log_options(
        "p", {"container": ["c"], "tailLines": ["5"], "timestamps": ["1"], "previous": ["False"],
              "sinceTime": ["2025-06-04T09:00:07+08:00"]}
    )  # fmt: skip
    since = datetime(2025, 6, 4, 1, 0, 7, tzinfo=UTC).timestamp()
    assert options == LogOptions(container="c", tail_lines=5, timestamps=True, since_time=since)


def test_format_rfc3339_nano_trims_zeros() -> None:
    assert format_rfc3339_nano(1_700_000_000_000_000_000) == "2023-11-14T22:13:20Z"
    assert format_rfc3339_nano(1_700_000_000_120_000_000) == "2023-11-14T22:13:20.12Z"
