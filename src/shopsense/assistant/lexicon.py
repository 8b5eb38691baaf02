"""Closed word lists the answer checks rely on: colours, sizes, yes and no (English, Chinese)."""

from __future__ import annotations

import re

COLOURS = frozenset(
    """red orange yellow green blue purple violet pink brown black white grey gray silver gold
    golden beige tan navy teal turquoise maroon burgundy cream ivory khaki olive lime aqua cyan
    magenta lavender coral rose clear transparent multicolor multicolored multicolour""".split()
)
ZH_COLOURS = (
    "红",
    "橙",
    "黄",
    "绿",
    "蓝",
    "紫",
    "粉",
    "棕",
    "褐",
    "黑",
    "白",
    "灰",
    "银",
    "金",
    "米色",
    "透明",
)
SIZES = frozenset(
    """xxs xs small medium large xl xxl xxxl x-large xx-large x-small petite plus-size king queen
    twin full-size mini jumbo""".split()
)
ZH_SIZES = ("大号", "中号", "小号", "加大", "特大", "均码")

_EN_YES = re.compile(r"^\W*(yes|yeah|yep|yup|absolutely|definitely|sure|correct|indeed)\b", re.I)
_EN_NO = re.compile(r"^\W*(no|nope|unfortunately|sadly)\b", re.I)
_EN_NEGATION = re.compile(
    r"\b(no|not|never|none|nothing|without|cannot|nor|false|unfortunately|sadly)\b|n't\b|n’t\b",
    re.I,
)
_ZH_YES = re.compile(r"^\W*(是的|是|对的|对|可以|能|有的|会的|当然)")
_ZH_NO = re.compile(r"^\W*(不是|不能|不可以|不会|没有|不|否|抱歉)")
_ZH_NEGATION = re.compile(r"[不没无未非否别]")


def says_yes(text: str) -> bool:
    """Whether the text opens with an affirmation ("Yes, ...", "是的，...")."""
    return bool(_EN_YES.match(text) or _ZH_YES.match(text))


def says_no(text: str) -> bool:
    """Whether the text opens with a denial ("No, ...", "Unfortunately ...", "不是，...")."""
    return bool(_EN_NO.match(text) or _ZH_NO.match(text))


def negated(text: str) -> bool:
    """Whether the text holds a negation (not, n't, without, false; 不, 没, 无 ...)."""
    return bool(_EN_NEGATION.search(text) or _ZH_NEGATION.search(text))


def colours(text: str) -> set[str]:
    """Colour words named in `text` (English words, Chinese colour characters)."""
    found = {w for w in re.findall(r"[a-z]+", text.lower()) if w in COLOURS}
    found = {"grey" if w == "gray" else w for w in found}
    return found | {c for c in ZH_COLOURS if c in text}


def sizes(text: str) -> set[str]:
    """Size words named in `text` (small, XL, king; 大号 ...)."""
    found = {w for w in re.findall(r"[a-z]+(?:-[a-z]+)?", text.lower()) if w in SIZES}
    return found | {s for s in ZH_SIZES if s in text}
