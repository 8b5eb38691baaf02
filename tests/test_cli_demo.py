import json
import logging
import os
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from shopsense.bundle import Bundle
from shopsense.bundle.catalogue import CatalogueArtifact
from shopsense.cli.demo import DEMO_KEYS, curl_examples, site_lines
from shopsense.data.dataset import Dataset
from shopsense.data.demo import generate_demo_shop
from shopsense.data.loaders import load
from shopsense.data.shoppers import UserEvent
from shopsense.ranking.cascade import Recommender
from shopsense.ranking.rerank import normalise_title
from shopsense.search.lexical import LexicalIndex
from shopsense.serving.app import create_app
from shopsense.serving.settings import ServingConfig

README = Path(__file__).resolve().parents[1] / "README.md"
#: The narrow terminal a newcomer runs the demo in.
WIDTH = 80


def test_demo_evaluates_trains_and_recommends(tmp_path: Path) -> None:
    # As a newcomer runs it: its own process (whatever configures logging there shows), in an
    # 80-column terminal.
    command = [sys.executable, "-c", "from shopsense.cli import app; app()", "demo"]
    result = subprocess.run(
        [*command, "--out", str(tmp_path), "--users", "3", "--no-serve"],
        env={**os.environ, "COLUMNS": str(WIDTH)},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert (tmp_path / "report.json").is_file()
    assert "because you" in output
    assert "DEBUG:" not in output and " DEBUG " not in output
    too_wide = [line for line in output.splitlines() if len(line) > WIDTH]
    assert not too_wide, too_wide
    # The results table shows whole numbers, not "0.2…".
    assert "…" not in output.split("leave-one-out", 1)[1].split("writing", 1)[0]
    _no_item_is_recommended_because_of_its_own_title(tmp_path / "bundle")
    _the_curl_examples_work(load("demo"), tmp_path / "bundle", tmp_path / "store.duckdb")


def test_chinese_demo_shop_end_to_end(tmp_path: Path) -> None:
    # A small Chinese shop (hidden size options), so that it runs in a test's time.
    command = [sys.executable, "-c", "from shopsense.cli import app; app()", "demo"]
    size = ["--items", "400", "--shoppers", "150"]
    result = subprocess.run(
        [*command, "--lang", "zh", *size, "--out", str(tmp_path), "--users", "2", "--no-serve"],
        env={**os.environ, "COLUMNS": str(WIDTH)},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert (tmp_path / "report.json").is_file()
    # Reasons in Chinese: "因为您浏览了“…”", "与您浏览过的“…”相似".
    assert "您浏览" in output and "because you" not in output
    bundle = Bundle.load(tmp_path / "bundle")
    assert bundle.catalogue.language == "zh" and bundle.dataset().language == "zh"
    assert bundle.manifest["artifacts"]["catalogue"]["config"]["language"] == "zh"
    # A bundle saved before the catalogue kept its language has it detected from the titles.
    assert CatalogueArtifact().load(bundle.path / "catalogue", {"config": {}}).language == "zh"
    shop = generate_demo_shop(n_items=400, n_users=150, language="zh")
    examples = curl_examples(shop, DEMO_KEYS, "http://127.0.0.1:8000")
    assert any("q=跑鞋" in line for line in examples)
    reasons = _the_curl_examples_work(
        shop, tmp_path / "bundle", tmp_path / "store.duckdb", in_readme=False
    )
    assert reasons and all("您" in reason or reason == "店内热销" for reason in reasons)


def test_the_demo_opens_with_the_storefront_url() -> None:
    lines = site_lines(DEMO_KEYS, "http://127.0.0.1:8000")
    assert lines[0] == "storefront: http://127.0.0.1:8000/"
    assert lines[1] == (
        "staff console: http://127.0.0.1:8000/console (sign in with the admin key demo-admin)"
    )
    assert "demo-admin" not in " ".join(site_lines({"own": DEMO_KEYS["demo-admin"]}, "u"))


def test_a_bad_demo_language_is_refused() -> None:
    command = [sys.executable, "-c", "from shopsense.cli import app; app()", "demo"]
    result = subprocess.run(
        [*command, "--lang", "fr", "--no-serve"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and "'fr' is not one of 'en', 'zh'" in result.stderr


def _no_item_is_recommended_because_of_its_own_title(bundle_root: Path) -> None:
    """The demo's sample shoppers (and more): no list repeats a title or shows a product
    titled like one the shopper viewed."""
    bundle = Bundle.load(bundle_root)
    dataset = load("demo")
    recommender = Recommender(bundle.models, bundle.items)
    titles = [normalise_title(title) for title in recommender.titles]
    for user in range(20):
        viewed = [str(dataset.item_ids[i]) for i in dataset.sequences[user]]
        history = recommender.history([UserEvent(i, "view", float("nan")) for i in viewed])
        picks = recommender.recommend(history, k=10)
        shown = [titles[pick.item] for pick in picks]
        assert len(set(shown)) == len(shown) == 10
        assert not set(shown) & {titles[i] for i in history.items.tolist()}
        for pick in picks:
            assert pick.because is None or titles[pick.because] != titles[pick.item]


def test_bm25s_keeps_quiet_under_an_application_log_config(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # bm25s sets its own logger to DEBUG: an application logging at INFO got its notes.
    caplog.set_level(logging.INFO)
    LexicalIndex().build([["waterproof", "boots"], ["desk", "lamp"]])
    assert not [record for record in caplog.records if record.name.startswith("bm25s")]


def _the_curl_examples_work(
    shop: Dataset, bundle: Path, store: Path, in_readme: bool = True
) -> list[str]:
    """What the demo prints before serving is in the README (for the English shop), and each
    command gets a 2xx from the demo bundle. Returns the reasons of the recommendations."""
    url = "http://127.0.0.1:8000"
    examples = curl_examples(shop, DEMO_KEYS, url)
    readme = README.read_text()
    config = ServingConfig(bundle=bundle, store=store, api_keys=DEMO_KEYS, watch_seconds=0)
    reasons = []
    with TestClient(create_app(config)) as client:
        for line in examples:
            assert not in_readme or line in readme, f"README lacks: {line}"
            method, path, headers, body = _parse_curl(line, url)
            response = client.request(method, path, headers=headers, content=body)
            assert response.status_code < 300, (line, response.text)
            assert response.json()
            if "/recommendations" in path:
                reasons += [item["reason"] for item in response.json()["items"]]
    return reasons


def _parse_curl(line: str, url: str) -> tuple[str, str, dict[str, str], bytes | None]:
    words = shlex.split(line)[1:]
    headers: dict[str, str] = {}
    body = None
    target = ""
    parameters = []
    while words:
        word = words.pop(0)
        if word == "-H":
            name, _, value = words.pop(0).partition(": ")
            headers[name] = value
        elif word == "-d":
            body = words.pop(0).encode()
            json.loads(body)
        elif word == "--data-urlencode":
            name, _, value = words.pop(0).partition("=")
            parameters.append((name, value))
        elif word != "-G":  # -G: the --data-urlencode parameters go into the URL
            target = word
    assert target.startswith(url), target
    if parameters:
        target += ("&" if "?" in target else "?") + urlencode(parameters)
    return ("POST" if body else "GET"), target.removeprefix(url), headers, body
