"""The evidence ranker: trained on labelled questions, saved and loaded without change, the
packaged one loads, and the `shopsense assistant rank` contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shopsense.assistant.evidence import EvidenceSource
from shopsense.assistant.evidence_ranker import (
    EvidenceQuestion,
    EvidenceRanker,
    EvidenceRankerConfig,
    packaged_ranker,
)
from shopsense.assistant.qa_corpora import RankingQuestion
from shopsense.cli import app
from shopsense.text import EncoderConfig

TOPICS = [
    ("battery", "How long does the battery last?", "The battery lasts 10 hours on a charge."),
    ("colour", "What colour is it?", "It comes in navy blue."),
    ("size", "How big is it?", "It measures 20 by 30 centimetres."),
    ("washing", "Can I put it in the washing machine?", "Machine washable at 30 degrees."),
    ("warranty", "Is there a warranty?", "Covered by a two-year warranty."),
    ("weight", "How heavy is it?", "It weighs 1.2 kilograms."),
    ("material", "What is it made of?", "Made of solid oak wood."),
    ("charger", "Does it come with a charger?", "A USB-C charger is included in the box."),
]


def labelled_questions() -> list[RankingQuestion]:
    """Each question with its answering passage and four others; every third unanswerable."""
    questions = []
    for n, (_, question, answer) in enumerate(TOPICS * 4):
        others = [a for _, q, a in TOPICS if a != answer][:4]
        answerable = n % 3 != 2
        candidates = ([answer] if answerable else []) + others
        rotate = n % len(candidates)
        candidates = candidates[rotate:] + candidates[:rotate]
        questions.append(
            RankingQuestion(
                str(n),
                question,
                f"p{n}",
                tuple(candidates),
                tuple("bullet" for _ in candidates),
                tuple(int(c == answer) for c in candidates),
            )
        )
    return questions


@pytest.fixture(scope="module")
def ranker(encoder_config: EncoderConfig) -> EvidenceRanker:
    config = EvidenceRankerConfig(encoder=encoder_config, folds=2)
    config.stacker.min_data_in_leaf = 2
    config.stacker.holdout_fraction = 0.0
    return EvidenceRanker.fit(labelled_questions(), config)


def test_the_trained_ranker_puts_the_answer_first_and_round_trips(
    ranker: EvidenceRanker, tmp_path: Path
) -> None:
    asked = [EvidenceQuestion.from_ranking(q) for q in labelled_questions()]
    verdicts = ranker.rank(asked, "en")
    hits = [
        q.labels[v.order[0]]
        for q, v in zip(labelled_questions(), verdicts, strict=True)
        if q.answerable
    ]
    assert np.mean(hits) >= 0.9
    assert all(0.0 <= v.answerable <= 1.0 for v in verdicts)
    assert 0.0 <= ranker.decline_below <= 1.0
    ranker.save(tmp_path / "ranker")
    loaded = EvidenceRanker.load(tmp_path / "ranker")
    again = loaded.rank(asked, "en")
    for first, second in zip(verdicts, again, strict=True):
        np.testing.assert_allclose(first.scores, second.scores)
        assert first.answerable == pytest.approx(second.answerable)
    assert loaded.decline_below == ranker.decline_below


def test_no_candidates_is_declined(ranker: EvidenceRanker) -> None:
    (verdict,) = ranker.rank([EvidenceQuestion("Is it red?", (), ())], "en")
    assert not verdict.answer and verdict.answerable == 0.0


def test_the_packaged_ranker_loads_and_ranks_both_languages() -> None:
    ranker = packaged_ranker()
    assert ranker.signals == ["cosine"]
    questions = [
        EvidenceQuestion(
            "How long does the battery last?",
            ("The battery lasts 10 hours.", "Made of oak."),
            (EvidenceSource.DESCRIPTION, EvidenceSource.DESCRIPTION),
        ),
        EvidenceQuestion(
            "电池能用多久？",
            ("材质是橡木。", "电池续航10小时。"),
            (EvidenceSource.DESCRIPTION, EvidenceSource.DESCRIPTION),
        ),
    ]
    english, chinese = ranker.rank(questions)
    assert english.order[0] == 0 and chinese.order[0] == 1


def test_rank_command_keeps_the_contract(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        {"question": "How long does the battery last?", "candidates": ["10 hours.", "Oak."]},
        {"question": "What is it made of?", "candidates": ["Oak."], "sources": ["attribute"]},
    ]
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["assistant", "rank", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert [len(w["scores"]) for w in written] == [2, 1]
    assert all(0.0 <= w["answerable"] <= 1.0 for w in written)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"question": "q?", "candidates": "one"}, "candidates"),
        ({"question": "q?", "candidates": ["a"], "sources": ["nowhere"]}, "sources"),
        ({"candidates": ["a"]}, "question"),
    ],
)
def test_rank_command_names_a_bad_field(tmp_path: Path, line: dict, field: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(line) + "\n")
    result = CliRunner().invoke(
        app, ["assistant", "rank", str(source), "--out", str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 2
    assert field in result.output and "line 1" in result.output
