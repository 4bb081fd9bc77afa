"""Progress of report runs: a bar on terminals, timestamped per-cell log lines elsewhere,
and a kernel on local sockets that keeps the run's stderr clean."""

import io
import re

import nbformat
import pytest

from crm_models import cli
from crm_models.report.progress import BarProgress, FailuresOnly, PlainLogProgress, RunProgress, make_progress
from crm_models.report.runner import run_reports

STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


@pytest.fixture
def nb_dir(tmp_path):
    d = tmp_path / "notebooks"
    d.mkdir()
    for name, body in [("first", 'print("one")'), ("second", 'if fail:\n    raise ValueError("broken")')]:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"), nbformat.v4.new_code_cell("fail = False"),
                    nbformat.v4.new_markdown_cell("text"), nbformat.v4.new_code_cell(body),
                    nbformat.v4.new_code_cell("x = 1")]
        nb.cells[1].metadata["tags"] = ["parameters"]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, str(d / f"{name}.ipynb"))
    return d


def test_plain_log_has_a_timestamped_line_per_code_cell_and_result(nb_dir, tmp_path):
    stream = io.StringIO()
    results = run_reports(["first", "second"], {"fail": True}, out=tmp_path / "r", run_id="x",
                          notebook_dir=nb_dir, progress=PlainLogProgress(stream))
    assert [r.status for r in results] == ["ok", "failed"]
    lines = stream.getvalue().splitlines()
    assert all(re.match(STAMP + r" \[[12]/2\] (first|second): ", line) for line in lines
               if not line.startswith("  ")), lines
    text = "\n".join(lines)
    # the parameters cell, papermill's injected one, and the two code cells: 4 code cells
    assert re.search(r"\[1/2\] first: started\n", text)
    for i in range(1, 5):
        assert re.search(rf"\[1/2\] first: cell {i}/4 ok \(\d+\.\d s\)", text)
    assert re.search(r"\[1/2\] first: ok in \d+\.\d s -> .*first\.html", text)
    # the failing cell is named, and nothing after it is logged as run
    assert re.search(r"\[2/2\] second: cell 3/4 failed", text)
    assert "second: cell 4/4" not in text
    assert re.search(r"\[2/2\] second: FAILED after .*ValueError.*broken", text)
    assert "executed notebook kept:" in text


@pytest.mark.slow  # over 3 s
def test_cli_log_lines_and_no_kernel_transport_warning(nb_dir, tmp_path, capfd):
    code = cli.main(["--notebooks", str(nb_dir), "run", "first", "--out", str(tmp_path), "--progress", "log"])
    assert code == 0
    err = capfd.readouterr().err
    assert re.search(STAMP + r" \[1/1\] first: cell 3/3 ok", err)
    # the kernel talks over IPC sockets: no "running over TCP without encryption" in scheduled logs
    assert "without encryption" not in err and "WARNING" not in err


def test_bar_counts_cells_and_writes_the_result(nb_dir, tmp_path):
    stream = io.StringIO()
    run_reports(["first"], out=tmp_path, run_id="x", notebook_dir=nb_dir, progress=BarProgress(stream))
    text = stream.getvalue()
    assert re.search(r"\[1/1\] first: +\d+%\|.*\| [0-3]/3 \[", text)  # a bar over the 3 code cells
    assert re.search(r"\[1/1\] first: ok in \d+\.\d s", text)


def test_off_prints_nothing(nb_dir, tmp_path, capfd):
    run_reports(["first"], out=tmp_path, run_id="x", notebook_dir=nb_dir, progress="off")
    err = capfd.readouterr().err
    # nothing of ours; (a kernel process can, rarely, print libzmq's known context-termination
    # assertion "pfd.revents & POLLIN" on its way out, after the notebook has finished)
    assert not re.search(STAMP + r"|\[1/1\]|first:|cell", err), err


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_auto_mode_picks_bar_on_a_terminal_and_log_lines_elsewhere():
    assert isinstance(make_progress("auto", _Tty()), BarProgress)
    assert isinstance(make_progress("auto", io.StringIO()), PlainLogProgress)
    assert type(make_progress("off")) is FailuresOnly and isinstance(make_progress("off"), RunProgress)
    own = PlainLogProgress()
    assert make_progress(own) is own
    with pytest.raises(ValueError, match="progress must be one of auto, bar, log, off"):
        make_progress("loud")


FAILING_CELL = ('values = [1, 2, 3]\n'
                'total = sum(values)\n'
                'ratio = total / (total - len(values) * 2)\n'
                'print("ratio", ratio)\n')


@pytest.fixture
def failing_dir(tmp_path):
    """A notebook whose second code cell fails on its third line."""
    d = tmp_path / "failing"
    d.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Failing"), nbformat.v4.new_code_cell("scale = 1"),
                nbformat.v4.new_code_cell(FAILING_CELL), nbformat.v4.new_code_cell("done = True")]
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(d / "ratios.ipynb"))
    return d


@pytest.mark.parametrize("mode", ["off", "log", "bar"])
def test_every_mode_prints_the_failing_line_and_the_error(failing_dir, tmp_path, capfd, mode):
    code = cli.main(["--notebooks", str(failing_dir), "run", "ratios", "--out", str(tmp_path / "r"),
                     "--run-id", "x", "--progress", mode])
    assert code == 1
    err = capfd.readouterr().err
    first = r"\[1/1\] ratios: FAILED after \d+\.\d s: ZeroDivisionError: division by zero\n"
    assert re.search(first, err), err
    # the code cell (as the log counts them) and the line of it that raised, with its text
    assert "\n  in code cell 2/3, line 3: ratio = total / (total - len(values) * 2)\n" in err
    kept = tmp_path / "r" / "x" / "ratios.failed.ipynb"
    assert f"\n  executed notebook kept: {kept}\n" in err and kept.exists()
    assert "values = [1, 2, 3]" not in err  # the failing line, not the cell's first lines
    assert "Traceback" not in err and "\x1b[" not in err  # no traceback, no colour codes
    assert err.rstrip().endswith("0 of 1 reports written")
