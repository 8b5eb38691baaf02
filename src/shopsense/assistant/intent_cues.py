"""Keyword cues of each intent: order numbers, asking for a human, the shop's policies.

Each intent has a few regular expressions (English words matched whole, case-insensitive;
Chinese matched as substrings). `cue_counts` says how many of an intent's cues a message
matches: features beside the encoder's similarities in `IntentClassifier`, and on their own the
keyword baseline of `benchmarks/bench_assistant_intents.py`.
"""

from __future__ import annotations

import re

import numpy as np

#: Intent value -> cue patterns. Values as in `Intent`, in its order.
CUES: dict[str, tuple[str, ...]] = {
    "product_question": (
        r"\b(is|does|do|are|can|will|has) (it|this|that|these|they)\b",
        r"\b(this|these) (one|model|item|product|size|colou?r)\b",
        r"\b(made of|material|dimensions?|compatible|fit|fits|size chart|ingredients?)\b",
        r"这个|这款|这件|这条|这双|这台|这本|它",
        r"多大|多重|多长|多久|尺寸|材质|面料|成分|兼容|适合几岁|偏大|偏小|能不能用",
    ),
    "product_search": (
        r"\b(recommend|suggest|suggestions?|looking for|look for|searching for|find me|show me)\b",
        r"\b(gift|present|ideas?|best|cheapest|budget|under \$?\d+|do you (sell|have|carry))\b",
        r"\b(i (need|want) (a|an|some)|which (one|is better)|help me (choose|pick))\b",
        r"推荐|想买|想找|有没有|有什么|哪款|哪个好|什么好|礼物|预算|以内|性价比|求",
    ),
    "policy": (
        r"\b(returns?|refunds?|exchanges?|warranty|guarantee)\b",
        r"\b(shipping|delivery|deliver|ship) (cost|fee|time|policy|abroad|internationally|to)\b",
        r"\b(how long (does|do|will) (shipping|delivery)|free shipping|express|customs)\b",
        r"\b(payment|pay|paypal|credit card|instal?lments?|cash on delivery|invoice|coupon)\b",
        r"退货|退款|换货|运费|包邮|多久发货|(什么|哪家)快递|几天(能)?到|配送|保修|质保|售后|付款|支付|分期|发票|无理由|优惠券",
    ),
    "order_status": (
        r"#?\b[A-Z]{0,3}\d{5,}\b",
        r"\b(my|the) (order|package|parcel|delivery|shipment|refund)\b",
        r"\b(track|tracking|dispatched|shipped yet|hasn'?t arrived|not arrived|still waiting)\b",
        r"订单|单号|我的快递|快递(到|还没|怎么)|物流|包裹|到哪|还没(收到|到|发)|没收到|签收|发货了吗",
    ),
    "handover": (
        r"\b(human|real person|agent|representative|operator|manager|someone in charge)\b",
        r"\b(complain|complaint|furious|angry|unacceptable|ridiculous|terrible|useless)\b",
        r"\b(speak|talk|chat) (to|with) (a|an|someone|somebody|support)\b",
        r"人工|真人|活人|经理|投诉|差评|维权|12315|消协|气死|太差|离谱|骗子|生气",
    ),
    "greeting": (
        r"^\W*(hi|hello|hey|yo|morning|good (morning|afternoon|evening))\b",
        r"\b(thanks|thank you|thx|cheers|bye|goodbye|see you|have a (nice|good))\b",
        r"^\W*(你好|您好|在吗|哈喽|嗨|早上好|晚上好|晚安)",
        r"谢谢|多谢|感谢|再见|拜拜|辛苦了|麻烦你了",
    ),
}

_COMPILED = {
    intent: tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)
    for intent, patterns in CUES.items()
}


def cue_counts(text: str) -> dict[str, int]:
    """How many of each intent's cue patterns `text` matches."""
    return {
        intent: sum(pattern.search(text) is not None for pattern in patterns)
        for intent, patterns in _COMPILED.items()
    }


def cue_features(text: str) -> np.ndarray:
    """The cue counts of `text`, capped at 2 and scaled to [0, 1], in `CUES` order."""
    counts = cue_counts(text)
    return np.array([min(count, 2) / 2 for count in counts.values()], dtype=np.float32)
