"""English and Chinese text of the CSI report and figures, added to the report catalogue.

Importing this module registers the ``csi_*`` keys with :mod:`crm_models.report.i18n`;
:func:`t` looks one up (``lang`` = ``"en"`` or ``"zh"``), :func:`construct_label` names a
construct in the report language.
"""

from __future__ import annotations

from crm_models.report.i18n import has_key, register, translate

__all__ = ["MESSAGES", "DATA_CHECK_MESSAGES", "CONSTRUCT_LABELS_ZH", "t", "construct_label",
           "construct_labels", "path_label", "column_label", "word"]

CONSTRUCT_LABELS_ZH = {
    "IMAG": "企业形象", "EXPE": "顾客期望", "QUAL": "感知质量", "VAL": "感知价值", "SAT": "顾客满意",
    "COMP": "顾客抱怨", "LOY": "顾客忠诚 / 重购意向", "SWC": "转换成本",
}

MESSAGES = {
    "en": {
        "csi_title": "Customer satisfaction index (CSI) report",
        "csi_intro": "How satisfied are customers, what drives their satisfaction and loyalty, and "
                     "which driver should be improved first? The survey's questions (items) measure a "
                     "few *constructs* - image, expectations, perceived quality, perceived value, "
                     "satisfaction, complaints, loyalty - that cannot be observed directly. A **PLS "
                     "path model** (partial least squares, as in the ACSI and ECSI national "
                     "satisfaction indices) turns each construct into a weighted score of its items "
                     "and estimates how strongly each construct drives the next.",
        "csi_numbers": "The model in numbers",
        "csi_n_line": "**{n}** respondents, **{items}** items measuring **{k}** constructs ({names}).",
        "csi_missing_line": "Missing answers: {cells} (handling: {method}; {dropped} respondents "
                            "dropped).",
        "csi_converged_line": "The PLS algorithm converged in {iterations} iterations ({scheme} "
                              "scheme).",
        "csi_gof_line": "Goodness of fit GoF = **{gof:.3f}**; explained variance R² of the constructs: "
                        "{r2}.",
        "csi_diagram": "Path diagram",
        "csi_diagram_text": "Each box is a construct; each arrow a driver. The number on an arrow is "
                            "the *standardised path coefficient*: by how many standard deviations the "
                            "target moves when the driver rises by one standard deviation, the other "
                            "drivers held fixed. Stars give the bootstrap significance (\\*\\*\\* p < "
                            "0.001, \\*\\* p < 0.01, \\* p < 0.05); grey dashed arrows are not "
                            "significant. R² is the share of a construct's variation its drivers "
                            "explain.",
        "csi_quality": "Measurement quality",
        "csi_quality_text": "Before trusting the paths, check that the items measure their construct "
                            "well (rules of thumb, Hair et al. 2019): *reliability* - Cronbach's "
                            "alpha, ρA and composite reliability ρc at least 0.70; *convergent "
                            "validity* - average variance extracted (AVE) at least 0.50 and one "
                            "dominant eigenvalue; *discriminant validity* - the HTMT ratio between two "
                            "constructs below 0.85 (Henseler et al. 2015) and the square root of the "
                            "AVE above the construct's correlations with the others (Fornell-Larcker). "
                            "Cells in red fail their rule; the figure shows the HTMT ratios with "
                            "bootstrap intervals.",
        "csi_weak_items": "Items loading below 0.708 on their construct: {items}.",
        "csi_none": "none",
        "csi_paths": "Structural paths",
        "csi_paths_text": "The estimate of each path with its bootstrap standard error, t-value, "
                          "p-value and 95% confidence intervals (percentile and bias-corrected BCa), "
                          "and Cohen's f² effect size (0.02 small, 0.15 medium, 0.35 large).",
        "csi_hypotheses": "**Customer-retention hypotheses** (supported when the path has the expected "
                          "sign and p < 0.05):",
        "csi_index": "Satisfaction index (0-100)",
        "csi_index_text": "The ACSI/ECSI index of each construct (Fornell et al. 1996): answers "
                          "rescaled to 0-100, combined with the model's item weights (normalised to "
                          "sum to one) and averaged over respondents. Error bars are 95% intervals of "
                          "the mean.",
        "csi_index_skipped": "Left out (an item has a negative weight, so the 0-100 index is "
                             "undefined): {names}.",
        "csi_ipma": "Which driver to improve first: importance-performance map",
        "csi_ipma_text": "For the target construct, each driver's *importance* is its total effect "
                         "(direct plus through other constructs): how many index points the target "
                         "gains when the driver's index rises by one point. *Performance* is the "
                         "driver's 0-100 index. Drivers on the right and low (important but performing "
                         "poorly) are the first candidates for improvement (Ringle & Sarstedt 2016).",
        "csi_lever": "The strongest lever for **{target}** is **{driver}**: one more index point "
                     "raises {target} by {importance:.2f} points (current index {performance:.1f}).",
        "csi_boot": "Bootstrap confidence intervals",
        "csi_boot_text": "Each path with its 95% bias-corrected (BCa) bootstrap interval from the "
                         "resampled respondents; an interval that does not cross zero (dark) marks a "
                         "path that is reliably different from zero.",
        "csi_boot_used": "{used} of {n} resamples used (seed {seed}, sign changes: {rule}).",
        "csi_fig_path_title": "Path model (GoF = {gof:.2f}); *** p<0.001, ** p<0.01, * p<0.05 "
                              "({source})",
        "csi_fig_index_title": "Customer satisfaction index by construct",
        "csi_fig_index_x": "index (0-100)",
        "csi_fig_ipma_title": "Importance-performance map for {target}",
        "csi_fig_ipma_x": "importance (total effect on {target})",
        "csi_fig_ipma_y": "performance (0-100)",
        "csi_fig_ipma_hint": "concentrate here →\n(important, low performance)",
        "csi_fig_boot_title": "{kind}: {pct}% {interval} intervals ({used} resamples)",
        "csi_fig_estimate": "estimate",
        "csi_kind_paths": "paths",
        "csi_kind_total_effects": "total effects",
        "csi_kind_loadings": "loadings",
        "csi_kind_weights": "weights",
        "csi_kind_r2": "R²",
        "csi_kind_htmt": "HTMT",
        "csi_interval_percentile": "percentile",
        "csi_interval_bca": "BCa",
        "csi_source_bootstrap": "bootstrap",
        "csi_source_ols": "OLS",
        # table headers and cell words
        "csi_col_construct": "construct",
        "csi_col_path": "path",
        "csi_col_items": "items",
        "csi_col_cronbach_alpha": "Cronbach's α",
        "csi_col_rho_a": "ρA",
        "csi_col_rho_c": "composite reliability ρc",
        "csi_col_dillon_goldstein_rho": "Dillon-Goldstein ρ",
        "csi_col_ave": "AVE",
        "csi_col_eig_1st": "1st eigenvalue",
        "csi_col_eig_2nd": "2nd eigenvalue",
        "csi_col_max_htmt": "largest HTMT",
        "csi_col_fornell_larcker": "Fornell-Larcker met",
        "csi_col_original": "estimate",
        "csi_col_estimate": "estimate",
        "csi_col_std_error": "standard error",
        "csi_col_t_value": "t",
        "csi_col_p_value": "p",
        "csi_col_lower": "95% lower (percentile)",
        "csi_col_upper": "95% upper (percentile)",
        "csi_col_bca_lower": "95% lower (BCa)",
        "csi_col_bca_upper": "95% upper (BCa)",
        "csi_col_f2": "effect size f²",
        "csi_col_size": "effect",
        "csi_col_statement": "hypothesis",
        "csi_col_expected_sign": "expected sign",
        "csi_col_supported": "supported",
        "csi_col_index": "index (0-100)",
        "csi_col_n_items": "items",
        "csi_col_importance": "importance",
        "csi_col_performance": "performance",
        "csi_col_total_effect_std": "total effect (standardised)",
        "csi_col_quadrant": "what to do",
        "csi_size_none": "none",
        "csi_size_small": "small",
        "csi_size_medium": "medium",
        "csi_size_large": "large",
        "csi_quadrant_concentrate here": "improve first",
        "csi_quadrant_keep up the good work": "keep up the good work",
        "csi_quadrant_low priority": "low priority",
        "csi_quadrant_possible overkill": "possibly more than needed",
        "csi_yes": "yes",
        "csi_no": "no",
        "csi_missing_mean": "replaced by the item mean",
        "csi_missing_listwise": "respondents with gaps left out",
        "csi_missing_raise": "not allowed",
        "csi_scheme_centroid": "centroid",
        "csi_scheme_factorial": "factorial",
        "csi_scheme_path": "path weighting",
        "csi_sign_change_construct": "construct signs aligned with the original fit",
        "csi_sign_change_individual": "each estimate's sign aligned with the original fit",
        "csi_sign_change_none": "none",
    },
    "zh": {
        "csi_title": "顾客满意度指数（CSI）报告",
        "csi_intro": "顾客有多满意？是什么驱动了他们的满意和忠诚？应当优先改进哪个因素？问卷中的题项测"
                     "量若干无法直接观测的*潜变量*——企业形象、顾客期望、感知质量、感知价值、顾客满意、"
                     "顾客抱怨、顾客忠诚。**PLS 路径模型**（偏最小二乘，ACSI 与 ECSI 国家满意度指数所用"
                     "的方法）把每个潜变量表示为其题项的加权得分，并估计各潜变量之间的影响强度。",
        "csi_numbers": "模型概况",
        "csi_n_line": "**{n}** 位受访者，**{items}** 个题项，测量 **{k}** 个潜变量（{names}）。",
        "csi_missing_line": "缺失回答：{cells} 个（处理方式：{method}；删除 {dropped} 位受访者）。",
        "csi_converged_line": "PLS 算法经 {iterations} 次迭代收敛（{scheme} 内部权重方案）。",
        "csi_gof_line": "拟合优度 GoF = **{gof:.3f}**；各潜变量的解释方差 R²：{r2}。",
        "csi_diagram": "路径图",
        "csi_diagram_text": "每个方框是一个潜变量，每个箭头是一个驱动因素。箭头上的数字是*标准化路径系"
                            "数*：在其他驱动因素不变时，驱动因素提高一个标准差，目标变量变化多少个标准"
                            "差。星号表示自助法显著性（\\*\\*\\* p < 0.001，\\*\\* p < "
                            "0.01，\\* p < 0.05）；灰色虚线箭头不显著。R² 是驱动因素所解释的目标变量变"
                            "异比例。",
        "csi_quality": "测量质量",
        "csi_quality_text": "在解读路径之前，先检查题项是否很好地测量了各自的潜变量（经验标准，Hair 等 "
                            "2019）：*信度*——Cronbach's alpha、ρA 与组合信度 ρc 不低于 0.70；*收"
                            "敛效度*——平均方差提取量（AVE）不低于 0.50，且只有一个主要特征值；*区分效度"
                            "*——两个潜变量之间的 HTMT 比率低于 0.85（Henseler 等 2015），且 AVE 的平方"
                            "根大于该潜变量与其他潜变量的相关系数（Fornell-Larcker 准则）。红色单元格未"
                            "达到标准；图中为 HTMT 比率及其自助法置信区间。",
        "csi_weak_items": "在所属潜变量上载荷低于 0.708 的题项：{items}。",
        "csi_none": "无",
        "csi_paths": "结构路径",
        "csi_paths_text": "各路径的估计值及其自助法标准误、t 值、p 值和 95% 置信区间（百分位法与偏差校"
                          "正加速 BCa 法），以及 Cohen's f² 效应量（0.02 小，0.15 中，0.35 大）。",
        "csi_hypotheses": "**顾客保持模型假设**（路径符号符合预期且 p < 0.05 时得到支持）：",
        "csi_index": "满意度指数（0-100）",
        "csi_index_text": "各潜变量的 ACSI/ECSI 指数（Fornell 等 1996）：把回答换算到 0-100，用模型的题"
                          "项权重（归一化为和为 1）加权，再对受访者求平均。误差线为均值的 95% 置信区间"
                          "。",
        "csi_index_skipped": "未计算（有题项权重为负，0-100 指数没有定义）：{names}。",
        "csi_ipma": "优先改进哪个因素：重要性-绩效矩阵",
        "csi_ipma_text": "对目标潜变量而言，每个驱动因素的*重要性*是其总效应（直接效应加上经由其他潜变"
                         "量的间接效应）：驱动因素指数提高 1 分，目标指数提高多少分。*绩效*是驱动因素的"
                         " 0-100 指数。位于右下方（重要但绩效低）的因素应优先改进（Ringle & Sarstedt "
                         "2016）。",
        "csi_lever": "对 **{target}** 影响最大的杠杆是 **{driver}**：其指数每提高 1 分，{target} 提高 "
                     "{importance:.2f} 分（当前指数 {performance:.1f}）。",
        "csi_boot": "自助法置信区间",
        "csi_boot_text": "各路径及其基于重抽样受访者的 95% 偏差校正（BCa）自助法置信区间；不跨越 0 的区"
                         "间（深色）表示该路径可靠地不为 0。",
        "csi_boot_used": "使用了 {n} 次重抽样中的 {used} 次（随机种子 {seed}，符号调整：{rule}）。",
        "csi_fig_path_title": "路径模型（GoF = {gof:.2f}）；*** p<0.001，** p<0.01，* p<0.05（"
                              "{source}）",
        "csi_fig_index_title": "各潜变量的顾客满意度指数",
        "csi_fig_index_x": "指数（0-100）",
        "csi_fig_ipma_title": "{target}的重要性-绩效矩阵",
        "csi_fig_ipma_x": "重要性（对{target}的总效应）",
        "csi_fig_ipma_y": "绩效（0-100）",
        "csi_fig_ipma_hint": "优先改进 →\n（重要但绩效低）",
        "csi_fig_boot_title": "{kind}：{pct}% {interval} 置信区间（{used} 次重抽样）",
        "csi_fig_estimate": "估计值",
        "csi_kind_paths": "路径系数",
        "csi_kind_total_effects": "总效应",
        "csi_kind_loadings": "载荷",
        "csi_kind_weights": "权重",
        "csi_kind_r2": "R²",
        "csi_kind_htmt": "HTMT",
        "csi_interval_percentile": "百分位",
        "csi_interval_bca": "BCa",
        "csi_source_bootstrap": "自助法",
        "csi_source_ols": "最小二乘",
        # table headers and cell words
        "csi_col_construct": "潜变量",
        "csi_col_path": "路径",
        "csi_col_items": "题项数",
        "csi_col_cronbach_alpha": "Cronbach α 系数",
        "csi_col_rho_a": "ρA",
        "csi_col_rho_c": "组合信度 ρc",
        "csi_col_dillon_goldstein_rho": "Dillon-Goldstein ρ 系数",
        "csi_col_ave": "AVE",
        "csi_col_eig_1st": "第一特征值",
        "csi_col_eig_2nd": "第二特征值",
        "csi_col_max_htmt": "最大 HTMT",
        "csi_col_fornell_larcker": "满足 Fornell-Larcker 准则",
        "csi_col_original": "估计值",
        "csi_col_estimate": "估计值",
        "csi_col_std_error": "标准误",
        "csi_col_t_value": "t 值",
        "csi_col_p_value": "p 值",
        "csi_col_lower": "95% 下限（百分位）",
        "csi_col_upper": "95% 上限（百分位）",
        "csi_col_bca_lower": "95% 下限（BCa）",
        "csi_col_bca_upper": "95% 上限（BCa）",
        "csi_col_f2": "效应量 f²",
        "csi_col_size": "效应大小",
        "csi_col_statement": "假设",
        "csi_col_expected_sign": "预期符号",
        "csi_col_supported": "是否支持",
        "csi_col_index": "指数（0-100）",
        "csi_col_n_items": "题项数",
        "csi_col_importance": "重要性",
        "csi_col_performance": "绩效",
        "csi_col_total_effect_std": "总效应（标准化）",
        "csi_col_quadrant": "建议",
        "csi_size_none": "无",
        "csi_size_small": "小",
        "csi_size_medium": "中",
        "csi_size_large": "大",
        "csi_quadrant_concentrate here": "优先改进",
        "csi_quadrant_keep up the good work": "保持优势",
        "csi_quadrant_low priority": "次要",
        "csi_quadrant_possible overkill": "可能投入过度",
        "csi_yes": "是",
        "csi_no": "否",
        "csi_missing_mean": "以题项均值替代",
        "csi_missing_listwise": "删除有缺失的受访者",
        "csi_missing_raise": "不允许缺失",
        "csi_scheme_centroid": "质心",
        "csi_scheme_factorial": "因子",
        "csi_scheme_path": "路径加权",
        "csi_sign_change_construct": "按潜变量与原始估计对齐符号",
        "csi_sign_change_individual": "逐个估计值与原始估计对齐符号",
        "csi_sign_change_none": "不调整",
    },
}

