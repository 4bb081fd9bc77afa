"""Report runner: papermill execution, HTML export, the ``crm-report`` CLI."""

from crm_models.report.notebooks import NotebookInfo, discover, read_parameters
from crm_models.report.runner import ReportResult, run_report, run_reports

__all__ = ["NotebookInfo", "ReportResult", "discover", "read_parameters", "run_report", "run_reports"]
