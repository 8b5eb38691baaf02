"""Review sentiment: real corpora (a few hundred rows each), save/load, the CLI, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tiny_classifier import tiny_base_model, tiny_config
from typer.testing import CliRunner

from shopsense.cli import app
from shopsense.reviews import LabelledReviews, SentimentConfig, SentimentModel, load_corpus
from shopsense.reviews.corpora import SENTIMENTS
from shopsense.reviews.evaluation import stratified_split
from shopsense.text import EncoderConfig

CORPORA = ["online-shopping-10-cats-zh", "waimai-10k-zh", "womens-ecommerce-clothing-reviews"]

TINY = [
    ("这个手机很好用，屏幕清晰，物流很快", "positive"),
    ("质量太差了，用了两天就坏了，不推荐", "negative"),
    ("还行吧，一般般", "neutral"),
    ("Love this dress, fits perfectly and the fabric is soft", "positive"),
    ("Terrible quality, it ripped after one wash. Returned it.", "negative"),
    ("It is okay, nothing special", "neutral"),
]


@pytest.fixture(scope="module")
def cache_dir(encoder_config: EncoderConfig) -> Path:
    """The test session's encoder cache (the ONNX model is exported once per session)."""
    assert encoder_config.cache_dir is not None
    return Path(encoder_config.cache_dir)


@pytest.fixture(scope="module")
def config(cache_dir: Path) -> SentimentConfig:
    encoder = EncoderConfig(model_name="intfloat/multilingual-e5-small", cache_dir=str(cache_dir))
    return SentimentConfig(encoder=encoder)


def _sample(shared_data: Path, name: str, size: int = 600) -> tuple[LabelledReviews, ...]:
    corpus = load_corpus(shared_data / name)
    _, sample = stratified_split(corpus, test_share=size / len(corpus))
    return stratified_split(sample, test_share=0.3)


@pytest.mark.slow
@pytest.mark.parametrize("name", CORPORA)
def test_model_beats_the_majority_label_on_real_reviews(
    shared_data: Path, config: SentimentConfig, name: str
) -> None:
    train, test = _sample(shared_data, name)
    model = SentimentModel.fit(train, config)
    predicted = np.array([review.sentiment for review in model.analyze(test.texts)])
    majority = max(np.mean(test.labels == label) for label in np.unique(test.labels))
    assert np.mean(predicted == test.labels) > majority + 0.05


def _tiny(path: Path, copies: int = 8) -> Path:
    lines = [
        json.dumps({"text": f"{text} {i}", "label": label}, ensure_ascii=False)
        for i in range(copies)
        for text, label in TINY
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_save_and_load_give_identical_scores(tmp_path: Path, config: SentimentConfig) -> None:
    model = SentimentModel.fit(load_corpus(_tiny(tmp_path / "tiny.jsonl")), config)
    model.save(tmp_path / "model")
    loaded = SentimentModel.load(tmp_path / "model")
    texts = [text for text, _ in TINY] + ["全新的句子", "a brand new sentence"]
    probabilities = model.probabilities(texts)
    assert sorted(model.classes.tolist()) == sorted(SENTIMENTS)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_array_equal(loaded.probabilities(texts), probabilities)
    assert loaded.analyze(texts) == model.analyze(texts)


def test_fine_tuned_blend_saves_and_loads_identically(tmp_path: Path) -> None:
    base_model = tiny_base_model(tmp_path / "base", [text for text, _ in TINY])
    config = SentimentConfig(
        encoder=None, fine_tune=tiny_config(base_model), blend_weights=(0.5,), validation_share=0.4
    )
    model = SentimentModel.fit(load_corpus(_tiny(tmp_path / "tiny.jsonl")), config)
    assert model.classifier is not None and model.blend_weight == 0.5
    model.save(tmp_path / "model")
    loaded = SentimentModel.load(tmp_path / "model")
    texts = [text for text, _ in TINY] + ["全新的句子", "a brand new sentence"]
    probabilities = model.probabilities(texts)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(loaded.probabilities(texts), probabilities)


@pytest.fixture
def runner(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SHOPSENSE_CACHE_DIR", str(cache_dir))
    return CliRunner()


def test_train_names_a_bad_label(tmp_path: Path, runner: CliRunner) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"text": "fine", "label": "positive"}\n{"text": "x", "label": "good"}\n')
    result = runner.invoke(app, ["reviews", "train", "--data", str(data), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "line 2, field 'label'" in " ".join(result.output.split())


def test_cli_evaluate_reports_every_method_on_the_seeded_split(
    tmp_path: Path, runner: CliRunner
) -> None:
    english = [(text, label) for text, label in TINY if text.isascii()]
    data = tmp_path / "english.jsonl"
    data.write_text(
        "".join(
            json.dumps({"text": f"{text} {i}", "label": label}) + "\n"
            for i in range(10)
            for text, label in english
        )
    )
    report = tmp_path / "r.json"
    args = [
        "reviews",
        "evaluate",
        "--data",
        str(data),
        "--no-aspect-evaluation",
        "--report",
        str(report),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    results = json.loads(report.read_text())
    assert "seed 0" in results["protocol"]
    (corpus,) = results["corpora"]
    assert (corpus["train"], corpus["test"]) == (24, 6)
    assert set(corpus["methods"]) == {"VADER", "TF-IDF + LR", "ours"}
