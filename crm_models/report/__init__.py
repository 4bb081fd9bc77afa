"""Report runner: papermill execution, HTML export, the ``crm-report`` CLI."""

from crm_models.report.data_notes import DataUsed, data_used_markdown
from crm_models.report.notebooks import NotebookInfo, discover, read_parameters
from crm_models.report.overview import OverviewData, load_overview_data
from crm_models.report.runner import ReportResult, run_report, run_reports
from crm_models.report.safe import markdown_translator, md_text, use_safe_output

__all__ = ["DataUsed", "NotebookInfo", "OverviewData", "ReportResult", "data_used_markdown", "discover",
           "load_overview_data", "markdown_translator", "md_text", "read_parameters", "run_report",
           "run_reports", "use_safe_output"]
