"""The staff console in headless Chromium: sign-in through the form, every page with drawn SVG
charts, accessible (axe-core) and photographed at desktop and mobile widths, no console errors
or failed requests, and a hot swap from the bundles page's button."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from shopsense.data import Dataset
from tests.web.browser import VIEWPORTS, browser_page, check_accessibility, screenshot
from tests.web.conftest import ADMIN_KEY, LiveSite
from tests.web.console_helpers import complain, place_and_click, train_second_version

#: Pages and what each must show besides its charts.
PAGES = {
    "overview": ("/console", "Live metrics"),
    "evaluation": ("/console/evaluation", "NDCG@10 and recall@10 per model"),
    "reviews": ("/console/reviews", "Alerts"),
    "campaigns": ("/console/campaigns", "Off-policy comparisons"),
    "bundles": ("/console/bundles", "Serving now"),
}


@pytest.fixture(scope="module")
def second_version(live_site: LiveSite, web_shop: Dataset) -> str:
    """A second bundle version with an evaluation report under the live site's root, and a
    campaign with a click, so that every page has something to draw."""
    runtime = live_site.server.config.app.state.runtime
    with httpx.Client(base_url=live_site.url) as client:
        place_and_click(client, str(web_shop.user_ids[0]))
        complain(client, web_shop)
    return train_second_version(web_shop, Path(runtime.config.bundle))


def sign_in(page: object, url: str) -> None:
    page.goto(f"{url}/console")  # type: ignore[attr-defined]
    assert page.url.endswith("/console/login")  # type: ignore[attr-defined]
    page.get_by_label("Admin key").fill(ADMIN_KEY)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{url}/console")  # type: ignore[attr-defined]


def assert_charts_drawn(page: object) -> None:
    charts = page.locator("figure.chart svg")  # type: ignore[attr-defined]
    assert charts.count() > 0, "no chart on the page"
    for index in range(charts.count()):
        assert charts.nth(index).locator("path").count() > 0, "an empty chart"


def photograph(page: object, name: str) -> None:
    """Axe-checked and photographed at desktop and mobile widths."""
    for width, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)  # type: ignore[attr-defined]
        check_accessibility(page)
        screenshot(page, f"console-{name}-{width}")
    page.set_viewport_size(VIEWPORTS["desktop"])  # type: ignore[attr-defined]


def test_every_console_page_in_a_browser(
    live_site: LiveSite, second_version: str, web_shop: Dataset
) -> None:
    with browser_page("desktop") as (page, log):
        page.goto(f"{live_site.url}/console/login")
        photograph(page, "login")
        sign_in(page, live_site.url)
        # The live charts arrive with the second sample, swapped in by htmx.
        page.wait_for_selector("#live-metrics figure.chart svg path", timeout=20_000)
        for name, (path, expected) in PAGES.items():
            if path != "/console":
                page.goto(f"{live_site.url}{path}")
            assert page.get_by_text(expected).count() > 0, f"{name}: {expected!r} missing"
            assert_charts_drawn(page)
            photograph(page, name)
        page.goto(f"{live_site.url}/console/shoppers")
        page.get_by_label("Shopper id").fill(str(web_shop.user_ids[0]))
        page.get_by_role("button", name="Look up").click()
        page.wait_for_selector("td.signals")
        assert page.locator("td.signals").count() == 10
        assert_charts_drawn(page)
        photograph(page, "shoppers")
        log.assert_clean()


def test_a_hot_swap_from_the_console(live_site: LiveSite, second_version: str) -> None:
    before = httpx.get(f"{live_site.url}/healthz").json()["bundle"]
    assert before != second_version
    with browser_page("desktop") as (page, log):
        sign_in(page, live_site.url)
        page.goto(f"{live_site.url}/console/bundles")
        page.get_by_role("button", name=f"Serve this version {second_version}").click()
        page.wait_for_selector("p.notice")
        assert f"Now serving bundle {second_version}" in page.locator("p.notice").inner_text()
        assert page.locator("tr", has_text=second_version).get_by_text("Serving now").count()
        page.goto(f"{live_site.url}/console")
        assert page.locator("#served-bundle").inner_text() == second_version
        log.assert_clean()
    assert httpx.get(f"{live_site.url}/healthz").json()["bundle"] == second_version
