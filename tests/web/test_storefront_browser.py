"""The storefront in headless Chromium: the shopper's flows end to end, each page photographed
at desktop and mobile widths, checked with axe-core, with no console error and no failed
request."""

from __future__ import annotations

import pytest

from tests.web.browser import browser_page, check_accessibility, screenshot
from tests.web.conftest import LiveSite


def for_you(page: object) -> list[str]:
    """The reasons of the "recommended for you" list."""
    return page.locator("#for-you details.why p:first-of-type").all_text_contents()  # type: ignore[attr-defined]


def test_search_product_cart_and_home_reflects_the_cart(live_site: LiveSite) -> None:
    with browser_page() as (page, log):
        page.goto(live_site.url + "/")
        before = for_you(page)
        page.fill("#q", "sleeping pad")
        page.click("form.search button")
        page.wait_for_url("**/search?q=sleeping+pad")
        assert page.locator("#understood-heading").is_visible()
        page.locator("section[aria-labelledby=results-heading] a.title").first.click()
        page.wait_for_url("**/items/**")
        title = page.locator("h1").inner_text()
        page.click("#add-to-cart")
        page.wait_for_url("**/cart")
        assert title in page.locator("main").inner_text()
        page.click("text=Home")
        page.wait_for_url(live_site.url + "/")
        after = for_you(page)
        assert after != before
        assert any(title in reason for reason in after), after
        page.locator("#for-you details.why summary").first.click()
        assert page.locator("#for-you details.why p").first.is_visible()
        log.assert_clean()


def test_the_assistant_answers_with_citations_in_place(live_site: LiveSite) -> None:
    with browser_page() as (page, log):
        page.goto(live_site.url + "/search?q=cast+iron+pan")
        page.locator("section[aria-labelledby=results-heading] a.title").first.click()
        page.wait_for_url("**/items/**")
        page.fill("#ask-text", "what is it made of?")
        page.click(".chat button[type=submit]")
        page.wait_for_selector("#chat-log .answer")
        assert page.locator("#chat-log .answer").inner_text().strip()
        assert page.locator("#chat-log ol.citations li").count() >= 1
        conversation = page.input_value("#conversation")
        assert conversation
        page.fill("#ask-text", "how long is delivery?")
        page.click(".chat button[type=submit]")
        page.wait_for_function("document.querySelectorAll('#chat-log .answer').length >= 2")
        assert page.input_value("#conversation") == conversation
        log.assert_clean()


def test_erase_my_data_and_the_profile_is_gone(live_site: LiveSite) -> None:
    with browser_page() as (page, log):
        page.goto(live_site.url + "/search?q=stand+mixer")
        page.locator("section[aria-labelledby=results-heading] a.title").first.click()
        page.wait_for_url("**/items/**")
        page.goto(live_site.url + "/privacy")
        assert page.locator("#profile").is_visible()
        page.click("#erase")
        page.wait_for_selector("#erased")
        assert page.locator("#no-profile").is_visible()
        page.goto(live_site.url + "/privacy")
        assert page.locator("#no-profile").is_visible()
        log.assert_clean()


PAGES = {
    "home": "/",
    "search": "/search?q=running+shoes",
    "product": None,  # the first result of the search
    "cart": "/cart",
    "help": "/help",
    "privacy": "/privacy",
    "home-zh": "/?lang=zh",
}


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_every_page_is_accessible_and_photographed(live_site: LiveSite, viewport: str) -> None:
    with browser_page(viewport) as (page, log):
        for name, path in PAGES.items():
            if path is None:
                page.goto(live_site.url + "/search?q=running+shoes")
                page.locator("section[aria-labelledby=results-heading] a.title").first.click()
                page.wait_for_url("**/items/**")
            else:
                page.goto(live_site.url + path)
            page.wait_for_load_state("load")
            check_accessibility(page)
            screenshot(page, f"storefront-{name}-{viewport}")
        log.assert_clean()
