"""Helpers for the Prometheus client tests: answers shaped like Prometheus 2.42's, mock transports."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from i3plat.karmada_client import ClientConfig, KarmadaClient
from i3plat.promql.client import PrometheusClient

PROM = "http://127.0.0.1:9090"
KARMADA = "https://karmada.test:5443"
SERVICE_PREFIX = (
    "/apis/cluster.karmada.io/v1alpha1/clusters/site-a/proxy"
    "/api/v1/namespaces/monitoring/services/prometheus-k8s:9090/proxy"
)
STATUSES: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "karmada" / "statuses.json").read_text("utf-8")
)
JSON = "application/json"
TEXT = "text/plain; charset=utf-8"

Answer = Callable[[httpx.Request], httpx.Response]


def success(data: Any, **extra: Any) -> httpx.Response:
    """A 200 success envelope, as 2.42 writes it."""
    return httpx.Response(200, json={"status": "success", "data": data, **extra})


def prom_error(status: int, error_type: str, message: str) -> httpx.Response:
    """An error envelope (2.42 `respondError`): application/json, status from the errorType."""
    body = {"status": "error", "errorType": error_type, "error": message}
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"content-type": JSON})


def text(status: int, body: str, content_type: str = TEXT) -> httpx.Response:
    return httpx.Response(status, content=body.encode(), headers={"content-type": content_type})


def vector_data(*samples: tuple[dict[str, str], float, str]) -> dict[str, Any]:
    return {
        "resultType": "vector",
        "result": [{"metric": labels, "value": [t, v]} for labels, t, v in samples],
    }


def form_of(request: httpx.Request) -> list[tuple[str, str]]:
    """The decoded application/x-www-form-urlencoded body of `request`, in order."""
    return parse_qsl(request.content.decode("ascii"), keep_blank_values=True, strict_parsing=True)


@dataclass
class Recorder:
    """A MockTransport handler that records every request (body read) and answers from a callable."""

    answer: Answer
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.answer(request)

    @property
    def last(self) -> httpx.Request:
        assert self.requests, "no request was sent"
        return self.requests[-1]


def refusing_transport() -> httpx.MockTransport:
    """A transport that fails the test if anything is sent."""

    def handler(request: httpx.Request) -> httpx.Response:
        pytest.fail(f"a request was sent although the input should have been refused: {request.url}")

    return httpx.MockTransport(handler)


def raising(exc: Exception) -> Answer:
    """An answer that raises `exc` (an httpx transport exception), attached to the request."""

    def answer(request: httpx.Request) -> httpx.Response:
        if isinstance(exc, httpx.RequestError):
            exc.request = request
        raise exc

    return answer


def direct(answer: Answer, **kw: Any) -> tuple[PrometheusClient, Recorder]:
    rec = Recorder(answer)
    return PrometheusClient.direct(PROM, transport=httpx.MockTransport(rec), **kw), rec


@contextmanager
def proxied(answer: Answer, **kw: Any) -> Iterator[tuple[PrometheusClient, Recorder]]:
    """A PrometheusClient over `KarmadaClient.service_client` for site-a's prometheus-k8s:9090."""
    rec = Recorder(answer)
    config = ClientConfig(server=KARMADA, token="tok-123")
    with KarmadaClient(config, transport=httpx.MockTransport(rec)) as karmada:
        http = karmada.service_client("site-a", "monitoring", "prometheus-k8s", port=9090)
        with http, PrometheusClient(http, cluster="site-a", **kw) as prom:
            yield prom, rec
