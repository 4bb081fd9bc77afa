"""Batch runs from a YAML config: templating, index.html, run.json, failures, privacy."""

import datetime as dt
import json

import nbformat
import pytest

from crm_models import cli
from crm_models.errors import ReportError
from crm_models.report.batch import load_config, render, template_context
from crm_models.report.privacy import anonymize_frame, pseudonymize


def _notebook(path, params, body):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem} report"),
                nbformat.v4.new_code_cell(params), nbformat.v4.new_code_cell(body)]
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


@pytest.fixture
def nb_dir(tmp_path):
    d = tmp_path / "notebooks"
    d.mkdir()
    _notebook(d / "ids.ipynb", 'period_end = "x"\nfail = False\nlang = "en"\nanonymize = False',
              "import pandas as pd\n"
              "from crm_models.report.privacy import anonymize_frame\n"
              "df = pd.DataFrame({'customer_id': ['alice-001', 'bob-002'], 'value': [1, 2]})\n"
              "if anonymize:\n    df = anonymize_frame(df)\n"
              "if fail:\n    raise RuntimeError('source table missing')\n"
              "print('PERIOD', period_end, 'LANG', lang)\n"
              "df")
    return d


def _config(tmp_path, text):
    path = tmp_path / "reports.yml"
    path.write_text(text)
    return path


def test_template_context_month_arithmetic():
    ctx = template_context(dt.date(2024, 3, 15))
    assert ctx["date"] == "2024-03-15"
    assert ctx["month_end"] == "2024-03-31"
    assert ctx["prev_month_start"] == "2024-02-01" and ctx["prev_month_end"] == "2024-02-29"
    assert ctx["quarter"] == "2024Q1"
    assert render({"a": ["{year}-{month}", 3]}, ctx) == {"a": ["2024-03", 3]}


def test_unknown_placeholder_names_it():
    with pytest.raises(ReportError, match=r"unknown placeholder \{week\}"):
        render("{week}", template_context(dt.date(2024, 1, 1)))


def test_config_errors_name_the_key(tmp_path):
    with pytest.raises(ReportError, match="unknown key.*colour"):
        load_config(_config(tmp_path, "colour: red\nreports: [overview]\n"))
    with pytest.raises(ReportError, match="'reports' must be a non-empty list"):
        load_config(_config(tmp_path, "lang: en\n"))
    with pytest.raises(ReportError, match="repeated: a"):
        load_config(_config(tmp_path, "reports:\n - {notebook: x, name: a}\n - {notebook: y, name: a}\n"))


@pytest.mark.slow  # over 3 s
def test_batch_with_a_failing_report(nb_dir, tmp_path):
    out = tmp_path / "out"
    cfg = _config(tmp_path, """
run_id: "monthly-{year}-{month}"
anonymize: false
parameters:
  period_end: "{prev_month_end}"
reports:
  - notebook: ids
    name: good
  - notebook: ids
    name: broken
    parameters: {fail: true}
""")
    args = ["--notebooks", str(nb_dir), "run", "--config", str(cfg), "--out", str(out),
            "--date", "2024-03-15"]
    assert cli.main([*args, "good"]) == 0  # an earlier good run of one report
    run_dir = out / "monthly-2024-03"
    earlier = (run_dir / "good.html").read_text()
    assert "PERIOD 2024-02-29 LANG en" in earlier

    # now the whole batch, where 'broken' fails: exit 1, others written, index marks it
    (run_dir / "broken.html").write_text("last good broken report")
    assert cli.main(args) == 1
    assert (run_dir / "broken.html").read_text() == "last good broken report"
    assert (run_dir / "good.html").exists()
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "failed"
    status = {r["name"]: r["status"] for r in record["reports"]}
    assert status == {"good": "ok", "broken": "failed"}
    broken = next(r for r in record["reports"] if r["name"] == "broken")
    assert "source table missing" in broken["error"] and broken["parameters"]["fail"] is True
    index = (run_dir / "index.html").read_text()
    assert 'href="good.html"' in index and "source table missing" in index
    assert 'class="failed"' in index


