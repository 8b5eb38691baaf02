"""Aspect terms: which product aspects a shop's reviews talk about, mined from the reviews
themselves, and where each review mentions them.

No labelled data is needed. A term is a noun (or two-noun compound) that reviewers write about:

* English has no POS tagger here (none installs without a runtime download), so nouns are told
  apart by where words stand (after Hu & Liu 2004, frequent features): a noun often follows a
  determiner ("the fabric", "my battery"), seldom follows a copula or a degree word ("is
  small", "too tight") and is followed by a function word or punctuation ("the fit is").
  Strong sentiment words (VADER's lexicon) and stop words are never terms; a word mostly written
  after "this" is the reviewed product itself ("this dress"), not one of its aspects.
* Chinese words come with jieba's POS tags: nouns (n, vn, nz) that reviewers go on to judge
  (followed by an adverb or adjective: "物流很快", "面料柔软").

Terms are grouped into canonical aspects. The common aspects of `aspect_lexicon` come first,
with their cues (which also catch aspects implied without a noun: "fits perfectly", "物超所值");
English forms share a Snowball stem ("sleeve"/"sleeves", "comfort"/"comfortable"); a two-word
compound joins the group of its more frequent word ("battery life" -> battery) and a Chinese
compound that starts with a term joins it ("屏幕大小" -> 屏幕). A mined aspect is named by its
most frequent surface form. Matching a review is one tokenizer pass with dictionary lookups
(English) and one regular expression (Chinese), far cheaper than the sentiment model.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import Stemmer
from pydantic import BaseModel, ConfigDict, Field
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from shopsense.data.language import HAN
from shopsense.reviews import aspect_lexicon
from shopsense.text.chinese import STOPWORDS_ZH, normalize

__all__ = ["AspectTerm", "AspectTermConfig", "AspectVocabulary"]

#: An English word (with an apostrophe part: "it's") or one clause punctuation mark.
_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|[.,;:!?()]")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_HAN_RUN = re.compile(HAN + "+")
#: What may stand between the words of one English term.
_JOINERS = (" ", "-")
#: Words before a noun phrase; "this"/"these" point at the reviewed product itself.
_DETERMINERS = frozenset("the a an my its your their his her our this that these those".split())
_DEMONSTRATIVES = frozenset(("this", "these"))
#: Words before an adjective or a verb, seldom before a noun.
_PREDICATIVE = frozenset(
    "is was are were be been being so too very really more less most pretty quite extremely "
    "super bit little runs run ran looks look looked feels feel felt seems seem not fairly "
    "slightly somewhat will would can could".split()
)
#: Nouns of quantity, time and discourse that follow determiners but are no product aspect.
_GENERIC_EN = frozenset(
    "lot lots bit couple tad ton way fact idea reason thing things time times day days week "
    "weeks month months year years one ones rest end half case kind sort type part moment "
    "people person someone everyone anyone review reviews star stars opinion problem "
    "difference point while mess mistake summer fall winter spring night morning evening "
    "weekend holiday overall handful expectations job".split()
)
_GENERIC_ZH = frozenset(
    "东西 时候 感觉 好评 差评 评价 事情 问题 卖家 宝贝 商品 产品 朋友 大家 预期 整体 地方 "
    "体验 小时 五星 差距".split()
)
#: jieba's noun tags kept as terms: common nouns, verbal nouns, other proper nouns.
_NOUN_TAGS = frozenset(("n", "vn", "nz"))
#: jieba's tags of what follows a judged noun: adverbs ("很"), adjectives, idioms of judgement.
_JUDGEMENT_TAGS = ("d", "a", "l", "i")
#: Longest English term, in words.
_LONGEST = 3


class AspectTermConfig(BaseModel):
    """How aspect terms are mined from a shop's reviews."""

    model_config = ConfigDict(extra="forbid")

    min_reviews: int = Field(
        5, ge=1, description="A term must occur in at least this many reviews."
    )
    max_aspects: int = Field(300, ge=1, description="Most mined aspects kept (by reviews).")
    common_aspects: bool = Field(
        True, description="Start from the common aspects of `aspect_lexicon` and their cues."
    )
    min_determiner_share: float = Field(
        0.25, ge=0, le=1, description="English: least share of a word's uses after a determiner."
    )
    max_predicative_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="English: most share of its uses after a copula or degree word.",
    )
    min_boundary_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="English: least share of its uses followed by a function word or punctuation.",
    )
    max_opinion_valence: float = Field(
        1.5,
        ge=0,
        le=4,
        description="English: words VADER rates beyond this (either sign) judge rather than name "
        "an aspect (love, problem); milder ones may be both (fit, comfort, value).",
    )
    min_judged_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Chinese: least share of a noun's uses followed by an adverb or adjective.",
    )
    max_demonstrative_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Most share of a noun's determiners that are this/these (这/那): more, and it "
        "names the reviewed product itself.",
    )


@dataclass(frozen=True)
class AspectTerm:
    """One mention of an aspect term in a text."""

    term: str
    """The words as the text writes them."""
    aspect: str
    """The canonical aspect."""
    start: int
    end: int


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


