"""Segmentation and loyalty: RFM, value tiers, loyalty matrix, membership tiers, lifecycle.

    import crm_models as crm
    seg = crm.segments.rfm_segments(crm.segments.rfm_table(tx, "1997-09-30"))
"""

from crm_models.segments.rfm import (
    RULE_COLUMNS,
    default_rfm_rules,
    quantile_score,
    rfm_segments,
    rfm_table,
    segment_summary,
)

__all__ = [
    "RULE_COLUMNS",
    "default_rfm_rules",
    "quantile_score",
    "rfm_segments",
    "rfm_table",
    "segment_summary",
]
