"""Browser tests: Debian's chromium through Playwright, against a live server per test."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The WCAG 2.x A and AA rules, and axe's best practices (landmarks, headings, regions...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@dataclass
class Watcher:
    """Records what a page asked for and complained about."""

    origin: str
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("request", self._on_request)
        context.on("console", lambda message: self._on_console(message.type, message.text))
        context.on("weberror", lambda error: self.console_errors.append(str(error.error)))

    def _on_request(self, request) -> None:
        if not request.url.startswith((self.origin + "/", "data:")):
            self.foreign_requests.append(request.url)

    def _on_console(self, kind: str, text: str) -> None:
        if kind in ("error", "warning"):
            self.console_errors.append(text)

    def assert_clean(self) -> None:
        assert self.foreign_requests == [], "the page asked a third party for something"
        assert self.console_errors == [], "the browser reported errors (CSP violations?)"


@pytest.fixture
def open_page(browser: Browser, live_server: str) -> Iterator:
    """Open pages in a fresh context: ``open_page(locale="nl-NL", javascript=True)``."""
    contexts: list[BrowserContext] = []

    def open_(locale: str = "nl-NL", javascript: bool = True) -> tuple[Page, Watcher]:
        context = browser.new_context(
            locale=locale, java_script_enabled=javascript, base_url=live_server
        )
        contexts.append(context)
        watcher = Watcher(live_server)
        watcher.attach(context)
        return context.new_page(), watcher

    yield open_
    for context in contexts:
        context.close()


def assert_accessible(page: Page) -> None:
    """Zero axe-core violations: the WCAG 2.x A and AA rules and the best practices."""
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert result.violations_count == 0, result.generate_report()


def assert_accessible_as_shown(open_page, page: Page, locale: str, javascript: bool) -> None:
    """``assert_accessible`` on what ``page`` shows, also when the page runs no JavaScript.

    axe-core waits on timers, which never fire in a page without JavaScript (it hangs), so
    a JS-free page's document is checked in a second page that serves it at the same URL,
    with the same stylesheets. The two are compared by ``text_content`` (``inner_text``
    adds line breaks, e.g. between a ``<dt>`` and its ``<dd>``).
    """
    if javascript:
        assert_accessible(page)
        return
    html = page.content()
    checker, _ = open_page(locale=locale, javascript=True)
    checker.route(
        page.url, lambda route: route.fulfill(status=200, content_type="text/html", body=html)
    )
    checker.goto(page.url)
    expect(checker.locator("main")).to_have_text(page.locator("main").text_content() or "")
    assert_accessible(checker)