#: The data checks of the report's data section: answer scale and straight-lining.
DATA_CHECK_MESSAGES = {
    "en": {
        "csi_scale_stated": "Answer scale: **{used}**, as stated (`scale_min` / `scale_max`); the answers "
                            "range from {lo:g} to {hi:g}.",
        "csi_scale_auto": "Answer scale: **{used}**, the common scale holding the answers (they range from "
                          "{lo:g} to {hi:g}; `auto`).",
        "csi_scale_inferred": "Answer scale: **{used}**, inferred from the answers: they range from {lo:g} "
                              "to {hi:g}, all within the common {used} scale, below the stated {stated}. "
                              "Read as {stated}, a top answer {hi:g} would count as {pct:.1f} instead of "
                              "100 and every index would be too low. If the survey's scale really was "
                              "{stated}, set `infer_scale=False`.",
        "csi_scale_warning": "**Check the answer scale.** The answers range from {lo:g} to {hi:g}, all "
                             "within the common {fit} scale, but the index uses the stated {used}: a top "
                             "answer {hi:g} counts as {pct:.1f} instead of 100, so every index below is too "
                             "low if the survey's scale is {fit}. Then set `scale_max={fit_max:g}`.",
        "csi_straight_none": "Straight-lining: no respondent gave the same answer to every item.",
        "csi_straight_kept": "Straight-lining: **{n}** of {total} respondents gave the same answer to every "
                             "item; they are **kept** in the model. Such answers carry no information about "
                             "the constructs and inflate the correlations between them (careless "
                             "responding, Meade & Craig 2012): set `exclude_straightliners=True` to leave "
                             "them out.",
        "csi_straight_dropped": "Straight-lining: **{n}** of {total} respondents gave the same answer to "
                                "every item and were **left out** (`exclude_straightliners=True`).",
    },
    "zh": {
        "csi_scale_stated": "答题量表：**{used}**（按 `scale_min` / `scale_max` 设定）；"
                            "实际回答范围 {lo:g} 至 {hi:g}。",
        "csi_scale_auto": "答题量表：**{used}**，即包含全部回答的常用量表"
                          "（回答范围 {lo:g} 至 {hi:g}；量表参数为 `auto`）。",
        "csi_scale_inferred": "答题量表：**{used}**，由回答推断：回答范围 {lo:g} 至 {hi:g}，"
                              "全部落在常用的 {used} 量表内，低于设定的 {stated}。"
                              "若按 {stated} 计算，最高回答 {hi:g} 只记 {pct:.1f} 分而非 100 分，"
                              "所有指数都会偏低。若问卷确为 {stated} 量表，请设置 `infer_scale=False`。",
        "csi_scale_warning": "**请检查答题量表。** 回答范围 {lo:g} 至 {hi:g}，"
                             "全部落在常用的 {fit} 量表内，但指数按设定的 {used} 计算："
                             "最高回答 {hi:g} 只记 {pct:.1f} 分而非 100 分；"
                             "若问卷为 {fit} 量表，下文所有指数都偏低，请设置 `scale_max={fit_max:g}`。",
        "csi_straight_none": "直线作答：没有受访者对所有题项给出相同回答。",
        "csi_straight_kept": "直线作答：{total} 位受访者中有 **{n}** 位对所有题项给出相同回答，"
                             "已**保留**在模型中。这类回答不含潜变量的信息，"
                             "并会夸大潜变量之间的相关（粗心作答，Meade & Craig 2012）；"
                             "设置 `exclude_straightliners=True` 可将其剔除。",
        "csi_straight_dropped": "直线作答：{total} 位受访者中有 **{n}** 位对所有题项给出相同回答，"
                                "已**剔除**（`exclude_straightliners=True`）。",
    },
}

