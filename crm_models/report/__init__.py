"""Report runner: papermill execution, HTML export, the ``crm-report`` CLI."""
