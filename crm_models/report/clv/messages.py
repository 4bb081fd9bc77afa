"""English and Chinese text of the CLV report and figures, added to the report catalogue.

Importing this module registers the ``clv_*`` keys with :mod:`crm_models.report.i18n`;
:func:`t` looks one up (``lang`` = ``"en"`` or ``"zh"``).
"""

from __future__ import annotations

from crm_models.report.glossary import term
from crm_models.report.i18n import register, translate

__all__ = ["MESSAGES", "t"]

MESSAGES = {
    "en": {
        "clv_title": "Customer lifetime value: who will buy again, and what the customer base is worth",
        "clv_intro": "This report looks at every customer's purchase history and answers three questions: "
                     "**is the customer still active?** (customers rarely tell us when they leave), **how "
                     "many purchases, and how much money, can we expect** from each customer, and **what "
                     "is the customer base worth** today, and how sure are we?",
        "clv_key_figures": "Key figures",
        "clv_kf_base": "**{customers:,}** customers made **{purchases:,}** purchases between {first} and "
                       "{last}; **{repeat:.0%}** of them bought again after their first purchase.",
        "clv_kf_alive": "About **{alive:,.0f}** of them (**{share:.0%}**) are probably still active "
                        "customers; the others have most likely stopped buying, although they never told "
                        "us.",
        "clv_kf_forecast": "Over the next **{horizon:g} {unit}** the customers are expected to make "
                           "**{purchases:,.0f}** purchases.",
        "clv_kf_equity": "The profit of those purchases (margin {margin:.0%}), discounted to today, is "
                         "the **customer equity: {equity}** (95 % interval {lower} to {upper}), "
                         "**{per_customer}** per customer on average.",
        "clv_kf_concentration": "Value is concentrated: the top 10 % of customers hold **{top10:.0%}** of "
                                "it, the top 20 % **{top20:.0%}**.",
        "clv_kf_accuracy": "The forecasts were checked on the last {holdout:.0f} {unit}, which the model "
                           "had not seen: it predicted **{predicted:,.0f}** repeat purchases, "
                           "**{actual:,.0f}** happened (off by {error:.1%}).",
        "clv_kf_meaning": "**What to do with it:** the customer list below ranks customers by expected "
                          "value; valuable customers whose probability of being active is falling are the "
                          "first candidates for a retention offer.",
        "clv_method": "Data and method",
        "clv_method_text": "The report uses the \"buy till you die\" models of the marketing-science "
                           "literature: while a customer is active she buys at her own steady rate; at "
                           "some unobserved moment she stops for good. The models learn, from the whole "
                           "customer base, how purchase rates and lifetimes vary between customers "
                           "(BG/NBD: Fader, Hardie & Lee 2005; Pareto/NBD: Schmittlein, Morrison & "
                           "Colombo 1987; MBG/NBD: Batislam et al. 2007), and the Gamma-Gamma model "
                           "learns how much customers spend per purchase. Before trusting the forecasts "
                           "we test them: the model is fitted on an early *calibration* period and must "
                           "predict the later *holdout* period it has not seen.",
        "clv_data_line": "Times are measured in {unit}. The calibration period ends on {calibration_end}; "
                         "the remaining {holdout:.1f} {unit} up to {end} are the holdout period. Purchase "
                         "model: **{model}**.",
        "clv_fit": "The fitted model",
        "clv_fit_text": "Each row is one parameter of the purchase model, estimated by maximum likelihood "
                        "from all customers, with its standard error and a 95 % confidence interval. For "
                        "the BG/NBD and MBG/NBD, *r* and *alpha* describe how purchase rates vary between "
                        "customers (the average rate is r / alpha purchases per {unit1}) and *a* and *b* "
                        "how likely customers are to stop after a purchase (on average a / (a + b)). For "
                        "the Pareto/NBD, *s* and *beta* describe how lifetimes vary (the average dropout "
                        "rate is s / beta). The second table is the spend model: the average purchase is "
                        "worth p v / (q - 1).",
        "clv_fit_line": "Log-likelihood {ll:,.1f}, AIC {aic:,.1f}, BIC {bic:,.1f} ({n:,.0f} customers).",
        "clv_gg_line": "Average spend per purchase (population): **{spend}**; correlation between "
                       "purchase frequency and spend among repeat buyers: {corr:.2f} (the spend model "
                       "assumes the two are unrelated; values near 0 support it).",
        "clv_holdout": "Does the model predict well? Calibration and holdout",
        "clv_holdout_text": "The same model is fitted again on the calibration period only, and its "
                            "forecasts for the holdout period are compared with what customers actually "
                            "did.\n\n* **Tracking** (top): repeat purchases of the whole customer base "
                            "over time, cumulative (left) and per {unit1} (right). Left of the dotted "
                            "line the model saw the data; right of it the lines are a true forecast.\n* "
                            "**Frequency histogram** (bottom left): how many customers made 0, 1, 2, ... "
                            "repeat purchases in the calibration period, against what the model expects. "
                            "Large gaps mean the model's picture of customer differences is off.\n* "
                            "**Conditional expectations** (bottom right): customers grouped by their "
                            "calibration purchases; for each group, the average number of holdout "
                            "purchases they actually made and what the model predicted for them. This is "
                            "the key test of individual-level forecasts.",
        "clv_errors_text": "The error table summarises the holdout forecast. The *per customer* row "
                           "averages over customers: the mean absolute error (MAE), the root mean squared "
                           "error (RMSE, which punishes large misses more) and the bias (positive: the "
                           "model expects more purchases than happened). The *whole base* row compares "
                           "the total number of holdout purchases; the relative bias there is the error a "
                           "forecast of total demand would have made.",
        "clv_alive": "Which customers are still active?",
        "clv_alive_text": "The heat map shows the probability that a customer of the oldest age is still "
                          "active, for each number of repeat purchases (horizontal) and time of the last "
                          "purchase (vertical). Customers who bought often but not recently (bottom "
                          "right) have most likely left: their silence is long compared with their usual "
                          "buying rhythm. Customers who bought recently (top) are likely active. White "
                          "cells cannot occur (no repeat purchase but a later last purchase).",
        "clv_value": "Customer lifetime value",
        "clv_value_text": "For each customer, the value of her expected purchases over the forecast "
                          "horizon, each purchase valued at her expected spend (her own average, pulled "
                          "towards the population average when she has bought only a few times), times "
                          "the profit margin, discounted back to today at the discount rate per {unit1}. "
                          "The table lists the most valuable customers with the inputs of their value: "
                          "probability of being active, expected purchases over the horizon and expected "
                          "spend per purchase.",
        "clv_top_line": "Top {n} customers by CLV over the next {horizon:g} {unit} (margin {margin:.0%}, "
                        "discount rate {rate:g} per {unit1}):",
        "clv_concentration_text": "Customer value is usually very concentrated: a small share of "
                                  "customers holds most of the value. The histogram (log scale) shows the "
                                  "distribution of CLV; the table ranks customers into ten equal groups "
                                  "by CLV and gives each group's share of the total value.",
        "clv_equity": "Customer equity",
        "clv_equity_text": "The total value of the current customer base over the horizon is the sum of "
                           "all customers' CLV. Because the model parameters are estimated, this total is "
                           "uncertain: the interval comes from a seeded parametric bootstrap - parameter "
                           "values are drawn from the estimates' sampling distribution (normal on the log "
                           "scale, with the covariance from the likelihood's curvature) for both the "
                           "purchase and the spend model, and the total is recomputed for each draw. The "
                           "interval is the middle 95 % of those totals. It does not include the luck of "
                           "which customers actually buy, which averages out over a large customer base.",
        "clv_equity_line": "**Customer equity over the next {horizon:g} {unit}: {equity}** (95 % interval "
                           "{lower} to {upper}; {draws} draws), that is {per_customer} per customer.",
        "clv_col_parameter": "parameter",
        "clv_col_estimate": "estimate",
        "clv_col_std_error": "standard error",
        "clv_col_lower_95": "lower 95 %",
        "clv_col_upper_95": "upper 95 %",
        "clv_col_frequency": "repeat purchases",
        "clv_col_recency": "last purchase ({unit})",
        "clv_col_T": "customer age ({unit})",
        "clv_col_monetary_value": "average spend",
        "clv_col_prob_alive": term("p_alive", "en"),
        "clv_col_expected_purchases": "expected purchases",
        "clv_col_expected_spend": "expected spend per purchase",
        "clv_col_clv": "CLV",
        "clv_col_customer_id": "customer",
        "clv_col_customers": "customers",
        "clv_col_actual": "actual",
        "clv_col_predicted": "predicted",
        "clv_col_calibration_purchases": "repeat purchases (calibration)",
        "clv_col_n": "n",
        "clv_col_mae": "MAE",
        "clv_col_rmse": "RMSE",
        "clv_col_bias": "bias",
        "clv_col_relative_bias": "relative bias",
        "clv_col_level": "level",
        "clv_level_customer": "per customer",
        "clv_level_total": "whole base",
        "clv_col_group": "decile (1 = most valuable)",
        "clv_col_share": "share of value",
        "clv_col_cumulative_share": "cumulative share",
        "clv_fig_actual": "actual",
        "clv_fig_model": "model",
        "clv_fig_calibration_purchases": "repeat purchases in the calibration period",
        "clv_fig_holdout_mean": "mean purchases in the holdout period",
        "clv_fig_cond_title": "Conditional expectations: holdout period",
        "clv_fig_end_calibration": "end of calibration",
        "clv_fig_time_since_first": "time since the first purchase in the cohort ({unit})",
        "clv_fig_cumulative_repeat": "cumulative repeat transactions",
        "clv_fig_repeat_per": "repeat transactions per {unit1}",
        "clv_fig_tracking_cumulative": "Tracking: cumulative repeat transactions",
        "clv_fig_tracking_incremental": "Tracking: incremental repeat transactions",
        "clv_fig_customers": "customers",
        "clv_fig_frequency_title": "Frequency of repeat purchases",
        "clv_fig_p_alive": term("p_alive", "en"),
        "clv_fig_alive_x": "repeat purchases (frequency)",
        "clv_fig_alive_y": "time of the last purchase (recency)",
        "clv_fig_alive_y_unit": "time of the last purchase (recency, {unit})",
        "clv_fig_alive_title": "Probability that a customer is still active",
        "clv_fig_clv_x": "customer lifetime value{currency}",
        "clv_fig_customers_log": "customers (log scale)",
        "clv_fig_clv_title_top": "Distribution of CLV (top 20% of customers hold {top:.0%} of the value)",
        "clv_fig_clv_title": "Distribution of CLV",
        "clv_fig_sbg_model": "sBG model",
        "clv_fig_period": "period",
        "clv_fig_still_active": "% of the cohort still active",
        "clv_fig_retention_title": "Customer retention: fit and projection",
    },
    "zh": {
        "clv_title": "客户终身价值：谁会再次购买，客户群值多少",
        "clv_intro": "本报告分析每位客户的购买历史，回答三个问题：**客户是否仍然活跃？**（客户很少告诉我们"
                     "他们何时离开）**每位客户预计还会购买多少次、带来多少收入？** 以及 **客户群今天值多少"
                     "钱，这个估计有多可靠？**",
        "clv_key_figures": "关键指标",
        "clv_kf_base": "**{customers:,}** 位客户在 {first} 至 {last} 期间共购买 **{purchases:,}** 次；其中"
                       " **{repeat:.0%}** 在首次购买后再次购买。",
        "clv_kf_alive": "其中约 **{alive:,.0f}** 位（**{share:.0%}**）很可能仍是活跃客户；其余客户很可能已"
                        "经不再购买，尽管他们从未告诉我们。",
        "clv_kf_forecast": "未来 **{horizon:g} {unit}**内，预计这些客户将购买 **{purchases:,.0f}** 次。",
        "clv_kf_equity": "这些购买带来的利润（利润率 {margin:.0%}）折现到今天，即 **客户资产：{equity}**（"
                         "95% 区间 {lower} 至 {upper}），平均每位客户 **{per_customer}**。",
        "clv_kf_concentration": "价值高度集中：前 10% 的客户占 **{top10:.0%}**，前 20% 的客户占"
                                " **{top20:.0%}**。",
        "clv_kf_accuracy": "我们用模型未见过的最后 {holdout:.0f} {unit}检验了预测：模型预测重复购买"
                           " **{predicted:,.0f}** 次，实际为 **{actual:,.0f}** 次（误差 {error:.1%}）。",
        "clv_kf_meaning": "**如何使用：** 下方的客户名单按预期价值排序；价值高但活跃概率正在下降的客户，应"
                          "优先作为客户保留（挽留）活动的对象。",
        "clv_method": "数据与方法",
        "clv_method_text": "本报告使用营销科学文献中的“购买直至流失”模型：客户在活跃期"
                           "间以自己稳定的频率购买，并在某个无法观察到的时刻永久停止购买。模型从整个客户群"
                           "中学习购买频率和客户生命周期在客户之间的差异（BG/NBD：Fader、Hardie 与 Lee "
                           "2005；Pareto/NBD：Schmittlein、Morrison 与 Colombo 1987；MBG/NBD：Batislam 等"
                           " 2007），Gamma-Gamma 模型则学习客户每次购买的消费金额。在信任预测之前，我们先"
                           "检验它：模型只用较早的*校准期*数据拟合，然后预测它没有见过的*验证期*。",
        "clv_data_line": "时间单位为{unit}。校准期截至 {calibration_end}；此后至 {end} 的 {holdout:.1f} "
                         "{unit}为验证期。购买模型：**{model}**。",
        "clv_fit": "模型估计结果",
        "clv_fit_text": "每一行是购买模型的一个参数，由全部客户的数据用极大似然法估计，并给出标准误和 95% "
                        "置信区间。对 BG/NBD 和 MBG/NBD 模型，*r* 和 *alpha* 描述购买频率在客户之间的差异"
                        "（平均每{unit1}购买 r / alpha 次），*a* 和 *b* 描述客户在一次购买后流失的可能性（"
                        "平均为 a / (a + b)）。对 Pareto/NBD 模型，*s* 和 *beta* 描述客户生命周期的差异（"
                        "平均流失率为 s / beta）。第二张表是消费金额模型：平均每次购买金额为 p v / (q - 1)"
                        "。",
        "clv_fit_line": "对数似然 {ll:,.1f}，AIC {aic:,.1f}，BIC {bic:,.1f}（{n:,.0f} 位客户）。",
        "clv_gg_line": "总体平均每次购买金额：**{spend}**；重复购买客户的购买频率与消费金额的相关系数："
                       "{corr:.2f}（消费金额模型假设二者无关，接近 0 的值支持这一假设）。",
        "clv_holdout": "模型预测得准吗？校准期与验证期",
        "clv_holdout_text": "同一模型只用校准期的数据重新拟合，再把它对验证期的预测与客户的实际行为进行比"
                            "较。\n\n* **跟踪图**（上）：整个客户群随时间的重复购买次数，左为累计，右为每"
                            "{unit1}。虚线左侧是模型见过的数据，右侧是真正的预测。\n* **频次分布**（左下）"
                            "：校准期内重复购买 0、1、2…… 次的客户数，与模型的预期相比。差距大说明模型对客"
                            "户差异的刻画有偏差。\n* **条件期望**（右下）：按校准期购买次数把客户分组，比"
                            "较每组在验证期的实际平均购买次数与模型预测。这是检验个体层面预测的关键。",
        "clv_errors_text": "误差表汇总验证期的预测效果。*每位客户* 一行是对客户求平均：平均绝对误差（MAE）"
                           "、均方根误差（RMSE，对大偏差惩罚更重）和偏差（正值：模型预期的购买多于实际）。"
                           "*整个客户群* 一行比较验证期的总购买次数，其相对偏差就是预测总需求时的误差。",
        "clv_alive": "哪些客户仍然活跃？",
        "clv_alive_text": "热力图显示客户龄最长的客户仍然活跃的概率（活跃概率），横轴为重复购买次数，纵轴"
                          "为最后一次购买的时间。购买频繁但近期没有购买的客户（右下）很可能已经流失：相对"
                          "于他们平时的购买节奏，这段沉默太长了。最近购买过的客户（上方）很可能仍然活跃。"
                          "白色单元格不可能出现（没有重复购买，却有更晚的最后购买）。",
        "clv_value": "客户终身价值",
        "clv_value_text": "每位客户的价值是其在预测期内预期购买的价值：每次购买按其预期消费金额计算（其本"
                          "人的平均消费；购买次数很少时向总体平均值收缩），乘以利润率，再按每{unit1}的折现"
                          "率折现到今天。下表列出价值最高的客户及其价值的构成：活跃概率、预测期内的预期购"
                          "买次数和预期每次消费金额。",
        "clv_top_line": "未来 {horizon:g} {unit}客户终身价值（CLV）最高的 {n} 位客户（利润率 {margin:.0%}"
                        "，每{unit1}折现率 {rate:g}）：",
        "clv_concentration_text": "客户价值通常高度集中：少数客户拥有大部分价值。直方图（对数刻度）显示"
                                  " CLV 的分布；下表按 CLV 把客户分为人数相等的十组，并给出每组占总价值的"
                                  "比例。",
        "clv_equity": "客户资产",
        "clv_equity_text": "现有客户群在预测期内的总价值是所有客户 CLV 之和，即客户资产。由于模型参数是估"
                           "计出来的，这个总额存在不确定性：区间来自带随机种子的参数自助法——从参数估计的抽"
                           "样分布（对数尺度上的正态分布，协方差来自似然函数的曲率）中为购买模型和消费模型"
                           "抽取参数值，并对每次抽样重新计算总额。区间为这些总额中间的 95%。它不包括哪些客"
                           "户实际购买的随机性，这在大客户群中会相互抵消。",
        "clv_equity_line": "**未来 {horizon:g} {unit}的客户资产：{equity}**（95% 区间 {lower} 至 {upper}；"
                           "{draws} 次抽样），即每位客户 {per_customer}。",
        "clv_col_parameter": "参数",
        "clv_col_estimate": "估计值",
        "clv_col_std_error": "标准误",
        "clv_col_lower_95": "95% 下限",
        "clv_col_upper_95": "95% 上限",
        "clv_col_frequency": "重复购买次数",
        "clv_col_recency": "最后购买时间（{unit}）",
        "clv_col_T": "客户龄（{unit}）",
        "clv_col_monetary_value": "平均消费金额",
        "clv_col_prob_alive": term("p_alive", "zh"),
        "clv_col_expected_purchases": "预期购买次数",
        "clv_col_expected_spend": "预期每次消费金额",
        "clv_col_clv": "客户终身价值",
        "clv_col_customer_id": "客户",
        "clv_col_customers": "客户数",
        "clv_col_actual": "实际",
        "clv_col_predicted": "预测",
        "clv_col_calibration_purchases": "重复购买次数（校准期）",
        "clv_col_n": "数量",
        "clv_col_mae": "MAE",
        "clv_col_rmse": "RMSE",
        "clv_col_bias": "偏差",
        "clv_col_relative_bias": "相对偏差",
        "clv_col_level": "层面",
        "clv_level_customer": "每位客户",
        "clv_level_total": "整个客户群",
        "clv_col_group": "十分位组（1 = 价值最高）",
        "clv_col_share": "价值占比",
        "clv_col_cumulative_share": "累计占比",
        "clv_fig_actual": "实际",
        "clv_fig_model": "模型",
        "clv_fig_calibration_purchases": "校准期内的重复购买次数",
        "clv_fig_holdout_mean": "验证期内的平均购买次数",
        "clv_fig_cond_title": "条件期望：验证期",
        "clv_fig_end_calibration": "校准期结束",
        "clv_fig_time_since_first": "自客户群首次购买以来的时间（{unit}）",
        "clv_fig_cumulative_repeat": "累计重复购买次数",
        "clv_fig_repeat_per": "每{unit1}重复购买次数",
        "clv_fig_tracking_cumulative": "跟踪：累计重复购买",
        "clv_fig_tracking_incremental": "跟踪：每期重复购买",
        "clv_fig_customers": "客户数",
        "clv_fig_frequency_title": "重复购买次数的分布",
        "clv_fig_p_alive": term("p_alive", "zh"),
        "clv_fig_alive_x": "重复购买次数（频率）",
        "clv_fig_alive_y": "最后一次购买的时间（最近购买）",
        "clv_fig_alive_y_unit": "最后一次购买的时间（最近购买，{unit}）",
        "clv_fig_alive_title": "客户仍然活跃的概率",
        "clv_fig_clv_x": "客户终身价值{currency}",
        "clv_fig_customers_log": "客户数（对数刻度）",
        "clv_fig_clv_title_top": "客户终身价值的分布（前 20% 的客户拥有 {top:.0%} 的价值）",
        "clv_fig_clv_title": "客户终身价值的分布",
        "clv_fig_sbg_model": "sBG 模型",
        "clv_fig_period": "期",
        "clv_fig_still_active": "队列中仍活跃的客户比例（%）",
        "clv_fig_retention_title": "客户留存：拟合与预测",
    },
}

register(MESSAGES)


#: ``t(key, lang="en", **values)``: a CLV phrase in ``lang`` (the shared catalogue's lookup)
t = translate
