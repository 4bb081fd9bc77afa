"""One message catalogue for report text in English and Chinese (``lang="en"|"zh"``).

Notebooks and the runner look phrases up by key with :func:`translate` (alias ``t``);
areas can add their own keys with :func:`register`.  A missing Chinese phrase falls back
to English, a missing key is an error (so typos do not ship silently).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LANGUAGES", "AREA_MESSAGE_MODULES", "translate", "t", "register", "catalogue",
           "load_area_messages", "has_key", "unit_name", "money", "number", "percent", "REPORT_TITLE_KEYS",
           "report_title"]

#: Modules that register each area's phrases when imported.
AREA_MESSAGE_MODULES = ("crm_models.report.clv.messages", "crm_models.report.churn.messages",
                        "crm_models.report.csi.messages", "crm_models.report.segments.messages",
                        "crm_models.report.data_notes")

LANGUAGES = ("en", "zh")

#: The catalogue key of each bundled report's title (for the batch index page).
REPORT_TITLE_KEYS = {"overview": "ov_title", "clv": "clv_title", "churn": "churn_title", "csi": "csi_title",
                     "segments": "seg_title"}

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
        "ov_kf_revenue": "Revenue **{revenue}**; an average order is worth **{aov}**, "
                         "an average customer **{per_customer}**.",
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
        # units of time (plural, and "per ..." singular)
        "unit_D": "days",
        "unit_W": "weeks",
        "unit_M": "months",
        "unit_Y": "years",
        "unit1_D": "day",
        "unit1_W": "week",
        "unit1_M": "month",
        "unit1_Y": "year",
        # overview: management summary of the other reports
        "ov_kf_top20": "The top 20 % of customers (by spend) bring **{share:.0%}** of the revenue.",
        "ov_kf_meaning": "In plain words: {meaning}",
        "ov_meaning_repeat_low": "most customers buy only once, so winning a second purchase is the "
                                 "biggest lever.",
        "ov_meaning_repeat_high": "most customers come back, so keeping them active matters most.",
        "ov_areas": "The reports at a glance",
        "ov_areas_text": "One or two key numbers from each detailed report, computed on the same data "
                         "with the same default settings.",
        "ov_open_report": "Details: [{file}]({file})",
        "ov_not_in_run": "(no {file} in this run's folder yet)",
        "stat_count": "count",
        "stat_mean": "mean",
        "stat_std": "standard deviation",
        "stat_min": "minimum",
        "stat_25": "25th percentile",
        "stat_50": "median",
        "stat_75": "75th percentile",
        "stat_max": "maximum",
        "ov_clv": "Customer lifetime value",
        "ov_clv_line": "Over the next **{horizon:g} {unit}** the current customers are expected to make "
                       "**{purchases:,.0f}** purchases, worth **{equity}** in profit today (margin "
                       "{margin:.0%}, discounted): the *customer equity*, **{per_customer}** per customer.",
        "ov_clv_alive": "About **{alive:,.0f}** customers (**{share:.0%}**) are probably still active "
                        "buyers.",
        "ov_churn": "Churn and retention",
        "ov_churn_line": "Half of all subscribers leave within **{median}** (median lifetime); "
                         "**{churned:.0%}** of the {customers:,} subscriptions have ended.",
        "ov_churn_risk": "Of the **{active:,}** current subscribers, about **{expected:,.0f}** "
                         "(**{share:.0%}**) are expected to cancel within the next {horizon:g} {unit}.",
        "ov_median_never": "more than {max:.0f} {unit} (fewer than half have left)",
        "ov_csi": "Customer satisfaction",
        "ov_csi_line": "Satisfaction index **{index:.1f}** out of 100 ({n:,} survey respondents, "
                       "{model} model, {scale}).",
        "ov_csi_scale_stated": "answer scale {scale}",
        "ov_csi_scale_inferred": "answer scale {scale}, inferred from the answers as in the CSI report",
        "ov_csi_lever": "The strongest lever for satisfaction is **{driver}**: one more index point there "
                        "raises satisfaction by {importance:.2f} points.",
        "ov_segments": "Segments and loyalty",
        "ov_segments_line": "**{champions:,}** customers (**{share:.0%}**) are *champions* (recent, "
                            "frequent, big spenders) and bring **{value:.0%}** of the revenue; "
                            "**{lapsing:,}** (**{lapsing_share:.0%}**) have not bought for over "
                            "{days} days.",
        "ov_segments_tiers": "Membership: {tiers}.",
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
        "ov_kf_revenue": "总收入 **{revenue}**；平均每笔订单 **{aov}**，平均每位客户 "
                         "**{per_customer}**。",
        "ov_kf_repeat": "**{share:.1%}** 的客户在首次购买后再次购买；平均每位客户重复购买 "
                        "**{mean:.2f}** 次。",
        "ov_over_time": "客户群的变化",
        "ov_over_time_text": "每根柱子表示该期间有购买的客户数：*新客户* 在该期间首次购买，"
                             "*老客户* 之前已购买过。",
        "ov_revenue_text": "各期收入，以及随着客户“变老”，重复购买客户比例的增长。",
        "ov_rfm": "RFM 汇总",
        "ov_rfm_text": "对每位客户：*频率*（F）= 重复购买次数，*最近购买*（R）= "
                       "首次到最后一次购买的时间，*T* = 自首次购买以来的时间，*金额*（M）"
                       "= 重复购买的平均金额。它们是客户终身价值模型的输入。",
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
        # units of time
        "unit_D": "天",
        "unit_W": "周",
        "unit_M": "个月",
        "unit_Y": "年",
        "unit1_D": "天",
        "unit1_W": "周",
        "unit1_M": "月",
        "unit1_Y": "年",
        # overview: management summary of the other reports
        "ov_kf_top20": "消费最多的前 20% 客户贡献了 **{share:.0%}** 的收入。",
        "ov_kf_meaning": "通俗地说：{meaning}",
        "ov_meaning_repeat_low": "大多数客户只购买一次，因此促成第二次购买是最大的增长杠杆。",
        "ov_meaning_repeat_high": "大多数客户会再次购买，因此让他们保持活跃最为重要。",
        "ov_areas": "各报告要点",
        "ov_areas_text": "每份详细报告的一两个关键数字，基于相同的数据和相同的默认设置计算。",
        "ov_open_report": "详细报告：[{file}]({file})",
        "ov_not_in_run": "（本次运行的文件夹中尚无 {file}）",
        "stat_count": "数量",
        "stat_mean": "平均值",
        "stat_std": "标准差",
        "stat_min": "最小值",
        "stat_25": "25% 分位数",
        "stat_50": "中位数",
        "stat_75": "75% 分位数",
        "stat_max": "最大值",
        "ov_clv": "客户终身价值",
        "ov_clv_line": "未来 **{horizon:g} {unit}**内，现有客户预计将购买 **{purchases:,.0f}** 次，"
                       "按利润率 {margin:.0%} 折现到今天价值 **{equity}**，即*客户资产*，"
                       "平均每位客户 **{per_customer}**。",
        "ov_clv_alive": "约 **{alive:,.0f}** 位客户（**{share:.0%}**）很可能仍是活跃客户。",
        "ov_churn": "流失与留存",
        "ov_churn_line": "一半的订阅客户在 **{median}** 内流失（中位生存时间）；"
                         "{customers:,} 个订阅中已有 **{churned:.0%}** 终止。",
        "ov_churn_risk": "在 **{active:,}** 位现有订阅客户中，预计约 **{expected:,.0f}** 位"
                         "（**{share:.0%}**）将在未来 {horizon:g} {unit}内取消订阅。",
        "ov_median_never": "超过 {max:.0f} {unit}（流失的客户尚不到一半）",
        "ov_csi": "顾客满意度",
        "ov_csi_line": "顾客满意度指数 **{index:.1f}**（满分 100；{n:,} 位受访者，{model} 模型，{scale}）。",
        "ov_csi_scale_stated": "答题量表 {scale}",
        "ov_csi_scale_inferred": "答题量表 {scale}，与满意度报告一样由回答推断",
        "ov_csi_lever": "提升满意度最有效的杠杆是 **{driver}**：其指数每提高 1 分，满意度提高 "
                        "{importance:.2f} 分。",
        "ov_segments": "客户细分与忠诚度",
        "ov_segments_line": "**{champions:,}** 位客户（**{share:.0%}**）是*冠军客户*（最近购买、购买频繁、"
                            "消费高），贡献了 **{value:.0%}** 的收入；**{lapsing:,}** 位（"
                            "**{lapsing_share:.0%}**）已超过 {days} 天没有购买。",
        "ov_segments_tiers": "会员等级：{tiers}。",
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


def load_area_messages() -> None:
    """Import every area's message module, so that the catalogue holds all phrases."""
    import importlib

    for name in AREA_MESSAGE_MODULES:
        importlib.import_module(name)


