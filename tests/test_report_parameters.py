"""Parameters as users type them: plain YAML dates reach the notebooks as ISO text.

``-p observation_end 2024-12-31`` used to fail with "Object of type date is not JSON
serializable" (papermill stores parameters as JSON); so did an unquoted date in a config.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from crm_models import cli
from crm_models.errors import ReportError
from crm_models.report.batch import load_config, render, template_context
from crm_models.report.parameters import plain_parameters, plain_value


def test_yaml_dates_and_timestamps_become_iso_text():
    assert cli.parse_value("2024-12-31") == dt.date(2024, 12, 31)  # what YAML gives
    # ids with leading zeros stay text (YAML 1.1 would read 0012 as the octal number 10)
    assert cli.parse_value("0012") == "0012" and cli.parse_value("012_3") == "012_3"
    assert cli.parse_value("12") == 12 and cli.parse_value("0") == 0 and cli.parse_value("0.5") == 0.5
    assert plain_value(cli.parse_value("2024-12-31")) == "2024-12-31"
    assert plain_value(cli.parse_value("2024-12-31 08:30:00")) == "2024-12-31T08:30:00"
    assert plain_value(cli.parse_value("2024-12-31T08:30:00Z")) == "2024-12-31T08:30:00+00:00"
    assert plain_value(pd.Timestamp("2024-01-02 03:04:05")) == "2024-01-02T03:04:05"


def test_nested_dates_paths_and_numpy_scalars():
    value = cli.parse_value("{end: 2024-12-31, windows: [2024-01-01, 2024-06-30 12:00:00], n: 3}")
    assert plain_value(value) == {"end": "2024-12-31", "windows": ["2024-01-01", "2024-06-30T12:00:00"],
                                  "n": 3}
    assert plain_value({dt.date(2024, 1, 1): (Path("a/b.csv"), np.int64(3), np.float64(0.5))}) == {
        "2024-01-01": ["a/b.csv", 3, 0.5]}
    assert type(plain_value(np.int64(3))) is int
    # plain values pass unchanged, and the input mapping is not modified
    params = {"a": "2024-12-31", "b": None, "c": True, "d": 0.1, "e": [1, "x"], "when": dt.date(2024, 3, 1)}
    assert plain_parameters(params) == {**params, "when": "2024-03-01"}
    assert params["when"] == dt.date(2024, 3, 1)
    json.dumps(plain_parameters(params))


def test_values_a_notebook_cannot_hold_are_named():
    with pytest.raises(ReportError, match=r"parameter data: a DataFrame cannot be passed"):
        plain_parameters({"data": pd.DataFrame({"a": [1]})})
    with pytest.raises(ReportError, match=r"parameter opts\['x'\]\[1\]: a object"):
        plain_parameters({"opts": {"x": [1, object()]}})


def test_config_dates_global_per_report_and_templated(tmp_path):
    path = tmp_path / "reports.yml"
    path.write_text("parameters:\n  observation_end: 2024-12-31\n  windows: [2024-01-01]\n"
                    "reports:\n  - notebook: overview\n"
                    "    parameters: {observation_end: \"{prev_month_end}\", start: 2024-06-30 08:30:00}\n")
    config = load_config(path)
    ctx = template_context(dt.date(2024, 3, 15))
    glob = plain_parameters(render(config["parameters"], ctx))
    own = plain_parameters(render(config["reports"][0]["parameters"], ctx))
    assert glob == {"observation_end": "2024-12-31", "windows": ["2024-01-01"]}
    assert own == {"observation_end": "2024-02-29", "start": "2024-06-30T08:30:00"}


def _text(html_path: Path) -> str:
    text = re.sub(r"<style.*?</style>|<script.*?</script>", "", html_path.read_text(encoding="utf-8"),
                  flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


# The overview (the cheapest notebook that takes observation_end) on the bundled sample:
# ending the observation at 2024-06-30 instead of the sample's end changes the CLV line.
HALF_YEAR = "expected to make 3,878 purchases"
FULL = "expected to make 3,137 purchases"


@pytest.mark.slow  # over 3 s
def test_cli_plain_date_runs_the_overview(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = cli.main(["run", "overview", "-p", "observation_end", "2024-06-30", "--out", str(tmp_path),
                     "--run-id", "r", "--progress", "off"])
    assert code == 0, capsys.readouterr().err
    text = _text(tmp_path / "r" / "overview.html")
    assert HALF_YEAR in text and FULL not in text


@pytest.mark.slow  # over 3 s
def test_config_plain_dates_run_the_overview(tmp_path, capsys, monkeypatch):
    """Unquoted dates in a config: the per-report date overrides the global one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports.yml").write_text(
        "out: out\nanonymize: false\nparameters:\n  observation_end: 2024-12-31\n"
        "reports:\n  - notebook: overview\n    parameters:\n      observation_end: 2024-06-30\n")
    code = cli.main(["run", "--config", "reports.yml", "--run-id", "r", "--progress", "off"])
    assert code == 0, capsys.readouterr().err
    run = json.loads((tmp_path / "out" / "r" / "run.json").read_text())
    assert run["reports"][0]["parameters"]["observation_end"] == "2024-06-30"
    assert HALF_YEAR in _text(tmp_path / "out" / "r" / "overview.html")


