"""PII masking: personal data in free text replaced by typed placeholders before it is stored,
logged or encoded.

`mask_pii("mail me at ann@example.com")` -> `"mail me at [EMAIL]"`. Detected: e-mail
addresses, phone numbers (international `+..`, North American, Chinese mobiles and landlines,
UK national), payment cards (13-19 digits starting 2-6 that pass the Luhn check), Chinese
resident ids (18 characters with a valid birth date and check digit) and street addresses
(English `12 Oak Street`-style and Chinese `...路88号`). Rule-based: recall and precision on
labelled snippets are measured by `benchmarks/bench_pii.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["PiiKind", "PiiSpan", "find_pii", "mask_pii"]


class PiiKind(StrEnum):
    """What a span of personal data is; its placeholder is `[KIND]`."""

    EMAIL = "EMAIL"
    CN_ID = "CN_ID"
    CARD = "CARD"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"


@dataclass(frozen=True)
class PiiSpan:
    """`text[start:end]` is personal data of `kind`."""

    kind: PiiKind
    start: int
    end: int


# ASCII classes, not \w: Chinese text runs straight into an address or a number.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9_.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_CN_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"\d{3}[0-9Xx](?![0-9A-Za-z])"
)
_CARD = re.compile(r"(?<![\d-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\d-])")
_PHONES = [
    # Chinese mobile: 1[3-9]x xxxx xxxx, optionally +86.
    re.compile(r"(?<![\d+])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)"),
    # International: +CC then 6-14 more digits in groups.
    re.compile(r"(?<![A-Za-z0-9_+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){2,5}(?!\d)"),
    # North American: (555) 123-4567, 555-123-4567, 555.123.4567.
    re.compile(r"(?<![\d-])(?:\(\d{3}\)[ ]?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\d-])"),
    # Chinese landline: 010-12345678, 0755-1234567.
    re.compile(r"(?<![\d-])0\d{2,3}-\d{7,8}(?![\d-])"),
    # UK national: 020 7946 0958, 07700 900123.
    re.compile(r"(?<![\d-])0\d{2,4} \d{3,4} ?\d{3,4}(?![\d-])"),
]
_STREET = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Parkway|Pkwy|Highway|Hwy|Close|Crescent|Square|Sq)"
)
_ADDRESSES = [
    re.compile(
        r"\b\d{1,5}[A-Za-z]?,? (?:[A-Z][A-Za-z'-]+\.? ){1,4}" + _STREET + r"\b\.?"
        r"(?: (?:NW|NE|SW|SE|N|S|E|W)\b)?"
        r"(?:,? (?:Apt|Apartment|Suite|Unit|Flat|#) ?[\w-]+)?"
    ),
    re.compile(
        r"(?:[\u4e00-\u9fa5]{2,7}?(?:省|自治区|市|区|县|镇|乡))*[\u4e00-\u9fa5]{1,10}?"
        r"(?:路|街|大道|巷|弄)\d{1,5}号(?:\d{1,4}(?:栋|幢|单元|号楼|楼|层|室))*"
    ),
]
#: Detectors in priority order: an overlapping span of a later kind is dropped.
_DETECTORS: list[tuple[PiiKind, list[re.Pattern[str]]]] = [
    (PiiKind.EMAIL, [_EMAIL]),
    (PiiKind.CN_ID, [_CN_ID]),
    (PiiKind.CARD, [_CARD]),
    (PiiKind.PHONE, _PHONES),
    (PiiKind.ADDRESS, _ADDRESSES),
]
#: Words that lead into a Chinese address without being part of it ("请寄到...").
_ADDRESS_LEAD_INS = (
    "收货地址",
    "快递",
    "地址",
    "请",
    "寄到",
    "送到",
    "放到",
    "发到",
    "寄往",
    "住在",
    "我在",
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def find_pii(text: str) -> list[PiiSpan]:
    """Non-overlapping spans of personal data in `text`, in order."""
    chosen: list[PiiSpan] = []
    for kind, patterns in _DETECTORS:
        for pattern in patterns:
            for match in pattern.finditer(text):
                start = match.start()
                if kind is PiiKind.ADDRESS:
                    start = _after_lead_ins(text, start)
                span = PiiSpan(kind, start, match.end())
                if _valid(kind, match.group()) and not any(_overlap(span, c) for c in chosen):
                    chosen.append(span)
    return sorted(chosen, key=lambda span: span.start)


def mask_pii(text: str) -> str:
    """`text` with each span of personal data replaced by its placeholder (`[EMAIL]`, ...)."""
    masked, end = [], 0
    for span in find_pii(text):
        masked += [text[end : span.start], f"[{span.kind}]"]
        end = span.end
    return "".join([*masked, text[end:]])


def _after_lead_ins(text: str, start: int) -> int:
    """`start` moved past lead-in words (a Chinese address's match may begin with them)."""
    moved = True
    while moved:
        moved = False
        for word in _ADDRESS_LEAD_INS:
            if text.startswith(word, start):
                start, moved = start + len(word), True
    return start


def _valid(kind: PiiKind, found: str) -> bool:
    digits = re.sub(r"\D", "", found)
    if kind is PiiKind.CARD:
        return 13 <= len(digits) <= 19 and _luhn(digits)
    if kind is PiiKind.CN_ID:
        total = sum(int(d) * w for d, w in zip(found[:17], _ID_WEIGHTS, strict=True))
        return _ID_CHECK[total % 11] == found[17].upper()
    if kind is PiiKind.PHONE:
        return 7 <= len(digits) <= 15
    return True


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _overlap(a: PiiSpan, b: PiiSpan) -> bool:
    return a.start < b.end and b.start < a.end
