"""prometheus.yml rendering and the service proxy's 503 Status for a down Prometheus."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml

from i3plat.federation_sim.prometheus import ScrapeTarget, build_site_model
from i3plat.federation_sim.prometheus._process import format_duration, render_config
from i3plat.federation_sim.prometheus._real_backend import describe_transport_error, service_unavailable


def test_config_scrapes_the_exporter_with_honor_labels(tmp_path: Path) -> None:
    model = build_site_model("site-a", origin=0.0, scrape_interval=5.0)
    rules = tmp_path / "rules.yml"
    text = render_config(model, ScrapeTarget("127.0.0.1:41000", "/metrics/site-a"), [rules])
    config = yaml.safe_load(text)
    assert config["global"] == {
        "scrape_interval": "5s",
        "scrape_timeout": "5s",
        "evaluation_interval": "5s",
        "external_labels": {"cluster": "site-a"},
    }
    assert config["rule_files"] == [str(rules.resolve())]
    (job,) = config["scrape_configs"]
    assert job["honor_labels"] is True
    assert job["metrics_path"] == "/metrics/site-a"
    assert job["static_configs"] == [{"targets": ["127.0.0.1:41000"]}]
    (relabel,) = job["metric_relabel_configs"]
    assert relabel == {
        "source_labels": ["instance"],
        "regex": "127\\.0\\.0\\.1:[0-9]+",
        "target_label": "instance",
        "replacement": "",
    }


def test_config_without_target_has_no_jobs() -> None:
    config = yaml.safe_load(render_config(build_site_model("site-a", origin=0.0), None))
    assert config["scrape_configs"] == []
    assert config["global"]["scrape_timeout"] == "10s"


@pytest.mark.parametrize(("seconds", "text"), [(15.0, "15s"), (7.5, "7500ms"), (0.25, "250ms")])
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_format_duration_rejects_zero() -> None:
    with pytest.raises(ValueError, match="duration"):
        format_duration(0.0)


def test_service_unavailable_is_the_member_proxy_status() -> None:
    msg = "error trying to reach service: dial tcp 127.0.0.1:9:connect: connection refused"
    resp = service_unavailable(msg)
    assert (resp.status, resp.content_type) == (503, "application/json")
    assert resp.body == (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"'
        + msg.encode()
        + b'","reason":"ServiceUnavailable","code":503}\n'
    )
    assert json.loads(resp.body)["code"] == 503


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (
            httpx.ConnectError("x"),
            "error trying to reach service: dial tcp 127.0.0.1:9: connect: connection refused",
        ),
        (httpx.ConnectTimeout("x"), "error trying to reach service: dial tcp 127.0.0.1:9: i/o timeout"),
        (httpx.ReadTimeout("x"), "error trying to reach service: context deadline exceeded"),
        (httpx.RemoteProtocolError("x"), "error trying to reach service: EOF"),
    ],
)
def test_transport_errors_use_the_go_proxy_wording(exc: httpx.TransportError, message: str) -> None:
    assert describe_transport_error(exc, "127.0.0.1:9") == message
