"""What to search for in a shopper's request: the request's own wording taken away ("I'm
looking for", "can you recommend", "for my mum", "帮我推荐一款"), so that the search reads the
product and its constraints only ("running shoes under $80", "200元以下的蓝牙耳机")."""

from __future__ import annotations

import re

__all__ = ["search_terms"]

_EN_REQUEST = re.compile(
    r"^\s*(?:(?:hi|hello|hey)\b[\s,!.]*)?"
    r"(?:(?:please\s+)?(?:can|could|would)\s+you\s+(?:please\s+)?"
    r"(?:recommend|suggest|find|show)(?:\s+me)?|i\s*(?:'|’)?\s*m\s+looking\s+for|"
    r"i\s+am\s+looking\s+for|looking\s+for|i\s+(?:need|want)(?:\s+to\s+buy)?|"
    r"do\s+you\s+(?:have|sell)|(?:please\s+)?(?:recommend|suggest|show\s+me|find\s+me)|"
    r"any\s+(?:recommendations?|suggestions?)\s+for)\b\s*",
    re.IGNORECASE,
)
_EN_RECIPIENT = re.compile(
    r"\bfor\s+(?:my|our|a)\s+(?:little\s+)?(?:mum|mom|mother|dad|"
    r"father|wife|husband|son|daughter|kids?|children|child|friend|boyfriend|girlfriend|"
    r"sister|brother|grandma|grandpa|grandmother|grandfather|partner|baby|teenager|boss)\b",
    re.IGNORECASE,
)
_ZH_REQUEST = re.compile(
    r"^\s*(?:你好[，,！!]?\s*)?(?:请|麻烦)?(?:帮我|给我)?(?:推荐|找|挑|选)(?:一下|一款|一个|一些|几款)?|"
    r"^\s*(?:我)?(?:想|要|需要|打算)(?:买|找|入手)(?:一款|一个|一些)?|^\s*有没有"
)
_ZH_RECIPIENT = re.compile(
    r"(?:送给|给)(?:我)?(?:妈妈|爸爸|老婆|老公|孩子|朋友|女朋友|男朋友|父母|老人)的?"
)
_TRAILING = re.compile(r"[\s?？!！.。,，]+$")


def search_terms(text: str) -> str:
    """`text` without its request wording (unchanged where nothing is left after removal)."""
    stripped = _EN_REQUEST.sub("", text, count=1)
    stripped = _EN_RECIPIENT.sub(" ", stripped)
    stripped = _ZH_REQUEST.sub("", stripped, count=1)
    stripped = _ZH_RECIPIENT.sub("", stripped)
    stripped = _TRAILING.sub("", re.sub(r"\s+", " ", stripped)).strip()
    stripped = re.sub(r"^(?:a|an|some)\s+", "", stripped, flags=re.IGNORECASE)
    return stripped or text.strip()
