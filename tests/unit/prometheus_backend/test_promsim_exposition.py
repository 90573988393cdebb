"""Live exposition: text format 0.0.4 without timestamps, served per site over loopback HTTP."""

from __future__ import annotations

import re

import httpx
import pytest

from i3plat.federation_sim.prometheus import MetricsExporter, build_site_model, render_exposition

ORIGIN = 1_800_000_000.0
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), value)


def parse_exposition(text: str) -> tuple[list[tuple[dict[str, str], float]], dict[str, str]]:
    """A strict little 0.0.4 parser: HELP/TYPE before samples, sample names equal the TYPE name."""
    samples: list[tuple[dict[str, str], float]] = []
    types: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        assert line, "blank line"
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "untyped") and name not in types
            types[name], current = kind, name
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample without timestamp: {line!r}"
        name, labels, value = match.groups()
        assert name == current
        body = (labels or "{}")[1:-1]
        pairs = LABEL.findall(body)
        assert "".join(f'{k}="{v}"{sep}' for k, v, sep in pairs) == body
        samples.append(({"__name__": name, **{k: unescape(v) for k, v, _ in pairs}}, float(value)))
    return samples, types


def test_exposition_round_trips_the_model() -> None:
    model = build_site_model("site-a", origin=ORIGIN, wobble=0.5)
    t = ORIGIN + 4321.25
    samples, types = parse_exposition(render_exposition(model, t))
    assert samples == model.samples_at(t)
    assert types["node_cpu_seconds_total"] == "counter"
    assert types["node_vmstat_pgmajfault"] == "untyped"
    assert all(name.endswith("_total") for name, kind in types.items() if kind == "counter")
    values = {lbl["value"] for lbl, _ in samples if lbl["__name__"] == "escape_test"}
    assert {'a"b', "a\\b", "a\nb", "tab\there", 'x"} or vector(1) or {a="'} <= values


@pytest.fixture
def exporter() -> MetricsExporter:
    return MetricsExporter(clock=lambda: ORIGIN + 600.0)


def test_exporter_serves_registered_sites(exporter: MetricsExporter) -> None:
    model = build_site_model("site-a", origin=ORIGIN)
    with exporter:
        target = exporter.register(model)
        assert target.metrics_path == "/metrics/site-a"
        assert target.address.startswith("127.0.0.1:")
        with httpx.Client(base_url=f"http://{target.address}", timeout=5.0, trust_env=False) as client:
            resp = client.get(target.metrics_path)
            assert resp.status_code == 200
            assert resp.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
            assert resp.text == render_exposition(model, ORIGIN + 600.0)
            assert client.get("/metrics/site-zz").status_code == 404
            assert client.get("/other").status_code == 404
            assert client.post(target.metrics_path).status_code == 405
            exporter.unregister("site-a")
            assert client.get(target.metrics_path).status_code == 404
    assert not exporter.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://{target.address}/metrics/site-a", timeout=2.0, trust_env=False)
