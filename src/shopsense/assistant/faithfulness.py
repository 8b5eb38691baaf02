"""Does an answer claim anything its evidence lacks? A rule-based check of the claims that
mislead a shopper most: numbers, units, sizes, colours, names (brands) and yes / no.

Each rule compares what the answer states with what the evidence texts hold, after
normalisation ("two" = "2" = "两", `9.84"` = "9.84 inches", "lbs" = "pounds"). A name is a
capitalised word (not opening a sentence, unless capitals inside it mark it: "LEGO", "iPad")
that neither the evidence nor the question holds. "Yes" needs evidence sentences backing the
answer that do not negate, and every colour, size or number the question asks about in the
evidence; "no" (or a negation) needs a negation in the evidence or, given the
question, a value it asks about that the evidence replaces with another (red asked, blue given).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from shopsense.assistant import lexicon
from shopsense.assistant.quantities import quantities, units
from shopsense.assistant.sentences import content_words, split_sentences

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'’&.-]*[A-Za-z0-9]|[A-Za-z]")
_SENTENCE_START = re.compile(r"(?:^|[.!?;:]\s+|[\n(\"“])\s*$")


@dataclass(frozen=True)
class FaithfulnessReport:
    """Whether every checked claim of an answer is in its evidence, and each one that is not."""

    faithful: bool
    problems: tuple[str, ...]


def _names(text: str) -> list[str]:
    """Capitalised tokens that look like names; sentence openers only with inner capitals."""
    found = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        inner_capital = any(ch.isupper() for ch in token[1:])
        if token == "I" or not (token[0].isupper() or inner_capital):
            continue
        if _SENTENCE_START.search(text[: match.start()]) and not inner_capital:
            continue
        found.append(token.rstrip(".'’"))
    return found


def _vocabulary(text: str) -> set[str]:
    return {t.lower().rstrip(".'’") for t in _TOKEN.findall(text)}


def _value_problems(answer: str, evidence: str, question: str) -> list[str]:
    problems = []
    evidence_numbers = {q.value for q in quantities(evidence)}
    for quantity in quantities(answer):
        if quantity.value not in evidence_numbers:
            problems.append(f"number '{quantity.value}' not in evidence")
    problems += [f"unit '{u}' not in evidence" for u in sorted(units(answer) - units(evidence))]
    evidence_words = _vocabulary(evidence)
    problems += [
        f"colour '{c}' not in evidence"
        for c in sorted(lexicon.colours(answer) - lexicon.colours(evidence))
        if c not in evidence_words
    ]
    problems += [
        f"size '{s}' not in evidence"
        for s in sorted(lexicon.sizes(answer) - lexicon.sizes(evidence))
    ]
    known = evidence_words | _vocabulary(question)
    problems += [
        f"name '{name}' not in evidence or question"
        for name in dict.fromkeys(_names(answer))
        if name.lower() not in known
    ]
    return problems


def _asked_and_given(question: str, evidence: str) -> list[tuple[set[str], set[str]]]:
    """(asked, given) colours, sizes and numbers of the question and the evidence."""
    return [
        (lexicon.colours(question), lexicon.colours(evidence)),
        (lexicon.sizes(question), lexicon.sizes(evidence)),
        ({q.value for q in quantities(question)}, {q.value for q in quantities(evidence)}),
    ]


def lacks_asked_value(question: str, evidence: str) -> bool:
    """Whether the question asks about a colour, size or number the evidence does not hold."""
    return any(asked and not asked & given for asked, given in _asked_and_given(question, evidence))


def replaces_asked_value(question: str, evidence: str) -> bool:
    """Whether the question asks about a colour, size or number the evidence replaces."""
    pairs = _asked_and_given(question, evidence)
    return any(asked and given and not asked & given for asked, given in pairs)


def _backing(answer: str, evidence: str) -> str:
    """The evidence sentences that share the most content words with the answer (all of the
    evidence when none shares any): what a yes-claim rests on."""
    wanted = content_words(answer)
    scored = [(len(wanted & content_words(s)), s) for s in split_sentences(evidence)]
    best = max((score for score, _ in scored), default=0)
    return " ".join(s for score, s in scored if score == best) if best else evidence


def _polarity_problems(answer: str, evidence: str, question: str) -> list[str]:
    answer_negates = lexicon.says_no(answer) or lexicon.negated(answer)
    if answer_negates and not (
        lexicon.negated(evidence) or replaces_asked_value(question, evidence)
    ):
        return ["no-claim without a negation or an incompatible value in evidence"]
    if (
        lexicon.says_yes(answer)
        and not answer_negates
        and lexicon.negated(_backing(answer, evidence))
    ):
        return ["yes-claim but the evidence negates"]
    if lexicon.says_yes(answer) and not evidence.strip():
        return ["yes-claim without evidence"]
    if lexicon.says_yes(answer) and lacks_asked_value(question, evidence):
        return ["yes-claim but a value the question asks about is not in the evidence"]
    return []


def check_faithfulness(
    answer: str, evidence_texts: Sequence[str], question: str = ""
) -> FaithfulnessReport:
    """Check `answer` against `evidence_texts` (and the `question`, which may name things)."""
    evidence = "\n".join(evidence_texts).replace("_", " ")
    problems = _value_problems(answer, evidence, question)
    problems += _polarity_problems(answer, evidence, question)
    return FaithfulnessReport(not problems, tuple(problems))
