"""The storefront without a browser: every page over the demo bundle, the events it stores,
facets, the assistant, erasure, sign-in with a token, sponsored labels and Chinese."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from shopsense.bundle import Bundle, train_bundle
from shopsense.cli.serve import run_token_secret
from shopsense.data.demo import generate_demo_shop
from shopsense.serving.tokens import mint_shopper_token, verify_shopper_token
from shopsense.web import create_site
from shopsense.web.sessions import SHOPPER_COOKIE
from tests.serving.server import Server
from tests.web.conftest import ADMIN_KEY, TOKEN_SECRET, site_config

ADMIN = {"X-API-Key": ADMIN_KEY}


def shopper_of(client: TestClient) -> str:
    """The shopper the client's cookie acts for."""
    return verify_shopper_token(TOKEN_SECRET, client.cookies[SHOPPER_COOKIE])


def section(html: str, anchor: str) -> str:
    """One home-page section's HTML."""
    return html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def cards(html: str) -> list[tuple[str, str]]:
    """(product id, reason) of each card."""
    found = r'data-item="([^"]+)".*?<summary>.*?</summary>\s*<p>(.*?)</p>'
    return re.findall(found, html, re.S)


def first_hit(client: TestClient, query: str) -> str:
    html = client.get("/search", params={"q": query}).text
    return cards(html.split('id="results-heading"', 1)[1])[0][0]


def test_home_has_the_three_lists_each_item_with_a_reason(web: TestClient) -> None:
    page = web.get("/")
    assert page.status_code == 200
    for anchor in ("for-you", "trending", "new"):
        listed = cards(section(page.text, anchor))
        assert len(listed) == 12, anchor
        assert all(reason.strip() for _, reason in listed)
    assert "Why am I seeing this?" in page.text
    assert re.fullmatch(r"web-[0-9a-f]{16}", shopper_of(web))
    assert "trending:" in section(page.text, "trending")


def test_cart_and_purchase_are_stored_events_the_next_page_reflects(web: TestClient) -> None:
    before = cards(section(web.get("/").text, "for-you"))
    item = first_hit(web, "sleeping pad")
    assert web.get(f"/items/{item}").status_code == 200
    added = web.post("/cart", data={"item": item})
    assert added.status_code == 200 and added.url.path == "/cart" and item in added.text
    after = cards(section(web.get("/").text, "for-you"))
    assert after != before
    assert any("cart" in reason for _, reason in after)
    bought = web.post("/cart/purchase")
    assert "Thank you for your order." in bought.text
    assert "Cart (" not in web.get("/cart").text
    kinds = [
        e["kind"] for e in web.get(f"/v1/users/{shopper_of(web)}", headers=ADMIN).json()["recent"]
    ]
    assert kinds[:3] == ["purchase", "cart", "view"]


def test_search_shows_the_understood_query_and_corrects_typos(web: TestClient) -> None:
    page = web.get("/search", params={"q": "runing shoes"})
    assert page.status_code == 200
    assert "runing → running" in page.text
    assert "<strong>running shoes</strong>" in page.text
    assert len(cards(page.text.split('id="results-heading"', 1)[1])) > 0


def test_facets_count_the_results_and_keep_only_the_chosen_value(web: TestClient) -> None:
    page = web.get("/search", params={"q": "sleeping pad"}).text
    for legend in ("Category", "Brand", "Price", "Rating"):
        assert f"<legend>{legend}</legend>" in page
    brand = re.search(r'name="brand" value="([^"]+)"', page).group(1)
    narrowed = web.get("/search", params={"q": "sleeping pad", "brand": brand}).text
    kept = cards(narrowed.split('id="results-heading"', 1)[1])
    assert kept
    for item, _ in kept:
        assert web.get(f"/v1/items/{item}", headers=ADMIN).json()["brand"] == brand


def test_product_page_has_details_similar_items_reviews_and_the_assistant(
    web: TestClient, site_root: Path
) -> None:
    reviewed = Bundle.load(site_root).artifacts["reviews"]
    item = reviewed.analyzed["item_id"].value_counts(sort=True)["item_id"][0]
    page = web.get(f"/items/{item}")
    assert page.status_code == 200
    assert 'id="similar"' in page.text and len(cards(section(page.text, "similar"))) == 8
    assert "What reviewers say" in page.text and "No reviews yet." not in page.text
    assert 'id="chat-log"' in page.text
    assert web.get("/items/no-such-product").status_code == 404


def test_the_assistant_answers_with_cited_sources(web: TestClient) -> None:
    item = first_hit(web, "cast iron pan")
    reply = web.post(
        "/assist",
        data={"text": "what is it made of?", "item": item},
        headers={"HX-Request": "true"},
    )
    assert reply.status_code == 200
    assert 'class="answer"' in reply.text and 'class="citations"' in reply.text
    conversation = re.search(r'name="conversation" value="([0-9a-f]+)"', reply.text).group(1)
    follow_up = web.post("/assist", data={"text": "and is it heavy?", "conversation": conversation})
    assert follow_up.status_code == 200 and "<h1>Help</h1>" in follow_up.text
    assert web.post("/assist", data={"text": ""}).status_code == 422


