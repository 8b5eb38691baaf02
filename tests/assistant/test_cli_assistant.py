"""`shopsense assistant train`, `evaluate` and `ask` on small files of the public formats and a
trained demo bundle."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopsense.bundle import train_bundle
from shopsense.cli import app
from shopsense.data.demo import generate_demo_shop
from shopsense.text import EncoderConfig
from tests.assistant.test_evidence_ranker import TOPICS, labelled_questions

pytestmark = pytest.mark.slow


def write_tsv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def qa_folder(tmp_path: Path) -> Path:
    """hetPQA / semiPQA files in their layout, from the ranker test's labelled questions."""
    root = tmp_path / "qa"
    ranking = [
        [q.qid, q.product, str(n), q.question, c, str(label), s, "high"]
        for q in labelled_questions()
        for n, (c, label, s) in enumerate(zip(q.candidates, q.labels, q.sources, strict=True))
    ]
    write_tsv(
        root / "hetpqa/evidence_ranking/dev.tsv",
        ["qid", "ASIN", "qa_pair_id", "question", "candidate", "label", "source", "confidence"],
        ranking,
    )
    attributes = [[r[0], r[2], r[3], r[4], r[5]] for r in ranking]
    for split in ("dev", "testunseen"):
        write_tsv(
            root / f"semipqa/attribute_ranking/{split}.tsv",
            ["qid", "qa_pair_id", "question", "candidate", "label"],
            attributes,
        )
    answers = [[f"p{n}", q, a, a, "bullet"] for n, (_, q, a) in enumerate(TOPICS)]
    for split in ("train", "dev", "test"):
        write_tsv(
            root / f"hetpqa/answer_generation/{split}.tsv",
            ["ASIN", "question", "candidate", "answer", "source"],
            answers,
        )
    return root


def test_train_then_evaluate_writes_every_figure(
    qa_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    encoder_config: EncoderConfig,
) -> None:
    monkeypatch.setenv("SHOPSENSE_CACHE_DIR", str(encoder_config.cache_dir))
    runner = CliRunner()
    model = tmp_path / "ranker"
    trained = runner.invoke(
        app,
        ["assistant", "train", "--no-relevance", "--data", str(qa_folder), "--out", str(model)],
    )
    assert trained.exit_code == 0, trained.output
    report = tmp_path / "report.json"
    intents = tmp_path / "intents.jsonl"
    intents.write_text(json.dumps({"text": "hello!", "intent": "greeting"}) + "\n")
    evaluated = runner.invoke(
        app,
        [
            "assistant",
            "evaluate",
            "--data",
            str(qa_folder),
            "--model",
            str(model),
            "--intents",
            str(intents),
            "--report",
            str(report),
        ],
    )
    assert evaluated.exit_code == 0, evaluated.output
    result = json.loads(report.read_text())
    files = [r["file"] for r in result["ranking"]]
    assert files == ["hetpqa/evidence_ranking/dev.tsv", "semipqa/attribute_ranking/testunseen.tsv"]
    for ranked in result["ranking"]:
        assert set(ranked["methods"]) == {"bm25", "cosine", "ours"}
        assert 0 <= ranked["methods"]["ours"]["p_at_1"] <= 1
    assert result["answers"]["rows"] == len(TOPICS)
    assert 0 <= result["answers"]["rouge_l_ours"] <= 1
    assert result["intents"]["messages"] == 1


def test_bad_labels_are_named(qa_folder: Path, tmp_path: Path) -> None:
    path = qa_folder / "hetpqa/evidence_ranking/dev.tsv"
    path.write_text(path.read_text().replace("\t1\tbullet", "\tyes\tbullet", 1))
    result = CliRunner().invoke(
        app, ["assistant", "train", "--no-relevance", "--data", str(qa_folder), "--out", "x"]
    )
    assert result.exit_code == 2 and "label must be 0 or 1" in result.output


def test_ask_answers_from_a_trained_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoder_config: EncoderConfig
) -> None:
    monkeypatch.setenv("SHOPSENSE_CACHE_DIR", str(encoder_config.cache_dir))
    shop = generate_demo_shop(n_items=120, n_users=80)
    root = tmp_path / "bundle"
    train_bundle(shop, root, ["popularity"], precompute=False)
    item = shop.items["item_id"][0]
    result = CliRunner().invoke(
        app, ["assistant", "ask", "what is it made of?", "--bundle", str(root), "--item", item]
    )
    assert result.exit_code == 0, result.output
    reply = json.loads(result.stdout)
    assert reply["intent"] == "product_question"
    assert reply["citations"] and reply["citations"][0]["id"].startswith(item)
    unknown = CliRunner().invoke(
        app, ["assistant", "ask", "is it red?", "--bundle", str(root), "--item", "nope"]
    )
    assert unknown.exit_code == 2 and "nope" in unknown.output
