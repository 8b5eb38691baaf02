"""Composed answers: by question type, from attribute evidence, in Chinese, and the fallback to
quoting when the faithfulness check flags the templated answer."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import shopsense.assistant.compose as compose_module
from shopsense.assistant.attributes import attribute_sentence, parse_attribute
from shopsense.assistant.compose import compose_answer
from shopsense.assistant.drafts import drafts, score
from shopsense.assistant.evidence import Evidence, EvidenceSource
from shopsense.assistant.faithfulness import FaithfulnessReport, check_faithfulness
from shopsense.assistant.questions import QuestionType, question_type


def _evidence(text: str, source: EvidenceSource = EvidenceSource.DESCRIPTION, id: str = "e1"):
    return Evidence(source, id, text)


@pytest.mark.parametrize(
    ("question", "language", "kind"),
    [
        ("does it fold?", "en", QuestionType.YES_NO),
        ("i'm 6 feet tall. will it fit me?", "en", QuestionType.YES_NO),
        ("how many motors does it have?", "en", QuestionType.HOW_MANY),
        ("how long is the cable?", "en", QuestionType.MEASURE),
        ("what colour is the lid?", "en", QuestionType.ATTRIBUTE),
        ("who makes it?", "en", QuestionType.OTHER),
        ("这个能不能防水", "zh", QuestionType.YES_NO),
        ("可以机洗吗？", "zh", QuestionType.YES_NO),
        ("一共有多少个？", "zh", QuestionType.HOW_MANY),
        ("尺寸多大？", "zh", QuestionType.MEASURE),
        ("有什么颜色？", "zh", QuestionType.ATTRIBUTE),
    ],
)
def test_question_types(question, language, kind):
    assert question_type(question, language) is kind


def test_yes_no_answer_cites_its_evidence():
    evidence = [
        _evidence("easy to assemble. the swing supports up to 115 pounds, tested for safety."),
        _evidence("great swing", EvidenceSource.REVIEW, "r1"),
    ]
    answer = compose_answer("can it hold 115 pounds?", evidence)
    assert answer.text == "Yes, the swing supports up to 115 pounds, tested for safety."
    assert answer.method == "templated"
    assert answer.citations == (evidence[0],)
    assert [s.evidence for s in answer.sentences] == [evidence[0]]
    assert check_faithfulness(answer.text, [evidence[0].text]).faithful


def test_negated_evidence_answers_no():
    answer = compose_answer("does it come with batteries?", [_evidence("batteries not included")])
    assert answer.text == "No, batteries not included."


def test_how_many_picks_the_clause_with_the_count():
    evidence = _evidence(
        "a great gift for young builders who love robots and remote control toys of all kinds, "
        "the box contains lego parts, 3 motors and a brick"
    )
    answer = compose_answer("how many motors does it contain?", [evidence])
    assert "3 motors" in answer.text
    assert len(answer.text.split()) < 15


def test_subjectless_fragment_gets_a_subject():
    answer = compose_answer("what batteries does it use?", [_evidence("requires 3 aa batteries")])
    assert answer.text == "It requires 3 aa batteries."


def test_attribute_evidence_becomes_a_sentence():
    assert parse_attribute('size:  { value:"ipad case" }') is not None
    evidence = _evidence('size:  { value:"ipad case" }', EvidenceSource.ATTRIBUTE)
    assert compose_answer("what size is it?", [evidence]).text == "The size is ipad case."
    dims = parse_attribute(
        "item_dimensions:  { width:{ unit:inches, normalized_value:{ unit:inches, value:30. }, "
        "value:30. }, height:{ unit:inches, value:0.25 } }"
    )
    assert attribute_sentence(dims) == (
        "The item dimensions are width 30 inches and height 0.25 inches."
    )
    flag = _evidence("is_electric:  { value:false }", EvidenceSource.ATTRIBUTE)
    assert compose_answer("is it electric?", [flag]).text == "No, it is not electric."
    included = _evidence("batteries_included:  { value:true }", EvidenceSource.ATTRIBUTE)
    assert compose_answer("are batteries included?", [included]).text == (
        "Yes, the batteries are included."
    )


def test_attribute_parser_leaves_prose_alone():
    assert parse_attribute("the box contains lego parts, 3 motors and a brick.") is None


def test_chinese_answers():
    evidence = [_evidence("本品采用食品级硅胶。可以放入洗碗机清洗，耐高温。")]
    answer = compose_answer("可以用洗碗机洗吗？", evidence, language="zh")
    assert answer.text == "是的，可以放入洗碗机清洗，耐高温。"
    colour = [_evidence("颜色：红色", EvidenceSource.ATTRIBUTE)]
    assert (
        compose_answer("有什么颜色？", colour, language="zh").text == "根据商品信息，颜色是红色。"
    )
    negative = [_evidence("本品不防水，请勿浸泡。")]
    assert compose_answer("防水吗？", negative, language="zh").text.startswith("不是的，")


def test_best_matching_evidence_wins_over_rank():
    evidence = [
        _evidence("a colourful toy for toddlers"),
        _evidence("the frame folds flat for storage", id="e2"),
    ]
    answer = compose_answer("does the frame fold flat?", evidence)
    assert answer.citations[0].id == "e2"
    assert answer.text == "Yes, the frame folds flat for storage."


def test_flagged_templated_answer_falls_back_to_quoting(monkeypatch):
    calls = []

    def strict(answer, evidence_texts, question=""):
        calls.append(answer)
        return FaithfulnessReport(False, ("flagged for the test",))

    monkeypatch.setattr(compose_module, "check_faithfulness", strict)
    evidence = _evidence("- the swing supports up to 115 pounds")
    answer = compose_answer("can it hold 115 pounds?", [evidence])
    assert calls[0] == "Yes, the swing supports up to 115 pounds."
    assert 1 < len(calls) <= compose_module.CHECKED_DRAFTS
    assert answer.method == "quoted"
    assert answer.text == "The swing supports up to 115 pounds."
    assert answer.sentences[0].evidence == evidence


def test_quoting_fallback_on_a_real_flag():
    # The clause answering the question drops the sentence's negation: saying "Yes" would
    # contradict it, so no "Yes" is added; the answer stays checkable and faithful.
    evidence = _evidence(
        "the battery is self-contained, so you cannot swap out a freshly charged battery"
    )
    answer = compose_answer("is the battery self-contained?", [evidence])
    assert not answer.text.startswith("Yes")
    assert check_faithfulness(answer.text, [evidence.text]).faithful


def test_a_flagged_draft_gives_way_to_the_next_best_one(monkeypatch):
    def no_yes(answer, evidence_texts, question=""):
        flagged = answer.startswith("Yes")
        return FaithfulnessReport(not flagged, ("flagged for the test",) if flagged else ())

    monkeypatch.setattr(compose_module, "check_faithfulness", no_yes)
    answer = compose_answer("can it hold 115 pounds?", [_evidence("supports up to 115 pounds")])
    assert answer.method == "templated"
    assert answer.text == "It supports up to 115 pounds."


def test_answer_keeps_the_span_that_answers():
    evidence = _evidence(
        "the clothes are easy to take off, the dummy is a great feature (even tho my daughter "
        "didn't really use one herself, she still loves it), and its soft."
    )
    answer = compose_answer("are baby stella's clothes removable?", [evidence])
    assert "clothes are easy to take off" in answer.text
    assert "dummy" not in answer.text


def test_drafts_subjects_yes_no_and_scores():
    found = drafts(
        "is it a good gift?", [_evidence("a great gift for kids. batteries not included")]
    )
    texts = {d.text for d in found}
    assert "It is a great gift for kids." in texts
    assert "Yes, it is a great gift for kids." in texts
    assert "No, batteries not included." in texts
    assert not any(t.startswith("Yes") and "batteries" in t for t in texts)
    weights = json.loads((SRC / "answer_scorer.json").read_text())["weights"]
    assert {name for d in found for name in d.features} <= set(weights)
    assert all(math.isfinite(score(d)) for d in found)


def test_no_evidence_is_an_error():
    with pytest.raises(ValueError, match="no evidence"):
        compose_answer("does it fold?", [])


SRC = Path(compose_module.__file__).parent
HETPQA = Path(__file__).resolve().parents[3] / "shared" / "data" / "product-qa-hetpqa-semipqa"


def test_hetpqa_dev_answers_are_faithful():
    dev = HETPQA / "hetpqa" / "answer_generation" / "dev.tsv"
    if not dev.exists():
        pytest.skip(f"{dev} not found: the hetPQA data lives in ../shared/data")
    import csv

    with dev.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))[:100]
    for row in rows:
        evidence = _evidence(row["candidate"])
        answer = compose_answer(row["question"], [evidence])
        assert check_faithfulness(answer.text, [evidence.text], row["question"]).faithful