def unit_name(code: str, lang: str = "en", singular: bool = False) -> str:
    """Name of a time unit code (``"D"``, ``"W"``, ``"M"``, ``"Y"``): weeks / 周; other text unchanged."""
    key = f"unit1_{code}" if singular else f"unit_{code}"
    return translate(key, lang) if key in _CATALOGUE["en"] else str(code)


def number(value: float, decimals: int = 0) -> str:
    """``1234567.8`` -> ``"1,234,568"`` (thousands separators; ``decimals`` places)."""
    return f"{value:,.{decimals}f}"


def money(value: float, currency: str = "", decimals: int = 2) -> str:
    """Money with thousands separators and 2 decimals: ``money(1234.5, "€")`` -> ``€1,234.50``."""
    sign = "-" if value < 0 else ""
    return f"{sign}{currency}{abs(value):,.{decimals}f}"


def percent(value: float, decimals: int = 1) -> str:
    """A share as a percentage: ``0.1234`` -> ``"12.3%"``."""
    return f"{value:.{decimals}%}"


def report_title(notebook: str, lang: str = "en", default: str = "") -> str:
    """Title of a bundled report notebook in ``lang``; other notebooks keep ``default`` (or their name)."""
    key = REPORT_TITLE_KEYS.get(notebook)
    if key is None:
        return default or notebook
    load_area_messages()
    return translate(key, lang)


def has_key(key: str) -> bool:
    """Whether the catalogue has a phrase ``key`` (in English, hence in every language)."""
    return key in _CATALOGUE["en"]
