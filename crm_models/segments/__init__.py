"""Segmentation and loyalty: RFM, value tiers, lifecycle, loyalty matrix, membership tiers.

    import crm_models as crm
    seg = crm.segments.rfm_segments(crm.segments.rfm_table(tx, "1997-09-30"))
    tiers = crm.segments.membership_tiers(tx, "1998-06-30")
"""

from crm_models._moved import moved_names
from crm_models.segments.clustering import KMeansSegmenter
from crm_models.segments.economics import (
    acquisition_vs_retention,
    clv_constant_retention,
    observed_retention_rate,
    recent_spend,
    retention_uplift_by_customer,
    retention_uplift_value,
)
from crm_models.segments.lifecycle import STAGES, lifecycle_stages
from crm_models.segments.loyalty import (
    LOYALTY_TYPES,
    loyalty_indicators,
    loyalty_matrix,
    repeat_purchase_rate,
)
from crm_models.segments.membership import (
    DEFAULT_THRESHOLDS,
    membership_history,
    membership_points,
    membership_tiers,
    tier_changes,
    tier_migration,
    tier_on,
)
from crm_models.segments.rfm import (
    RULE_COLUMNS,
    default_rfm_rules,
    quantile_score,
    rfm_segments,
    rfm_table,
    segment_summary,
)
from crm_models.segments.value_tiers import (
    gini,
    lorenz_curve,
    pareto_curve,
    pareto_point,
    top_share,
    value_tier_summary,
    value_tiers,
)

__all__ = [
    "KMeansSegmenter",
    "acquisition_vs_retention",
    "clv_constant_retention",
    "retention_uplift_by_customer",
    "retention_uplift_value",
    "DEFAULT_THRESHOLDS",
    "LOYALTY_TYPES",
    "RULE_COLUMNS",
    "STAGES",
    "default_rfm_rules",
    "gini",
    "lifecycle_stages",
    "lorenz_curve",
    "loyalty_indicators",
    "loyalty_matrix",
    "membership_history",
    "membership_points",
    "membership_tiers",
    "observed_retention_rate",
    "pareto_curve",
    "pareto_point",
    "quantile_score",
    "recent_spend",
    "repeat_purchase_rate",
    "rfm_segments",
    "rfm_table",
    "segment_summary",
    "tier_changes",
    "tier_migration",
    "tier_on",
    "top_share",
    "value_tier_summary",
    "value_tiers",
]


#: names that moved to the report layer (the package's models never import reports)
__getattr__ = moved_names("crm_models.segments", {
    "SegmentInputs": "crm_models.report.segments.SegmentInputs",
    "load_segment_inputs": "crm_models.report.segments.load_segment_inputs",
    "segment_inputs": "crm_models.report.segments.segment_inputs",
}, "the report layer: import it from there")
