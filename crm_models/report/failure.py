"""Where a report notebook failed: the code cell, the line of it that raised, and the error.

papermill reports a failing cell with the kernel's traceback, which is long, coloured and,
for an error raised deep inside a library, mostly about the library.  :func:`describe_failure`
reduces it to what a reader needs: which code cell (counted as the progress display counts
them, papermill's injected parameters cell included, so the number matches the kept
``.failed.ipynb``), the line of that cell that raised or called the code that raised
(IPython's ``Cell In[n], line k`` frames), and the exception.  For the package's own errors
(:class:`~crm_models.errors.CRMError` and its subclasses, e.g. ``CRMDataError``) the message
alone says what is wrong and how to fix it; other errors keep their type and the place in
the library where they were raised.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from crm_models import errors

__all__ = ["CellFailure", "describe_failure"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")
_OLD_CELL_FRAME = re.compile(r"<ipython-input-(\d+)-[0-9a-f]+>.*?\n-+> ?(\d+)", re.S)  # IPython < 8
_FILE_FRAME = re.compile(r"File (\S+?):(\d+), in (\S+?)(?:\(|$)", re.M)
_MAX_LINE = 200


def _own_error_names() -> set[str]:
    names, todo = set(), [errors.CRMError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


@dataclass(frozen=True)
class CellFailure:
    """The failing cell of a notebook run and its error (fields None when not known)."""

    ename: str
    evalue: str
    cell: int | None = None  # code cell number, 1-based
    cells: int | None = None  # code cells in the executed notebook
    line_number: int | None = None  # 1-based line in the cell
    line: str | None = None  # the text of that line
    origin: str | None = None  # "file.py:12 (function)" where a non-crm_models error was raised

    @property
    def own_error(self) -> bool:
        """An error of crm_models (CRMError family): its message is the whole story."""
        return self.ename in _own_error_names()

    @property
    def message(self) -> str:
        """``"ValueError: broken"``, or the message alone for crm_models' own errors."""
        if self.own_error and self.evalue:
            return self.evalue
        return f"{self.ename}: {self.evalue}" if self.evalue else self.ename

    @property
    def where(self) -> str | None:
        """``"in code cell 3/4, line 3: raise ValueError('broken')"`` (None when unknown)."""
        if self.cell is None:
            return None
        text = f"in code cell {self.cell}" + (f"/{self.cells}" if self.cells else "")
        if self.line_number is not None:
            text += f", line {self.line_number}"
            if self.line:
                text += f": {self.line}"
        return text

    def describe(self) -> str:
        """The message, then where it happened (and where a library raised it), one per line."""
        parts = [self.message]
        if self.where:
            parts.append(self.where)
        if self.origin and not self.own_error:
            parts.append(f"raised in {self.origin}")
        return "\n".join(parts)


def _failing_cell(nb) -> tuple[int | None, int, object | None]:
    """(code cell number, number of code cells, the cell) of the first cell with an error."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code, 1):
        errored = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        if errored or cell.get("metadata", {}).get("papermill", {}).get("exception") is True:
            return number, len(code), cell
    return None, len(code), None


def _frame_line(traceback: list[str], exec_count: int | None) -> int | None:
    """The line of the failing cell in the traceback: its deepest ``Cell In[n], line k`` frame."""
    text = _ANSI.sub("", "\n".join(traceback))
    frames = [(int(n), int(k)) for n, k in _CELL_FRAME.findall(text)]
    frames += [(int(n), int(k)) for n, k in _OLD_CELL_FRAME.findall(text)]
    own = [k for n, k in frames if n == exec_count]
    if own:
        return own[-1]
    return frames[0][1] if frames else None


def _origin(traceback: list[str]) -> str | None:
    """``"path.py:12 (function)"`` of the innermost library frame after the last cell frame."""
    text = _ANSI.sub("", "\n".join(traceback))
    last_cell = max((m.end() for m in _CELL_FRAME.finditer(text)), default=0)
    found = list(_FILE_FRAME.finditer(text, last_cell))
    if not found:
        return None
    path, line, func = found[-1].groups()
    return f"{path}:{line} ({func})"


def _statement(source: str, number: int) -> str | None:
    """The simple statement of ``source`` that spans line ``number``, on one line, when it
    spans several (a call written over many lines); None otherwise."""
    # IPython magics and shell lines are not Python: parse them as ``pass``
    lines = [line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!"))
             else line for line in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return None
    spans = [node for node in ast.walk(tree)
             if isinstance(node, ast.stmt) and not hasattr(node, "body")
             and node.lineno <= number <= (node.end_lineno or node.lineno)]
    if not spans:
        return None
    node = max(spans, key=lambda n: n.lineno)
    if node.lineno == node.end_lineno:
        return None
    return ast.unparse(node)


def _source_line(source: str, number: int | None) -> str | None:
    """Line ``number`` of the cell (the whole statement when it spans several lines)."""
    lines = source.splitlines()
    if number is None or not 1 <= number <= len(lines):
        return None
    line = _statement(source, number) or lines[number - 1].strip()
    return line if len(line) <= _MAX_LINE else line[: _MAX_LINE - 3] + "..."


def describe_failure(exc: BaseException, executed: str | Path | None = None) -> CellFailure:
    """The :class:`CellFailure` of a failed papermill run.

    Parameters
    ----------
    exc
        What ``papermill.execute_notebook`` raised (a ``PapermillExecutionError`` for a cell
        error; any other exception, e.g. a kernel that died, is described by its type).
    executed
        The executed notebook papermill wrote (it holds the failing cell), if there is one.
    """
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    evalue = str(exc).strip() if evalue is None else str(evalue)
    source = getattr(exc, "source", None) or ""
    exec_count = getattr(exc, "exec_count", None)
    traceback = list(getattr(exc, "traceback", None) or [])
    cell = cells = None
    if executed is not None and Path(executed).exists():
        import nbformat

        try:
            nb = nbformat.read(str(executed), as_version=4)
        except Exception:  # a half-written notebook: describe what the exception says
            nb = None
        if nb is not None:
            cell, cells, failing = _failing_cell(nb)
            if failing is not None:
                source = source or failing.source
                exec_count = exec_count if exec_count is not None else failing.get("execution_count")
    number = _frame_line(traceback, exec_count)
    if number is None and cell is not None and len(source.splitlines()) == 1:
        number = 1
    return CellFailure(ename=ename, evalue=evalue, cell=cell, cells=cells or None, line_number=number,
                       line=_source_line(source, number), origin=_origin(traceback))
