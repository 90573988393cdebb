"""The OpenMetrics backfill writer obeys promtool 2.42's rules (reference §8.4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from i3plat.federation_sim.prometheus import (
    BackfillWindowError,
    SiteModel,
    backfill_window,
    build_site_model,
    write_openmetrics,
)

ORIGIN = 1_800_000_000.0
NOW = ORIGIN + 7200.0
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+) (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def tiny() -> SiteModel:
    return build_site_model(
        "site-t", nodes=2, cpus=1, gpu_nodes=1, gpus_per_node=2, origin=ORIGIN, wobble=0.3
    )


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), value)


def parse_labels(text: str | None) -> dict[str, str]:
    return {k: unescape(v) for k, v in LABEL.findall(text or "")}


@pytest.fixture
def written(tmp_path: Path) -> tuple[SiteModel, str, float, float]:
    model = tiny()
    start, end = backfill_window(NOW, 0.05, 15.0)
    path = tmp_path / "site.om"
    stats = write_openmetrics(model, start, end, 15.0, path, now=NOW)
    assert stats.points_per_series == 13
    assert stats.samples == stats.series * 13
    assert stats.bytes_written == path.stat().st_size
    return model, path.read_text(encoding="utf-8"), start, end


def test_file_shape(written: tuple[SiteModel, str, float, float]) -> None:
    _, text, _, _ = written
    assert text.endswith("\n# EOF\n")
    assert "\n\n" not in text
    assert text.count("# EOF") == 1


def test_families_contiguous_counter_naming_and_series_major(
    written: tuple[SiteModel, str, float, float],
) -> None:
    model, text, start, end = written
    kinds: dict[str, str] = {}
    current = ""
    finished_series: set[str] = set()
    last_series = ""
    last_ts: dict[str, float] = {}
    for line in text.splitlines()[:-1]:
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name not in kinds, f"family {name} appears twice"
            kinds[name], current = kind, name
            continue
        if line.startswith("# HELP "):
            continue
        match = SAMPLE.match(line)
        assert match, line
        name, labels, _value, ts = match.groups()
        want = f"{current}_total" if kinds[current] == "counter" else current
        assert name == want, f"sample {name} inside family {current} ({kinds[current]})"
        key = name + (labels or "")
        if key != last_series:
            assert key not in finished_series, f"series {key} is not contiguous"
            if last_series:
                finished_series.add(last_series)
            last_series = key
        assert re.fullmatch(r"\d{10}", ts), f"timestamp {ts} is not whole seconds"
        assert float(ts) > last_ts.get(key, 0.0)
        assert start <= float(ts) <= end
        last_ts[key] = float(ts)
    assert kinds["node_cpu_seconds"] == "counter"
    assert kinds["node_vmstat_pgmajfault"] == "unknown"
    assert not any(name.endswith("_total") for name in kinds)
    assert len(finished_series) + 1 == len(model.samples_at(start))


def test_values_match_the_model(written: tuple[SiteModel, str, float, float]) -> None:
    model, text, _start, end = written
    got: dict[tuple[tuple[str, str], ...], float] = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and float(match.group(4)) == end:
            labels = {"__name__": match.group(1), **parse_labels(match.group(2))}
            got[tuple(sorted(labels.items()))] = float(match.group(3))
    want = {tuple(sorted(lbl.items())): v for lbl, v in model.samples_at(end)}
    assert got == want
    assert sum(1 for key in got if ("__name__", "escape_test") in key) == 13


def test_window_rules(tmp_path: Path) -> None:
    model = tiny()
    path = tmp_path / "x.om"
    with pytest.raises(BackfillWindowError) as late:
        write_openmetrics(model, NOW - 600, NOW - 30, 15.0, path, now=NOW)
    assert late.value.field == "end"
    with pytest.raises(BackfillWindowError) as early:
        write_openmetrics(model, ORIGIN - 15, ORIGIN + 600, 15.0, path, now=NOW)
    assert early.value.field == "start"
    with pytest.raises(BackfillWindowError) as off_grid:
        write_openmetrics(model, ORIGIN, ORIGIN + 100, 15.0, path, now=NOW)
    assert off_grid.value.field == "end"
    with pytest.raises(BackfillWindowError) as bad_step:
        write_openmetrics(model, ORIGIN, ORIGIN + 100, 0.0, path, now=NOW)
    assert bad_step.value.field == "step"


def test_backfill_window_ends_a_minute_before_now_on_the_grid() -> None:
    start, end = backfill_window(1_800_000_007.5, 2.0, 15.0)
    assert end % 15 == 0 and end <= 1_800_000_007.5 - 60 and end > 1_800_000_007.5 - 75
    assert end - start == 7200.0
