"""English and Chinese text of the churn report and figures, added to the report catalogue.

Importing this module registers the ``churn_*`` keys with :mod:`crm_models.report.i18n`;
:func:`t` looks one up (``lang`` = ``"en"`` or ``"zh"``), :func:`column_label` names a
table column, :func:`describe_data` says in the report language how the survival data were
built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from crm_models.report.glossary import term as glossary_term
from crm_models.report.i18n import has_key, register, translate, unit_name

__all__ = ["MESSAGES", "t", "column_label", "column_labels", "describe_data", "effect_name", "term_label",
           "tier_label", "readable", "covariate_label", "covariate_labels", "model_name"]

MESSAGES = {
    "en": {
        "churn_title": "Customer churn: who leaves, when, why, and what keeping them is worth",
        "churn_intro": "A survival analysis of the customer base. Every customer has been with us for "
                       "some time; some have left (*churned*), the others are still customers, so we do "
                       "not know yet how long they will stay (they are *censored*). Survival methods use "
                       "both groups correctly.",
        "churn_key_figures": "Key figures",
        "churn_kf_base": "**{customers:,}** customers, of whom **{churned:,}** ({share:.1%}) have churned "
                         "and **{active:,}** are still customers.",
        "churn_kf_median": "Half of the customers leave within **{median:.1f} {unit}** (the median "
                           "lifetime).",
        "churn_kf_median_never": "Fewer than half of the customers have left so far, so the median "
                                 "lifetime is not known yet (it is above {max:.1f} {unit}).",
        "churn_kf_risk": "Of the {active:,} current customers, about **{expected:,.0f}** "
                         "(**{share:.0%}**) are expected to leave within the next {horizon:g} {unit}; "
                         "**{high:,}** of them are at high risk (a probability above 50 %).",
        "churn_kf_value": "Over the next {periods:g} {unit} the current customers are worth **{value}**; "
                          "**{at_risk}** more would be earned if none of them left (the *value at risk*).",
        "churn_kf_driver_hazard": "The strongest driver is **{term}**: it multiplies the risk of leaving "
                                  "by **{ratio:.2f}** (above 1: customers leave sooner).",
        "churn_kf_driver_time": "The strongest driver is **{term}**: it multiplies the time customers "
                                "stay by **{ratio:.2f}** (above 1: customers stay longer).",
        "churn_kf_programme": "Lowering every current customer's risk of leaving by {improvement:.0%}"
                              " would add **{gain}** in value, **{per_customer}** per customer: the most "
                              "such a retention programme may cost per customer and still pay for itself.",
        "churn_kf_meaning": "**What to do with it:** the list of customers at risk below says whom to "
                            "contact first; the drivers say what to change (for example, promote the "
                            "contract or plan that keeps customers longer).",
        "churn_data": "The data",
        "churn_data_covariates": "Covariates (customer characteristics used by the model): {names}.",
        "churn_data_segment": "Segments below: **{segment}**, the covariate whose retention curves differ "
                              "most.",
        "churn_desc_subscriptions": "{spells:,} subscription spells of {customers:,} customers; still "
                                    "active on {end} = censored; durations in {unit}",
        "churn_desc_survival": "{n:,} customers, durations as given in '{duration}' ({unit}), churn = "
                               "'{event}'{value}",
        "churn_desc_transactions": "{n:,} customers; churned = no purchase for {days:g} days ({rule}); "
                                   "customers who bought within that window before {end} are censored; "
                                   "durations in {unit}",
        "churn_rule_quantile": "the {q:g} quantile of the gaps between purchases",
        "churn_rule_given": "given",
        "churn_km": "How long do customers stay? Retention curves by segment",
        "churn_km_text": "The Kaplan-Meier curve gives, for each time since joining, the share of "
                         "customers still with us. The shaded band is the 95 % confidence interval; the "
                         "numbers under the plot are the customers still observed at each time (where few "
                         "remain, the curve is uncertain).",
        "churn_retention_line": "Share still a customer after each horizon:",
        "churn_median_line": "**Median lifetime** ({unit}): the time by which half of a segment has left "
                             "(*not reached*: fewer than half have left so far).",
        "churn_logrank": "**Log-rank test**: the {k} curves {verdict} (chi-square {stat:.1f} on {df}"
                         " degrees of freedom, p = {p:.3g}). Pairwise, with Holm-adjusted p-values:",
        "churn_differ": "differ",
        "churn_not_differ": "do not differ detectably",
        "churn_drivers": "Why do customers leave? The drivers of churn",
        "churn_drivers_text": "A survival regression relates the time to churn to the customers' "
                              "characteristics. For the Cox proportional hazards model each factor "
                              "multiplies the *hazard* "
                              "(the instant risk of leaving): a hazard ratio of 2 doubles it, 0.5 halves "
                              "it. For the other kinds (accelerated failure time) a *time ratio* above 1 "
                              "means customers with that trait stay longer. Text variables are compared "
                              "with a reference level.",
        "churn_strongest": "Strongest effect: **{term}**, {effect} **{ratio:.2f}** (95 % CI {lower:.2f}"
                           "-{upper:.2f}). Model concordance on the data it was fitted on: **{c:.3f}** "
                           "(0.5 = random ordering, 1 = perfect).",
        "churn_ph_ok": "**Proportional-hazards check** (Schoenfeld residuals): every effect looks "
                       "constant over the customer's lifetime.",
        "churn_ph_bad": "**Proportional-hazards check** (Schoenfeld residuals): the effect of {terms}"
                        " changes over the lifetime; read their hazard ratios as averages, or stratify on "
                        "them.",
        "churn_compare": "Which model fits best?",
        "churn_compare_text": "The same covariates under the four model kinds. AIC (lower is better) "
                              "compares the parametric kinds with each other; the Cox proportional hazards "
                              "model's partial AIC "
                              "is on another scale. Concordance compares all.",
        "churn_holdout": "Does the model predict well on customers it has not seen?",
        "churn_holdout_text": "The customers are split at random: the model is refitted on 70 % and "
                              "judged on the other 30 %. *Concordance*: how often it orders two "
                              "customers' churn correctly. *Integrated Brier score*: the average squared "
                              "error of the predicted retention probabilities (lower is better), next to "
                              "that of the plain Kaplan-Meier curve that ignores the covariates. The "
                              "calibration plot compares, in ten groups of predicted risk, the predicted "
                              "with the observed churn by the horizon.",
        "churn_holdout_line": "Held-out concordance **{c:.3f}**; integrated Brier score **{ibs:.4f}** "
                              "(Kaplan-Meier without covariates: {km:.4f}).",
        "churn_at_risk": "Who is about to leave? Current customers at risk",
        "churn_at_risk_text": "For every current customer: the probability of leaving within the horizon "
                              "*given how long they have already stayed*, a risk tier (low below 20 %, "
                              "medium to 50 %, high above), the expected time they will still stay within "
                              "the value horizon, and their survival-based value: the margin of each "
                              "future period times the probability of still being a customer then, "
                              "discounted.",
        "churn_top_line": "The **{n}** current customers most likely to leave within {horizon:g} {unit}:",
        "churn_var": "Value at risk",
        "churn_var_text": "What the current customers are worth over the value horizon, what they would "
                          "be worth if none of them left, and the difference, the *value at risk*, by "
                          "risk tier.",
        "churn_var_line": "Expected churners within {horizon:g} {unit}: **{churners:,.0f}** of {active:,}"
                          ". Over the next {periods:g} {unit} the current customers are worth "
                          "**{value}**; if none left they would be worth {full}: **{at_risk}** is at risk.",
        "churn_beyond_note": "Note: for {n:,} customers the value horizon reaches past the longest "
                             "observed lifetime ({max:.1f} {unit}); the Cox proportional hazards "
                             "model assumes no churn there, "
                             "so their value is an upper bound.",
        "churn_improve": "What is better retention worth?",
        "churn_improve_text": "If a retention programme lowered every customer's churn hazard by "
                              "{improvements}, how much value would it add over the next {periods:g}"
                              " {unit}? The label on each bar is the gain per customer reached: the most "
                              "the programme may cost per customer and still pay for itself. The second "
                              "table targets only the high-risk tier.",
        "churn_high_only": "Targeting only the **{n:,}** high-risk customers:",
        "churn_or": "or",
        "churn_list_sep": ", ",
        "churn_sentence": "{text}.",
        "churn_yes": "yes",
        "churn_no": "no",
        "churn_not_reached": "not reached",
        "churn_all_customers": "all customers",
        "churn_effect_hazard_ratio": glossary_term("hazard_ratio", "en"),
        "churn_effect_time_ratio": "time ratio",
        "churn_tier_low": "low",
        "churn_tier_medium": "medium",
        "churn_tier_high": "high",
        "churn_tier_total": "total",
        "churn_aic_full": "full",
        "churn_aic_partial": "partial",
        "churn_term": "{variable}: {level} (vs {reference})",
        "churn_term_level": "{variable}: {level}",
        "churn_model_cox": glossary_term("cox_model", "en"),
        "churn_model_weibull": "Weibull accelerated failure time",
        "churn_model_lognormal": "log-normal accelerated failure time",
        "churn_model_loglogistic": "log-logistic accelerated failure time",
        "churn_col_-log2(p)": "−log₂(p)",
        "churn_col_customer_id": "customer",
        "churn_col_n": "customers",
        "churn_col_churned": "churned",
        "churn_col_median": "median",
        "churn_col_lower": "lower 95 %",
        "churn_col_upper": "upper 95 %",
        "churn_col_segment_a": "segment A",
        "churn_col_segment_b": "segment B",
        "churn_col_test_statistic": "chi-square",
        "churn_col_p": "p",
        "churn_col_p_adjusted": "p (Holm-adjusted)",
        "churn_col_term": "term",
        "churn_col_variable": "variable",
        "churn_col_level": "level",
        "churn_col_reference": "reference level",
        "churn_col_effect": "effect",
        "churn_col_ratio": "ratio",
        "churn_col_violated": "assumption violated",
        "churn_col_model": "model",
        "churn_col_n_params": "parameters",
        "churn_col_n_obs": "observations",
        "churn_col_log_likelihood": "log-likelihood",
        "churn_col_AIC": "AIC",
        "churn_col_aic_type": "AIC type",
        "churn_col_concordance": glossary_term("concordance", "en"),
        "churn_col_delta_AIC": "ΔAIC",
        "churn_col_churn_probability": "churn probability",
        "churn_col_risk_tier": "risk tier",
        "churn_col_risk_rank": "rank",
        "churn_col_expected_remaining_lifetime": "expected remaining time ({unit})",
        "churn_col_value": "value",
        "churn_col_value_at_risk": glossary_term("value_at_risk", "en"),
        "churn_col_customers": "customers",
        "churn_col_mean_churn_probability": "mean churn probability",
        "churn_col_expected_churners": "expected churners",
        "churn_col_share_of_value_at_risk": "share of value at risk",
        "churn_col_improvement": "hazard lowered by",
        "churn_col_customers_targeted": "customers reached",
        "churn_col_value_base": "value now",
        "churn_col_value_improved": "value with the programme",
        "churn_col_gain": "gain",
        "churn_col_gain_pct": "gain in %",
        "churn_col_gain_per_targeted": "gain per customer reached",
        "churn_col_churners_base": "expected churners now",
        "churn_col_churners_improved": "expected churners with the programme",
        "churn_col_churners_avoided": "churners avoided",
        "churn_fig_time_as_customer": "time as a customer",
        "churn_fig_time_as_customer_unit": "time as a customer ({unit})",
        "churn_fig_still_customer": "still a customer",
        "churn_fig_km_title": "Retention by {segment} (Kaplan-Meier)",
        "churn_fig_km_title_all": "Retention by customer base (Kaplan-Meier)",
        "churn_fig_at_risk": "At risk",
        "churn_fig_effects_x": "{kind} ({ci} CI, log scale; {meaning})",
        "churn_fig_sooner": "> 1: churns sooner",
        "churn_fig_longer": "> 1: stays longer",
        "churn_fig_effects_title": "What drives churn: {kind}s ({model} model)",
        "churn_fig_per_customer": "{amount} / customer",
        "churn_fig_lowered_by": "churn hazard lowered by",
        "churn_fig_value_gained": "value gained",
        "churn_fig_retention_title": "What better retention is worth",
        "churn_fig_predicted": "predicted churn",
        "churn_fig_observed": "observed churn (Kaplan-Meier)",
        "churn_fig_calibration_title": "Calibration by risk group",
        "churn_fig_probability": "probability of churning",
        "churn_fig_probability_within": "probability of churning within {horizon:g}",
        "churn_fig_probability_within_unit": "probability of churning within {horizon:g} {unit}",
        "churn_fig_customers": "customers",
        "churn_fig_risk_title": "Churn risk of current customers",
    },
    "zh": {
        "churn_title": "客户流失：谁会离开、何时离开、为什么离开，以及留住他们值多少",
        "churn_intro": "这是对客户群的生存分析。每位客户都已与我们合作了一段时间；有些已经离开（*流失*），"
                       "其余仍是客户，我们还不知道他们会留多久（称为*删失*）。生存分析方法能正确地同时利用"
                       "这两类客户的信息。",
        "churn_key_figures": "关键指标",
        "churn_kf_base": "**{customers:,}** 位客户，其中 **{churned:,}** 位（{share:.1%}）已流失，"
                         "**{active:,}** 位仍是客户。",
        "churn_kf_median": "一半的客户在 **{median:.1f} {unit}**内离开（中位生存时间）。",
        "churn_kf_median_never": "目前流失的客户不到一半，因此中位生存时间尚不可知（超过 {max:.1f} {unit}"
                                 "）。",
        "churn_kf_risk": "在 {active:,} 位现有客户中，预计约 **{expected:,.0f}** 位（**{share:.0%}**）将在"
                         "未来 {horizon:g} {unit}内离开；其中 **{high:,}** 位属于高风险（流失概率高于 50%"
                         "）。",
        "churn_kf_value": "未来 {periods:g} {unit}内，现有客户的价值为 **{value}**；如果没有客户流失，还能"
                          "多获得 **{at_risk}**（即*风险价值*）。",
        "churn_kf_driver_hazard": "最强的驱动因素是 **{term}**：它使流失风险变为原来的 **{ratio:.2f}** 倍"
                                  "（大于 1：客户更早离开）。",
        "churn_kf_driver_time": "最强的驱动因素是 **{term}**：它使客户停留的时间变为原来的"
                                " **{ratio:.2f}** 倍（大于 1：客户停留更久）。",
        "churn_kf_programme": "若将每位现有客户的流失风险降低 {improvement:.0%}，可增加价值 **{gain}**，即"
                              "每位客户 **{per_customer}**：这是此类客户保留计划每位客户成本的上限，低于它"
                              "才能收回成本。",
        "churn_kf_meaning": "**如何使用：** 下方的高风险客户名单告诉我们应优先联系谁；驱动因素告诉我们应改"
                            "变什么（例如推广能让客户留得更久的合同或套餐）。",
        "churn_data": "数据",
        "churn_data_covariates": "协变量（模型使用的客户特征）：{names}。",
        "churn_data_segment": "下文按 **{segment}** 分组：这是留存曲线差异最大的协变量。",
        "churn_desc_subscriptions": "{customers:,} 位客户的 {spells:,} 个订阅期；截至 {end} 仍在订阅的视为"
                                    "删失；时长单位为{unit}",
        "churn_desc_survival": "{n:,} 位客户，时长取自 '{duration}'（{unit}），流失 = '{event}'{value}",
        "churn_desc_transactions": "{n:,} 位客户；连续 {days:g} 天没有购买视为流失（{rule}）；在 {end} 之"
                                   "前该时间窗内有购买的客户视为删失；时长单位为{unit}",
        "churn_rule_quantile": "购买间隔的 {q:g} 分位数",
        "churn_rule_given": "指定值",
        "churn_km": "客户会留多久？各群体的留存曲线",
        "churn_km_text": "Kaplan-Meier 曲线给出自成为客户以来每个时间点仍然留存的客户比例。阴影带为 95% 置"
                         "信区间；图下方的数字是每个时间点仍在观察中的客户数（剩下的客户很少时，曲线不确定"
                         "）。",
        "churn_retention_line": "各时间点后仍为客户的比例：",
        "churn_median_line": "**中位生存时间**（{unit}）：某一群体中一半客户离开所用的时间（*未达到*：目前"
                             "离开的客户不到一半）。",
        "churn_logrank": "**Log-rank 检验**：这 {k} 条曲线{verdict}（卡方 {stat:.1f}，自由度 {df}，p = "
                         "{p:.3g}）。两两比较（Holm 校正的 p 值）：",
        "churn_differ": "存在显著差异",
        "churn_not_differ": "没有可检测到的差异",
        "churn_drivers": "客户为什么离开？流失的驱动因素",
        "churn_drivers_text": "生存回归把流失时间与客户特征联系起来。在 Cox 比例风险模型中，每个因素会使"
                              "*风险率*（"
                              "即时流失风险）成倍变化：风险比为 2 表示风险加倍，0.5 表示减半。在其他模型（"
                              "加速失效时间模型）中，*时间比*大于 1 表示具有该特征的客户停留更久。文本型变"
                              "量与参照水平进行比较。",
        "churn_strongest": "最强的效应：**{term}**，{effect} **{ratio:.2f}**（95% 置信区间"
                           " {lower:.2f}-{upper:.2f}）。模型在拟合数据上的一致性指数："
                           "**{c:.3f}**（0.5 = 随机排序，1 = 完全正确）。",
        "churn_ph_ok": "**比例风险检验**（Schoenfeld 残差）：所有效应在客户生命周期内看起来都保持不变。",
        "churn_ph_bad": "**比例风险检验**（Schoenfeld 残差）：{terms} 的效应随生命周期变化；应把它们的风险"
                        "比理解为平均值，或按它们分层建模。",
        "churn_compare": "哪个模型拟合最好？",
        "churn_compare_text": "四种模型使用相同的协变量。AIC（越低越好）用于比较各参数模型；"
                              "Cox 比例风险模型的偏"
                              " AIC 处于不同的尺度。一致性指数可以比较所有模型。",
        "churn_holdout": "模型对没见过的客户预测得准吗？",
        "churn_holdout_text": "把客户随机分组：模型用 70% 的客户重新拟合，再用另外 30% 的客户评估。*一致性"
                              "指数*：模型对两位客户流失先后的排序正确的频率。*综合 Brier 分数*：预测留存"
                              "概率的平均平方误差（越低越好），并与不考虑协变量的 Kaplan-Meier 曲线相比较"
                              "。校准图把客户按预测风险分为十组，比较到预测期末的预测流失率与实际流失率。",
        "churn_holdout_line": "验证集一致性指数 **{c:.3f}**；综合 Brier 分数 **{ibs:.4f}**（不含协变量的"
                              " Kaplan-Meier：{km:.4f}）。",
        "churn_at_risk": "谁即将离开？有流失风险的现有客户",
        "churn_at_risk_text": "对每位现有客户：*在其已留存时间的条件下*，在预测期内离开的概率；风险等级（"
                              "低于 20% 为低，20%-50% 为中，高于 50% 为高）；在价值期内预期还会停留的时间"
                              "；以及基于生存概率的客户价值：未来每期的利润乘以届时仍是客户的概率，再折现"
                              "。",
        "churn_top_line": "未来 {horizon:g} {unit}内最可能离开的 **{n}** 位现有客户：",
        "churn_var": "风险价值",
        "churn_var_text": "按风险等级列出：现有客户在价值期内的价值、如果无人流失时的价值，以及二者之差，"
                          "即*风险价值*。",
        "churn_var_line": "未来 {horizon:g} {unit}内预期流失客户：{active:,} 位中的 **{churners:,.0f}** 位"
                          "。未来 {periods:g} {unit}内现有客户价值 **{value}**；如果无人流失将价值 {full}"
                          "：其中 **{at_risk}** 面临流失风险。",
        "churn_beyond_note": "注意：对 {n:,} 位客户，价值期超出了观察到的最长生命周期（{max:.1f} {unit}）"
                             "；Cox 比例风险模型假设此后不再流失，因此他们的价值是上限。",
        "churn_improve": "提高留存值多少钱？",
        "churn_improve_text": "如果一项客户保留计划把每位客户的流失风险降低 {improvements}，未来"
                              " {periods:g} {unit}内能增加多少价值？每根柱子上的标签是每位覆盖客户的增益："
                              "即该计划每位客户成本的上限，低于它才能收回成本。第二张表只针对高风险客户。",
        "churn_high_only": "只针对 **{n:,}** 位高风险客户：",
        "churn_or": "或",
        "churn_list_sep": "、",
        "churn_sentence": "{text}。",
        "churn_yes": "是",
        "churn_no": "否",
        "churn_not_reached": "未达到",
        "churn_all_customers": "全部客户",
        "churn_effect_hazard_ratio": glossary_term("hazard_ratio", "zh"),
        "churn_effect_time_ratio": "时间比",
        "churn_tier_low": "低",
        "churn_tier_medium": "中",
        "churn_tier_high": "高",
        "churn_tier_total": "合计",
        "churn_aic_full": "完整",
        "churn_aic_partial": "偏",
        "churn_term": "{variable}：{level}（相对于 {reference}）",
        "churn_term_level": "{variable}：{level}",
        "churn_model_cox": glossary_term("cox_model", "zh"),
        "churn_model_weibull": "Weibull 加速失效时间模型",
        "churn_model_lognormal": "对数正态加速失效时间模型",
        "churn_model_loglogistic": "对数逻辑斯谛加速失效时间模型",
        "churn_col_-log2(p)": "−log₂(p) 值",
        "churn_col_customer_id": "客户",
        "churn_col_n": "客户数",
        "churn_col_churned": "已流失",
        "churn_col_median": "中位数",
        "churn_col_lower": "95% 下限",
        "churn_col_upper": "95% 上限",
        "churn_col_segment_a": "群体 A",
        "churn_col_segment_b": "群体 B",
        "churn_col_test_statistic": "卡方统计量",
        "churn_col_p": "p 值",
        "churn_col_p_adjusted": "p 值（Holm 校正）",
        "churn_col_term": "项",
        "churn_col_variable": "变量",
        "churn_col_level": "水平",
        "churn_col_reference": "参照水平",
        "churn_col_effect": "效应",
        "churn_col_ratio": "比值",
        "churn_col_violated": "违反假设",
        "churn_col_model": "模型",
        "churn_col_n_params": "参数个数",
        "churn_col_n_obs": "观测数",
        "churn_col_log_likelihood": "对数似然",
        "churn_col_AIC": "AIC",
        "churn_col_aic_type": "AIC 类型",
        "churn_col_concordance": glossary_term("concordance", "zh"),
        "churn_col_delta_AIC": "ΔAIC",
        "churn_col_churn_probability": "流失概率",
        "churn_col_risk_tier": "风险等级",
        "churn_col_risk_rank": "排名",
        "churn_col_expected_remaining_lifetime": "预期剩余时间（{unit}）",
        "churn_col_value": "价值",
        "churn_col_value_at_risk": glossary_term("value_at_risk", "zh"),
        "churn_col_customers": "客户数",
        "churn_col_mean_churn_probability": "平均流失概率",
        "churn_col_expected_churners": "预期流失客户数",
        "churn_col_share_of_value_at_risk": "风险价值占比",
        "churn_col_improvement": "流失风险降低",
        "churn_col_customers_targeted": "覆盖客户数",
        "churn_col_value_base": "当前价值",
        "churn_col_value_improved": "实施计划后的价值",
        "churn_col_gain": "增加的价值",
        "churn_col_gain_pct": "增幅（%）",
        "churn_col_gain_per_targeted": "每位覆盖客户的增益",
        "churn_col_churners_base": "当前预期流失数",
        "churn_col_churners_improved": "实施计划后预期流失数",
        "churn_col_churners_avoided": "避免的流失数",
        "churn_fig_time_as_customer": "成为客户的时间",
        "churn_fig_time_as_customer_unit": "成为客户的时间（{unit}）",
        "churn_fig_still_customer": "仍为客户的比例",
        "churn_fig_km_title": "按 {segment} 划分的留存曲线（Kaplan-Meier）",
        "churn_fig_km_title_all": "全体客户的留存曲线（Kaplan-Meier）",
        "churn_fig_at_risk": "观察中",
        "churn_fig_effects_x": "{kind}（{ci} 置信区间，对数刻度；{meaning}）",
        "churn_fig_sooner": "> 1：更早流失",
        "churn_fig_longer": "> 1：停留更久",
        "churn_fig_effects_title": "流失的驱动因素：{kind}（{model}）",
        "churn_fig_per_customer": "每位客户 {amount}",
        "churn_fig_lowered_by": "流失风险降低",
        "churn_fig_value_gained": "增加的价值",
        "churn_fig_retention_title": "提高留存的价值",
        "churn_fig_predicted": "预测流失率",
        "churn_fig_observed": "实际流失率（Kaplan-Meier）",
        "churn_fig_calibration_title": "按风险组的校准",
        "churn_fig_probability": "流失概率",
        "churn_fig_probability_within": "{horizon:g} 期内的流失概率",
        "churn_fig_probability_within_unit": "{horizon:g} {unit}内的流失概率",
        "churn_fig_customers": "客户数",
        "churn_fig_risk_title": "现有客户的流失风险",
    },
}

register(MESSAGES)


#: ``t(key, lang="en", **values)``: a churn phrase in ``lang`` (the shared catalogue's lookup)
t = translate


def readable(name: object) -> str:
    """A data column or level name as words: ``monthly_fee`` -> ``monthly fee``."""
    return " ".join(str(name).replace("_", " ").split())


def column_label(column: object, lang: str = "en", **values: object) -> str:
    """Header of a report table column; a data column without a phrase is shown in words."""
    key = f"churn_col_{column}"
    return translate(key, lang, **values) if has_key(key) else readable(column)


def model_name(kind: object, lang: str = "en") -> str:
    """A model kind as readers name it: ``cox`` -> Cox proportional hazards / Cox 比例风险模型."""
    key = f"churn_model_{kind}"
    return translate(key, lang) if has_key(key) else readable(kind)


def column_labels(columns: Iterable[object], lang: str = "en", **values: object) -> list[str]:
    return [column_label(c, lang, **values) for c in columns]


def tier_label(tier: object, lang: str = "en") -> str:
    """low / medium / high / total in the report language (other labels unchanged)."""
    key = f"churn_tier_{tier}"
    return translate(key, lang) if has_key(key) else str(tier)


def effect_name(effect: str, lang: str = "en") -> str:
    """``"hazard ratio"`` / ``"time ratio"`` in the report language."""
    key = "churn_effect_" + str(effect).replace(" ", "_")
    return translate(key, lang) if has_key(key) else str(effect)


def term_label(term: object, row: pd.Series, lang: str = "en") -> str:
    """A model term as a reader names it: ``contract: monthly (vs annual)`` for a dummy, else the term."""
    level = row.get("level")
    if level is not None and not pd.isna(level):
        reference = row.get("reference")
        if reference is None or pd.isna(reference):
            return translate("churn_term_level", lang, variable=readable(row["variable"]),
                             level=readable(level))
        return translate("churn_term", lang, variable=readable(row["variable"]), level=readable(level),
                         reference=readable(reference))
    return readable(row.get("variable", term) if row.get("variable") is not None else term)


_PATSY_LEVEL = re.compile(r"^(?P<variable>.+?)\[(?:T\.)?(?P<level>.+)\]$")


def covariate_label(term: object, effects: pd.DataFrame | None = None, lang: str = "en") -> str:
    """A model term in words: the effects table's variable and level, else parsed from the name.

    ``contract_type[T.two_year]`` -> ``contract type: two year``; ``monthly_fee`` -> ``monthly fee``;
    with ``effects`` (a model's ``effects_``) dummies read ``contract: monthly (vs annual)``.
    """
    if effects is not None and term in effects.index:
        return term_label(term, effects.loc[term], lang)
    match = _PATSY_LEVEL.match(str(term))
    if match:
        return translate("churn_term_level", lang, variable=readable(match["variable"]),
                         level=readable(match["level"]))
    return readable(term)


def covariate_labels(terms: Iterable[object], effects: pd.DataFrame | None = None,
                     lang: str = "en") -> list[str]:
    """:func:`covariate_label` of each term."""
    return [covariate_label(term, effects, lang) for term in terms]


def describe_data(data: pd.DataFrame, info: dict[str, Any], lang: str = "en") -> str:
    """One sentence on how the survival data were built (``info`` from ``load_churn_data``)."""
    if lang == "en":
        return str(info["description"])
    meta = data.attrs.get("crm_churn", {})
    unit = unit_name(info["time_unit"], lang)
    end = info.get("observation_end") or ""
    if info["setting"] == "non-contractual":
        q = meta.get("window_quantile")
        rule = t("churn_rule_quantile", lang, q=q) if q is not None else t("churn_rule_given", lang)
        return t("churn_desc_transactions", lang, n=len(data), days=meta.get("inactivity_window_days", 0.0),
                 rule=rule, end=end, unit=unit)
    if "spell" in data.columns and "customer_id" in data.columns:
        return t("churn_desc_subscriptions", lang, spells=len(data), customers=data["customer_id"].nunique(),
                 end=end, unit=unit)
    duration, event = info["duration_col"], info["event_col"]
    value = str(info["description"]).split(f"churn = '{event}'", 1)[-1]
    return t("churn_desc_survival", lang, n=len(data), duration=duration, event=event, unit=unit, value=value)
