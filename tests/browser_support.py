"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium) against Helpline served by a real
uvicorn process on the test's database (tests/server_process.py), with the routing worker running as in
production. Every test that calls `web.shot(name)` leaves a screenshot in test-artifacts/screenshots/.

Fixtures: `browser` (one Chromium per test module), `live_server` (a server on this test's database),
`web` (log people in, take screenshots)."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD
from tests.server_process import ServerProcess

CHROMIUM = os.environ.get("HELPLINE_CHROMIUM", "/usr/bin/chromium")
# Chromium's own calls home are refused by this machine's closed network: switch them off
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}  # the operators' screens


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Not per session: sync Playwright keeps its event loop running in the main
    thread while it is open, and later tests of the suite call asyncio.run()."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(database_url: str, tmp_path: Path, clock) -> Iterator[ServerProcess]:
    """Helpline on this test's database, routing on, the channel connectors off (no channel is configured).
    The test's own clock follows real time from here on, as the server's does."""
    clock.follow_real_time()
    server = ServerProcess(database_url, log=tmp_path / "server.log",
                           env={"HELPLINE_ROUTING_ENABLED": "true", "HELPLINE_CHANNELS_ENABLED": "false",
                                "HELPLINE_AUTH_CACHE_TTL_S": "0",
                                # agents, skills and queues made by the test after start reach routing soon
                                "HELPLINE_ROUTING_REFRESH_S": "0.5"})
    server.start()
    yield server
    server.stop()


class Web:
    """People at their browsers: each `page_for` is a separate browser context (its own cookies)."""

    def __init__(self, browser, server: ServerProcess) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list = []
        self.script_errors: list[str] = []

    def page(self, language: str = "en"):
        context = self.browser.new_context(base_url=self.server.url, viewport=VIEWPORT, locale=language,
                                           extra_http_headers={"Accept-Language": language})
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        return page

    def page_for(self, username: str, password: str = DEFAULT_PASSWORD, *, language: str = "en",
                 start: str = "/"):
        page = self.page(language)
        page.goto(f"/login?lang={language}&next={start}")  # the session keeps the language
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"**{start}")
        return page

    @staticmethod
    def wait_until(page, expression: str, timeout_s: float = 5.0) -> float:
        """Polls a JavaScript expression until it is truthy; returns the seconds it took. (Playwright's
        wait_for_function evaluates strings inside the page, which the pages' CSP rightly forbids.)"""
        started = time.monotonic()
        while not page.evaluate(expression):
            if time.monotonic() - started > timeout_s:
                raise AssertionError(f"{expression!r} still false after {timeout_s} s")
            time.sleep(0.02)
        return time.monotonic() - started

    def shot(self, page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def web(browser, live_server) -> Iterator[Web]:
    helper = Web(browser, live_server)
    yield helper
    helper.close()
    assert helper.script_errors == [], f"scripts failed in the page: {helper.script_errors}"
