"""Sign-in in a real browser: a viewer signs in, sees the overview and is refused the logs page;
a kiosk TV link with a token runs the overview and its rotation with no cookies at all.

One demo per module (`I3PLAT_AUTH=local`); users and the token are made with the real CLI in
the console's data dir before it starts.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.support.procs import ConsoleProcess, free_port

SITE = "fab-shenzhen"
PASSWORD = "viewer password 123"
ADMIN_PASSWORD = "admin password 456"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@dataclass
class Demo:
    url: str
    kiosk_token: str
    embed_token: str


def cli(data_dir: Path, *args: str, stdin: str = "") -> str:
    env = {"I3PLAT_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "i3plat.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("auth-demo")
    console_dir = data_dir / "console"
    cli(console_dir, "users", "create", "vera", "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n")
    cli(console_dir, "users", "create", "ada", "--admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    kiosk = cli(console_dir, "tokens", "create", "kiosk", "--expires", "1d", "--note", "e2e TV")
    embed = cli(console_dir, "tokens", "create", "embed", "--metric", "cpu.util.cluster", "--site", SITE,
                "--max-range", "24h", "--expires", "1d")  # fmt: skip
    port = free_port()
    env = {"I3PLAT_AUTH": "local", "I3PLAT_POLL_INTERVAL": "5"}
    process = ConsoleProcess(
        ["demo", "--port", str(port), "--data-dir", str(data_dir), "--prometheus", "synthetic"], env=env
    )
    try:
        url = process.wait_for_line(r"I3Plat console: (http://127\.0\.0\.1:\d+/)", timeout=60).group(1)
        yield Demo(url, kiosk, embed)
    finally:
        assert process.stop() == 0, "\n".join(process.output)
        assert kiosk not in "\n".join(process.output), "a token leaked into the console's log"


def test_viewer_signs_in_sees_the_overview_and_is_refused_logs(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}?lang=en")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", "vera")
    page.fill("#password", "not the password")
    page.click("#login-submit")
    expect(page.locator("#auth-message")).to_contain_text("Wrong user name or password")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#overview-title")).to_be_visible(timeout=30_000)
    expect(page.locator("#user-name")).to_have_text("vera")
    expect(page.locator("#user-role")).to_have_text("Viewer")
    expect(page.locator(".site-tile").first).to_be_visible(timeout=30_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "auth-viewer-overview.png"))

    response = page.goto(f"{demo.url}sites/{SITE}/logs")
    assert response is not None and response.status == 403
    expect(page.locator("#auth-title")).to_have_text("Not allowed")

    page.goto(f"{demo.url}sites/{SITE}")  # the site page, then client-side navigation to the logs
    expect(page.locator("#site-name")).to_have_text(SITE, timeout=30_000)
    page.evaluate(
        f"window.history.pushState({{}}, '', '/sites/{SITE}/logs');"
        "window.dispatchEvent(new PopStateEvent('popstate'))"
    )
    expect(page.locator("#auth-refused")).to_be_visible(timeout=15_000)
    expect(page.locator("#logs-title")).to_have_count(0)

    page.click("#sign-out")
    expect(page).to_have_url(re.compile(r"/login"))


def strip_cookies(route: Route) -> None:
    headers = {k: v for k, v in route.request.headers.items() if k.lower() != "cookie"}
    route.continue_(headers=headers)


def test_kiosk_link_works_without_cookies_and_rotates(browser: Browser, demo: Demo) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.route("**/*", strip_cookies)
    page = context.new_page()
    refused: list[int] = []
    page.on("response", lambda r: refused.append(r.status) if r.status in (401, 403) else None)
    try:
        page.goto(f"{demo.url}?kiosk=1&rotate=10&lang=en&token={demo.kiosk_token}")
        expect(page.locator("#overview-title")).to_be_visible(timeout=30_000)
        expect(page.locator(".site-tile").first).to_be_visible(timeout=30_000)
        expect(page.locator(".site-tile").first).to_contain_text(re.compile(r"\d+\s*%"), timeout=30_000)
        page.screenshot(path=str(SHOTS / "auth-kiosk-token.png"))
        # the rotation swaps to a site page without a reload; its panels are callbacks too
        expect(page).to_have_url(re.compile(r"/sites/fab-"), timeout=30_000)
        expect(page.locator(".site-panels .main-svg").first).to_be_visible(timeout=30_000)
        expect(page.locator("#auth-refused")).to_have_count(0)
        assert refused == [], "a request of the kiosk page was refused"
    finally:
        context.close()


def test_embed_token_renders_only_its_panel(browser: Browser, demo: Demo) -> None:
    context = browser.new_context()
    context.route("**/*", strip_cookies)
    page = context.new_page()
    try:
        page.goto(f"{demo.url}embed/cpu.util.cluster?site={SITE}&token={demo.embed_token}")
        expect(page.locator("#embed-graph .main-svg").first).to_be_visible(timeout=30_000)
        other = page.goto(f"{demo.url}embed/mem.util.cluster?site={SITE}&token={demo.embed_token}")
        assert other is not None and other.status == 403
    finally:
        context.close()


def test_admin_creates_and_deletes_a_user_in_the_ui(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}?lang=en")
    page.fill("#username", "ada")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("#login-submit")
    page.click("#nav-users")
    expect(page.locator("#users-title")).to_have_text("Users", timeout=30_000)
    expect(page.locator("#user-table")).to_contain_text("vera")
    page.fill("#user-new-name", "nina")
    page.select_option("#user-new-role", "engineer")
    page.fill("#user-new-password", "short")
    page.fill("#user-new-repeat", "short")
    page.click("#user-create")
    expect(page.locator("#user-result-alert")).to_have_attribute("data-field", "password")
    expect(page.locator("#user-table")).not_to_contain_text("nina")
    page.fill("#user-new-password", "nina's password 1")
    page.fill("#user-new-repeat", "nina's password 1")
    page.click("#user-create")
    expect(page.locator("#user-result-alert")).to_contain_text("Created nina as Engineer.")
    row = page.locator("#user-table tbody tr", has_text="nina")
    expect(row).to_contain_text("Engineer")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "auth-admin-users.png"), full_page=True)

    row.get_by_role("button", name="Manage").click()
    expect(page.locator("#user-editor-title")).to_have_text("Manage nina")
    page.click("#user-delete")
    expect(page.locator("#user-delete-text")).to_contain_text("Delete the user nina?")
    expect(page.locator(".modal.show")).to_have_css("opacity", "1")  # faded in: a clean screenshot
    page.screenshot(path=str(SHOTS / "auth-admin-users-delete.png"))
    page.click("#user-delete-confirm")
    expect(page.locator("#user-result-alert")).to_contain_text("Deleted nina.")
    expect(page.locator("#user-table")).not_to_contain_text("nina")