@pytest.mark.slow  # over 3 s
def test_relative_paths_are_the_callers(tmp_path, capsys, monkeypatch):
    """`-p transactions_path orders.csv` reads orders.csv where the user typed the command."""
    from crm_models.data import datasets

    datasets.sample_transactions().rename(columns={"customer_id": "user_id", "date": "order_date",
                                                   "amount": "total"}).to_csv(tmp_path / "orders.csv",
                                                                              index=False)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["run", "overview", "-p", "transactions_path", "orders.csv",
                     "-p", "customer_id", "user_id", "-p", "date", "order_date", "-p", "amount", "total",
                     "-p", "observation_end", "2024-12-31",
                     "--out", "out", "--run-id", "r", "--progress", "off"])
    assert code == 0, capsys.readouterr().err
    assert os.path.exists(tmp_path / "out" / "r" / "overview.html")
    assert FULL in _text(tmp_path / "out" / "r" / "overview.html")


def test_parse_value_still_reads_yaml_scalars():
    assert cli.parse_value("[a, b]") == ["a", "b"]
    assert yaml.safe_load("2024-12-31") == cli.parse_value("2024-12-31")


def test_a_reader_option_given_as_a_parameter_says_how_to_pass_it(tmp_path):
    """`-p encoding gbk` / `-p returns drop`: not parameters, but the error shows the working form."""
    from crm_models.report.runner import run_reports

    with pytest.raises(ReportError) as err:
        run_reports(["clv"], {"encoding": "gbk", "returns": "drop"}, out=tmp_path, progress="off")
    message = str(err.value)
    assert "unknown parameter encoding, returns" in message
    assert "-p read_options '{encoding: gbk, returns: drop}'" in message
    assert list(tmp_path.iterdir()) == []  # refused before anything ran
    with pytest.raises(ReportError, match=r"unknown parameter colour for notebook\(s\) clv$"):
        run_reports(["clv"], {"colour": "red"}, out=tmp_path, progress="off")  # no reader option: no advice


def test_cli_yes_no_values_stay_text():
    """`-p event_value Yes` (IBM Telco's churn flag) is the text Yes, not YAML 1.1's True."""
    for text in ("Yes", "No", "yes", "no", "on", "off", "Y", "N"):
        assert cli.parse_value(text) == text
    assert cli.parse_value("true") is True and cli.parse_value("False") is False
    assert cli.parse_value("[Yes, No]") == ["Yes", "No"]
    assert cli.parse_value("null") is None and cli.parse_value("[1, 2]") == [1, 2]
