"""The registration wizard (/sites/register) in Chromium against `i3plat demo`.

Walks the form (inline refusals naming the field), creates the token, reads the commands (and
copies one), then plays the site's part through the simulator's control API: the Cluster appears
(Ready Unknown) and turns Ready while the page watches. A taken name is refused with nothing created.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.procs import running_demo

expect.set_options(timeout=20_000)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
SITE = "fab-wuxi"
ENDPOINT = "https://10.20.9.5:6443"


@dataclass(frozen=True)
class Demo:
    url: str
    control: httpx.Client

    def token_secrets(self) -> list[str]:
        answer = self.control.get(
            "/api/v1/namespaces/kube-system/secrets",
            params={"fieldSelector": "type=bootstrap.kubernetes.io/token"},
        )
        answer.raise_for_status()
        return [item["metadata"]["name"] for item in answer.json()["items"]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with running_demo(tmp_path_factory.mktemp("register-demo")) as running:
        yield Demo(running.url, running.control)


@pytest.fixture
def clipboard_page(context: BrowserContext, demo: Demo) -> Page:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo.url)
    return context.new_page()


def fill(page: Page, selector: str, value: str) -> None:
    """Type and leave the field (the inputs validate on blur)."""
    page.fill(selector, value)
    page.press(selector, "Tab")


def test_walk_the_wizard_until_the_site_is_ready(clipboard_page: Page, demo: Demo) -> None:
    page = clipboard_page
    page.goto(f"{demo.url}/sites/register")
    expect(page.locator("h2")).to_have_text("注册站点")

    fill(page, "#register-site", "Fab_Wuxi")
    expect(page.locator("#register-site-feedback")).to_contain_text("站点名称")
    expect(page.locator("#register-site")).to_have_class(re.compile(r"is-invalid"))
    fill(page, "#register-api-endpoint", "http://10.20.9.5:6443")
    expect(page.locator("#register-api-endpoint-feedback")).to_contain_text("https://")
    fill(page, "#register-api-endpoint", "https://127.0.0.1:6443")
    expect(page.locator("#register-warnings")).to_contain_text("127.0.0.1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "register-form-checks.png"), full_page=True)

    fill(page, "#register-site", SITE)
    fill(page, "#register-api-endpoint", ENDPOINT)
    expect(page.locator("#register-site")).not_to_have_class(re.compile(r"is-invalid"))
    expect(page.locator("#register-warnings")).to_be_hidden()
    before = demo.token_secrets()
    page.click("#register-submit")

    register = page.locator("#register-cmd-register")
    expect(register).to_contain_text(f"--cluster-name {SITE}")
    command = shlex.split(register.inner_text())
    token_id = command[command.index("--token") + 1].split(".")[0]
    assert sorted(demo.token_secrets()) == sorted([*before, f"bootstrap-token-{token_id}"])
    expect(page.locator("#register-cmd-agent")).to_contain_text(f"--cluster-api-endpoint={ENDPOINT}")
    expect(page.locator("#register-form-card")).to_be_hidden()
    page.click("#register-cmd-register-copy")
    copied = page.wait_for_function("() => navigator.clipboard.readText()").json_value()
    assert copied.strip() == register.inner_text().strip()
    progress = page.locator(".register-progress")
    expect(progress).to_have_attribute("data-phase", "waiting")
    expect(page.locator("#register-changes li")).to_have_count(1)  # the first look: not registered yet

    site: dict[str, Any] = {"name": SITE, "api_endpoint": ENDPOINT, "ready": "Unknown", "created_days_ago": 0}
    assert demo.control.post("/_sim/sites", json=site).status_code == 201
    try:
        expect(progress).to_have_attribute("data-phase", "registered")
        expect(page.locator("#register-conditions tr[data-type=Ready]")).to_have_attribute(
            "data-status", "Unknown"
        )
        page.screenshot(path=str(SCREENSHOTS / "register-waiting.png"), full_page=True)
        assert demo.control.post(f"/_sim/sites/{SITE}/ready", json={"status": "True"}).status_code == 200
        expect(progress).to_have_attribute("data-phase", "ready")
        expect(page.locator("#register-conditions tr[data-type=Ready]")).to_have_attribute(
            "data-status", "True"
        )
        expect(page.locator("#register-changes li")).to_have_count(3)
        expect(page.locator("#register-site-link")).to_have_attribute("href", f"/sites/{SITE}")
        expect(page.locator("#register-doctor-link")).to_have_attribute("href", f"/sites/{SITE}/doctor")
        page.screenshot(path=str(SCREENSHOTS / "register-ready.png"), full_page=True)
    finally:
        demo.control.delete(f"/_sim/sites/{SITE}")


def test_a_registered_name_is_refused_and_nothing_is_created(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}/sites/register?lang=en")
    expect(page.locator("h2")).to_have_text("Register a site")
    fill(page, "#register-site", "fab-suzhou")
    fill(page, "#register-api-endpoint", ENDPOINT)
    before = demo.token_secrets()
    page.click("#register-submit")
    expect(page.locator("#register-site-feedback")).to_contain_text(
        "Site name: “fab-suzhou” is already registered"
    )
    expect(page.locator("#register-alert")).to_contain_text("correct the fields")
    assert demo.token_secrets() == before
    expect(page.locator("#register-steps")).to_be_empty()
