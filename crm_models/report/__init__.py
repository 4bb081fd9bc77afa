"""The application layer: report inputs and texts per area (``crm.report.clv``, ``.churn``, ``.csi``,
``.segments``), the runner (papermill execution, HTML export) and the ``crm-report`` CLI."""

from crm_models.report import churn, clv, csi, segments
from crm_models.report.data_notes import DataUsed, data_used_markdown
from crm_models.report.notebooks import NotebookInfo, discover, read_parameters
from crm_models.report.overview import OverviewData, load_overview_data
from crm_models.report.runner import ReportResult, run_report, run_reports
from crm_models.report.safe import markdown_translator, md_text, use_safe_output

__all__ = ["churn", "clv", "csi", "segments",
           "DataUsed", "NotebookInfo", "OverviewData", "ReportResult", "data_used_markdown", "discover",
           "load_overview_data", "markdown_translator", "md_text", "read_parameters", "run_report",
           "run_reports", "use_safe_output"]
