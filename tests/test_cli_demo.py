import json
import logging
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopsense.bundle import Bundle
from shopsense.cli.demo import DEMO_KEYS, curl_examples
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
    _the_curl_examples_work(tmp_path / "bundle", tmp_path / "store.duckdb")


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


def _the_curl_examples_work(bundle: Path, store: Path) -> None:
    """What the demo prints before serving is in the README, and each command gets a 2xx from
    the demo bundle."""
    url = "http://127.0.0.1:8000"
    examples = curl_examples(load("demo"), DEMO_KEYS, url)
    readme = README.read_text()
    config = ServingConfig(bundle=bundle, store=store, api_keys=DEMO_KEYS, watch_seconds=0)
    with TestClient(create_app(config)) as client:
        for line in examples:
            assert line in readme, f"README lacks: {line}"
            method, path, headers, body = _parse_curl(line, url)
            response = client.request(method, path, headers=headers, content=body)
            assert response.status_code < 300, (line, response.text)
            assert response.json()


def _parse_curl(line: str, url: str) -> tuple[str, str, dict[str, str], bytes | None]:
    words = shlex.split(line)[1:]
    headers: dict[str, str] = {}
    body = None
    target = ""
    while words:
        word = words.pop(0)
        if word == "-H":
            name, _, value = words.pop(0).partition(": ")
            headers[name] = value
        elif word == "-d":
            body = words.pop(0).encode()
            json.loads(body)
        else:
            target = word
    assert target.startswith(url), target
    return ("POST" if body else "GET"), target.removeprefix(url), headers, body
