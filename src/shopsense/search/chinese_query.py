"""The Chinese side of query understanding: prices, colours, materials and sizes as Chinese
shoppers write them. `QueryParser` reads these beside its English patterns, on text already
normalised (`analysis.normalize`: half-width digits, simplified characters, lower-case).

Prices, amounts in digits or Chinese numerals (三百, 两千五, 1.5万) with an optional currency
(¥, 元, 块, 块钱, rmb, 人民币):

- at most: "100元以下", "100块以内", "不超过200元", "低于200", "预算300"
- at least: "500元以上", "超过500元", "至少500块", "300元起"
- between: "200-300元", "200到300元", "¥200~¥300"
- around: "三百块左右", "300元上下", "大约300元", and an amount with a currency alone
  ("¥99", "99元"): from 20% below to 20% above it (`AROUND`)
- "便宜", "实惠", "平价", "低价", "廉价": a preference for low prices, as "cheap" in English.

Colours, materials and sizes: words of two or more characters are found anywhere in the text
(`longest_matches`, "粉红色" before "红色"); the bare colours (红, 黑…) and one-character
materials (棉, 木…) only where segmentation leaves them as a word of their own, since as
characters they sit inside unrelated words (黑莓, 木耳). Bare colours read as their "色" form.
Sizes: "42码", "L码", "M号", "大号/中号/小号", "均码", and S, M, L standing alone in a Chinese
query.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Literal, TypeVar

from shopsense.text.chinese import HAN_RUN

T = TypeVar("T")
PriceKind = Literal["range", "around", "max", "min"]

#: An "around" price covers this share of the amount either side ("三百块左右": 240-360).
AROUND = 0.2

_BARE_COLOURS = "红 黑 白 蓝 绿 黄 粉 紫 灰 棕".split()
#: Chinese colour words -> the colour they name (bare forms -> their "色" form).
COLOURS_ZH: dict[str, str] = {
    **{
        word: word
        for word in (
            "红色 黑色 白色 蓝色 绿色 黄色 粉色 紫色 灰色 棕色 金色 银色 米色 橙色 青色 褐色 "
            "驼色 咖啡色 卡其色 藏青色 藏蓝色 深蓝色 浅蓝色 天蓝色 宝蓝色 酒红色 玫红色 "
            "粉红色 米白色 香槟色 军绿色 墨绿色 浅灰色 深灰色 玫瑰金"
        ).split()
    },
    **{bare: f"{bare}色" for bare in _BARE_COLOURS},
}
MATERIALS_ZH: frozenset[str] = frozenset(
    "真皮 皮革 牛皮 羊皮 头层牛皮 纯棉 全棉 棉 羊毛 羊绒 丝绸 真丝 亚麻 牛仔 涤纶 尼龙 "
    "不锈钢 铝合金 钛合金 合金 玻璃 陶瓷 塑料 木 实木 竹 硅胶 橡胶 金属 帆布 麻 皮".split()
)
SIZES_ZH: frozenset[str] = frozenset("大号 中号 小号 加大号 特大号 加大码 均码".split())
#: Attribute names Chinese catalogues give colours, materials and sizes.
ATTRIBUTE_KEYS_ZH: dict[str, tuple[str, ...]] = {
    "colour": ("颜色", "颜色分类", "色彩"),
    "material": ("材质", "材料", "面料"),
    "size": ("尺码", "尺寸", "码数", "大小"),
}

_NUMERAL = "零〇一二两三四五六七八九十百千万"
_AMOUNT = rf"(?<![\d.a-z{_NUMERAL}])(\d+(?:\.\d+)?[百千万]?|[{_NUMERAL}]+)"
_CURRENCY = r"(?:块钱|块|元|rmb|人民币)"
#: A currency sign or word: what makes an amount in numerals a price.
MONEY = re.compile(rf"¥|{_CURRENCY}")
_YUAN = rf"(?:¥\s*)?{_AMOUNT}\s*{_CURRENCY}?"
_SEPARATOR = r"\s*(?:-|~|～|—|到|至)\s*"
_ABOUT = r"(?:(?:大约|大概|约)\s*)?"
_OF = r"(?:\s*的)?"  # "100元以下的耳机": the particle belongs to the price phrase
_UNDER_BEFORE = "不超过|不高于|不到|低于|少于|小于|最多|最高|预算"
_OVER_BEFORE = "超过|高于|大于|多于|不低于|至少|最低|起码"
_PRICE_PATTERNS: tuple[tuple[str, PriceKind], ...] = (
    (rf"{_YUAN}{_SEPARATOR}(?:¥\s*)?{_AMOUNT}\s*{_CURRENCY}", "range"),
    (rf"¥\s*{_AMOUNT}\s*{_CURRENCY}?{_SEPARATOR}(?:¥\s*)?{_AMOUNT}\s*{_CURRENCY}?", "range"),
    (rf"{_ABOUT}{_YUAN}\s*(?:左右|上下)", "around"),
    (rf"{_YUAN}\s*(?:以下|以内|之内)", "max"),
    (rf"(?:{_UNDER_BEFORE})\s*{_YUAN}", "max"),
    (rf"{_YUAN}\s*(?:以上|起)", "min"),
    (rf"(?:{_OVER_BEFORE})\s*{_YUAN}", "min"),
    (rf"{_ABOUT}(?:¥\s*{_AMOUNT}\s*{_CURRENCY}?|{_AMOUNT}\s*{_CURRENCY})", "around"),
)
#: Price patterns in the order they are tried; each match is removed before the next.
PRICES: tuple[tuple[re.Pattern[str], PriceKind], ...] = tuple(
    (re.compile(pattern + _OF), kind) for pattern, kind in _PRICE_PATTERNS
)
CHEAP = re.compile(r"(?:最|比较|很)?(?:便宜|实惠|平价|低价|廉价)(?:一点|一些|点|的)?")
SIZE = re.compile(
    r"(?<![a-z0-9.])(\d{2,3}(?:\.5)?|xxxl|xxl|xl|xs|[sml]|\dxl)\s*(?:码|号)"
    r"|(?<![a-z0-9.'])([sml])(?![a-z0-9])"
)

_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}


def chinese_number(text: str) -> float:
    """The value of an amount in digits, Chinese numerals or both: "99" -> 99, "三百" -> 300,
    "十五" -> 15, "一百零五" -> 105, "1.5万" -> 15000. A digit right after 百, 千 or 万 counts
    in the next place down, as spoken prices do ("两千五" -> 2500, "三百五" -> 350)."""
    if text[0].isdigit():
        unit = UNITS.get(text[-1], 1)
        return float(text[:-1] if unit > 1 else text) * unit
    total = section = digit = 0
    last_unit = 1
    after_unit = False
    for char in text:
        if char in _DIGITS:
            digit, after_unit = _DIGITS[char], after_unit and char not in "零〇"
            continue
        unit = UNITS[char]
        if unit == 10_000:
            total += (section + digit) * unit
            section = 0
        else:
            section += (digit or 1) * unit
        digit, last_unit, after_unit = 0, unit, True
    if after_unit and digit and last_unit >= 100:
        digit *= last_unit // 10
    return float(total + section + digit)


def longest_matches(text: str, lexicon: Mapping[str, T], longest: int) -> Iterator[tuple[str, T]]:
    """Words of `lexicon` (Han words of two or more characters, none longer than `longest`)
    found in the Han runs of `text`, scanning left to right and taking the longest word at
    each position."""
    for run in HAN_RUN.findall(text):
        start = 0
        while start < len(run) - 1:
            for size in range(min(longest, len(run) - start), 1, -1):
                word = run[start : start + size]
                if word in lexicon:
                    yield word, lexicon[word]
                    start += size
                    break
            else:
                start += 1
