"""Headless Chromium for the browser tests: Debian's `chromium` driven by Playwright, with every
console error and failed request of a page collected, axe-core run on demand, and screenshots
saved as test artifacts (`$SHOPSENSE_SCREENSHOTS`, else `test-artifacts/screenshots`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

#: How to get a browser where none is installed.
INSTALL_HINT = (
    "install Debian's Chromium and Playwright: `apt-get install chromium` and "
    "`pip install -e '.[test]'`"
)
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
SCREENSHOTS = Path(
    os.environ.get("SHOPSENSE_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
)
#: Desktop and mobile viewports every page is photographed at.
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 390, "height": 844}}
#: Chromium's flags on this closed network (no background connections, no first-run work).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The Chromium executable (`$CHROMIUM`, else Debian's), or None."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@dataclass
class PageLog:
    """What went wrong in the browser while a test ran."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def request_failed(self, request: object) -> None:
        """Note a request that got no answer; one the browser itself cancelled because the
        page navigated on (`net::ERR_ABORTED`) is not the site's failure."""
        failure = request.failure  # type: ignore[attr-defined]
        if failure != "net::ERR_ABORTED":
            method, url = request.method, request.url  # type: ignore[attr-defined]
            self.failed_requests.append(f"{method} {url}: {failure}")

    def assert_clean(self) -> None:
        assert not self.console_errors, f"browser console errors: {self.console_errors}"
        assert not self.failed_requests, f"failed requests: {self.failed_requests}"


@contextmanager
def browser_page(viewport: str = "desktop") -> Iterator[tuple[object, PageLog]]:
    """A fresh page (own cookies) in headless Chromium and its log; skips without a browser."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(f"no Chromium found: {INSTALL_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"Playwright is not installed: {INSTALL_HINT}")
    log = PageLog()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                log.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: log.console_errors.append(str(error)))
        page.on("requestfailed", log.request_failed)
        page.on(
            "response",
            lambda response: (
                log.failed_requests.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        try:
            yield page, log
        finally:
            context.close()
            browser.close()


def check_accessibility(page: object) -> None:
    """Run axe-core on the page; fail on any serious or critical violation."""
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    result = page.evaluate("async () => await axe.run(document)")  # type: ignore[attr-defined]
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "accessibility violations:\n" + "\n".join(bad)


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
