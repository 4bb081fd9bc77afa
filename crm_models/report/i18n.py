"""One message catalogue for report text in English and Chinese (``lang="en"|"zh"``).

Notebooks and the runner look phrases up by key with :func:`translate` (alias ``t``);
areas can add their own keys with :func:`register`.  A missing Chinese phrase falls back
to English, a missing key is an error (so typos do not ship silently).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LANGUAGES", "translate", "t", "register", "catalogue"]

LANGUAGES = ("en", "zh")

_CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "index_title": "CRM reports",
        "run_started": "started",
        "run_finished": "finished",
        "run_status": "status",
        "status_ok": "ok",
        "status_failed": "failed",
        "col_report": "report",
        "col_name": "name",
        "col_status": "status",
        "col_seconds": "seconds",
        "col_parameters": "parameters",
        # overview report
        "ov_title": "Customer base overview",
        "ov_intro": "Who buys, how often, and how the customer base develops over time.",
        "ov_key_figures": "Key figures",
        "ov_kf_customers": "**{customers:,}** customers made **{transactions:,}** purchases "
                           "between {first_date} and {last_date}.",
        "ov_kf_revenue": "Revenue **{revenue:,.2f}**; an average order is worth **{aov:,.2f}**, "
                         "an average customer **{per_customer:,.2f}**.",
        "ov_kf_repeat": "**{share:.1%}** of customers have bought again after their first purchase; "
                        "on average a customer made **{mean:.2f}** repeat purchases.",
        "ov_over_time": "The customer base over time",
        "ov_over_time_text": "Each bar counts the customers who bought in that period: *new* customers "
                             "made their first purchase then, *repeat* customers had bought before.",
        "ov_revenue_text": "Revenue per period, and how the share of repeat buyers grows as customers age.",
        "ov_rfm": "RFM summary",
        "ov_rfm_text": "Per customer: *frequency* = number of repeat purchases, *recency* = time from "
                       "first to last purchase, *T* = time since the first purchase, *monetary value* "
                       "= average value of the repeat purchases. These are the inputs of the "
                       "lifetime-value models.",
        "fig_new_repeat_title": "Active customers per period: new vs repeat",
        "fig_revenue_title": "Revenue per period",
        "fig_repeat_rate_title": "Repeat-purchase rate",
        "fig_distribution_title": "Distribution of {what}",
        "lbl_period": "period",
        "lbl_customers": "customers",
        "lbl_revenue": "revenue",
        "lbl_new": "new",
        "lbl_repeat": "repeat",
        "lbl_share_customers": "share of customers",
        "lbl_repeat_buyer_rate": "repeat buyers among all acquired",
        "lbl_repeat_share": "repeat customers among the active",
        "col_active_customers": "active customers",
        "col_new_customers": "new customers",
        "col_repeat_customers": "repeat customers",
        "col_orders": "orders",
        "col_revenue": "revenue",
        "col_repeat_share": "repeat share",
        "col_cumulative_customers": "customers so far",
        "col_repeat_buyer_rate": "repeat-buyer rate",
        "var_frequency": "frequency",
        "var_recency": "recency",
        "var_T": "T (customer age)",
        "var_monetary_value": "monetary value",
        # coursework
        "cw_title": "CRM assignment: your customer base",
        "cw_intro": "Student **{student}**. `transactions.csv` holds the purchases of an online "
                    "shop's customers, observed until **{end}**; your data are yours alone. Answer "
                    "each question by assigning a number in its answer cell, then run the whole "
                    "notebook: the last cell saves your answers.",
        "cw_points": "{points:g} points",
        "cw_your_answer": "your answer",
        "cw_feedback_title": "Assignment feedback",
        "cw_total": "Total",
        "cw_question": "question",
        "cw_answer": "your answer",
        "cw_expected": "expected",
        "cw_points_col": "points",
        "cw_correct": "correct",
        "cw_wrong": "wrong",
    },
    "zh": {
        "index_title": "客户关系管理报告",
        "run_started": "开始时间",
        "run_finished": "结束时间",
        "run_status": "状态",
        "status_ok": "成功",
        "status_failed": "失败",
        "col_report": "报告",
        "col_name": "名称",
        "col_status": "状态",
        "col_seconds": "耗时（秒）",
        "col_parameters": "参数",
        # overview report
        "ov_title": "客户群概览",
        "ov_intro": "谁在购买、购买频率如何，以及客户群随时间的发展。",
        "ov_key_figures": "关键指标",
        "ov_kf_customers": "**{customers:,}** 位客户在 {first_date} 至 {last_date} 期间共购买 "
                           "**{transactions:,}** 次。",
        "ov_kf_revenue": "总收入 **{revenue:,.2f}**；平均每笔订单 **{aov:,.2f}**，平均每位客户 "
                         "**{per_customer:,.2f}**。",
        "ov_kf_repeat": "**{share:.1%}** 的客户在首次购买后再次购买；平均每位客户重复购买 "
                        "**{mean:.2f}** 次。",
        "ov_over_time": "客户群的变化",
        "ov_over_time_text": "每根柱子表示该期间有购买的客户数：*新客户* 在该期间首次购买，"
                             "*老客户* 之前已购买过。",
        "ov_revenue_text": "各期收入，以及随着客户“变老”，重复购买客户比例的增长。",
        "ov_rfm": "RFM 汇总",
        "ov_rfm_text": "对每位客户：*频率*（frequency）= 重复购买次数，*最近购买*（recency）= "
                       "首次到最后一次购买的时间，*T* = 自首次购买以来的时间，*金额*（monetary "
                       "value）= 重复购买的平均金额。它们是客户终身价值模型的输入。",
        "fig_new_repeat_title": "各期活跃客户：新客户与老客户",
        "fig_revenue_title": "各期收入",
        "fig_repeat_rate_title": "重复购买率",
        "fig_distribution_title": "{what}的分布",
        "lbl_period": "期间",
        "lbl_customers": "客户数",
        "lbl_revenue": "收入",
        "lbl_new": "新客户",
        "lbl_repeat": "老客户",
        "lbl_share_customers": "客户比例",
        "lbl_repeat_buyer_rate": "已获客户中的重复购买者",
        "lbl_repeat_share": "活跃客户中的老客户",
        "col_active_customers": "活跃客户",
        "col_new_customers": "新客户",
        "col_repeat_customers": "老客户",
        "col_orders": "订单数",
        "col_revenue": "收入",
        "col_repeat_share": "老客户占比",
        "col_cumulative_customers": "累计客户",
        "col_repeat_buyer_rate": "重复购买率",
        "var_frequency": "频率",
        "var_recency": "最近购买",
        "var_T": "T（客户年龄）",
        "var_monetary_value": "金额",
        # coursework
        "cw_title": "客户关系管理作业：你的客户群",
        "cw_intro": "学生 **{student}**。`transactions.csv` 记录了一家网店客户的购买，观察至 "
                    "**{end}**；每位同学的数据都不同。在每个答案单元格中给出数值答案，然后运行整个"
                    "笔记本：最后一个单元格会保存你的答案。",
        "cw_points": "{points:g} 分",
        "cw_your_answer": "你的答案",
        "cw_feedback_title": "作业反馈",
        "cw_total": "总分",
        "cw_question": "题目",
        "cw_answer": "你的答案",
        "cw_expected": "参考答案",
        "cw_points_col": "得分",
        "cw_correct": "正确",
        "cw_wrong": "错误",
    },
}


def register(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add phrases: ``{"en": {key: text}, "zh": {key: text}}``."""
    for lang, entries in messages.items():
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}; use one of {LANGUAGES}")
        _CATALOGUE[lang].update(entries)


def translate(key: str, lang: str = "en", **values: object) -> str:
    """The phrase for ``key`` in ``lang``, with ``{name}`` placeholders filled from values."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {LANGUAGES}")
    text = _CATALOGUE[lang].get(key) or _CATALOGUE["en"].get(key)
    if text is None:
        raise KeyError(f"no message {key!r} in the catalogue")
    return text.format(**values) if values else text


t = translate


def catalogue(lang: str) -> dict[str, str]:
    """A copy of every phrase in ``lang`` (English where no translation exists)."""
    return {**_CATALOGUE["en"], **_CATALOGUE[lang]}
