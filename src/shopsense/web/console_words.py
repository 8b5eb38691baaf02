"""The console's own words in English and Chinese (the pages' shared words are in `i18n`)."""

from __future__ import annotations

from shopsense.web.i18n import LANGUAGES

_WORDS: dict[str, dict[str, str]] = {
    "console_title": {"en": "ShopSense console", "zh": "ShopSense 后台"},
    "console_nav": {"en": "Console sections", "zh": "后台栏目"},
    "overview": {"en": "Overview", "zh": "概览"},
    "evaluation": {"en": "Evaluation", "zh": "离线评估"},
    "review_trends": {"en": "Reviews", "zh": "评价趋势"},
    "campaigns": {"en": "Campaigns", "zh": "广告活动"},
    "bundles": {"en": "Bundles", "zh": "模型版本"},
    "shoppers": {"en": "Shoppers", "zh": "用户查询"},
    "sign_in": {"en": "Sign in", "zh": "登录"},
    "sign_out": {"en": "Sign out", "zh": "退出"},
    "admin_key": {"en": "Admin key", "zh": "管理员密钥"},
    "sign_in_help": {
        "en": "Staff sign in with an admin API key of this server.",
        "zh": "请使用本服务器的管理员 API 密钥登录。",
    },
    "wrong_key": {"en": "That is not an admin key.", "zh": "这不是管理员密钥。"},
    "too_many": {
        "en": "Too many failed attempts from this address; try again later.",
        "zh": "此地址失败次数过多，请稍后再试。",
    },
    "health": {"en": "Health", "zh": "运行状态"},
    "status": {"en": "Status", "zh": "状态"},
    "store": {"en": "Store", "zh": "存储"},
    "bundle": {"en": "Bundle", "zh": "模型包"},
    "products": {"en": "Products", "zh": "商品数"},
    "users": {"en": "Shoppers with events", "zh": "有行为的用户"},
    "placement": {"en": "Sponsored placement", "zh": "广告投放"},
    "on": {"en": "on", "zh": "开启"},
    "off": {"en": "off", "zh": "关闭"},
    "live_metrics": {"en": "Live metrics (last hour)", "zh": "实时指标（最近一小时）"},
    "collecting": {
        "en": "Collecting metrics: the charts appear after two samples (every 5 seconds).",
        "zh": "正在采集指标：两次采样后（每 5 秒一次）显示图表。",
    },
    "requests_per_s": {"en": "Requests per second", "zh": "每秒请求数"},
    "latency": {"en": "Latency (ms)", "zh": "延迟（毫秒）"},
    "lists_by_path": {
        "en": "Recommendation lists: precomputed vs live",
        "zh": "推荐列表：预计算与实时",
    },
    "errors": {"en": "Server errors (5xx)", "zh": "服务器错误（5xx）"},
    "latest_samples": {"en": "Latest samples", "zh": "最近的采样"},
    "time": {"en": "Time (UTC)", "zh": "时间（UTC）"},
    "precomputed": {"en": "Precomputed", "zh": "预计算"},
    "live": {"en": "Live", "zh": "实时"},
    "no_report": {
        "en": "No bundle version holds an evaluation report (train with `shopsense train "
        "--evaluate` to store one).",
        "zh": "没有任何模型包版本包含评估报告（使用 `shopsense train --evaluate` 训练以保存）。",
    },
    "report_of": {"en": "Evaluation report of bundle", "zh": "评估报告，模型包"},
    "protocol": {"en": "Protocol", "zh": "评估协议"},
    "no_cold": {
        "en": "This report has no cold-item breakdown.",
        "zh": "此报告没有冷启动商品的分项结果。",
    },
    "no_search": {
        "en": "This report holds no comparison of search methods.",
        "zh": "此报告不包含搜索方法的对比。",
    },
    "model": {"en": "Model", "zh": "模型"},
    "method": {"en": "Method", "zh": "方法"},
    "no_data": {"en": "No data yet.", "zh": "暂无数据。"},
    "trend_for": {"en": "Review trend", "zh": "评价趋势"},
    "scope": {"en": "Scope", "zh": "范围"},
    "scope_category": {"en": "Category", "zh": "类目"},
    "scope_brand": {"en": "Brand", "zh": "品牌"},
    "scope_item": {"en": "Product id", "zh": "商品编号"},
    "key": {"en": "Category, brand or product id", "zh": "类目、品牌或商品编号"},
    "period": {"en": "Period", "zh": "周期"},
    "show": {"en": "Show", "zh": "显示"},
    "review_volume": {"en": "Reviews per period", "zh": "每期评价数"},
    "negative_share": {"en": "Negative share", "zh": "差评占比"},
    "reviews_count": {"en": "Reviews", "zh": "评价数"},
    "alerts": {"en": "Alerts", "zh": "预警"},
    "no_alerts": {"en": "No alerts raised.", "zh": "暂无预警。"},
    "raised_at": {"en": "Raised at", "zh": "触发时间"},
    "kind": {"en": "Kind", "zh": "类型"},
    "reason": {"en": "Reason", "zh": "原因"},
    "placement_off": {
        "en": "Sponsored placement is off: this server has no placement store configured.",
        "zh": "广告投放未开启：本服务器没有配置投放存储。",
    },
    "no_campaigns": {"en": "No campaigns.", "zh": "暂无广告活动。"},
    "campaign": {"en": "Campaign", "zh": "活动"},
    "bid": {"en": "Bid", "zh": "出价"},
    "budget": {"en": "Daily budget", "zh": "日预算"},
    "spent": {"en": "Spent today", "zh": "今日花费"},
    "pacing": {"en": "Pacing (spent / planned by now)", "zh": "消耗进度（实际/计划）"},
    "impressions": {"en": "Impressions", "zh": "曝光"},
    "clicks": {"en": "Clicks", "zh": "点击"},
    "ctr": {"en": "Click-through", "zh": "点击率"},
    "off_policy": {"en": "Off-policy comparisons", "zh": "离策略对比"},
    "position_note": {
        "en": "From this server's impression log: what was served, sponsored against organic "
        "entries by position.",
        "zh": "来自本服务器的曝光日志：已投放的结果，按位置比较广告与自然结果。",
    },
    "no_policy_report": {
        "en": "No bundle version records an off-policy evaluation report: run `shopsense "
        "evaluate-policy --data DIR --report r.json` on a logged bandit dataset and record it "
        "with `shopsense train --policy-report r.json`.",
        "zh": "没有任何模型包版本记录离策略评估报告：请在带日志的老虎机数据集上运行 "
        "`shopsense evaluate-policy --data DIR --report r.json`，"
        "再用 `shopsense train --policy-report r.json` 记录到模型包中。",
    },
    "policy_report_of": {
        "en": "Off-policy evaluation report of bundle",
        "zh": "离策略评估报告，模型包",
    },
    "estimator_check": {
        "en": "Estimators against the Thompson-sampling policy's true click rate",
        "zh": "各估计方法与汤普森采样策略真实点击率的对比",
    },
    "estimator_check_note": {
        "en": "Each estimator estimates the Thompson-sampling policy's click rate from the random "
        "policy's logs; that policy's own logs give the true click rate.",
        "zh": "每种估计方法都从随机策略的日志估计汤普森采样策略的点击率；"
        "该策略自身的日志给出真实点击率。",
    },
    "estimator": {"en": "Estimator", "zh": "估计方法"},
    "estimate_ci": {"en": "Estimate [95% interval]", "zh": "估计值 [95% 区间]"},
    "truth": {"en": "True click rate", "zh": "真实点击率"},
    "covered": {"en": "Interval covers the truth", "zh": "区间覆盖真实值"},
    "is_covered": {"en": "yes", "zh": "是"},
    "not_covered": {"en": "no", "zh": "否"},
    "policy_tests": {
        "en": "Policies on the held-out test logs",
        "zh": "各策略在留出测试日志上的对比",
    },
    "policy_tests_note": {
        "en": "Per campaign, the learned policy chosen on validation beside the others: their "
        "estimated click rates with 95% intervals.",
        "zh": "每个活动中，在验证集上选出的学习策略与其他策略对比：估计点击率及 95% 区间。",
    },
    "dr_chart": {"en": "DR estimate of each policy's click rate", "zh": "各策略点击率的 DR 估计"},
    "dr_label": {"en": "DR estimate, 95% interval", "zh": "DR 估计，95% 区间"},
    "click_rate_pct": {"en": "Click rate (%)", "zh": "点击率（%）"},
    "numbers_in_tables": {
        "en": "The numbers are in the tables below.",
        "zh": "具体数值见下方表格。",
    },
    "policy": {"en": "Policy", "zh": "策略"},
    "chosen": {"en": "chosen on validation", "zh": "验证集选出"},
    "test_logs": {"en": "Test logs", "zh": "测试日志"},
    "on_policy_rate": {
        "en": "Thompson sampling's own click rate over the same period",
        "zh": "同期汤普森采样策略的实际点击率",
    },
    "position": {"en": "Position", "zh": "位置"},
    "versions": {"en": "Versions", "zh": "版本"},
    "version": {"en": "Version", "zh": "版本"},
    "created": {"en": "Created", "zh": "创建时间"},
    "artifacts": {"en": "Artifacts", "zh": "组件"},
    "dataset": {"en": "Data", "zh": "数据"},
    "report": {"en": "Evaluation report", "zh": "评估报告"},
    "yes": {"en": "yes", "zh": "有"},
    "no": {"en": "no", "zh": "无"},
    "serving_now": {"en": "Serving now", "zh": "当前使用"},
    "serve_version": {"en": "Serve this version", "zh": "切换到此版本"},
    "swapped": {"en": "Now serving bundle", "zh": "已切换到模型包"},
    "already_served": {"en": "Already serving bundle", "zh": "已经在使用模型包"},
    "swap_failed": {"en": "The swap failed; still serving", "zh": "切换失败，仍在使用"},
    "one_version": {
        "en": "The server was started on one version folder, not a bundle root: there are no "
        "other versions to switch to.",
        "zh": "服务器直接加载了一个版本目录而不是模型包根目录：没有其他版本可切换。",
    },
    "shopper_id": {"en": "Shopper id", "zh": "用户编号"},
    "look_up": {"en": "Look up", "zh": "查询"},
    "lookup_audited": {
        "en": "Every lookup is recorded in the audit log.",
        "zh": "每次查询都会记录在审计日志中。",
    },
    "unknown_shopper": {"en": "No such shopper.", "zh": "没有这个用户。"},
    "recent_events": {"en": "Recent events", "zh": "最近行为"},
    "event": {"en": "Event", "zh": "行为"},
    "product": {"en": "Product", "zh": "商品"},
    "recommendations": {"en": "Recommendations", "zh": "推荐结果"},
    "score": {"en": "Score", "zh": "分数"},
    "interest_weights": {"en": "Interests by category", "zh": "类目兴趣"},
    "weight": {"en": "Weight", "zh": "权重"},
    "numbers_below": {"en": "The numbers are in the table below.", "zh": "具体数值见下表。"},
}


def console_words(language: str) -> dict[str, str]:
    """Every word of the console in `language` (English for a language it is not in)."""
    chosen = language if language in LANGUAGES else "en"
    return {key: by_language[chosen] for key, by_language in _WORDS.items()}
