"""`shopsense reviews train` and `analyze`: the output contract, order, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shopsense.cli import app
from shopsense.data.demo import generate_demo_shop

runner = CliRunner()


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An analyzer trained by the CLI on demo reviews written as JSON lines."""
    folder = tmp_path_factory.mktemp("reviews")
    reviews = generate_demo_shop(n_items=300, n_users=300).reviews.filter(pl.col("rating") != 3)
    with (folder / "labelled.jsonl").open("w") as handle:
        for text, rating in reviews.select("text", "rating").iter_rows():
            label = "positive" if rating >= 4 else "negative"
            handle.write(json.dumps({"text": text, "label": label}) + "\n")
    out = folder / "model"
    result = runner.invoke(
        app,
        [
            "reviews",
            "train",
            "--data",
            str(folder / "labelled.jsonl"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def test_analyze_writes_one_line_per_review_in_order(tmp_path: Path, model: Path) -> None:
    reviews = [
        {"id": 7, "text": "Terrible, it broke after a week and the battery dies fast."},
        {"id": "b", "text": "Love it! Fits perfectly and arrived quickly."},
        {"id": None, "text": "物流很快，质量很好。"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in reviews) + "\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["reviews", "analyze", str(source), "--model", str(model), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == [7, "b", None]
    assert [line["language"] for line in lines] == ["en", "en", "zh"]
    for line in lines:
        assert set(line) == {"id", "language", "sentiment", "score", "aspects"}
        assert line["sentiment"] in {"positive", "negative", "neutral"}
        for aspect in line["aspects"]:
            assert {"term", "sentiment"} <= set(aspect)
            assert aspect["sentiment"] in {"positive", "negative", "neutral"}
    assert lines[0]["sentiment"] == "negative" and lines[1]["sentiment"] == "positive"
    assert {a["aspect"] for a in lines[0]["aspects"]} >= {"durability", "battery"}
    assert {a["aspect"] for a in lines[1]["aspects"]} == {"fit", "delivery"}
    assert [a["term"] for a in lines[2]["aspects"]] == ["物流", "质量"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": 1}', "line 2, field 'text': missing"),
        ('{"text": "fine"}', "line 2, field 'id': missing"),
        ('{"id": 1, "text": 5}', "line 2, field 'text': must be a string"),
        ("not json", "line 2: not JSON"),
    ],
)
def test_bad_input_names_the_line_and_field(
    tmp_path: Path, model: Path, line: str, problem: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 0, "text": "good"}\n' + line + "\n")
    result = runner.invoke(
        app,
        ["reviews", "analyze", str(source), "--model", str(model), "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 2
    assert problem in " ".join(result.output.split())


def test_analyze_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 0, "text": "good"}\n')
    result = runner.invoke(
        app,
        ["reviews", "analyze", str(source), "--model", str(tmp_path), "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 2
    assert "no review analyzer here" in " ".join(result.output.split())


def test_train_rejects_a_missing_aspect_folder(tmp_path: Path) -> None:
    labelled = tmp_path / "l.jsonl"
    labelled.write_text('{"text": "good", "label": "positive"}\n')
    result = runner.invoke(
        app,
        [
            "reviews",
            "train",
            "--data",
            str(labelled),
            "--out",
            str(tmp_path / "m"),
            "--aspects",
            str(tmp_path / "absent"),
        ],
    )
    assert result.exit_code == 2
    assert "--aspects" in " ".join(result.output.split())
