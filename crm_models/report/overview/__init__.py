"""The overview report's application code: its inputs (:mod:`.data`), the summary of the other
reports and the sentences (:mod:`.sections`), and its tables (:mod:`.tables`)."""

from crm_models.report.overview.data import ENGINES, OverviewData, load_overview_data

__all__ = ["ENGINES", "OverviewData", "load_overview_data"]