def test_privacy_shows_the_profile_and_erases_it(web: TestClient) -> None:
    web.get(f"/items/{first_hit(web, 'stand mixer')}")
    user = shopper_of(web)
    page = web.get("/privacy")
    assert 'id="profile"' in page.text and "Your interests" in page.text
    erased = web.post("/privacy/erase")
    assert 'id="erased"' in erased.text and 'id="no-profile"' in erased.text
    assert web.get(f"/v1/users/{user}", headers=ADMIN).status_code == 404
    web.get("/")
    assert shopper_of(web) != user


def test_a_token_from_the_backend_signs_the_shopper_in(web: TestClient, web_shop) -> None:
    known = str(web_shop.user_ids[0])
    token = mint_shopper_token(TOKEN_SECRET, known)
    assert web.get("/login", params={"token": token}).url.path == "/"
    assert shopper_of(web) == known
    assert "because you" in web.get("/").text or "you " in web.get("/").text
    refused = web.get("/login", params={"token": "v1.forged.1.sig"})
    assert refused.status_code == 401 and shopper_of(web) == known


def test_sponsored_items_are_labelled(web: TestClient) -> None:
    # Relevant to the query (in the organic top 50, the floor) but not on the page of 24.
    results = web.get("/v1/search", params={"q": "stapler", "k": 40}, headers=ADMIN).json()
    item = results["items"][30]["item"]
    campaign = {"campaign_id": "web", "items": [item], "bid": 5.0, "daily_budget": 100.0}
    assert web.post("/v1/campaigns", json=campaign, headers=ADMIN).status_code == 200
    page = web.get("/search", params={"q": "stapler"}).text
    assert '<span class="badge">Sponsored</span>' in page
    link = re.search(rf'href="/items/{item}\?impression=([^"]+)"', page)
    assert link is not None
    assert web.get(f"/items/{item}", params={"impression": link.group(1)}).status_code == 200


def test_pages_switch_to_chinese(web: TestClient) -> None:
    page = web.get("/", params={"lang": "zh"})
    assert '<html lang="zh-CN">' in page.text and "为你推荐" in page.text
    assert "购物车" in web.get("/cart").text  # the choice is remembered


@pytest.fixture(scope="module")
def chinese_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("zh-web")
    train_bundle(generate_demo_shop(n_items=200, n_users=100, language="zh"), root)
    return root


def test_a_chinese_shop_is_served_in_chinese(chinese_root: Path, tmp_path: Path) -> None:
    with TestClient(create_site(site_config(chinese_root, tmp_path))) as client:
        home = client.get("/")
        assert '<html lang="zh-CN">' in home.text and "热门商品" in home.text
        results = client.get("/search", params={"q": "蓝牙耳机"})
        assert results.status_code == 200 and "搜索理解" in results.text
        assert cards(results.text.split('id="results-heading"', 1)[1])


def test_shopsense_serve_serves_the_storefront_and_the_api(
    web_bundle_root: Path, tmp_path: Path
) -> None:
    server = Server(
        Path(shutil.copytree(web_bundle_root, tmp_path / "bundle")),
        tmp_path / "store.duckdb",
        tmp_path / "server.log",
    )
    try:
        with httpx.Client(base_url=server.url, timeout=30) as browser:
            home = browser.get("/")
            assert home.status_code == 200 and "Recommended for you" in home.text
            assert SHOPPER_COOKIE in browser.cookies
            assert browser.get("/static/htmx-2.0.11.min.js").status_code == 200
            assert browser.get("/healthz").json()["status"] == "ok"
    finally:
        server.stop()


def test_bad_page_input_and_unknown_pages_answer_with_pages(web: TestClient) -> None:
    bad = web.get("/search", params={"q": "pad", "rating": 9})
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    assert "<strong>rating</strong>" in bad.text
    missing = web.get("/no/such/page")
    assert missing.status_code == 404 and "Page not found." in missing.text
    # The REST API keeps its JSON answers.
    api = web.get("/v1/search", params={"q": "pad", "k": 0}, headers=ADMIN)
    assert api.status_code == 422 and api.json()["detail"][0]["field"] == "k"
    assert web.get("/v1/items/nope", headers=ADMIN).json() == {"detail": "unknown item"}
    assert web.get("/v1/nothing").json() == {"detail": "Not Found"}


def test_several_workers_share_one_cookie_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPSENSE_TOKEN_SECRET", raising=False)
    assert run_token_secret(1) is None  # one process: the site makes its own
    shared = run_token_secret(2)
    assert shared is not None and len(shared.get_secret_value()) >= 32
    monkeypatch.setenv("SHOPSENSE_TOKEN_SECRET", TOKEN_SECRET)
    assert run_token_secret(2).get_secret_value() == TOKEN_SECRET


def test_a_stale_conversation_starts_a_new_one(web: TestClient) -> None:
    reply = web.post("/assist", data={"text": "how long is delivery?", "conversation": "f" * 32})
    assert reply.status_code == 200 and 'class="answer"' in reply.text
    assert 'name="conversation" value="ffff' not in reply.text
