"""Execute report notebooks with papermill and export them to HTML, atomically.

A run writes ``<out>/<run_id>/<name>.html`` (default run id: today's date).  The HTML is
first written to a temporary file in the same folder and then renamed over the target,
so a failed or interrupted run never replaces the last good report.  When a notebook
fails, the executed notebook is kept as ``<name>.failed.ipynb`` beside it for debugging
and the failure is reported: the code cell, the line of it that raised, and the error
(:mod:`crm_models.report.failure`).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crm_models.errors import ReportError
from crm_models.report.failure import CellFailure, describe_failure
from crm_models.report.notebooks import NotebookInfo, discover
from crm_models.report.parameters import plain_parameters, unknown_parameters_hint
from crm_models.report.progress import RunProgress, make_progress

if TYPE_CHECKING:
    from crm_models.report.execution import CellCallback

__all__ = ["ReportResult", "run_report", "run_reports", "export_html", "atomic_write_text",
           "check_parameters"]


@dataclass
class ReportResult:
    name: str
    status: str  # "ok" or "failed"
    html_path: Path | None
    parameters: dict[str, object]
    seconds: float
    error: str | None = None
    executed_path: Path | None = None
    extra: dict[str, object] = field(default_factory=dict)
    #: for a failed notebook: the failing code cell, its line that raised, the exception
    failure: CellFailure | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


TEMPLATES = Path(__file__).parent / "templates"


def _rendered_title(nb) -> str | None:
    """The first top-level heading the notebook *printed* (in the report's language)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = out.get("data", {}).get("text/markdown", "")
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def export_html(executed_notebook: Path, title: str | None = None) -> str:
    """One self-contained HTML file of an executed notebook: no code cells, no prompts, no
    stderr streams (warnings), figures embedded, nothing loaded from the network, no
    script from the notebook's outputs (see :mod:`crm_models.report.sanitize`)."""
    import nbformat

    from crm_models.report.fonts import embed_cjk_font
    from crm_models.report.sanitize import SafeHTMLExporter, strip_active_outputs

    nb = nbformat.read(str(executed_notebook), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    strip_active_outputs(nb)  # a second line of defence: no script survives into the report
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = SafeHTMLExporter(template_name="crm_report", extra_template_basedirs=[str(TEMPLATES)],
                                exclude_input=True, exclude_input_prompt=True,
                                exclude_output_prompt=True, embed_images=True)
    # cells tagged remove_cell are for Jupyter readers only (e.g. a static English title)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove_cell"}), enabled=True)
    resources = {"metadata": {"name": _rendered_title(nb) or title or Path(executed_notebook).stem}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return embed_cjk_font(body)  # Chinese text readable without a system CJK font


def check_parameters(info: NotebookInfo, parameters: Mapping[str, object]) -> None:
    unknown = sorted(set(parameters) - set(info.parameters))
    if unknown:
        known = ", ".join(info.parameters) or "none"
        raise ReportError(f"notebook {info.name!r} has no parameter {', '.join(unknown)} "
                          f"(its parameters: {known})" + unknown_parameters_hint(unknown, parameters))


def run_report(
    info: NotebookInfo,
    out_dir: Path,
    parameters: Mapping[str, object] | None = None,
    *,
    kernel_name: str = "python3",
    on_cell: CellCallback | None = None,
    html_name: str | None = None,
) -> ReportResult:
    """Execute one notebook and export its HTML to ``out_dir``; never raises on a cell error.

    ``on_cell(event, index, total, seconds)`` is called before and after each code cell
    (see :mod:`crm_models.report.execution`); the kernel runs on local IPC sockets, in the
    caller's working directory, so a relative path parameter (``-p transactions_path
    orders.csv``) means the file the user sees there.  Parameter values are made JSON-plain
    first (:func:`~crm_models.report.parameters.plain_parameters`: YAML dates -> ISO text).
    """
    import papermill as pm

    from crm_models.report.execution import ENGINE_NAME  # imports papermill: only when running

    parameters = plain_parameters(parameters)  # YAML dates -> ISO strings: papermill stores JSON
    check_parameters(info, parameters)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / (html_name or f"{info.name}.html")
    failed_path = out_dir / f"{info.name}.failed.ipynb"
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crm-report-") as work:
        executed = Path(work) / f"{info.name}.ipynb"
        try:
            pm.execute_notebook(
                str(info.path), str(executed), parameters=parameters, kernel_name=kernel_name,
                cwd=os.getcwd(), progress_bar=False, log_output=False,
                engine_name=ENGINE_NAME, on_cell=on_cell,
            )
        except Exception as exc:  # papermill wraps cell errors; keep the notebook for debugging
            failure = describe_failure(exc, executed)
            if executed.exists():
                os.replace(executed, failed_path)
            return ReportResult(info.name, "failed", None, parameters, time.perf_counter() - start,
                                failure.describe(), failed_path if failed_path.exists() else None,
                                failure=failure)
        atomic_write_text(html_path, export_html(executed, info.title))
    failed_path.unlink(missing_ok=True)
    return ReportResult(info.name, "ok", html_path, parameters, time.perf_counter() - start)


def run_reports(
    names: list[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    *,
    out: Path | str = "reports",
    run_id: str | None = None,
    lang: str | None = None,
    notebook_dir: Path | None = None,
    kernel_name: str = "python3",
    progress: str | RunProgress = "auto",
) -> list[ReportResult]:
    """Run the named notebooks (all when ``names`` is empty) into ``out/<run_id>/``.

    ``progress``: "auto" (a bar per notebook on a terminal or in Jupyter, plain timestamped
    log lines per cell otherwise), "bar", "log", "off" (only failures are printed), or a
    :class:`~crm_models.report.progress.RunProgress` of your own.

    A parameter goes to every notebook that declares it; one that no selected notebook
    declares is an error (raised before anything runs), as is an unknown notebook name.
    """
    available = discover(notebook_dir)
    # the overview links the other reports of the run, so it runs last
    names = list(names or sorted(available, key=lambda n: (n == "overview", n)))
    missing = [n for n in names if n not in available]
    if missing:
        raise ReportError(f"unknown notebook {', '.join(missing)} (available: {', '.join(available)})")
    params = dict(parameters or {})
    if lang is not None:
        params["lang"] = lang
    selected = [available[n] for n in names]
    declared = set().union(*(info.parameters for info in selected)) if selected else set()
    unknown = sorted(set(params) - declared)
    if unknown:
        raise ReportError(f"unknown parameter {', '.join(unknown)} for notebook(s) {', '.join(names)}"
                          + unknown_parameters_hint(unknown, params))
    from crm_models.report.safe import check_file_name

    run_dir = Path(out) / check_file_name(run_id or dt.date.today().isoformat(), "run id")
    display = make_progress(progress)
    results = []
    for position, info in enumerate(selected, 1):
        own = {k: v for k, v in params.items() if k in info.parameters}
        if "report_dir" in info.parameters and "report_dir" not in own:
            own["report_dir"] = str(run_dir.resolve())  # lets the overview link this run's reports
        display.notebook_start(position, len(selected), info.name)
        result = run_report(info, run_dir, own, kernel_name=kernel_name, on_cell=display.cell)
        display.notebook_end(result)
        results.append(result)
    return results
