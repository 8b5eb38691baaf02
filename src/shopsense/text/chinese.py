"""Chinese text for matching: normalisation and word segmentation.

Chinese is written without spaces, so a title like "男士运动跑鞋" is one run of letters until it
is cut into words ("男士 / 运动 / 跑鞋"). `ChineseSegmenter` cuts with jieba's dictionary plus the
words of one catalogue (its brands, categories, attribute values), so a brand jieba has never
seen ("优品汇") stays whole instead of falling into single characters. Before cutting, text is
normalised for matching only (shown text keeps its own characters): NFKC folds full-width
letters, digits and punctuation to half width ("ＡＢＣ１２３" -> "ABC123"), OpenCC folds
traditional characters to simplified ("無線藍牙耳機" -> "无线蓝牙耳机") and letters are lower-cased.

jieba's dictionary (~350,000 words) takes ~0.6 s to load: it is read once per process, on the
first Chinese text, and each segmenter starts from a copy of it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any

import jieba
import opencc

from shopsense.data.language import HAN

# jieba logs every dictionary load at DEBUG through its own stderr handler: keep its warnings.
jieba.setLogLevel(logging.WARNING)

#: A run of Han characters.
HAN_RUN = re.compile(HAN + "+")

#: Function words that carry no product meaning ("的", "了", "和"…), measure phrases that
#: only count ("一个", "一双"…) and words of wanting ("我想要"): left out of index terms.
STOPWORDS_ZH: frozenset[str] = frozenset(
    "的 地 得 了 着 过 和 与 及 或 而 并 且 是 在 有 我 你 他 她 它 们 我们 也 很 都 就 还 又 再 "
    "这 那 这个 那个 这款 个 之 对 把 被 给 为 以 于 从 向 吗 呢 吧 啊 呀 哦 嘛 最 要 想 想要 "
    "需要 请 一个 一件 一双 一款 一台 一只 一条 一些 一套".split()
)

# Full-width ASCII (U+FF01-U+FF5E), the ideographic space and the full-width yen sign.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xFFE5: 0xA5}


def fold_width(text: str) -> str:
    """Full-width letters, digits, punctuation and spaces as their ASCII forms (the part of
    NFKC that Chinese input methods make matter; other characters are left as they are)."""
    return text.translate(_WIDTH)


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """`text` with traditional Chinese characters folded to simplified ones (OpenCC t2s)."""
    return _converter().convert(text)


def normalize(text: str) -> str:
    """Chinese text as matching reads it: NFKC, traditional folded to simplified, lower-case."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


@cache
def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's word frequencies and their total, loaded once per process."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


class ChineseSegmenter:
    """Cuts normalised Han text into words with jieba's dictionary plus the words added here.

    It holds a private `jieba.Tokenizer` (the global one is shared by every user of jieba in
    the process), created on first use. Pickled, it keeps only its added words.
    """

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._added: dict[str, None] = {}
        self._tokenizer: jieba.Tokenizer | None = None
        self.add_words(words)

    @property
    def words(self) -> list[str]:
        """The words added to jieba's dictionary, in the order they were added."""
        return list(self._added)

    def add_words(self, words: Iterable[str]) -> list[str]:
        """Keep these (normalised) words whole from now on; returns those that are new."""
        new = [word for word in dict.fromkeys(words) if word and word not in self._added]
        self._added.update(dict.fromkeys(new))
        if self._tokenizer is not None:
            for word in new:
                self._tokenizer.add_word(word)
        return new

    def cut(self, text: str) -> list[str]:
        """The words of a normalised Han run, in order (jieba's precise mode)."""
        return self._jieba().lcut(text)

    def expand(self, word: str) -> list[str]:
        """The two- and three-character dictionary words inside `word`, then the word itself
        (jieba's search mode for one word: "不锈钢" -> 不锈, 不锈钢), so that a word matches
        the longer words that hold it ("运动" in "运动鞋")."""
        frequencies = self._jieba().FREQ
        inner = [
            word[start : start + size]
            for size in (2, 3)
            if len(word) > size
            for start in range(len(word) - size + 1)
            if frequencies.get(word[start : start + size])
        ]
        return [*inner, word]

    def _jieba(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            frequencies, total = _base_dictionary()
            tokenizer = jieba.Tokenizer()
            tokenizer.FREQ, tokenizer.total = dict(frequencies), total
            tokenizer.initialized = True
            # Added in order, each with the frequency jieba suggests for keeping it whole,
            # which depends on the words before it: a reloaded segmenter cuts the same way.
            for word in self._added:
                tokenizer.add_word(word)
            self._tokenizer = tokenizer
        return self._tokenizer

    def __getstate__(self) -> dict[str, Any]:
        return {"_added": self._added, "_tokenizer": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def han_words(names: Iterable[str]) -> list[str]:
    """The normalised Han runs of two or more characters in `names` (a catalogue's brands,
    categories, attribute values): the words a catalogue's segmenter keeps whole."""
    found: dict[str, None] = {}
    for name in names:
        if not HAN_RUN.search(name):
            continue
        for run in HAN_RUN.findall(normalize(name)):
            if len(run) >= 2:
                found[run] = None
    return list(found)
