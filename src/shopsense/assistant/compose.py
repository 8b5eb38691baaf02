"""Answers composed from evidence, without a generative model: the evidence sentence (or clause)
that best matches the question, written as a short customer-service answer ("Yes, it supports up
to 115 pounds."), each sentence backed by the evidence it came from. A composed answer that the
faithfulness check flags is replaced by a quotation of that evidence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from shopsense.assistant.attributes import attribute_sentence, parse_attribute
from shopsense.assistant.evidence import Evidence
from shopsense.assistant.faithfulness import check_faithfulness
from shopsense.assistant.lexicon import negated, says_no, says_yes
from shopsense.assistant.questions import QuestionType, question_type
from shopsense.assistant.sentences import (
    clean,
    content_words,
    split_clauses,
    split_sentences,
    words,
)

_OPENING = re.compile(r"^(?:(?:and|but|so|or|also|hello|hi|well)\b[\s,]*)+", re.I)
#: Opening words of a subjectless fragment ("requires 3 aa batteries"): it takes "It ...".
_VERBS = frozenset(
    """includes requires fits works comes has features holds measures supports contains uses
    takes runs needs offers allows lets helps plays teaches accommodates provides""".split()
)
#: Opening words of a fragment that takes "It is ..." ("made of wood", "easy to clean").
_PREDICATES = frozenset(
    """made designed recommended compatible easy durable great perfect suitable ideal available
    safe sturdy intended rated built ready approved certified sold powered""".split()
)
#: How many of the best evidence items (given best first) the answer may draw on.
TOP_EVIDENCE = 3
#: Score lost per rank below the first evidence item (in shared content words).
RANK_PENALTY = 0.5
#: A passage longer than this (words) is cut to its best run of clauses.
MAX_WORDS = 20


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


def _passages(evidence: Sequence[Evidence], language: str) -> list[_Passage]:
    """Candidate passages: each attribute as a sentence, each other evidence split in sentences."""
    passages = []
    for rank, item in enumerate(evidence[:TOP_EVIDENCE]):
        attribute = parse_attribute(item.text)
        if attribute is not None:
            passages.append(
                _Passage(attribute_sentence(attribute, language), item.text, item, rank)
            )
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


def _with_subject(text: str) -> str:
    """A subjectless English fragment given the subject "It" ("Requires 3 aa" -> "It requires 3
    aa"; "Made of wood" -> "It is made of wood"); other text unchanged."""
    first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    if first in _VERBS:
        return "It " + _lower_first(text)
    if first in _PREDICATES:
        return "It is " + _lower_first(text)
    return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or text[1:2] == " " else text


def _templated(question: str, passage: _Passage, body: str, language: str) -> str:
    """The answer to `question` from `body` (a sentence of `passage`), by question type."""
    kind = question_type(question, language)
    sentence = _sentence(body, language)
    if language != "zh":
        sentence = _with_subject(sentence)
    answered = (
        body.startswith(("是的", "不是")) if language == "zh" else says_yes(body) or says_no(body)
    )
    if kind is QuestionType.YES_NO and not answered:
        if negated(body):
            return ("不是的，" if language == "zh" else "No, ") + _lower_first(sentence)
        if not negated(passage.text):
            return ("是的，" if language == "zh" else "Yes, ") + _lower_first(sentence)
        return sentence
    if language == "zh":
        return "根据商品信息，" + sentence
    return sentence


def compose_answer(
    question: str, evidence: Sequence[Evidence], language: str = "en"
) -> ComposedAnswer:
    """Answer `question` from `evidence` (best first); raises ValueError without evidence."""
    if not evidence:
        raise ValueError("no evidence to answer from")
    question_words = content_words(question)
    passages = _passages(evidence, language)
    best = max(
        passages,
        key=lambda p: _overlap(question_words, p.text) - RANK_PENALTY * p.rank,
    )
    body = _trim(best.text, question_words)
    text = _templated(question, best, body, language)
    method = "templated"
    if not check_faithfulness(text, [best.evidence.text], question).faithful:
        text, method = _sentence(best.quote, language), "quoted"
    sentence = AnsweredSentence(text, best.evidence)
    return ComposedAnswer(text, (sentence,), (best.evidence,), method)
