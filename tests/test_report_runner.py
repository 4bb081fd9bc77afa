"""The report runner and CLI on tiny notebooks (fast), plus the overview notebook."""

import json
import re
from pathlib import Path

import nbformat
import pytest

from crm_models import cli
from crm_models.report.notebooks import discover, read_parameters
from crm_models.report.runner import atomic_write_text


def _notebook(path: Path, body: str, params: str = 'message = "hello"\nfail = False') -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny report"),
                nbformat.v4.new_code_cell(params),
                nbformat.v4.new_code_cell(body)]
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def nb_dir(tmp_path):
    d = tmp_path / "notebooks"
    d.mkdir()
    _notebook(d / "tiny.ipynb",
              'if fail:\n    raise ValueError("boom in the data")\nprint("MESSAGE:", message)')
    return d


def test_read_parameters_and_list(nb_dir, capsys):
    assert read_parameters(nb_dir / "tiny.ipynb") == {"message": "hello", "fail": False}
    assert discover(nb_dir)["tiny"].title == "Tiny report"
    assert cli.main(["--notebooks", str(nb_dir), "list"]) == 0
    out = capsys.readouterr().out
    assert "tiny: Tiny report" in out and "message = 'hello'" in out


def test_run_writes_dated_html_without_code(nb_dir, tmp_path):
    out = tmp_path / "reports"
    code = cli.main(["--notebooks", str(nb_dir), "run", "tiny", "-p", "message", "salut",
                     "--out", str(out), "--run-id", "2024-01-31"])
    assert code == 0
    html = (out / "2024-01-31" / "tiny.html").read_text()
    assert "MESSAGE: salut" in html
    assert "raise ValueError" not in html  # code cells are not exported


def test_unknown_parameter_is_a_usage_error(nb_dir, tmp_path, capsys):
    code = cli.main(["--notebooks", str(nb_dir), "run", "-p", "mesage", "x", "--out", str(tmp_path)])
    assert code == 2
    assert "unknown parameter mesage" in capsys.readouterr().err


def test_unknown_notebook_is_a_usage_error(nb_dir, tmp_path, capsys):
    assert cli.main(["--notebooks", str(nb_dir), "run", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown notebook nope" in capsys.readouterr().err


@pytest.mark.slow  # over 3 s
def test_failure_exits_nonzero_keeps_last_good_report_and_executed_notebook(nb_dir, tmp_path, capsys):
    out = tmp_path / "reports"
    args = ["--notebooks", str(nb_dir), "run", "tiny", "--out", str(out), "--run-id", "r1"]
    assert cli.main(args) == 0
    good = (out / "r1" / "tiny.html").read_text()
    assert cli.main([*args, "-p", "fail", "true", "-p", "message", "bad"]) == 1
    err = capsys.readouterr().err
    assert "ValueError" in err and "boom in the data" in err and "tiny: FAILED" in err
    assert (out / "r1" / "tiny.html").read_text() == good  # untouched
    kept = out / "r1" / "tiny.failed.ipynb"
    assert kept.exists() and "boom in the data" in kept.read_text()
    assert not [p for p in (out / "r1").iterdir() if p.name.endswith(".tmp")]


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "r.html"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert target.stat().st_mode & 0o044  # readable by others, not mkstemp's 0600


def test_parse_value_types():
    assert cli.parse_value("3") == 3
    assert cli.parse_value("0.05") == 0.05
    assert cli.parse_value("null") is None
    assert cli.parse_value("2024-06-30") is not None
    assert cli.parse_value("[a, b]") == ["a", "b"]


def test_committed_notebooks_are_clean_and_parameterised():
    from helpers import NOTEBOOKS

    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, path.name
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name
        assert "lang" in read_parameters(path), f"{path.name} lacks the lang parameter"


@pytest.mark.slow  # runs a report notebook
def test_overview_notebook_runs_on_sample_data(run_notebook):
    nb = run_notebook("overview", {"activity_freq": "Q"})
    text = "\n".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                     if c.cell_type == "code" for o in c.outputs)
    assert "**3,000** customers" in text
    # the management summary without a report folder: key numbers, no links
    assert "## The reports at a glance" in text and "Details:" not in text and "this run's folder" not in text
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) >= 3


@pytest.mark.slow  # over 3 s
def test_a_real_report_failure_names_the_cell_line_and_the_data_problem(tmp_path, capfd):
    """The overview on a file that does not exist, with no progress display: the data error's
    message (no traceback, no exception class), the notebook line that loaded the data."""
    missing = tmp_path / "no-such-orders.csv"
    out = tmp_path / "reports"
    code = cli.main(["run", "overview", "-p", "transactions_path", str(missing), "--out", str(out),
                     "--run-id", "r", "--progress", "off"])
    assert code == 1
    err = capfd.readouterr().err
    first = re.search(r"^\[1/1\] overview: FAILED after \d+\.\d s: (.*)$", err, re.M)
    assert first and str(missing) in first.group(1) and "not found" in first.group(1), err
    line = r"^  in code cell \d+/\d+, line \d+: data = crm\.report\.load_overview_data\(transactions_path, "
    assert re.search(line, err, re.M), err
    assert f"executed notebook kept: {out / 'r' / 'overview.failed.ipynb'}" in err
    assert "CRMDataError" not in err and "Traceback" not in err and "raised in" not in err


def test_html_is_self_contained(nb_dir, tmp_path):
    import re

    out = tmp_path / "reports"
    assert cli.main(["--notebooks", str(nb_dir), "run", "tiny", "--out", str(out), "--run-id", "x"]) == 0
    html = (out / "x" / "tiny.html").read_text()
    assert "<script src=" not in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


@pytest.mark.slow  # runs a report notebook
def test_overview_in_chinese_renders_without_missing_glyphs(run_notebook, tmp_path, monkeypatch):
    # the CJK font comes with the Python dependencies (mplfonts): never skipped, and the kernel
    # runs as on a fresh machine (no fonts for fontconfig, an empty matplotlib cache)
    from helpers import bare_machine_env

    for key, value in bare_machine_env(tmp_path / "bare").items():
        monkeypatch.setenv(key, value)
    nb = run_notebook("overview", {"lang": "zh", "activity_freq": "Q"})
    streams = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.get("output_type") == "stream")
    assert "missing from font" not in streams
    text = "\n".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                     if c.cell_type == "code" for o in c.outputs)
    assert "客户群概览" in text and "关键指标" in text
    assert "## 各报告要点" in text and "### 客户终身价值" in text and "### 顾客满意度" in text
    assert list((tmp_path / "bare" / "mplconfig").glob("fontlist-*.json"))  # the kernel's fresh cache


def test_every_catalogue_key_has_a_chinese_translation():
    from crm_models.report.i18n import catalogue

    assert set(catalogue("en")) == set(catalogue("zh"))


def test_html_title_is_the_heading_the_report_printed(tmp_path):
    d = tmp_path / "nbs"
    d.mkdir()
    _notebook(d / "overview.ipynb", 'from IPython.display import Markdown, display\n'
                                   'display(Markdown("# 客户群概览\\n\\ntext"))')
    _notebook(d / "zeta.ipynb", 'print("z")')
    from crm_models.report.runner import run_reports

    results = run_reports(out=tmp_path / "out", run_id="t", notebook_dir=d)
    assert [r.name for r in results] == ["zeta", "overview"]  # overview last: it links the others
    html = (tmp_path / "out" / "t" / "overview.html").read_text()
    assert "<title>客户群概览</title>" in html
