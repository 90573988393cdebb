"""Fixtures for the federation simulator's integration tests: one HTTPS federation per module."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
from fedsim_helpers import EchoBackend, SiteHandle, trust

from i3plat.federation_sim import FederationConfig, RunningFederation, SiteSpec, demo_sites, start_federation

_site_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFederation]:
    config = FederationConfig(sites=demo_sites(), data_dir=tmp_path_factory.mktemp("fedsim"), seed=7)
    with start_federation(config, backend_factory=lambda spec, path: EchoBackend()) as running:
        yield running


@pytest.fixture(scope="module")
def client(fed: RunningFederation) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {fed.token}"}
    with httpx.Client(base_url=fed.url, verify=trust(fed), headers=headers, timeout=10.0) as http:
        yield http


@pytest.fixture
def site(fed: RunningFederation) -> Iterator[SiteHandle]:
    """A fresh Push site with its own EchoBackend, removed after the test (keeps tests independent)."""
    name = f"test-site-{next(_site_numbers)}"
    backend = EchoBackend()
    fed.add_site(SiteSpec(name=name, sync_mode="Push", api_endpoint="https://10.20.0.5:6443"))
    fed.set_backend(name, backend)
    yield SiteHandle(name, backend)
    fed.remove_site(name)
