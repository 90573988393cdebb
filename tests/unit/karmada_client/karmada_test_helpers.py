"""Helpers for the karmada_client unit tests: fixture files and mock transports (PKI: tests.support.pki)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from i3plat.karmada_client import ClientConfig, KarmadaClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "karmada"
SERVER = "https://karmada.test:5443"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def status_response(status: dict[str, Any], path: str = "/") -> httpx.Response:
    """A response carrying a Kubernetes Status, as the generic apiserver writes it."""
    request = httpx.Request("GET", SERVER + path)
    return httpx.Response(status["code"], json=status, request=request)


def forbidden_transport() -> httpx.MockTransport:
    """A transport that fails the test if any request reaches it."""

    def handler(request: httpx.Request) -> httpx.Response:
        pytest.fail(f"a request was sent although it should have been refused: {request.url}")

    return httpx.MockTransport(handler)


@dataclass
class Recorder:
    """A MockTransport handler that records requests and answers from a callable."""

    answer: Callable[[httpx.Request], httpx.Response]
    requests: list[httpx.Request]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.answer(request)


def make_client(
    answer: Callable[[httpx.Request], httpx.Response], **config: Any
) -> tuple[KarmadaClient, Recorder]:
    rec = Recorder(answer, [])
    cfg = ClientConfig(server=config.pop("server", SERVER), token=config.pop("token", "tok-123"), **config)
    return KarmadaClient(cfg, transport=httpx.MockTransport(rec)), rec