@pytest.mark.slow  # over 3 s
def test_batch_defaults_to_anonymized_ids(nb_dir, tmp_path):
    out = tmp_path / "out"
    cfg = _config(tmp_path, "reports: [ids]\n")
    assert cli.main(["--notebooks", str(nb_dir), "run", "--config", str(cfg), "--out", str(out),
                     "--run-id", "r", "--lang", "zh"]) == 0
    html = (out / "r" / "ids.html").read_text()
    assert "alice-001" not in html and "bob-002" not in html
    assert pseudonymize(["alice-001"]).iloc[0] in html
    assert "LANG zh" in html
    assert "客户关系管理报告" in (out / "r" / "index.html").read_text()


def test_pseudonyms_are_stable_and_keyed():
    a = pseudonymize(["x", "y", "x"], key="k1")
    assert a.iloc[0] == a.iloc[2] != a.iloc[1]
    assert pseudonymize(["x"], key="k2").iloc[0] != a.iloc[0]
    import pandas as pd

    df = pd.DataFrame({"customer_id": ["x"], "v": [1]}).set_index("customer_id")
    anon = anonymize_frame(df, key="k1")
    assert anon.index[0] == a.iloc[0] and df.index[0] == "x"  # input untouched


@pytest.mark.parametrize("name", ["../../escaped", "sub/report", "..\\up", ".hidden", "..", "a\nb",
                                  "tab\there", "con", "a:b", " padded", ""])
def test_report_names_must_be_plain_file_names(tmp_path, name):
    entries = "reports:\n  - notebook: ids\n  - notebook: ids\n    name: "
    cfg = _config(tmp_path, entries + json.dumps(name) + "\n")
    with pytest.raises(ReportError, match=r"reports\[1\] name"):
        load_config(cfg)


def test_escaping_name_writes_nothing_outside(nb_dir, tmp_path, capsys):
    out = tmp_path / "a" / "b" / "out"
    cfg = _config(tmp_path, "reports:\n  - notebook: ids\n    name: ../../escaped\n")
    assert cli.main(["--notebooks", str(nb_dir), "run", "--config", str(cfg), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "reports[0] name '../../escaped'" in err and "plain file name" in err
    assert not list(tmp_path.rglob("escaped*")) and not out.exists()


def test_run_id_must_be_a_plain_folder_name(nb_dir, tmp_path):
    from crm_models.report.batch import run_batch
    from crm_models.report.runner import run_reports

    with pytest.raises(ReportError, match="run_id '../x'"):
        run_batch({"reports": [{"notebook": "ids"}], "run_id": "../x"}, out=tmp_path, notebook_dir=nb_dir)
    with pytest.raises(ReportError, match="run id '/etc'"):
        run_reports(["ids"], out=tmp_path, run_id="/etc", notebook_dir=nb_dir)


def test_plain_names_are_accepted(tmp_path):
    cfg = _config(tmp_path, "reports:\n  - notebook: ids\n    name: clv-52.weeks_v2\n"
                            "  - notebook: ids\n    name: 客户报告\n")
    assert [r["name"] for r in load_config(cfg)["reports"]] == ["clv-52.weeks_v2", "客户报告"]


def test_index_escapes_names_errors_and_parameters(tmp_path):
    from crm_models.report.batch import BatchResult, write_index
    from crm_models.report.runner import ReportResult

    hostile = '<img src=x onerror=alert(1)>"\''
    ok = ReportResult("a#b", "ok", tmp_path / "a#b.html", {"segment": hostile}, 1.0)
    ok.extra["title"] = "<script>alert(1)</script>"
    bad = ReportResult("bad", "failed", None, {}, 2.0, error=f"KeyError: {hostile}")
    batch = BatchResult(tmp_path, [ok, bad], "2024-01-01T00:00:00", "2024-01-01T00:01:00")
    page = write_index(batch, "en").read_text()
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 2  # parameters and error
    assert 'href="a%23b.html"' in page  # a '#' in a file name is not a fragment
