"""English and Chinese text of the segments report and figures, added to the report catalogue.

Importing this module registers the ``seg_*`` keys with :mod:`crm_models.report.i18n`;
:func:`t` looks one up (``lang`` = ``"en"`` or ``"zh"``); :func:`label` names a segment,
lifecycle stage, loyalty type, membership or value tier in the report language (names
without a phrase, e.g. a custom tier, are kept); :func:`column_labels` names table columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crm_models.report.i18n import has_key, register, translate

__all__ = ["MESSAGES", "t", "label", "labels", "column_label", "column_labels"]

MESSAGES = {
    "en": {
        "seg_title": "Customer segments, loyalty and membership",
        "seg_intro": "This report sorts customers into groups that a marketing team can act on: **RFM "
                     "segments** (how recently, how often and how much each customer buys), **value "
                     "tiers** (the few customers who bring most of the money), **lifecycle stages** (new, "
                     "repeat, loyal, at risk, lost), the **loyalty matrix** (what customers *say* against "
                     "what they *do*), **membership tiers** (points over the last 12 months), "
                     "**clusters** found by k-means, and what a little more retention is worth.",
        "seg_key_figures": "Key figures",
        "seg_kf_base": "**{customers:,}** customers made **{purchases:,}** purchases from {first} to {end}"
                       ".",
        "seg_kf_champions": "**{n:,}** customers (**{share:.0%}**) are *champions* - they bought "
                            "recently, often and a lot - and bring **{value:.0%}** of sales; "
                            "**{quiet:,}** more used to buy often but have gone quiet (*at risk* and "
                            "*can't lose them*): worth winning back.",
        "seg_kf_pareto": "The top {vip_share:.0%} of customers (VIP) make **{vip_value:.0%}** of sales; "
                         "**{customer_share:.0%}** of customers make **{value_share:.0%}** of sales (the "
                         "80/20 point).",
        "seg_kf_lifecycle": "**{lost:,}** customers (**{lost_share:.0%}**) have not bought for more than "
                            "{lost_after} days (*lost*), another **{at_risk:,}** "
                            "(**{at_risk_share:.0%}**) for more than {at_risk_after} days (*at risk*).",
        "seg_kf_loyalty": "Of the {n:,} surveyed customers, **{absolute:.0%}** are truly loyal (positive "
                          "attitude and repeat buying) and **{latent:.0%}** like us but rarely buy "
                          "(*latent* loyalty: an opportunity).",
        "seg_kf_tiers": "Membership tiers today: {tiers}.",
        "seg_kf_retention": "**{rate:.1%}** of the customers who bought in one period bought again in the "
                            "next (retention); {uplift:.0%} points more retention would add **{gain}** in "
                            "value (**{per_customer}** per customer).",
        "seg_kf_meaning": "**What to do with it:** keep the champions and VIPs close, win back the "
                          "customers who have gone quiet before they are lost, and turn latent loyalty "
                          "into purchases.",
        "seg_rfm": "RFM segments",
        "seg_rfm_text": "Each customer gets three scores from 1 to 5: **R** (5 = bought most recently), "
                        "**F** (5 = buys most often) and **M** (5 = spends most), each splitting the "
                        "customers into five groups of about equal size (customers with equal values "
                        "share a score). The three digits form the RFM cell, and a rule table turns cells "
                        "into named segments: *champions* buy often, recently and a lot; *at risk* and "
                        "*can't lose them* used to buy often but have gone quiet; *hibernating* and "
                        "*lost* bought little, long ago.",
        "seg_rfm_figures": "The bars show how many customers fall in each segment and what share of all "
                           "sales they bring. The grid on the right counts customers by R score (rows, "
                           "most recent on top) and F score (columns): the top-right corner holds the "
                           "best customers, the bottom-left the ones who have drifted away.",
        "seg_value": "Value tiers and the 80/20 rule",
        "seg_value_text": "Customers are ranked by what they spent. The top {vip:.0%} are **VIP**, the "
                          "next {core:.0%} **core**, the rest **general**. The Pareto curve shows what "
                          "share of sales the top x % of customers make; the red dot is where the two "
                          "shares add to 100 % (the Pareto principle says about 20 % of customers make 80 "
                          "% of the value). The Lorenz curve and its Gini coefficient measure the same "
                          "inequality (0 = every customer spends the same, 1 = one customer makes all "
                          "sales).",
        "seg_pareto_line": "**{customer_share:.0%}** of customers make **{value_share:.0%}** of sales.",
        "seg_lifecycle": "Lifecycle stages",
        "seg_lifecycle_text": "*New* customers have bought once, *repeat* customers two or three times, "
                              "*loyal* ones at least four times, as long as their last purchase is "
                              "recent. Customers who have not bought for {at_risk_after} days are *at "
                              "risk*, after {lost_after} days *lost*.",
        "seg_loyalty": "Loyalty matrix: attitude x behaviour",
        "seg_loyalty_text": "True loyalty needs both a positive attitude (the survey's loyalty questions) "
                            "and repeated buying (the share of months since joining in which the customer "
                            "bought again). Splitting each at its median gives four groups: **absolute** "
                            "loyalty (both high), **latent** loyalty (like us but rarely buy: an "
                            "opportunity), **inertia** (buy out of habit or convenience but are not "
                            "attached: vulnerable to competitors) and **non-loyal**.",
        "seg_no_survey": "No survey given: the loyalty matrix needs attitudinal data (`survey_path`).",
        "seg_membership": "Membership tiers",
        "seg_membership_text": "Every unit of spend earns one point. A member's tier depends on the "
                               "points earned over the last {window} days: {thresholds}, ordinary below. "
                               "Tiers are re-evaluated every {every} days, so a tier holds until the next "
                               "evaluation even if old points expire in between.",
        "seg_membership_figures": "Left: at each evaluation, how many members moved up (green) or down "
                                  "(red) a tier. Right: where the members of each tier at the second-last "
                                  "evaluation were at the last one (rows: before, columns: after); the "
                                  "diagonal are members who kept their tier.",
        "seg_points_from": "{tier} from {points:,} points",
        "seg_clusters": "Clusters",
        "seg_clusters_text": "k-means groups customers with similar recency, frequency and spend "
                             "(log-scaled and standardised). The number of groups is the one with the "
                             "highest *silhouette*, a measure of how well separated the groups are. The "
                             "heatmap shows each cluster's average, in standard deviations above (red) or "
                             "below (blue) the average customer.",
        "seg_retention": "What is more retention worth?",
        "seg_retention_text": "Winning a new customer costs 5-10 times as much as keeping one. With the "
                              "retention seen in the data (the share of the previous period's buyers who "
                              "bought again in the last period, {days} days long) and the average margin "
                              "per customer and period, a constant-retention model values a customer at "
                              "margin x r / (1 + i - r); the table shows the gain from {uplift:.0%}"
                              " points more retention.",
        "seg_retention_observed": "Observed retention: {retained:,.0f} of {before:,.0f} customers "
                                  "(**{rate:.1%}**).",
        "seg_retention_fallback": "The data hold less than two periods of {days} days, so the retention "
                                  "rate cannot be measured; the report uses `fallback_retention_rate` = "
                                  "{rate:.0%}.",
        "seg_col_segment": "segment",
        "seg_col_customers": "customers",
        "seg_col_share": "share of customers",
        "seg_col_time_since_last": "days since the last purchase",
        "seg_col_frequency": "purchases",
        "seg_col_monetary": "spend",
        "seg_col_value": "sales",
        "seg_col_value_share": "share of sales",
        "seg_col_tier": "tier",
        "seg_col_customer_share": "share of customers",
        "seg_col_mean_value": "sales per customer",
        "seg_col_stage": "lifecycle stage",
        "seg_col_loyalty": "loyalty type",
        "seg_col_members": "members",
        "seg_col_joined": "joined",
        "seg_col_upgraded": "upgraded",
        "seg_col_downgraded": "downgraded",
        "seg_col_unchanged": "unchanged",
        "seg_col_evaluation_date": "evaluation date",
        "seg_col_cluster": "cluster",
        "seg_col_quantity": "quantity",
        "seg_col_retention_before": "retention now",
        "seg_col_retention_after": "retention with the uplift",
        "seg_col_clv_before": "value per customer now",
        "seg_col_clv_after": "value per customer with the uplift",
        "seg_col_gain_per_customer": "gain per customer",
        "seg_col_total_gain": "gain for all customers",
        "seg_col_percent_gain": "gain in %",
        "seg_name_champions": "champions",
        "seg_name_loyal": "loyal",
        "seg_name_can_t_lose_them": "can't lose them",
        "seg_name_at_risk": "at risk",
        "seg_name_new": "new",
        "seg_name_promising": "promising",
        "seg_name_potential_loyalists": "potential loyalists",
        "seg_name_need_attention": "need attention",
        "seg_name_about_to_sleep": "about to sleep",
        "seg_name_lost": "lost",
        "seg_name_hibernating": "hibernating",
        "seg_stage_potential": "potential",
        "seg_stage_new": "new",
        "seg_stage_repeat": "repeat",
        "seg_stage_loyal": "loyal",
        "seg_stage_at_risk": "at risk",
        "seg_stage_lost": "lost",
        "seg_loyalty_non_loyal": "non-loyal",
        "seg_loyalty_latent": "latent",
        "seg_loyalty_inertia": "inertia",
        "seg_loyalty_absolute": "absolute",
        "seg_tier_diamond": "diamond",
        "seg_tier_platinum": "platinum",
        "seg_tier_gold": "gold",
        "seg_tier_silver": "silver",
        "seg_tier_ordinary": "ordinary",
        "seg_value_VIP": "VIP",
        "seg_value_core": "core",
        "seg_value_general": "general",
        "seg_agg_mean": "mean",
        "seg_agg_sum": "sum",
        "seg_agg_median": "median",
        "seg_fig_share_label": "{customers:.0f}% of customers",
        "seg_fig_share_value_label": "{customers:.0f}% of customers, {value:.0f}% of value",
        "seg_fig_customers": "customers",
        "seg_fig_sizes_title": "Segment sizes and value",
        "seg_fig_pareto_curve": "Pareto curve",
        "seg_fig_pareto_point": "{customers:.0f}% of customers make\n{value:.0f}% of the value",
        "seg_fig_pareto_title": "Pareto curve and the 80/20 point",
        "seg_fig_lorenz_curve": "Lorenz curve (Gini {gini:.2f})",
        "seg_fig_lorenz_title": "Lorenz curve of customer value",
        "seg_fig_equal": "all customers equal",
        "seg_fig_share_customers": "share of customers",
        "seg_fig_share_value": "share of value",
        "seg_fig_share_row": "share of the row",
        "seg_fig_migration_title": "Tier migration",
        "seg_fig_tier_on": "tier on {date}",
        "seg_fig_upgraded": "upgraded",
        "seg_fig_downgraded": "downgraded",
        "seg_fig_joined": "joined",
        "seg_fig_changes_title": "Tier changes at each evaluation",
        "seg_fig_attitude": "attitudinal loyalty",
        "seg_fig_behaviour": "behavioural loyalty",
        "seg_fig_loyalty_title": "Loyalty matrix: attitude x behaviour",
        "seg_fig_rfm_value": "{agg} {value}",
        "seg_fig_f_score": "F score (frequency)",
        "seg_fig_r_score": "R score (recency)",
        "seg_fig_rfm_title": "RFM grid: {label}",
        "seg_fig_cluster_row": "cluster {i} (n={n:,}, {share:.0f}%)",
        "seg_fig_sd_from_mean": "standard deviations from the mean",
        "seg_fig_profiles_title": "Cluster profiles",
        "seg_fig_chosen_k": "chosen k = {k}",
        "seg_fig_k": "number of clusters k",
        "seg_fig_silhouette": "mean silhouette",
        "seg_fig_k_title": "Choice of k",
    },
    "zh": {
        "seg_title": "客户细分、忠诚度与会员等级",
        "seg_intro": "本报告把客户分成营销团队可以据此行动的群体：**RFM 细分**（每位客户最近一次购买的时间"
                     "、购买频率和消费金额），**价值分层**（贡献大部分收入的少数客户），**客户生命周期阶段"
                     "**（新客户、重复购买、忠诚、有流失风险、已流失），**忠诚矩阵**（客户*说的*与*做的*）"
                     "，**会员等级**（最近 12 个月的积分），k-means **聚类**，以及稍微提高客户留存率的价值"
                     "。",
        "seg_key_figures": "关键指标",
        "seg_kf_base": "**{customers:,}** 位客户在 {first} 至 {end} 期间共购买 **{purchases:,}** 次。",
        "seg_kf_champions": "**{n:,}** 位客户（**{share:.0%}**）是*冠军客户*——最近购买、购买频繁且消费高——"
                            "贡献了 **{value:.0%}** 的销售额；另有 **{quiet:,}** 位过去经常购买但近来沉寂"
                            "（*有流失风险*和*不能失去的客户*）：值得挽回。",
        "seg_kf_pareto": "消费最多的前 {vip_share:.0%} 客户（VIP）贡献了 **{vip_value:.0%}** 的销售额；"
                         "**{customer_share:.0%}** 的客户贡献了 **{value_share:.0%}** 的销售额（80/20 点）"
                         "。",
        "seg_kf_lifecycle": "**{lost:,}** 位客户（**{lost_share:.0%}**）超过 {lost_after} 天没有购买（*已"
                            "流失*），另有 **{at_risk:,}** 位（**{at_risk_share:.0%}**）超过"
                            " {at_risk_after} 天没有购买（*有流失风险*）。",
        "seg_kf_loyalty": "在 {n:,} 位受访客户中，**{absolute:.0%}** 是真正的忠诚客户（态度积极且重复购买"
                          "），**{latent:.0%}** 喜欢我们但很少购买（*潜在忠诚*：一个机会）。",
        "seg_kf_tiers": "当前会员等级：{tiers}。",
        "seg_kf_retention": "一个周期内购买过的客户中，有 **{rate:.1%}** 在下一个周期再次购买（客户留存率"
                            "）；留存率再提高 {uplift:.0%} 个百分点，可增加价值 **{gain}**（每位客户"
                            " **{per_customer}**）。",
        "seg_kf_meaning": "**如何使用：** 维护好冠军客户和 VIP 客户，在沉寂的客户流失之前把他们挽回，并把"
                          "潜在忠诚转化为购买。",
        "seg_rfm": "RFM 细分",
        "seg_rfm_text": "每位客户得到三个 1 到 5 的分数：**R**（5 = 最近购买），**F**（5 = 购买最频繁）和"
                        " **M**（5 = 消费最多），每个分数把客户分成人数大致相等的五组（数值相同的客户得分"
                        "相同）。三个数字组成 RFM 单元，再由规则表把单元归入有名称的细分群体：*冠军客户*购"
                        "买频繁、最近购买且消费多；*有流失风险*和*不能失去的客户*过去经常购买但近来沉寂；*"
                        "休眠客户*和*已流失*客户购买少且很久以前才买过。",
        "seg_rfm_figures": "条形图显示每个细分群体的客户数及其占总销售额的比例。右侧网格按 R 分数（行，最"
                           "近购买的在上）和 F 分数（列）统计客户数：右上角是最好的客户，左下角是已经疏远"
                           "的客户。",
        "seg_value": "价值分层与 80/20 法则",
        "seg_value_text": "按消费金额对客户排序。前 {vip:.0%} 为 **VIP 客户**，接下来的 {core:.0%} 为**核"
                          "心客户**，其余为**普通客户**。帕累托曲线显示前 x% 的客户贡献了多少销售额；红点"
                          "是两个比例之和为 100% 的位置（帕累托法则：约 20% 的客户贡献 80% 的价值）。洛伦"
                          "兹曲线及其基尼系数衡量同样的不平等程度（0 = 每位客户消费相同，1 = 一位客户贡献"
                          "全部销售额）。",
        "seg_pareto_line": "**{customer_share:.0%}** 的客户贡献了 **{value_share:.0%}** 的销售额。",
        "seg_lifecycle": "客户生命周期阶段",
        "seg_lifecycle_text": "只要最后一次购买是近期的：购买过一次的是*新客户*，两到三次的是*重复购买客户"
                              "*，至少四次的是*忠诚客户*。超过 {at_risk_after} 天没有购买的客户*有流失风险"
                              "*，超过 {lost_after} 天视为*已流失*。",
        "seg_loyalty": "忠诚矩阵：态度 × 行为",
        "seg_loyalty_text": "真正的忠诚既需要积极的态度（问卷中的忠诚度题项），也需要重复购买（自加入以来"
                            "客户再次购买的月份比例）。两者各按中位数分为高低，得到四组：**绝对忠诚**（两"
                            "者都高）、**潜在忠诚**（喜欢我们但很少购买：一个机会）、**惰性忠诚**（出于习"
                            "惯或便利而购买，但并无感情依附：容易被竞争对手抢走）和**非忠诚**。",
        "seg_no_survey": "没有提供问卷：忠诚矩阵需要态度数据（`survey_path`）。",
        "seg_membership": "会员等级",
        "seg_membership_text": "每消费一个货币单位得一分。会员等级取决于最近 {window} 天获得的积分："
                               "{thresholds}，以下为普通会员。等级每 {every} 天重新评定一次，因此即使旧积"
                               "分在两次评定之间过期，等级也会保持到下一次评定。",
        "seg_membership_figures": "左图：每次评定时升级（绿色）或降级（红色）的会员数。右图：倒数第二次评"
                                  "定时各等级的会员在最后一次评定时所处的等级（行：之前，列：之后）；对角"
                                  "线上是保持原等级的会员。",
        "seg_points_from": "{tier} {points:,} 分起",
        "seg_clusters": "聚类",
        "seg_clusters_text": "k-means 把最近购买时间、购买频率和消费金额（取对数并标准化）相似的客户归为一"
                             "组。组数取*轮廓系数*（衡量各组分离程度的指标）最高者。热力图显示各聚类的平均"
                             "值，以高于（红色）或低于（蓝色）平均客户多少个标准差表示。",
        "seg_retention": "提高客户留存率值多少钱？",
        "seg_retention_text": "获得一位新客户的成本是保留一位老客户的 5-10 倍。根据数据中的留存率（上一周"
                              "期的购买者在最近一个周期再次购买的比例，周期长 {days} 天）以及每位客户每个"
                              "周期的平均利润，恒定留存率模型给出的客户价值为 利润 × r / (1 + i - r)；下表"
                              "显示留存率提高 {uplift:.0%} 个百分点带来的收益。",
        "seg_retention_observed": "观察到的客户留存率：{before:,.0f} 位客户中的 {retained:,.0f} 位（"
                                  "**{rate:.1%}**）。",
        "seg_retention_fallback": "数据不足两个 {days} 天的周期，无法测量留存率；本报告使用"
                                  " `fallback_retention_rate` = {rate:.0%}。",
        "seg_col_segment": "细分群体",
        "seg_col_customers": "客户数",
        "seg_col_share": "客户占比",
        "seg_col_time_since_last": "距最后一次购买的天数",
        "seg_col_frequency": "购买次数",
        "seg_col_monetary": "消费金额",
        "seg_col_value": "销售额",
        "seg_col_value_share": "销售额占比",
        "seg_col_tier": "等级",
        "seg_col_customer_share": "客户占比",
        "seg_col_mean_value": "人均销售额",
        "seg_col_stage": "生命周期阶段",
        "seg_col_loyalty": "忠诚类型",
        "seg_col_members": "会员数",
        "seg_col_joined": "新加入",
        "seg_col_upgraded": "升级",
        "seg_col_downgraded": "降级",
        "seg_col_unchanged": "不变",
        "seg_col_evaluation_date": "评定日期",
        "seg_col_cluster": "聚类",
        "seg_col_quantity": "指标",
        "seg_col_retention_before": "当前留存率",
        "seg_col_retention_after": "提升后的留存率",
        "seg_col_clv_before": "当前每位客户价值",
        "seg_col_clv_after": "提升后每位客户价值",
        "seg_col_gain_per_customer": "每位客户的增益",
        "seg_col_total_gain": "全部客户的增益",
        "seg_col_percent_gain": "增幅（%）",
        "seg_name_champions": "冠军客户",
        "seg_name_loyal": "忠诚客户",
        "seg_name_can_t_lose_them": "不能失去的客户",
        "seg_name_at_risk": "有流失风险",
        "seg_name_new": "新客户",
        "seg_name_promising": "有潜力的新客户",
        "seg_name_potential_loyalists": "潜在忠诚客户",
        "seg_name_need_attention": "需要关注",
        "seg_name_about_to_sleep": "即将沉睡",
        "seg_name_lost": "已流失",
        "seg_name_hibernating": "休眠客户",
        "seg_stage_potential": "潜在客户",
        "seg_stage_new": "新客户",
        "seg_stage_repeat": "重复购买客户",
        "seg_stage_loyal": "忠诚客户",
        "seg_stage_at_risk": "有流失风险",
        "seg_stage_lost": "已流失",
        "seg_loyalty_non_loyal": "非忠诚",
        "seg_loyalty_latent": "潜在忠诚",
        "seg_loyalty_inertia": "惰性忠诚",
        "seg_loyalty_absolute": "绝对忠诚",
        "seg_tier_diamond": "钻石会员",
        "seg_tier_platinum": "铂金会员",
        "seg_tier_gold": "黄金会员",
        "seg_tier_silver": "白银会员",
        "seg_tier_ordinary": "普通会员",
        "seg_value_VIP": "VIP 客户",
        "seg_value_core": "核心客户",
        "seg_value_general": "普通客户",
        "seg_agg_mean": "平均",
        "seg_agg_sum": "合计",
        "seg_agg_median": "中位数",
        "seg_fig_share_label": "{customers:.0f}% 的客户",
        "seg_fig_share_value_label": "{customers:.0f}% 的客户，{value:.0f}% 的价值",
        "seg_fig_customers": "客户数",
        "seg_fig_sizes_title": "各细分群体的规模与价值",
        "seg_fig_pareto_curve": "帕累托曲线",
        "seg_fig_pareto_point": "{customers:.0f}% 的客户贡献了\n{value:.0f}% 的价值",
        "seg_fig_pareto_title": "帕累托曲线与 80/20 点",
        "seg_fig_lorenz_curve": "洛伦兹曲线（基尼系数 {gini:.2f}）",
        "seg_fig_lorenz_title": "客户价值的洛伦兹曲线",
        "seg_fig_equal": "所有客户价值相同",
        "seg_fig_share_customers": "客户比例",
        "seg_fig_share_value": "价值比例",
        "seg_fig_share_row": "占该行的比例",
        "seg_fig_migration_title": "会员等级迁移",
        "seg_fig_tier_on": "{date} 的等级",
        "seg_fig_upgraded": "升级",
        "seg_fig_downgraded": "降级",
        "seg_fig_joined": "新加入",
        "seg_fig_changes_title": "每次评定时的等级变化",
        "seg_fig_attitude": "态度忠诚",
        "seg_fig_behaviour": "行为忠诚",
        "seg_fig_loyalty_title": "忠诚矩阵：态度 × 行为",
        "seg_fig_rfm_value": "{agg}{value}",
        "seg_fig_f_score": "F 分数（购买频率）",
        "seg_fig_r_score": "R 分数（最近购买）",
        "seg_fig_rfm_title": "RFM 网格：{label}",
        "seg_fig_cluster_row": "聚类 {i}（n={n:,}，{share:.0f}%）",
        "seg_fig_sd_from_mean": "与平均值相差的标准差",
        "seg_fig_profiles_title": "聚类特征",
        "seg_fig_chosen_k": "选定 k = {k}",
        "seg_fig_k": "聚类数 k",
        "seg_fig_silhouette": "平均轮廓系数",
        "seg_fig_k_title": "k 的选择",
    },
}

register(MESSAGES)

KINDS = ("name", "stage", "loyalty", "tier", "value", "agg")


#: ``t(key, lang="en", **values)``: a segments phrase in ``lang`` (the shared catalogue's lookup)
t = translate


def _slug(name: object) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", str(name)).strip("_")


def label(kind: str, name: object, lang: str = "en") -> str:
    """A segment (``kind="name"``), lifecycle ``stage``, ``loyalty`` type, membership ``tier``
    or ``value`` tier in the report language; names without a phrase are kept."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    key = f"seg_{kind}_{_slug(name)}"
    return translate(key, lang) if lang != "en" and has_key(key) else str(name)


def labels(kind: str, names: Iterable[object], lang: str = "en") -> list[str]:
    return [label(kind, n, lang) for n in names]


def column_label(column: object, lang: str = "en") -> str:
    """Header of a report table column; a column without a phrase keeps its name."""
    key = f"seg_col_{column}"
    return translate(key, lang) if has_key(key) else str(column)


def column_labels(columns: Iterable[object], lang: str = "en") -> list[str]:
    return [column_label(c, lang) for c in columns]
