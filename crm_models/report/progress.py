"""Progress of a report run, per notebook and per cell.

Two displays, chosen by ``make_progress(mode)``:

* ``"bar"``: one tqdm bar per notebook (``[2/5] clv  7/13 cells``), as papermill shows it,
  with the notebook's result written above the bars.  In Jupyter it is the notebook widget
  when ipywidgets is installed.
* ``"log"``: plain, timestamped lines that read well in a cron mail, a CI log or Airflow's
  task log, one per notebook start, code cell and result::

      2026-11-23 06:00:04 [2/5] clv: started (13 code cells)
      2026-11-23 06:00:05 [2/5] clv: cell 1/13 ok (0.4 s)
      ...
      2026-11-23 06:00:16 [2/5] clv: ok in 11.9 s -> reports/2026-11-23/clv.html

``"auto"`` (the default) takes the bar on a terminal or in a Jupyter kernel and the log
lines otherwise; ``"off"`` prints nothing but failures.

In every mode a failed notebook is reported the same way: its name, the error (for the
package's own errors, e.g. ``CRMDataError``, the message alone), the code cell and the line
of it that raised, and where the executed notebook is kept::

    [1/1] overview: FAILED after 2.1 s: data/orders.csv: file not found
      in code cell 2/9, line 14: data = load_overview_data(transactions_path, ...)
      executed notebook kept: reports/2026-11-23/overview.failed.ipynb
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import IO, Any

__all__ = ["RunProgress", "FailuresOnly", "PlainLogProgress", "BarProgress", "make_progress", "MODES"]

MODES = ("auto", "bar", "log", "off")


class RunProgress:
    """Receives the events of a run; this base class ignores them (mode ``"off"``)."""

    def notebook_start(self, position: int, count: int, name: str) -> None:
        """``position`` of ``count`` notebooks (1-based) is about to run."""

    def cell(self, event: str, index: int, total: int, seconds: float) -> None:
        """A code cell started (``event="start"``) or ended (``"ok"`` / ``"failed"``)."""

    def notebook_end(self, result: Any) -> None:
        """The notebook's :class:`~crm_models.report.runner.ReportResult`."""


def _result_line(result) -> str:
    """``ok in 1.2 s -> path``, or the failure: first line with the error, then indented lines."""
    if result.ok:
        return f"ok in {result.seconds:.1f} s -> {result.html_path}"
    lines = (result.error or "").splitlines() or ["(no error message)"]
    if result.executed_path:
        lines.append(f"executed notebook kept: {result.executed_path}")
    return f"FAILED after {result.seconds:.1f} s: {lines[0]}" + "".join(f"\n  {line}" for line in lines[1:])


class FailuresOnly(RunProgress):
    """Mode ``"off"``: no progress, but a failed notebook is still reported (on stderr)."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream
        self._label = ""

    def notebook_start(self, position: int, count: int, name: str) -> None:
        self._label = f"[{position}/{count}] {name}"

    def notebook_end(self, result) -> None:
        if not result.ok:
            print(f"{self._label}: {_result_line(result)}", file=self.stream or sys.stderr, flush=True)


class PlainLogProgress(RunProgress):
    """Timestamped lines, one per event, flushed at once (for logs that are not terminals)."""

    def __init__(self, stream: IO[str] | None = None, cells: bool = True):
        self.stream = stream
        self.cells = cells
        self._prefix = ""

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stderr
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        print(f"{stamp} {self._prefix}{text}", file=stream, flush=True)

    def notebook_start(self, position: int, count: int, name: str) -> None:
        self._prefix = f"[{position}/{count}] {name}: "
        self._write("started")

    def cell(self, event: str, index: int, total: int, seconds: float) -> None:
        if self.cells and event != "start":
            self._write(f"cell {index}/{total} {event} ({seconds:.1f} s)")

    def notebook_end(self, result) -> None:
        self._write(_result_line(result))
        self._prefix = ""


def _tqdm_class():
    try:
        from IPython import get_ipython

        in_kernel = get_ipython() is not None and "IPKernelApp" in get_ipython().config
        if in_kernel:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar needs it)
            from tqdm.notebook import tqdm

            return tqdm
    except ImportError:
        pass
    from tqdm import tqdm

    return tqdm


class BarProgress(RunProgress):
    """One tqdm bar per notebook, counting its code cells."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream
        self._tqdm = _tqdm_class()
        self._bar = None
        self._label = ""

    def notebook_start(self, position: int, count: int, name: str) -> None:
        self._label = f"[{position}/{count}] {name}"
        self._bar = None  # created at the first cell, when the number of cells is known

    def cell(self, event: str, index: int, total: int, seconds: float) -> None:
        if self._bar is None:
            self._bar = self._tqdm(total=total, desc=self._label, unit="cell", file=self.stream or sys.stderr,
                                   leave=False, dynamic_ncols=True)
        if event == "start":
            self._bar.set_postfix_str(f"cell {index}", refresh=True)
        else:
            self._bar.update(1)

    def notebook_end(self, result) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._tqdm.write(f"{self._label}: {_result_line(result)}", file=self.stream or sys.stderr)


def _interactive(stream: IO[str] | None) -> bool:
    stream = stream or sys.stderr
    if getattr(stream, "isatty", lambda: False)():
        return True
    try:
        from IPython import get_ipython

        shell = get_ipython()
        return shell is not None and "IPKernelApp" in shell.config
    except ImportError:
        return False


def make_progress(mode: str | RunProgress | None = "auto", stream: IO[str] | None = None) -> RunProgress:
    """The display for ``mode`` (one of :data:`MODES`, or a ready :class:`RunProgress`)."""
    if isinstance(mode, RunProgress):
        return mode
    mode = mode or "off"
    if mode not in MODES:
        raise ValueError(f"progress must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "auto":
        mode = "bar" if _interactive(stream) else "log"
    if mode == "bar":
        return BarProgress(stream)
    if mode == "log":
        return PlainLogProgress(stream)
    return FailuresOnly(stream)
