"""Fixtures for the karmada_client unit tests."""

from __future__ import annotations

from typing import Any

import pytest
from karmada_test_helpers import load_fixture

from tests.support.pki import Pki, make_pki


@pytest.fixture(scope="session")
def statuses() -> dict[str, dict[str, Any]]:
    return load_fixture("statuses.json")  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))