register(MESSAGES)
register(DATA_CHECK_MESSAGES)


#: ``t(key, lang="en", **values)``: a CSI phrase in ``lang`` (the shared catalogue's lookup)
t = translate


def construct_label(lv: str, lang: str = "en") -> str:
    """Readable name of a construct code (``SAT`` -> Satisfaction / 顾客满意); unknown codes unchanged."""
    from crm_models.csi.presets import CONSTRUCT_LABELS

    table = CONSTRUCT_LABELS_ZH if lang == "zh" else CONSTRUCT_LABELS
    return table.get(lv, lv)


def construct_labels(lvs, lang: str = "en") -> dict[str, str]:
    """``{code: label}`` for the constructs ``lvs``."""
    return {lv: construct_label(lv, lang) for lv in lvs}


def path_label(key: str, lang: str = "en", labels: dict[str, str] | None = None) -> str:
    """A path code as words: ``"VAL -> SAT"`` -> ``Perceived value → Satisfaction`` (``<->``: ↔).

    ``labels`` maps construct codes to names (default: :func:`construct_label` in ``lang``);
    text that is not a path code is returned unchanged.
    """
    for sep, arrow in ((" <-> ", " ↔ "), (" -> ", " → ")):
        if sep in str(key):
            source, target = (part.strip() for part in str(key).split(sep, 1))
            names = [(labels or {}).get(code) or construct_label(code, lang) for code in (source, target)]
            return arrow.join(names)
    return str(key)


def column_label(column: object, lang: str = "en") -> str:
    """Header of a CSI table column (``std_error`` -> standard error / 标准误).

    Raises ``KeyError`` for a column without a phrase, so that no code reaches a report.
    """
    return translate(f"csi_col_{column}", lang)


def word(kind: str, value: object, lang: str = "en") -> str:
    """A cell value in words: ``word("size", "medium", "zh")`` -> 中; booleans -> yes / no.

    ``kind`` is ``"size"``, ``"quadrant"``, ``"missing"``, ``"scheme"`` or ``"bool"``; values
    without a phrase (and missing values) are returned as text unchanged / empty.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if kind == "bool" or isinstance(value, bool):
        return translate("csi_yes" if bool(value) else "csi_no", lang)
    key = f"csi_{kind}_{value}"
    return translate(key, lang) if has_key(key) else str(value)
