"""The site doctor page in Chromium: reached from the site page, run on demand, a failure explained."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.support.procs import ConsoleProcess, free_port

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir: Path = tmp_path_factory.mktemp("doctor-demo")
    process = ConsoleProcess(
        ["demo", "--port", str(free_port()), "--data-dir", str(data_dir), "--prometheus", "synthetic"]
    )
    try:
        match = process.wait_for_line(r"I3Plat console: (http://127\.0\.0\.1:\d+/)", timeout=60)
        yield match.group(1), data_dir / "federation"
    finally:
        assert process.stop() == 0, "\n".join(process.output)


def sim_control(federation_dir: Path) -> httpx.Client:
    """The simulator's /_sim/ control API, with the token and CA of the kubeconfig the demo wrote."""
    config = yaml.safe_load((federation_dir / "kubeconfig").read_text())
    cluster = config["clusters"][0]["cluster"]
    token = config["users"][0]["user"]["token"]
    return httpx.Client(
        base_url=cluster["server"] + "/_sim",
        verify=ssl.create_default_context(cafile=cluster["certificate-authority"]),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_doctor_from_the_site_page_all_green(page: Page, demo: tuple[str, Path]) -> None:
    url, _ = demo
    page.goto(url + "sites/fab-shenzhen")
    page.locator("#site-doctor-link").click()
    expect(page).to_have_url(re.compile(r"/sites/fab-shenzhen/doctor$"))
    checks = page.locator("#doctor-checklist > li")
    expect(checks).to_have_count(12, timeout=30_000)
    expect(checks.first).to_have_attribute("data-status", "pending")
    page.locator("#doctor-run").click()
    expect(page.locator("#doctor-summary-line")).to_have_attribute("data-status", "ok", timeout=30_000)
    expect(page.locator('#doctor-checklist > li[data-status="ok"]')).to_have_count(12)
    expect(page.locator("#doctor-summary-line")).to_contain_text("所有检查项均已通过")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "doctor-green.png"), full_page=True)


def test_doctor_warns_about_nodes_that_are_not_ready(page: Page, demo: tuple[str, Path]) -> None:
    """fab-chengdu is Ready in Karmada with one of its three nodes not Ready."""
    url, _ = demo
    page.goto(url + "sites/fab-chengdu/doctor?run=1&lang=en")
    ready = page.locator("#doctor-check-cluster-ready")
    expect(ready).to_have_attribute("data-status", "warn", timeout=30_000)
    expect(ready).to_contain_text("Karmada counts 2 of 3 nodes Ready.")
    expect(ready.locator(".doctor-fix")).to_contain_text("Nodes not Ready: 1.")
    expect(page.locator("#doctor-summary-line")).to_have_attribute("data-status", "warn")


def test_doctor_explains_an_impersonation_failure(page: Page, demo: tuple[str, Path]) -> None:
    url, federation_dir = demo
    with sim_control(federation_dir) as control:
        answer = control.post("/sites/fab-suzhou/failures", json={"impersonation_denied": True})
        assert answer.status_code == 200
        try:
            page.goto(url + "sites/fab-suzhou/doctor?run=1&lang=en")
            failed = page.locator("#doctor-check-proxy-impersonation")
            expect(failed).to_have_attribute("data-status", "fail", timeout=30_000)
            expect(failed.locator(".doctor-message")).to_contain_text('cannot impersonate resource "groups"')
            expect(failed.locator(".doctor-fix")).to_contain_text(
                "add Group system:serviceaccounts as a subject of the ClusterRoleBinding"
            )
            expect(page.locator("#doctor-check-prometheus-ready")).to_have_attribute("data-status", "skipped")
            expect(page.locator("#doctor-summary-line")).to_have_attribute("data-status", "fail")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "doctor-impersonation.png"), full_page=True)
        finally:
            control.post("/sites/fab-suzhou/failures", json={"impersonation_denied": False})
