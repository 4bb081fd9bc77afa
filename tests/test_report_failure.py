"""A failed notebook is described by its code cell, the line of it that raised, and the error
(fast: papermill's exception and the executed notebook are built here, no kernel runs)."""

from __future__ import annotations

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from crm_models.report.failure import CellFailure, describe_failure

C = "\x1b[36m", "\x1b[39m", "\x1b[32m"  # IPython's colours


def cell_frame(n: int, line: int, func: str = "") -> str:
    cyan, end, green = C
    where = f", in {cyan}{func}{end}(x)" if func else ""
    return (f"{cyan}Cell{end}{cyan} {end}{green}In[{n}]{end}{green}, line {line}{end}{where}\n"
            f"{green}----> {end}...")


def file_frame(path: str, line: int, func: str) -> str:
    cyan, end, green = C
    return f"{cyan}File {end}{green}{path}:{line}{end}, in {cyan}{func}{end}\x1b[34m(path)\x1b[39m\n..."


def executed_notebook(tmp_path, sources: list[str], failing: int, exec_count: int):
    """Code cells ``sources``; the ``failing``-th (0-based) has an error output."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("papermill's error note")]
    for i, src in enumerate(sources):
        cell = nbformat.v4.new_code_cell(src, execution_count=i + 1)
        if i == failing:
            cell.execution_count = exec_count
            cell.outputs = [nbformat.v4.new_output("error", ename="X", evalue="x", traceback=[])]
        nb.cells.append(cell)
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, str(path))
    return path


def error(source: str, ename: str, evalue: str, traceback: list[str], exec_count: int = 3):
    return PapermillExecutionError(cell_index=3, exec_count=exec_count, source=source, ename=ename,
                                   evalue=evalue, traceback=traceback)


SETUP = "%matplotlib inline\nimport crm_models as crm\n\ntx = crm.data.load_transactions(path)\nn = len(tx)"


def test_an_error_deep_inside_crm_models_names_the_cells_calling_line_and_the_message_only(tmp_path):
    tb = ["\x1b[31m-----\x1b[39m", "\x1b[31mCRMDataError\x1b[39m   Traceback (most recent call last)",
          cell_frame(3, 4), file_frame("/x/crm_models/data/io.py", 137, "load_transactions"),
          file_frame("/x/crm_models/data/io.py", 40, "read_table"),
          "\x1b[31mCRMDataError\x1b[39m: orders.csv: file not found"]
    exc = error(SETUP, "CRMDataError", "orders.csv: file not found", tb)
    nb = executed_notebook(tmp_path, ["x = 1", "# injected", SETUP, "y = 2"], failing=2, exec_count=3)
    got = describe_failure(exc, nb)
    assert got == CellFailure("CRMDataError", "orders.csv: file not found", cell=3, cells=4, line_number=4,
                              line="tx = crm.data.load_transactions(path)",
                              origin="/x/crm_models/data/io.py:40 (read_table)")
    assert got.describe() == ("orders.csv: file not found\n"
                              "in code cell 3/4, line 4: tx = crm.data.load_transactions(path)")


def test_other_errors_keep_their_type_and_where_the_library_raised_them(tmp_path):
    src = "import pandas as pd\nframe = pd.DataFrame({'a': [1]})\nframe['b']"
    tb = ["-----", "KeyError   Traceback",
          file_frame("/lib/pandas/core/indexes/base.py", 3812, "Index.get_loc"), "KeyError: 'b'",
          "\nThe above exception was the direct cause of the following exception:\n",
          cell_frame(5, 3), file_frame("/lib/pandas/core/frame.py", 4113, "DataFrame.__getitem__"),
          file_frame("/lib/pandas/core/indexes/base.py", 3819, "Index.get_loc"), "KeyError: 'b'"]
    got = describe_failure(error(src, "KeyError", "'b'", tb, exec_count=5),
                           executed_notebook(tmp_path, ["p = 1", src], failing=1, exec_count=5))
    assert got.describe() == ("KeyError: 'b'\nin code cell 2/2, line 3: frame['b']\n"
                              "raised in /lib/pandas/core/indexes/base.py:3819 (Index.get_loc)")


def test_a_function_from_an_earlier_cell_points_at_the_failing_cells_line(tmp_path):
    src = "a = 1\nb = f(0)\nc = 3"
    tb = ["-----", cell_frame(4, 2), cell_frame(2, 2, "f"), "ZeroDivisionError: division by zero"]
    got = describe_failure(error(src, "ZeroDivisionError", "division by zero", tb, exec_count=4), None)
    assert (got.line_number, got.line, got.cell) == (2, "b = f(0)", None)  # no notebook: cell unknown
    assert got.describe() == "ZeroDivisionError: division by zero"  # where: unknown without the cell number


def test_syntax_errors_and_old_ipython_tracebacks(tmp_path):
    src = "x = 1\ny = (\n"
    tb = ["  " + cell_frame(3, 2).split("\n")[0] + "\n    1\n     ^\nSyntaxError: incomplete input\n"]
    nb = executed_notebook(tmp_path, ["p = 1", "q = 2", src], failing=2, exec_count=3)
    got = describe_failure(error(src, "SyntaxError", "incomplete input (12.py, line 2)", tb), nb)
    assert got.where == "in code cell 3/3, line 2: y = ("
    old = ["ValueError  Traceback",
           "<ipython-input-3-0a1b2c3d4e5f> in <module>\n      1 x = 1\n----> 2 check(x)\n", "ValueError: bad"]
    got = describe_failure(error("x = 1\ncheck(x)", "ValueError", "bad", old), nb)
    assert (got.line_number, got.line) == (2, "check(x)")


def test_a_statement_over_several_lines_is_shown_whole_and_long_lines_are_cut(tmp_path):
    src = ("%matplotlib inline\ndata = load(\n    path,  # the orders\n    engine=engine,\n)\n"
           + "z = " + "1 + " * 80 + "1")
    got = describe_failure(error(src, "CRMDataError", "p: bad", [cell_frame(3, 3)]), None)
    assert (got.line_number, got.line) == (3, "data = load(path, engine=engine)")
    got = describe_failure(error(src, "CRMDataError", "p: bad", [cell_frame(3, 6)]), None)
    assert len(got.line) == 200 and got.line.startswith("z = 1 + 1") and got.line.endswith("...")
    for block in ("for i in range(3):\n    check(i)", "if ok:\n    check(1)"):
        got = describe_failure(error(block, "ValueError", "v", [cell_frame(3, 1)]), None)
        assert got.line == block.splitlines()[0]  # a compound statement: its header line only


@pytest.mark.parametrize("exc", [RuntimeError("Kernel died before replying to kernel_info"),
                                 TimeoutError("Cell execution timed out")])
def test_failures_outside_a_cell_error_are_described_by_their_type(exc, tmp_path):
    got = describe_failure(exc, tmp_path / "never-written.ipynb")
    assert got.cell is None and got.describe() == f"{type(exc).__name__}: {exc}"
