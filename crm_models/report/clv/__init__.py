"""The CLV report's application code: its inputs (:mod:`.data`) and texts (:mod:`.messages`)."""

from crm_models.report.clv.data import (
    PURCHASE_MODELS,
    ReportData,
    customer_table,
    load_report_data,
    make_model,
    value_concentration,
)

__all__ = ["PURCHASE_MODELS", "ReportData", "customer_table", "load_report_data", "make_model",
           "value_concentration"]
