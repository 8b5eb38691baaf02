"""Sentences, clauses and content words of English and Chinese shop text."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\.{2,}\s*|(?<=[。！？；;])|\n+")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+|\s+[-–—]+\s+|(?<=[，、：])")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[\u4e00-\u9fff]", re.I)
_STOP = frozenset(
    """a an the this that these those it its it's they them their there here is are was were be
    been being am do does did doing have has had having will would can could should shall may
    might must i me my we our you your he she him her his of to in on at by for from with as
    and or but if so than then too very just about into over under up down out off any some
    what which who whom whose when where why how all each both more most other such only own
    same not no nor yes also get got one ones item product thing things please know anyone
    many much long big
    does don't doesn't isn't aren't
    吗 呢 吧 啊 了 的 是 在 有 和 也 都 就 这 那 个 我 你 他 它""".split()
)
_LEADING_JUNK = re.compile(r"^[\W_]+", re.U)


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`: split after . ! ? (and "..", a joint of page fragments), 。！？；."""
    parts = (part.strip() for part in _SENTENCE_END.split(text))
    return [part for part in parts if part and _WORD.search(part)]


def split_clauses(sentence: str) -> list[str]:
    """Clauses of a sentence: split after , ; : and at dashes (English and Chinese marks)."""
    parts = (part.strip() for part in _CLAUSE_END.split(sentence))
    return [part for part in parts if part and _WORD.search(part)]


def words(text: str) -> list[str]:
    """Lower-case word tokens; each Chinese character is a token."""
    return [w.lower() for w in _WORD.findall(text)]


def stem(word: str) -> str:
    """A crude English stem: plural and third-person `s` removed (`plates` -> `plate`)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> set[str]:
    """Stems of the words that carry meaning (stop words left out); Chinese: character pairs."""
    tokens = words(text)
    found = {stem(w) for w in tokens if w not in _STOP and not _is_han(w)}
    han = [w for w in tokens if _is_han(w)]
    found |= {a + b for a, b in zip(han, han[1:], strict=False)}
    found |= {w for w in han if w not in _STOP}
    return found


def _is_han(word: str) -> bool:
    return "\u4e00" <= word[0] <= "\u9fff"


def clean(text: str) -> str:
    """`text` without leading bullets and marks (➠, -, *, quotes) and surrounding spaces."""
    return _LEADING_JUNK.sub("", text.strip()).strip()