@cache
def _valences() -> dict[str, float]:
    """VADER's sentiment lexicon: word -> valence, -4 (worst) to 4 (best)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return dict(SentimentIntensityAnalyzer().lexicon)


def _stems(words: Sequence[str]) -> list[str]:
    return _stemmer().stemWords([word.lower() for word in words])


def _key(phrase: str) -> str:
    """The stems of an English phrase, space-joined: how English terms are looked up."""
    return " ".join(_stems(_WORD.findall(phrase)))


class AspectVocabulary:
    """Aspect terms and their canonical aspects; `extract` finds them in a text."""

    def __init__(self, english: dict[str, str], chinese: dict[str, str], counts: dict[str, int]):
        self.english = english
        """Stems of an English term, space-joined -> aspect."""
        self.chinese = chinese
        """Chinese term -> aspect."""
        self.counts = counts
        """Reviews mentioning each aspect in the texts it was mined from."""
        han_terms = sorted(chinese, key=len, reverse=True)
        self._han = re.compile("|".join(map(re.escape, han_terms))) if han_terms else None

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def aspects(self) -> list[str]:
        """The aspects the mined reviews mention, most mentioned first."""
        return sorted(self.counts, key=lambda aspect: (-self.counts[aspect], aspect))

    @classmethod
    def mine(cls, texts: Sequence[str], config: AspectTermConfig | None = None) -> AspectVocabulary:
        """The aspect terms of a collection of reviews (English, Chinese or both)."""
        config = config or AspectTermConfig()
        english = _common(aspect_lexicon.ENGLISH, _key) if config.common_aspects else {}
        chinese = _common(aspect_lexicon.CHINESE, str) if config.common_aspects else {}
        english.update(_mine_english(texts, config, english))
        chinese.update(_mine_chinese(texts, config, chinese))
        counted = cls(english, chinese, {}).count(texts)
        common = (
            {*aspect_lexicon.ENGLISH, *aspect_lexicon.CHINESE} if config.common_aspects else set()
        )
        mined = [a for a, n in counted.most_common() if a not in common and n >= config.min_reviews]
        kept = common | set(mined[: config.max_aspects])
        counts = {aspect: n for aspect, n in counted.items() if aspect in kept}
        return cls(
            {key: aspect for key, aspect in english.items() if aspect in kept},
            {term: aspect for term, aspect in chinese.items() if aspect in kept},
            counts,
        )

    def with_terms(self, terms: Iterable[str]) -> AspectVocabulary:
        """This vocabulary plus `terms` (a shop's or a labelled set's aspect terms): a term it
        already holds keeps its aspect, a new one is its own aspect, named as written."""
        english, chinese = dict(self.english), dict(self.chinese)
        for term in terms:
            name = term.strip().lower()
            if _HAN_RUN.search(name):
                chinese.setdefault(normalize(name), name)
            elif key := _key(name):
                english.setdefault(key, name)
        return AspectVocabulary(english, chinese, dict(self.counts))

    def count(self, texts: Sequence[str]) -> Counter[str]:
        """How many of `texts` mention each aspect."""
        counted: Counter[str] = Counter()
        for text in texts:
            counted.update({term.aspect for term in self.extract(text)})
        return counted

    def extract(self, text: str) -> list[AspectTerm]:
        """The aspect terms of `text`, in order, the longest match where terms overlap."""
        found = self._english_terms(text)
        if self._han is not None and _HAN_RUN.search(text):
            folded = normalize(text)
            # Normalising keeps positions unless NFKC expanded a character; match the raw text then.
            haystack = folded if len(folded) == len(text) else text
            found += [
                AspectTerm(text[m.start() : m.end()], self.chinese[m.group()], m.start(), m.end())
                for m in self._han.finditer(haystack)
            ]
        return sorted(found, key=lambda term: term.start)

    def _english_terms(self, text: str) -> list[AspectTerm]:
        if not self.english:
            return []
        words = list(_WORD.finditer(text))
        stems = _stems([m.group() for m in words])
        found: list[AspectTerm] = []
        i = 0
        while i < len(words):
            size = 1
            while (
                size < _LONGEST
                and i + size < len(words)
                and text[words[i + size - 1].end() : words[i + size].start()] in _JOINERS
            ):
                size += 1
            while size and " ".join(stems[i : i + size]) not in self.english:
                size -= 1
            if size:
                start, end = words[i].start(), words[i + size - 1].end()
                aspect = self.english[" ".join(stems[i : i + size])]
                found.append(AspectTerm(text[start:end], aspect, start, end))
            i += max(size, 1)
        return found

    def save(self, path: Path) -> None:
        """Write the vocabulary as one JSON file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {"english": self.english, "chinese": self.chinese, "counts": self.counts}
        path.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> AspectVocabulary:
        """The vocabulary `save` wrote."""
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no aspect vocabulary here")
        state = json.loads(path.read_text(encoding="utf-8"))
        return cls(state["english"], state["chinese"], state["counts"])


