"""What kind of answer a shopper's question asks for: yes or no, a count, a measure, an
attribute value, or anything else."""

from __future__ import annotations

import re
from enum import StrEnum

from shopsense.assistant.sentences import split_sentences


class QuestionType(StrEnum):
    """The answer a question asks for."""

    YES_NO = "yes_no"
    HOW_MANY = "how_many"
    MEASURE = "measure"
    ATTRIBUTE = "attribute"
    OTHER = "other"


_EN_YES_NO = re.compile(
    r"^\W*(is|are|was|were|does|do|did|can|could|will|would|should|shall|may|might|must|has|"
    r"have|had|isn't|aren't|doesn't|don't|didn't|can't|won't|wouldn't)\b",
    re.I,
)
_EN_HOW_MANY = re.compile(r"\bhow (many|much)\b", re.I)
_EN_MEASURE = re.compile(
    r"\bhow (long|big|tall|wide|high|heavy|deep|large|small|thick|old|far|fast)\b|"
    r"\bwhat (are|is) the (dimensions?|size|weight|length|width|height)\b",
    re.I,
)
_EN_ATTRIBUTE = re.compile(
    r"\bwhat (size|colou?rs?|material|type|kind|brand|age|language|voltage|shape)\b", re.I
)
_ZH_YES_NO = re.compile(r"(吗|么|嘛)[？?]?\s*$|能不能|是不是|有没有|会不会|可不可以|可以不|行不行")
_ZH_HOW_MANY = re.compile(r"多少|几[个件只瓶天岁年月次]?")
_ZH_MEASURE = re.compile(r"多[大长高宽重厚久远]|尺寸|尺码")
_ZH_ATTRIBUTE = re.compile(r"什么(颜色|材质|材料|牌子|品牌|型号|款)|哪(种|个)颜色")


def _asking_sentence(question: str) -> str:
    """The sentence that asks: the first ending in '?' (the last sentence if none does)."""
    sentences = split_sentences(question) or [question]
    asking = [s for s in sentences if s.rstrip().endswith(("?", "？"))]
    return asking[0] if asking else sentences[-1]


def question_type(question: str, language: str = "en") -> QuestionType:
    """The type of `question` ("does it fold?" -> YES_NO, "这个多少钱" -> HOW_MANY)."""
    asking = _asking_sentence(question)
    if language == "zh":
        checks = (
            (_ZH_ATTRIBUTE, QuestionType.ATTRIBUTE),
            (_ZH_MEASURE, QuestionType.MEASURE),
            (_ZH_HOW_MANY, QuestionType.HOW_MANY),
            (_ZH_YES_NO, QuestionType.YES_NO),
        )
    else:
        checks = (
            (_EN_HOW_MANY, QuestionType.HOW_MANY),
            (_EN_MEASURE, QuestionType.MEASURE),
            (_EN_ATTRIBUTE, QuestionType.ATTRIBUTE),
        )
        if _EN_YES_NO.match(asking):
            return QuestionType.YES_NO
    for pattern, kind in checks:
        if pattern.search(asking):
            return kind
    return QuestionType.OTHER
