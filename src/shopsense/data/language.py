"""The language a text, or a whole catalogue, is written in.

Shops write in English or Chinese, often mixed within one title ("iPhone 15 手机壳"). What
matters downstream (which segmenter, which encoder, which reason templates) is the writing
system, so detection reads scripts rather than guessing from word statistics: a text with Han
characters (and no kana or hangul) is Chinese, one with kana Japanese, one with hangul Korean;
otherwise Latin letters make it English. Statistical detectors (langdetect, lingua) answer for
the 75 languages they know, but on a six-word product title with a brand and a model number
they are unreliable and slower by orders of magnitude; a script count is exact for the
question asked here and costs microseconds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

#: Codes returned: ISO 639-1, and "und" (undetermined) for texts without letters.
ENGLISH = "en"
CHINESE = "zh"
UNDETERMINED = "und"

#: One Han (Chinese) character, as a regular-expression class.
HAN = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]"
_HAN = re.compile(HAN)
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")


def has_han(text: str) -> bool:
    """Whether `text` holds at least one Han (Chinese) character."""
    return _HAN.search(text) is not None


def detect_language(text: str) -> str:
    """The language of one text: "zh", "ja", "ko", "en", or "und" where it has no letters."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if has_han(text):
        return CHINESE
    if _LETTER.search(text):
        return ENGLISH
    return UNDETERMINED


def language_shares(texts: Iterable[str]) -> dict[str, float]:
    """Share of each language among `texts` with letters, largest first."""
    counts = Counter(detect_language(text) for text in texts)
    counts.pop(UNDETERMINED, None)
    total = sum(counts.values())
    if not total:
        return {}
    return {language: count / total for language, count in counts.most_common()}


def dominant_language(texts: Iterable[str], default: str = ENGLISH) -> str:
    """The language most of `texts` are written in; `default` where none has letters."""
    shares = language_shares(texts)
    return next(iter(shares), default)


def is_english_only(shares: dict[str, float], tolerance: float = 0.02) -> bool:
    """Whether a catalogue with these language shares can be read by an English-only model
    (at most `tolerance` of its texts in another language)."""
    return sum(share for language, share in shares.items() if language != ENGLISH) <= tolerance