def _common(lexicon: dict[str, tuple[str, ...]], key: Callable[[str], str]) -> dict[str, str]:
    """Lookup key of each cue -> its aspect."""
    return {key(cue): aspect for aspect, cues in lexicon.items() for cue in cues}


def _mine_english(
    texts: Sequence[str], config: AspectTermConfig, known: dict[str, str]
) -> dict[str, str]:
    """English term stems -> aspect for the nouns of `texts`; a stem in `known` keeps its aspect."""
    stop, valences = ENGLISH_STOP_WORDS, _valences()
    opinion = {w for w, valence in valences.items() if abs(valence) > config.max_opinion_valence}
    uses, after_determiner, after_this, predicative, bounded = (Counter() for _ in range(5))
    word_reviews: Counter[str] = Counter()
    pair_reviews: Counter[tuple[str, str]] = Counter()
    for text in texts:
        tokens = [token.lower() for token in _TOKEN.findall(text)]
        for i, word in enumerate(tokens):
            if not word[0].isalpha():
                continue
            before = tokens[i - 1] if i else "."
            before2 = tokens[i - 2] if i > 1 else "."
            after = tokens[i + 1] if i + 1 < len(tokens) else "."
            uses[word] += 1
            if before in _DETERMINERS or (before in valences and before2 in _DETERMINERS):
                after_determiner[word] += 1
                after_this[word] += before in _DEMONSTRATIVES or before2 in _DEMONSTRATIVES
            predicative[word] += before in _PREDICATIVE
            bounded[word] += after in stop or not after[0].isalpha()
        words = [token for token in tokens if token[0].isalpha()]
        word_reviews.update(set(words))
        pair_reviews.update(set(zip(words, words[1:], strict=False)))

    def is_noun(word: str) -> bool:
        n = uses[word]
        return (
            word_reviews[word] >= config.min_reviews
            and len(word) > 2
            and word not in stop
            and word not in opinion
            and word not in _GENERIC_EN
            and after_determiner[word] >= config.min_determiner_share * n
            and predicative[word] <= config.max_predicative_share * n
            and bounded[word] >= config.min_boundary_share * n
        )

    nouns = [word for word in word_reviews if is_noun(word)]
    # The reviewed product itself ("this dress"), and every word of its stem, is no aspect.
    products = [
        word
        for word in nouns
        if after_this[word] > config.max_demonstrative_share * after_determiner[word]
    ]
    product_stems = set(_stems(products)) - set(known)
    # Surface forms sharing a stem are one aspect, named by the most frequent form.
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for word, stem in zip(nouns, _stems(nouns), strict=True):
        if stem not in product_stems:
            groups[stem][word] = word_reviews[word]
    vocabulary = {
        stem: known.get(stem) or forms.most_common(1)[0][0] for stem, forms in groups.items()
    }
    reviews = Counter({stem: forms.total() for stem, forms in groups.items()})
    # Two-noun compounds join the group of their more frequent word ("battery life" -> battery).
    for (first, second), n in pair_reviews.items():
        if n < config.min_reviews or first in stop or first in opinion:
            continue
        stems = _stems((first, second))
        if all(stem in vocabulary for stem in stems):
            head = max(stems, key=lambda stem: reviews[stem])
            vocabulary.setdefault(" ".join(stems), vocabulary[head])
    return vocabulary


def _mine_chinese(
    texts: Sequence[str], config: AspectTermConfig, known: dict[str, str]
) -> dict[str, str]:
    """Chinese term -> aspect for the judged nouns of `texts`; a term starting with a known or
    shorter mined term joins its aspect."""
    chinese = [normalize(text) for text in texts if _HAN_RUN.search(text)]
    if not chinese:
        return {}
    import jieba.posseg

    reviews: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    judged: Counter[str] = Counter()
    after_this: Counter[str] = Counter()
    for text in chinese:
        words = jieba.posseg.lcut(text)
        nouns = set()
        for i, (word, flag) in enumerate(words):
            if flag not in _NOUN_TAGS or len(word) < 2 or not _HAN_RUN.fullmatch(word):
                continue
            nouns.add(word)
            uses[word] += 1
            judged[word] += i + 1 < len(words) and words[i + 1].flag.startswith(_JUDGEMENT_TAGS)
            before = [w.word for w in words[max(i - 2, 0) : i]]
            after_this[word] += any(w.startswith(("这", "那")) for w in before)
        reviews.update(nouns)
    terms = [
        word
        for word, n in reviews.items()
        if n >= config.min_reviews
        and word not in STOPWORDS_ZH
        and word not in _GENERIC_ZH
        and judged[word] >= config.min_judged_share * uses[word]
        and after_this[word] <= config.max_demonstrative_share * uses[word]
    ]
    vocabulary: dict[str, str] = {}
    for term in sorted(terms, key=len):
        if term in known:
            continue
        prefix = next((t for t in (*known, *vocabulary) if term.startswith(t)), None)
        vocabulary[term] = (known.get(prefix) or vocabulary[prefix]) if prefix else term
    return vocabulary
