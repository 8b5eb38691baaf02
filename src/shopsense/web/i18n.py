"""The pages' own words in English and Chinese; the shop's products and reasons keep theirs."""

from __future__ import annotations

#: Languages the pages are written in.
LANGUAGES = ("en", "zh")

_WORDS: dict[str, dict[str, str]] = {
    "shop": {"en": "ShopSense store", "zh": "ShopSense 商店"},
    "home": {"en": "Home", "zh": "首页"},
    "search": {"en": "Search", "zh": "搜索"},
    "search_placeholder": {"en": "Search products", "zh": "搜索商品"},
    "cart": {"en": "Cart", "zh": "购物车"},
    "privacy": {"en": "Privacy", "zh": "隐私"},
    "help": {"en": "Help", "zh": "客服"},
    "console": {"en": "Console", "zh": "后台"},
    "language": {"en": "中文", "zh": "English"},
    "for_you": {"en": "Recommended for you", "zh": "为你推荐"},
    "trending": {"en": "Trending", "zh": "热门商品"},
    "new_arrivals": {"en": "New arrivals", "zh": "新品上架"},
    "why": {"en": "Why am I seeing this?", "zh": "为什么推荐这个？"},
    "signals": {"en": "Signals", "zh": "依据"},
    "sponsored": {"en": "Sponsored", "zh": "广告"},
    "add_to_cart": {"en": "Add to cart", "zh": "加入购物车"},
    "remove": {"en": "Remove", "zh": "移除"},
    "buy": {"en": "Buy now", "zh": "立即购买"},
    "empty_cart": {"en": "Your cart is empty.", "zh": "购物车是空的。"},
    "thanks": {"en": "Thank you for your order.", "zh": "感谢您的购买。"},
    "similar": {"en": "Similar items", "zh": "相似商品"},
    "reviews": {"en": "What reviewers say", "zh": "评价摘要"},
    "no_reviews": {"en": "No reviews yet.", "zh": "暂无评价。"},
    "mean_rating": {"en": "Mean rating", "zh": "平均评分"},
    "positive": {"en": "positive", "zh": "好评"},
    "negative": {"en": "negative", "zh": "差评"},
    "neutral": {"en": "neutral", "zh": "中评"},
    "mentions": {"en": "mentions", "zh": "次提及"},
    "ask": {"en": "Ask a question", "zh": "提问"},
    "ask_placeholder": {"en": "e.g. what is it made of?", "zh": "例如：这个是什么材质的？"},
    "send": {"en": "Send", "zh": "发送"},
    "sources": {"en": "Sources", "zh": "来源"},
    "handover": {
        "en": "A member of our team will take it from here.",
        "zh": "我们的客服人员将接手处理。",
    },
    "assistant_off": {
        "en": "The assistant is not available right now.",
        "zh": "智能客服暂时不可用。",
    },
    "results_for": {"en": "Results for", "zh": "搜索结果："},
    "understood": {"en": "How we read your search", "zh": "搜索理解"},
    "corrected": {"en": "Showing results for", "zh": "已为您显示以下结果："},
    "no_results": {"en": "No products match.", "zh": "没有找到匹配的商品。"},
    "category": {"en": "Category", "zh": "类目"},
    "brand": {"en": "Brand", "zh": "品牌"},
    "price": {"en": "Price", "zh": "价格"},
    "rating": {"en": "Rating", "zh": "评分"},
    "any": {"en": "Any", "zh": "不限"},
    "and_up": {"en": "& up", "zh": "及以上"},
    "apply": {"en": "Apply", "zh": "筛选"},
    "profile": {"en": "What we know about you", "zh": "我们对您的了解"},
    "interests": {"en": "Your interests", "zh": "您的兴趣"},
    "recent": {"en": "Your recent activity", "zh": "最近的活动"},
    "no_profile": {
        "en": "We hold no data about you.",
        "zh": "我们没有保存任何关于您的数据。",
    },
    "erase": {"en": "Erase my data", "zh": "删除我的数据"},
    "erase_explained": {
        "en": "Deletes your events, reviews, searches and profile everywhere, for good.",
        "zh": "永久删除您的浏览、评价、搜索记录和兴趣档案。",
    },
    "erased": {"en": "Your data has been erased.", "zh": "您的数据已删除。"},
    "not_found": {"en": "Page not found.", "zh": "页面不存在。"},
    "bad_input": {
        "en": "Something in the request is not right:",
        "zh": "请求中有不正确的内容：",
    },
    "unknown_product": {"en": "No such product.", "zh": "没有这个商品。"},
    "categories": {"en": "Categories", "zh": "类目"},
    "brands": {"en": "Brands", "zh": "品牌"},
    "terms": {"en": "Topics", "zh": "关键词"},
    "events": {"en": "events", "zh": "条记录"},
    "description": {"en": "Description", "zh": "商品描述"},
    "details": {"en": "Details", "zh": "商品参数"},
    "menu": {"en": "Main menu", "zh": "主菜单"},
}


def words(language: str) -> dict[str, str]:
    """Every word of the pages in `language` (English for a language they are not in)."""
    chosen = language if language in LANGUAGES else "en"
    return {key: by_language[chosen] for key, by_language in _WORDS.items()}
