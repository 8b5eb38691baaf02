"""Aspect polarity: the ABSA loader, the window baseline, the fine-tuned model on a tiny encoder
(fit, predict, save/load through ONNX), the evaluation report, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tiny_classifier import tiny_base_model, tiny_config

from shopsense.data.errors import DataError
from shopsense.reviews.absa_corpora import (
    AspectExamples,
    absa_set_names,
    load_absa_file,
    load_absa_set,
)
from shopsense.reviews.aspect_evaluation import OURS, evaluate_aspects, pooled_training
from shopsense.reviews.baselines import aspect_window
from shopsense.reviews.corpora import SENTIMENTS
from shopsense.reviews.finetune import ClassifierConfig, Examples, TextClassifier
from shopsense.reviews.polarity import AspectPolarityModel, PolarityConfig, mark_aspect

ENGLISH = [
    ("The $T$ is great and fast .", "screen", "Positive"),
    ("The $T$ died after a week .", "battery", "Negative"),
    ("I bought it with a $T$ .", "case", "Neutral"),
    ("Great $T$ but awful battery .", "keyboard", "Positive"),
    ("Nice screen but awful $T$ .", "battery", "Negative"),
    ("It comes with a $T$ .", "charger", "Neutral"),
]
CHINESE = [
    ("$T$ 很 好", "屏 幕", "1"),
    ("$T$ 太 差 了", "电 池", "-1"),
    ("$T$ 不 比 $T$ 差", "屏", "1"),
    ("价 格 偏 高 , $T$ 一 般", "外 观", "-1"),
]


def _write(path: Path, rows: list[tuple[str, str, str]], copies: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{s}\n{t}\n{p}\n" for _ in range(copies) for s, t, p in rows))
    return path


def test_loader_joins_spaced_chinese_and_finds_each_span(tmp_path: Path) -> None:
    english = load_absa_file(_write(tmp_path / "en.txt", ENGLISH))
    assert english.texts[0] == "The screen is great and fast ."
    assert english.terms == [term for _, term, _ in ENGLISH]
    assert english.labels.tolist()[:3] == ["positive", "negative", "neutral"]
    chinese = load_absa_file(_write(tmp_path / "zh.txt", CHINESE))
    assert chinese.texts[:3] == ["屏幕很好", "电池太差了", "屏不比屏差"]
    assert chinese.spans[2] == (0, 1)
    assert chinese.terms == ["屏幕", "电池", "屏", "外观"]
    assert (english.language, chinese.language) == ("en", "zh")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("no target here\nx\nPositive\n", "line 1, field 'sentence'"),
        ("the $T$ .\n\nPositive\n", "line 2, field 'term'"),
        ("the $T$ .\nx\ngood\n", "line 3, field 'polarity'"),
        ("the $T$ .\nx\n", "not a multiple of three"),
    ],
)
def test_loader_names_the_bad_line_and_field(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(DataError, match=expected):
        load_absa_file(path)


def test_real_sets_load_with_their_documented_sizes(shared_data: Path) -> None:
    root = shared_data / "absa-semeval-and-chinese"
    assert {"laptop14", "restaurant14", "zh-car"} <= set(absa_set_names(root))
    train, test = load_absa_set(root / "zh-car")
    assert (len(train), len(test)) == (867, 285)
    assert " " not in "".join(train.texts)
    assert (train.texts[1], train.terms[1]) == ("我个人觉得思域的价格偏高", "价格")


def test_pooled_training_drops_test_sentences_and_repeats() -> None:
    def examples(texts: list[str]) -> AspectExamples:
        return AspectExamples(
            "s", texts, [(0, 1)] * len(texts), np.array(["positive"] * len(texts))
        )

    pooled = pooled_training(
        [examples(["a x", "b y"]), examples(["b y", "c z"])], [examples(["c z"])]
    )
    assert pooled.texts == ["a x", "b y"]


def test_window_keeps_words_around_the_aspect() -> None:
    text = "one two three four five six seven"
    assert aspect_window(text, (14, 18), "en", width=1) == "three four five"
    assert aspect_window("价格偏高但是外观很好看", (6, 8), "zh", width=1).startswith("但是外观")


def test_marking_names_a_bad_span() -> None:
    assert mark_aspect("the screen is fine", (4, 10)) == "the [screen] is fine"
    with pytest.raises(ValueError, match="span"):
        mark_aspect("short", (3, 9))


@pytest.fixture(scope="module")
def base_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = [s.replace("$T$", t) + " [ ]" for s, t, _ in ENGLISH + CHINESE]
    return tiny_base_model(tmp_path_factory.mktemp("tiny-bert"), texts)


def _training(tmp_path: Path) -> AspectExamples:
    return AspectExamples.concatenate(
        [load_absa_file(_write(tmp_path / "en.txt", ENGLISH, copies=4))]
    )


def test_model_fits_predicts_and_reloads_identically(tmp_path: Path, base_model: Path) -> None:
    data = _training(tmp_path)
    classifier = tiny_config(base_model, frozen_layers=1)
    config = PolarityConfig(classifier=classifier, validation_share=0.25)
    model = AspectPolarityModel.fit(data.texts, data.spans, data.labels.tolist(), config)
    predicted = model.predict(data.texts, data.spans)
    assert len(predicted) == len(data)
    assert all(label in SENTIMENTS and 0 <= score <= 1 for label, score in predicted)
    assert model.classifier.log.steps <= 4
    model.save(tmp_path / "model")
    loaded = AspectPolarityModel.load(tmp_path / "model")
    assert loaded.predict(data.texts, data.spans) == predicted
    assert loaded.predict([], []) == []


def test_fine_tuning_reports_bad_settings(base_model: Path) -> None:
    train = Examples(["good thing", "bad thing"] * 4, np.array(["positive", "negative"] * 4))
    with pytest.raises(ValueError, match="frozen_layers"):
        TextClassifier.fit(train, None, tiny_config(base_model, frozen_layers=3))
    with pytest.raises(ValueError, match="two labels"):
        TextClassifier.fit(train.subset(np.array([0, 2])), None, tiny_config(base_model))


def test_load_names_a_missing_model(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no fine-tuned classifier"):
        AspectPolarityModel.load(tmp_path)


def test_evaluation_reports_every_method_per_set(tmp_path: Path, base_model: Path) -> None:
    for name, rows in (("en-set", ENGLISH), ("zh-set", CHINESE)):
        _write(
            tmp_path / name / "train.txt",
            [(f"{s} {i}", t, p) for i in range(4) for s, t, p in rows],
        )
        _write(tmp_path / name / "test.txt", [(f"{s} !", t, p) for s, t, p in rows])
    config = PolarityConfig(classifier=tiny_config(base_model), validation_share=0.25)
    report = evaluate_aspects(tmp_path, config)
    assert [found["set"] for found in report["sets"]] == ["en-set", "zh-set"]
    assert set(report["models"]) == {"en", "zh"}
    for found in report["sets"]:
        assert set(found["methods"]) == {"majority class", "TF-IDF window + LR", OURS}
        assert 0 <= found["methods"][OURS]["accuracy"] <= 1
    assert report["models"]["en"]["train_examples"] == 4 * len(ENGLISH)


def test_config_rejects_unknown_settings() -> None:
    with pytest.raises(ValueError, match="extra"):
        ClassifierConfig.model_validate({"epoch": 2})
