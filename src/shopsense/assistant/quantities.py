"""Numbers and units in English and Chinese text, normalised so that "two" = "2" = "两",
`9.84"` = "9.84 inches" and "lbs" = "pounds": what the faithfulness check compares."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12, "single": 1,
    "double": 2, "twice": 2, "pair": 2, "both": 2,
}  # fmt: skip
#: Spelling -> canonical unit. Short or ambiguous spellings count only right after a number.
_UNITS = {
    "inch": ("in", "inch", "inches", '"', "''", "”", "″"),
    "foot": ("ft", "foot", "feet", "'", "’", "′"),
    "cm": ("cm", "cms", "centimeter", "centimeters", "centimetre", "centimetres"),
    "mm": ("mm", "millimeter", "millimeters", "millimetre", "millimetres"),
    "m": ("m", "meter", "meters", "metre", "metres"),
    "pound": ("lb", "lbs", "pound", "pounds"),
    "kg": ("kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"),
    "g": ("g", "gram", "grams"),
    "oz": ("oz", "ounce", "ounces"),
    "ml": ("ml", "milliliter", "milliliters", "millilitre", "millilitres"),
    "l": ("l", "liter", "liters", "litre", "litres"),
    "mah": ("mah",),
    "volt": ("v", "volt", "volts"),
    "watt": ("w", "watt", "watts"),
    "year": ("yr", "yrs", "year", "years"),
    "month": ("mo", "month", "months"),
    "week": ("wk", "week", "weeks"),
    "day": ("day", "days"),
    "hour": ("hr", "hrs", "hour", "hours"),
    "minute": ("min", "mins", "minute", "minutes"),
    "piece": ("pc", "pcs", "piece", "pieces"),
    "gb": ("gb",),
    "mph": ("mph",),
    "percent": ("%", "percent"),
}
_ZH_UNITS = {
    "inch": ("英寸", "寸"),
    "cm": ("厘米", "公分"),
    "mm": ("毫米",),
    "m": ("米",),
    "kg": ("千克", "公斤"),
    "jin": ("斤",),
    "g": ("克",),
    "ml": ("毫升",),
    "l": ("升",),
    "mah": ("毫安",),
    "volt": ("伏",),
    "watt": ("瓦",),
    "year": ("年", "岁"),
    "month": ("个月",),
    "day": ("天", "日"),
    "hour": ("小时",),
    "minute": ("分钟",),
    "piece": ("个", "件", "只", "块", "片", "套", "瓶", "包", "盒", "条", "双", "支"),
    "size": ("码", "号"),
}
_SPELLING = {spelling: unit for unit, spellings in _UNITS.items() for spelling in spellings}
_SHORT = {s for s in _SPELLING if len(s) <= 2 or s in {"'", '"', "min", "mo"}}
_ZH_SPELLING = {s: unit for unit, spellings in _ZH_UNITS.items() for s in spellings}
_ZH_UNIT_PATTERN = "|".join(sorted(map(re.escape, _ZH_SPELLING), key=len, reverse=True))
_UNIT_PATTERN = "|".join(
    sorted((re.escape(s) for s in _SPELLING if s.isalpha()), key=len, reverse=True)
)
_NUMBER = re.compile(
    r"(?<![\w.])(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
    r"(?:\s?-?\s?(" + _UNIT_PATTERN + r")(?![a-z])|\s?([\"'”″’′%]|''))?(?![a-z])",
    re.I,
)
_WORD_NUMBER = re.compile(
    r"\b(" + "|".join(_WORDS) + r")\b(?:[\s-]+(" + _UNIT_PATTERN + r")\b)?", re.I
)
_UNIT_WORD = re.compile(r"\b(" + _UNIT_PATTERN + r")\b", re.I)
_ZH_DIGITS = "零一二两三四五六七八九十百千万"
_ZH_NUMBER = re.compile(
    r"(?<![\d.,])(\d+(?:\.\d+)?)\s?("
    + _ZH_UNIT_PATTERN
    + r")|(["
    + _ZH_DIGITS
    + r"]+)("
    + _ZH_UNIT_PATTERN
    + r")?"
)
_ZH_VALUES = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_ZH_SCALES = {"十": 10, "百": 100, "千": 1000, "万": 10000}


@dataclass(frozen=True)
class Quantity:
    """A number as written (`text`), its normalised value and its canonical unit (or "")."""

    text: str
    value: str
    unit: str


def canonical_number(text: str) -> str:
    """`1,299.50` -> `1299.5`, `30.` -> `30`, `two` -> `2`, `二十五` -> `25`."""
    word = text.lower()
    if word in _WORDS:
        return str(_WORDS[word])
    if text and all(ch in _ZH_DIGITS for ch in text):
        return str(_chinese_number(text))
    value = float(text.replace(",", ""))
    return f"{value:g}" if abs(value) < 1e15 else text


def _chinese_number(text: str) -> int:
    """`二十五` -> 25, `一百二` -> 120 (colloquial), `三` -> 3; digit strings `二零二四` -> 2024."""
    if not any(ch in _ZH_SCALES for ch in text):
        return int("".join(str(_ZH_VALUES[ch]) for ch in text))
    total, section, digit = 0, 0, 0
    last_scale = 1
    for ch in text:
        if ch in _ZH_VALUES:
            digit = _ZH_VALUES[ch]
        elif ch == "万":
            total += (section + digit) * 10000
            section, digit = 0, 0
        else:
            last_scale = _ZH_SCALES[ch]
            section += (digit or 1) * last_scale
            digit = 0
    if digit and last_scale >= 100:
        digit *= last_scale // 10
    return total + section + digit


def quantities(text: str) -> list[Quantity]:
    """Every number in `text` with the unit written right after it, if any."""
    spans: dict[int, Quantity] = {}
    for match in _NUMBER.finditer(text):
        unit = _SPELLING.get((match.group(2) or match.group(3) or "").lower(), "")
        spans[match.start()] = Quantity(match.group(0), canonical_number(match.group(1)), unit)
    for match in _WORD_NUMBER.finditer(text):
        unit = _SPELLING.get((match.group(2) or "").lower(), "")
        spans[match.start()] = Quantity(match.group(0), canonical_number(match.group(1)), unit)
    for match in _ZH_NUMBER.finditer(text):
        number = match.group(1) or match.group(3)
        unit = match.group(2) or match.group(4) or ""
        if match.group(3) and not unit and not any(ch in _ZH_SCALES for ch in number):
            continue  # a lone 一 or 三 inside a word (一起, 三角) is not a count
        spans[match.start()] = Quantity(
            match.group(0), canonical_number(number), _ZH_SPELLING.get(unit, "")
        )
    return [spans[start] for start in sorted(spans)]


def units(text: str) -> set[str]:
    """Canonical units named in `text`: after a number, or spelled out on their own."""
    named = {q.unit for q in quantities(text) if q.unit}
    named |= {_SPELLING[w.lower()] for w in _UNIT_WORD.findall(text) if w.lower() not in _SHORT}
    return named
