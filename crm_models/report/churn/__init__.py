"""The churn report's application code: its inputs (:mod:`.data`) and texts (:mod:`.messages`)."""

from crm_models.report.churn.data import load_churn_data

__all__ = ["load_churn_data"]
