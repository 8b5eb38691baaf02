import json
import shlex
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shopsense.cli import app
from shopsense.cli.demo import DEMO_KEYS, curl_examples
from shopsense.data.loaders import load
from shopsense.serving.app import create_app
from shopsense.serving.settings import ServingConfig

README = Path(__file__).resolve().parents[1] / "README.md"


def test_demo_evaluates_trains_and_recommends(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--users", "1", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.json").is_file()
    assert "because you" in result.output
    _the_curl_examples_work(tmp_path / "bundle", tmp_path / "store.duckdb")


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
