"""A fresh app serves Dash's scripts to concurrent first requests (gunicorn gthread workers).

Dash's own set-up runs on the first request and marks itself done before registering its script
libraries; a worker whose first requests came in together answered 500 to all but one of them.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from i3plat.app import create_app
from tests.support.api_services import make_services

pytestmark = pytest.mark.integration


def script_paths(html: str) -> list[str]:
    return re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)


def test_concurrent_first_requests_of_a_fresh_app_get_every_script(tmp_path: Path) -> None:
    reference = create_app(make_services(tmp_path / "a").settings, make_services(tmp_path / "a"))
    paths = script_paths(reference.server.test_client().get("/").get_data(as_text=True))
    assert len(paths) >= 5
    fresh = create_app(make_services(tmp_path / "b").settings, make_services(tmp_path / "b")).server
    statuses: list[int] = []
    start = threading.Barrier(len(paths))

    def fetch(path: str) -> None:
        client = fresh.test_client()
        start.wait(timeout=30)
        statuses.append(client.get(path).status_code)

    threads = [threading.Thread(target=fetch, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * len(paths)
