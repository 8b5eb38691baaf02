"""The staff console over HTTP: sign-in, every page's content and charts, the audited shopper
lookup and the hot swap of a bundle version."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shopsense.data import Dataset
from shopsense.serving.limits import FailedAuthLimiter
from shopsense.web import create_site
from shopsense.web.console_words import console_words
from tests.web.conftest import ADMIN_KEY, CATALOG_KEY, site_config
from tests.web.console_helpers import (
    POLICY_TESTS,
    REPORT,
    complain,
    place_and_click,
    train_second_version,
)

PAGES = (
    "/console",
    "/console/metrics",
    "/console/evaluation",
    "/console/reviews",
    "/console/campaigns",
    "/console/bundles",
    "/console/shoppers",
)


def sign_in(web: TestClient) -> None:
    response = web.post("/console/login", data={"key": ADMIN_KEY}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console"


def form_token(web: TestClient, page: str) -> str:
    found = re.search(r'name="form_token" value="([0-9a-f]{64})"', web.get(page).text)
    assert found, f"no form token on {page}"
    return found.group(1)


def charts_in(html: str) -> list[str]:
    """The inline SVG charts of a page (each with drawn paths)."""
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    return [svg for svg in svgs if "<path" in svg]


@pytest.mark.parametrize("path", PAGES)
def test_console_pages_redirect_to_the_sign_in_form(web: TestClient, path: str) -> None:
    response = web.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console/login"


def test_wrong_and_catalog_keys_are_refused_and_counted(web: TestClient, site: FastAPI) -> None:
    form = web.get("/console/login")
    assert form.status_code == 200
    assert re.search(
        r'<label for="key">Admin key</label>\s*<input type="password" id="key"', form.text
    )
    site.state.runtime.failed_auth = FailedAuthLimiter(2, 60)
    for key in ("not-a-key", CATALOG_KEY):
        refused = web.post("/console/login", data={"key": key}, follow_redirects=False)
        assert refused.status_code == 401 and "That is not an admin key." in refused.text
        assert "shopsense_staff" not in refused.cookies
    blocked = web.post("/console/login", data={"key": ADMIN_KEY}, follow_redirects=False)
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text


def test_an_admin_key_signs_in_and_out(web: TestClient, site: FastAPI) -> None:
    sign_in(web)
    assert ADMIN_KEY not in web.cookies["shopsense_staff"]
    page = web.get("/console")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Sign out" in page.text and 'aria-current="page"' in page.text
    chinese = web.get("/console/bundles", params={"lang": "zh"}).text
    assert "<h1>模型版本</h1>" in chinese and "退出" in chinese
    config = site.state.runtime.config
    site.state.runtime.config = config.model_copy(update={"api_keys": {}})
    assert web.get("/console", follow_redirects=False).status_code == 303, "key revoked"
    site.state.runtime.config = config
    out = web.post("/console/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert web.get("/console", follow_redirects=False).status_code == 303


def test_the_overview_charts_live_metrics(web: TestClient, site: FastAPI) -> None:
    sign_in(web)
    history = site.state.metrics_history
    assert "Collecting metrics" in web.get("/console").text or history.samples
    history.sample()
    for _ in range(3):
        web.get("/v1/recommendations", headers={"X-API-Key": CATALOG_KEY})
    web.get("/console/evaluation")  # the console's own pages are not counted
    last = history.sample()
    assert last is not None and last.requests == 3 and last.errors == 0
    assert last.latency_ms[0.5] is not None and last.latency_ms[0.5] > 0
    history.sample()
    page = web.get("/console").text
    health = web.get("/healthz").json()
    assert f'<dd id="served-bundle">{health["bundle"]}</dd>' in page
    assert f"<dt>Products</dt><dd>{health['items']}</dd>" in page
    assert 'hx-get="/console/metrics"' in page and 'hx-trigger="every 5s"' in page
    assert len(charts_in(page)) == 4
    partial = web.get("/console/metrics").text
    assert partial.startswith('<div id="live-metrics"') and "<html" not in partial
    assert len(charts_in(partial)) == 4 and "Latest samples" in partial


def test_the_evaluation_page_without_and_with_a_report(
    web: TestClient, site: FastAPI, web_shop: Dataset
) -> None:
    sign_in(web)
    assert "No bundle version holds an evaluation report" in web.get("/console/evaluation").text
    root = site.state.runtime.config.bundle
    version = train_second_version(web_shop, root)
    page = web.get("/console/evaluation").text
    assert f"Evaluation report of bundle <strong>{version}</strong>" in page
    for name, model in REPORT["models"].items():
        assert f'<th scope="row">{name}</th><td class="num">{model["ndcg@10"]:.4g}</td>' in page
    assert "Recall@10 on cold and warm items" in page and '<th scope="row">hybrid</th>' in page
    assert len(charts_in(page)) == 3
    assert '<div role="img" aria-label="NDCG@10 and recall@10 per model">' in page


def test_the_reviews_page_shows_a_trend_and_the_alerts(web: TestClient, web_shop: Dataset) -> None:
    sign_in(web)
    page = web.get("/console/reviews").text
    chosen = re.search(r'id="key" name="key" value="([^"]+)"', page)
    assert chosen, "the busiest category is chosen by default"
    assert len(charts_in(page)) == 2 and "Negative share" in page
    assert "No alerts raised." in page
    item = complain(web, web_shop)
    alerted = web.get("/console/reviews", params={"scope": "item", "key": item, "bucket": "day"})
    assert re.search(rf"<td>item</td><td>{item}</td><td>\w+</td><td>.+</td>", alerted.text)
    assert '<td class="num">8</td>' in alerted.text, "the burst's day in the trend table"
    other = web.get("/console/reviews", params={"scope": "item", "key": "no-such-item"}).text
    assert "No data yet." in other and not charts_in(other)


def test_the_campaigns_page_shows_spend_pacing_and_click_through(
    web: TestClient, web_shop: Dataset
) -> None:
    sign_in(web)
    assert "No campaigns." in web.get("/console/campaigns").text
    place_and_click(web, str(web_shop.user_ids[0]))
    page = web.get("/console/campaigns").text
    row = re.search(r'<th scope="row">spring</th>(.*?)</tr>', page, flags=re.S)
    assert row, "the campaign is listed"
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells[0] == "sponsored" and cells[5:] == ["1", "1", "1.000"]
    assert float(cells[3]) > 0, "the click was charged"
    assert "Off-policy comparisons" in page and "shopsense train --policy-report" in page
    assert len(charts_in(page)) == 3


def test_the_campaigns_page_shows_the_latest_off_policy_report(
    web: TestClient, site: FastAPI, web_shop: Dataset
) -> None:
    sign_in(web)
    absent = web.get("/console/campaigns").text
    assert "No bundle version records an off-policy evaluation report" in absent
    assert "shopsense train --policy-report" in absent and "Estimator" not in absent
    version = train_second_version(web_shop, site.state.runtime.config.bundle)
    page = web.get("/console/campaigns").text
    assert f"Off-policy evaluation report of bundle <strong>{version}</strong>" in page
    validation = re.findall(
        r'<tr><th scope="row">(\w+)</th><td>(\w+)</td><td class="num">([^<]+)</td>'
        r'<td class="num">([^<]+)</td><td>(yes|no)</td></tr>',
        page,
    )
    assert [row[:2] for row in validation[:3]] == [("men", e) for e in ("IPW", "SNIPW", "DR")]
    assert validation[0][2:] == ("0.520% [0.320%, 0.720%]", "0.690%", "yes")
    assert [row[4] for row in validation] == ["yes"] * 3 + ["no"] * 3
    for campaign, tests in POLICY_TESTS.items():
        table = page.split(f"<h4>{campaign}</h4>")[1].split("</table>")[0]
        assert f"<caption>{campaign}: Policies on the held-out test logs</caption>" in table
        chosen, *others = tests
        assert f'<tr class="chosen"><th scope="row">{chosen} <strong>(chosen' in table
        for policy in others:
            dr = tests[policy]
            row = re.search(rf'<tr><th scope="row">{policy}</th>(.*?)</tr>', table)
            assert row and row.group(1).endswith(
                f'<td class="num">{dr * 100:.3f}% [{(dr - 0.002) * 100:.3f}%, '
                f"{(dr + 0.002) * 100:.3f}%]</td>"
            ), "the DR column, last, with its interval"
    assert len(charts_in(page)) == 1, "the DR chart (placement has no traffic yet)"
    assert '<div role="img" aria-label="DR estimate of each policy&#39;s click rate">' in page
    assert "<h4>women</h4>" in page and "3000 Impressions, 18 Clicks" in page
    chinese = web.get("/console/campaigns", params={"lang": "zh"}).text
    assert "离策略评估报告" in chinese and "验证集选出" in chinese


def test_every_console_word_used_by_a_template_exists_in_both_languages() -> None:
    folder = Path(__file__).parents[2] / "src/shopsense/web/templates/console"
    used = {
        word
        for template in folder.glob("*.html")
        for word in re.findall(r"\bc\.(\w+)", template.read_text())
    }
    assert used, "no console words found in the templates"
    for language in ("en", "zh"):
        assert used <= set(console_words(language)), used - set(console_words(language))


def test_the_campaigns_page_says_when_placement_is_off(
    web_bundle_root: Path, tmp_path: Path
) -> None:
    config = site_config(web_bundle_root, tmp_path).model_copy(update={"placement_store": None})
    with TestClient(create_site(config)) as web:
        sign_in(web)
        assert "Sponsored placement is off" in web.get("/console/campaigns").text


def test_a_shopper_lookup_shows_events_and_signals_and_is_audited(
    web: TestClient, site: FastAPI, web_shop: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(web)
    user = str(web_shop.user_ids[0])
    token = form_token(web, "/console/shoppers")
    stale = web.post("/console/shoppers", data={"user": user, "form_token": "0" * 64})
    assert stale.status_code == 403
    with caplog.at_level(logging.INFO, logger="shopsense.audit"):
        page = web.post("/console/shoppers", data={"user": user, "form_token": token}).text
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "shopsense.audit"]
    assert [r["action"] for r in records] == ["console_shopper_lookup"]
    assert records[0]["by"].startswith("key sha256:") and user not in caplog.text
    store = site.state.runtime.config.store
    audit_file = store.with_name(store.name + ".audit.jsonl").read_text()
    assert json.loads(audit_file.splitlines()[-1])["action"] == "console_shopper_lookup"
    assert user not in audit_file
    assert f"<h2>{user}</h2>" in page and "Recent events" in page
    signals = re.findall(r'<td class="signals">([^<]+)</td>', page)
    assert len(signals) == 10 and all(s.strip() for s in signals)
    assert len(charts_in(page)) == 1
    unknown = web.post("/console/shoppers", data={"user": "nobody", "form_token": token})
    assert "No such shopper." in unknown.text


def test_a_bundle_version_is_swapped_in_from_the_console(
    web: TestClient, site: FastAPI, web_shop: Dataset
) -> None:
    sign_in(web)
    before = web.get("/healthz").json()["bundle"]
    version = train_second_version(web_shop, site.state.runtime.config.bundle)
    page = web.get("/console/bundles").text
    assert page.count('<th scope="row">') >= 2 and "Serving now" in page
    assert f"<td>{web_shop.n_items} products · " in page
    assert f'name="version" value="{version}"' in page and len(charts_in(page)) == 1
    token = form_token(web, "/console/bundles")
    unknown = web.post("/console/bundles", data={"version": "../x", "form_token": token})
    assert unknown.status_code == 404
    swapped = web.post("/console/bundles", data={"version": version, "form_token": token})
    assert f"Now serving bundle <strong>{version}</strong>" in swapped.text
    assert web.get("/healthz").json()["bundle"] == version != before
    back = web.post("/console/bundles", data={"version": before, "form_token": token})
    assert f"Now serving bundle <strong>{before}</strong>" in back.text
    assert web.get("/healthz").json()["bundle"] == before
