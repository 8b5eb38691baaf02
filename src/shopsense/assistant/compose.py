"""Answers composed from evidence, without a generative model, each sentence backed by the evidence
it came from. English: the draft (a span of the evidence written as a short customer-service
answer, "Yes, it supports up to 115 pounds.") that the learned draft scorer ranks highest among
those the faithfulness check passes. Chinese: the evidence sentence (or clause) that best matches
the question, templated by question type. When the check flags every draft, the evidence
sentence is quoted."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from shopsense.assistant.attributes import attribute_sentence, parse_attribute
from shopsense.assistant.drafts import drafts, score
from shopsense.assistant.evidence import Evidence
from shopsense.assistant.faithfulness import check_faithfulness, replaces_asked_value
from shopsense.assistant.lexicon import negated
from shopsense.assistant.questions import QuestionType, question_type
from shopsense.assistant.sentences import (
    clean,
    content_words,
    split_clauses,
    split_sentences,
    words,
)

_OPENING = re.compile(r"^(?:(?:and|but|so|or|also|hello|hi|well)\b[\s,]*)+", re.I)
#: How many of the best evidence items (given best first) the answer may draw on.
TOP_EVIDENCE = 3
#: Score lost per rank below the first evidence item (in shared content words).
RANK_PENALTY = 0.5
#: A Chinese passage longer than this (words) is cut to its best run of clauses.
MAX_WORDS = 20
#: How many of the best-scored English drafts are checked before quoting.
CHECKED_DRAFTS = 10


@dataclass(frozen=True)
class AnsweredSentence:
    """One sentence of an answer and the evidence item that backs it."""

    text: str
    evidence: Evidence


@dataclass(frozen=True)
class ComposedAnswer:
    """An answer: its text, its sentences with their evidence, the cited evidence, and how it
    was made ("templated": rewritten from the evidence; "quoted": the evidence verbatim)."""

    text: str
    sentences: tuple[AnsweredSentence, ...]
    citations: tuple[Evidence, ...]
    method: str


@dataclass(frozen=True)
class _Passage:
    text: str
    quote: str
    evidence: Evidence
    rank: int


def _passages(evidence: Sequence[Evidence]) -> list[_Passage]:
    """Chinese candidate passages: each attribute as a sentence, each other evidence split in
    sentences."""
    passages = []
    for rank, item in enumerate(evidence[:TOP_EVIDENCE]):
        attribute = parse_attribute(item.text)
        if attribute is not None:
            passages.append(_Passage(attribute_sentence(attribute, "zh"), item.text, item, rank))
            continue
        for sentence in split_sentences(item.text) or [item.text]:
            passages.append(_Passage(clean(sentence), clean(sentence), item, rank))
    return passages


def _overlap(question_words: set[str], text: str) -> int:
    return len(question_words & content_words(text))


def _trim(text: str, question_words: set[str]) -> str:
    """The shortest run of clauses of `text` that shares the most words with the question."""
    if len(words(text)) <= MAX_WORDS:
        return text
    clauses = split_clauses(text)
    best, best_key = text, (-1, 0)
    for start in range(len(clauses)):
        for end in range(start + 1, len(clauses) + 1):
            span = " ".join(clauses[start:end])
            size = len(words(span))
            if size > MAX_WORDS and end > start + 1:
                break
            key = (_overlap(question_words, span), -size)
            if key > best_key:
                best, best_key = span, key
    return best


def _sentence(text: str, language: str) -> str:
    """`text` as a sentence: no opening conjunction or greeting, no trailing clause marks,
    first letter capitalised, a full stop."""
    text = _OPENING.sub("", text.strip()).rstrip(",;:，；：、 -")
    if language == "zh":
        return text if text.endswith(("。", "！", "？")) else text + "。"
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _templated(question: str, passage: _Passage, body: str) -> str:
    """The Chinese answer to `question` from `body` (a sentence of `passage`): "是的，" or
    "不是的，" to a yes/no question the evidence does not answer itself, else "根据商品信息，"."""
    sentence = _sentence(body, "zh")
    if question_type(question, "zh") is QuestionType.YES_NO and not body.startswith(
        ("是的", "不是")
    ):
        if negated(body) or replaces_asked_value(question, body):
            return "不是的，" + sentence
        if not negated(passage.text):
            return "是的，" + sentence
        return sentence
    return "根据商品信息，" + sentence


def _chinese(question: str, evidence: Sequence[Evidence]) -> ComposedAnswer:
    """The Chinese answer from the passage sharing the most words with the question."""
    question_words = content_words(question)
    best = max(
        _passages(evidence),
        key=lambda p: _overlap(question_words, p.text) - RANK_PENALTY * p.rank,
    )
    text = _templated(question, best, _trim(best.text, question_words))
    method = "templated"
    if not check_faithfulness(text, [best.evidence.text], question).faithful:
        text, method = _sentence(best.quote, "zh"), "quoted"
    return ComposedAnswer(text, (AnsweredSentence(text, best.evidence),), (best.evidence,), method)


def _english(question: str, evidence: Sequence[Evidence]) -> ComposedAnswer:
    """The best-scored English draft that the faithfulness check passes, else the best draft's
    evidence sentence quoted."""
    ranked = sorted(drafts(question, evidence[:TOP_EVIDENCE]), key=score, reverse=True)
    if not ranked:
        item = evidence[0]
        text = _sentence(clean(item.text) or item.text, "en")
        return ComposedAnswer(text, (AnsweredSentence(text, item),), (item,), "quoted")
    for draft in ranked[:CHECKED_DRAFTS]:
        if check_faithfulness(draft.text, [draft.evidence.text], question).faithful:
            text, method, cited = draft.text, "templated", draft.evidence
            break
    else:
        text, method, cited = _sentence(ranked[0].quote, "en"), "quoted", ranked[0].evidence
    return ComposedAnswer(text, (AnsweredSentence(text, cited),), (cited,), method)


def compose_answer(
    question: str, evidence: Sequence[Evidence], language: str = "en"
) -> ComposedAnswer:
    """Answer `question` from `evidence` (best first); raises ValueError without evidence."""
    if not evidence:
        raise ValueError("no evidence to answer from")
    return _chinese(question, evidence) if language == "zh" else _english(question, evidence)
