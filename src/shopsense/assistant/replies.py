"""The assistant's fixed phrases, in English and Chinese (a language without its own phrases
gets the English ones)."""

from __future__ import annotations

from shopsense.assistant.orders import Order, OrderStatus

__all__ = ["order_line", "phrase"]

_PHRASES: dict[str, dict[str, str]] = {
    "greeting": {
        "en": "Hello! I can answer questions about our products, delivery, returns and "
        "payment, find products for you, or tell you where your order is.",
        "zh": "您好！我可以回答商品、配送、退换货和支付的问题，帮您找商品，或者查询订单进度。",
    },
    "handover": {
        "en": "I'm passing this conversation to a member of our team; they will reply here "
        "as soon as they can.",
        "zh": "已为您转接人工客服，客服会尽快在这里回复您。",
    },
    "decline": {
        "en": "I'm sorry, I can't find that in our product information or policies, so I "
        "won't guess. I've asked a member of our team to help.",
        "zh": "抱歉，商品信息和店铺政策里没有找到相关内容，我不想乱猜。已为您转接人工客服。",
    },
    "which_product": {
        "en": "Which product do you mean? Ask me from its page, or tell me what you are "
        "looking for.",
        "zh": "请问您问的是哪件商品？可以在商品页面提问，或者告诉我您想找什么。",
    },
    "sign_in": {
        "en": "Please sign in so that I can look up your orders.",
        "zh": "请先登录，我才能查询您的订单。",
    },
    "no_order": {
        "en": "I can't find an order of yours with that number. I've asked a member of our "
        "team to help.",
        "zh": "没有找到您这个单号的订单，已为您转接人工客服。",
    },
    "no_orders": {
        "en": "I can't find any orders on your account. I've asked a member of our team to help.",
        "zh": "您的账户下没有找到订单，已为您转接人工客服。",
    },
    "suggestions": {"en": "Here are some products that match:", "zh": "为您找到这些商品："},
    "no_suggestions": {
        "en": "I couldn't find products that match. Could you tell me more about what you need?",
        "zh": "没有找到合适的商品，能再说说您的需求吗？",
    },
}
_STATUS: dict[str, dict[OrderStatus, str]] = {
    "en": {
        OrderStatus.PROCESSING: "is being prepared",
        OrderStatus.SHIPPED: "has shipped",
        OrderStatus.DELIVERED: "was delivered",
    },
    "zh": {
        OrderStatus.PROCESSING: "正在备货",
        OrderStatus.SHIPPED: "已发货",
        OrderStatus.DELIVERED: "已签收",
    },
}


def phrase(name: str, language: str) -> str:
    """A fixed phrase in `language` (English where there is none)."""
    texts = _PHRASES[name]
    return texts.get(language, texts["en"])


def order_line(order: Order, titles: list[str], language: str) -> str:
    """One sentence on where an order is."""
    status = _STATUS.get(language, _STATUS["en"])[order.status]
    placed = order.placed_at.date().isoformat()
    expected = order.expected_by.date().isoformat() if order.expected_by else None
    what = ", ".join(titles[:3]) + (" …" if len(titles) > 3 else "")
    if language == "zh":
        line = f"订单 {order.order_id}（{placed} 下单：{what}）{status}"
        return line + (f"，预计 {expected} 前送达。" if expected else "。")
    line = f"Order {order.order_id} (placed {placed}: {what}) {status}"
    return line + (f" and should arrive by {expected}." if expected else ".")
