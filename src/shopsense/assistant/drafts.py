"""Draft answers and their scores: every short span of the evidence that could answer an English
question, written as a sentence (with "Yes, " / "No, " where the evidence allows, "It ..." for a
subjectless fragment), each scored by a linear model of how close it comes to what a person
answers (ROUGE-L against hetPQA train answers; `benchmarks/train_answer_scorer.py` fits it and
writes the coefficients to `answer_scorer.json`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from shopsense.assistant.attributes import Attribute, attribute_sentence, parse_attribute
from shopsense.assistant.evidence import Evidence
from shopsense.assistant.faithfulness import replaces_asked_value
from shopsense.assistant.lexicon import negated, says_no, says_yes
from shopsense.assistant.quantities import quantities
from shopsense.assistant.questions import QuestionType, question_type
from shopsense.assistant.sentences import clean, content_words, split_sentences, stem, words

#: Where a clause or a sub-clause of a sentence may start (after , ; : or a dash, or before a
#: joining word).
_PIECE_START = re.compile(
    r"(?<=[,;:])\s+|\s+[-–—]+\s+|\s+(?=(?:and|but|which|so|because|while|including|"
    r"although|though|as well as|plus|that|when|if|or|with|for)\b)|\s+(?=\()",
    re.I,
)
_OPENING = re.compile(r"^(?:(?:and|but|so|or|also|hello|hi|well|plus|including)\b[\s,]*)+", re.I)
_TRAILING = ",;:，；：、 -–—("
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
#: Opening words of a noun phrase or a "for ..." phrase: it takes "It is ...".
_NOUN_PHRASE_OPENINGS = frozenset("a an for".split())
#: Joining words a span may open with (a draft feature each).
_JOINING = frozenset(
    "and but which so because while including with for that when if or plus".split()
)
_FIRST_PERSON = frozenset("i i'm i've we we've my our me us".split())
_PRONOUNS = frozenset("it it's this these they they're there the you".split())
_DIMENSIONS = frozenset("width length height depth weight diameter".split())
_AUXILIARY_GROUPS = {
    "be": frozenset("is are was were isn't aren't".split()),
    "do": frozenset("does do did doesn't don't didn't".split()),
    "modal": frozenset("can could will would should may might must can't won't".split()),
}
#: A span longer than this (words) is not drafted.
MAX_SPAN_WORDS = 30
#: Sentences of one evidence item drafted from (the first ones).
MAX_SENTENCES = 12
#: Score lost per rank below the first evidence item.
RANK_PENALTY = 0.05
_COEFFICIENTS = Path(__file__).with_name("answer_scorer.json")


@dataclass(frozen=True)
class Draft:
    """One candidate answer: its text, the evidence sentence it came from (what a fallback
    quotes), that evidence item, the item's rank and the draft's features."""

    text: str
    quote: str
    evidence: Evidence
    rank: int
    features: dict[str, float]


def _sentence(text: str) -> str:
    """`text` as an English sentence: no opening conjunction, no trailing clause marks, first
    letter capitalised, a full stop."""
    text = _OPENING.sub("", text.strip()).rstrip(_TRAILING).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def lower_first(text: str) -> str:
    """`text` with its first letter lowered unless the first word is an acronym ("LEGO")."""
    return text[:1].lower() + text[1:] if text[1:2].islower() or text[1:2] == " " else text


def _subject(text: str) -> tuple[str, bool]:
    """A subjectless fragment given the subject "It" ("Requires 3 aa" -> "It requires 3 aa",
    "A great gift" -> "It is a great gift"), and whether one was added."""
    first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    if first in _VERBS:
        return "It " + lower_first(text), True
    if first in _PREDICATES or first in _NOUN_PHRASE_OPENINGS:
        return "It is " + lower_first(text), True
    return text, False


def _pieces(sentence: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the clauses and sub-clauses of `sentence`."""
    starts = [0] + [m.end() for m in _PIECE_START.finditer(sentence)]
    bounds = [*starts, len(sentence)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _spans(sentence: str) -> Iterator[tuple[str, int, int, int]]:
    """Runs of pieces of `sentence` up to MAX_SPAN_WORDS: text, first and last piece, pieces."""
    pieces = _pieces(sentence)
    for first in range(len(pieces)):
        for last in range(first, len(pieces)):
            text = sentence[pieces[first][0] : pieces[last][1]].strip()
            if len(words(text)) > MAX_SPAN_WORDS and last > first:
                break
            if words(text):
                yield text, first, last, len(pieces)


def _aux_group(question: str) -> str:
    first = words(question)[:1]
    for name, group in _AUXILIARY_GROUPS.items():
        if first and first[0] in group:
            return name
    return "other"


@dataclass(frozen=True)
class _Question:
    text: str
    kind: QuestionType
    words: frozenset[str]
    aux: str
    choice: bool
    tokens: frozenset[str]


def _base_features(question: _Question, body: str, evidence: Evidence) -> dict[str, float]:
    """Features of a draft's evidence span: overlap with the question, length, numbers."""
    span_words = content_words(body)
    overlap = len(question.words & span_words)
    size = len(words(body))
    numbered = bool(quantities(body))
    tokens = words(body)
    features = {
        "bias": 1.0,
        "overlap": float(overlap),
        "overlap_recall": overlap / max(1, len(question.words)),
        "overlap_precision": overlap / max(1, len(span_words)),
        "size": size / 10,
        "size2": (size / 10) ** 2,
        "size_le5": float(size <= 5),
        "size_le8": float(size <= 8),
        "size_le12": float(size <= 12),
        "size_le16": float(size <= 16),
        "number": float(numbered),
        "number_asked": float(
            numbered and question.kind in (QuestionType.HOW_MANY, QuestionType.MEASURE)
        ),
        "first_person_opening": float(bool(tokens) and tokens[0] in _FIRST_PERSON),
        "first_person": float(any(t in _FIRST_PERSON for t in tokens)),
        "pronoun_opening": float(bool(tokens) and tokens[0] in _PRONOUNS),
        f"opening_{tokens[0] if tokens and tokens[0] in _JOINING else 'other'}": 1.0,
        "all_word_overlap": len(set(tokens) & question.tokens) / max(1, len(tokens)),
        "question_opening": float(bool(tokens) and stem(tokens[0]) in question.words),
        f"size_{question.kind.value}": size / 10,
        f"overlap_{question.kind.value}": overlap / max(1, len(question.words)),
        f"source_{evidence.source.value}": 1.0,
        f"size_{evidence.source.value}": size / 10,
    }
    return features


def _polar(
    question: _Question, text: str, body: str, whole: str, source: str, features: dict[str, float]
) -> Iterator[tuple[str, dict[str, float]]]:
    """`text` as it is and, to a yes/no question, opened with "Yes, " or "No, " where the
    evidence allows (no "Yes" on a negated passage, "No" only on a negated span or one that
    gives another value than the one asked: "red?" -> "No, it is white.")."""
    yield text, features
    if question.kind is not QuestionType.YES_NO or says_yes(body) or says_no(body):
        return
    if negated(body) or replaces_asked_value(question.text, body):
        prefix = "no"
        answer = "No, " + lower_first(text)
    elif not negated(whole):
        prefix = "yes"
        answer = "Yes, " + lower_first(text)
    else:
        return
    extra = {
        f"{prefix}": 1.0,
        f"{prefix}_{question.aux}": 1.0,
        f"{prefix}_{source}": 1.0,
        f"{prefix}_overlap_recall": features["overlap_recall"],
        f"{prefix}_choice": float(question.choice),
        f"{prefix}_overlap_precision": features["overlap_precision"],
        f"{prefix}_number": features["number"],
        f"{prefix}_size": features["size"],
    }
    yield answer, features | extra


def _prose_drafts(question: _Question, evidence: Evidence, rank: int) -> Iterator[Draft]:
    sentences = [clean(s) for s in split_sentences(evidence.text)] or [clean(evidence.text)]
    for index, sentence in enumerate(sentences[:MAX_SENTENCES]):
        sentence_overlap = len(question.words & content_words(sentence))
        for body, first, last, count in _spans(sentence):
            text, subject = _subject(_sentence(body))
            features = _base_features(question, body, evidence) | {
                f"sentence_{min(index, 2)}": 1.0,
                "piece_first": float(first == 0),
                "piece_last": float(last == count - 1),
                "whole_sentence": float(first == 0 and last == count - 1),
                "overlap_lost": float(sentence_overlap) - len(question.words & content_words(body)),
                "subject": float(subject),
            }
            for answer, final in _polar(
                question, text, body, sentence, evidence.source.value, features
            ):
                yield Draft(answer, sentence, evidence, rank, final)


def _attribute_texts(attribute: Attribute) -> Iterator[tuple[str, str]]:
    """Sentences stating an attribute, each with the name of its form."""
    yield attribute_sentence(attribute), "attribute_full"
    if {v.lower() for v in attribute.values} & {"true", "false"}:
        return
    joined = attribute_sentence(Attribute("x", attribute.values)).removeprefix("The x is ")
    joined = joined.removeprefix("The x are ").removesuffix(".")
    yield f"It is {joined}.", "attribute_it_is"
    name = attribute.name.lower()
    if "include" in name or "component" in name:
        yield f"It comes with {joined}.", "attribute_comes_with"
    if len(attribute.values) > 1:
        for value in attribute.values:
            key, _, rest = value.partition(" ")
            if key.lower() in _DIMENSIONS and rest:
                yield f"The {key.lower()} is {rest}.", "attribute_dimension"
            else:
                yield f"The {name} is {value}.", "attribute_value"


def _attribute_drafts(
    question: _Question, evidence: Evidence, attribute: Attribute, rank: int
) -> Iterator[Draft]:
    for text, form in _attribute_texts(attribute):
        body = text.removesuffix(".")
        features = _base_features(question, body, evidence) | {form: 1.0}
        for answer, final in _polar(question, text, body, text, evidence.source.value, features):
            yield Draft(answer, attribute_sentence(attribute), evidence, rank, final)


def drafts(question: str, evidence: Sequence[Evidence]) -> list[Draft]:
    """Every English draft answer to `question` from `evidence` (best first)."""
    asked = _Question(
        question,
        question_type(question),
        frozenset(content_words(question)),
        _aux_group(question),
        " or " in question.lower(),
        frozenset(words(question)),
    )
    found: list[Draft] = []
    for rank, item in enumerate(evidence):
        attribute = parse_attribute(item.text)
        if attribute is not None:
            found += _attribute_drafts(asked, item, attribute, rank)
        else:
            found += _prose_drafts(asked, item, rank)
    return found


@cache
def coefficients() -> dict[str, float]:
    """The fitted weights of the draft scorer (feature name -> weight)."""
    return json.loads(_COEFFICIENTS.read_text(encoding="utf-8"))["weights"]


def score(draft: Draft, weights: dict[str, float] | None = None) -> float:
    """The predicted ROUGE-L of `draft` against a person's answer, less the rank penalty."""
    weights = coefficients() if weights is None else weights
    value = sum(weights.get(name, 0.0) * x for name, x in draft.features.items())
    return value - RANK_PENALTY * draft.rank
