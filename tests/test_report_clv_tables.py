"""The CLV report's tables, sentences and key figures, called as the notebook calls them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.clv import PNBD_REF, assert_close_to_published

import crm_models as crm
from crm_models.report.clv import sections, tables


@pytest.fixture(scope="module")
def sample():
    data = crm.report.clv.load_report_data()
    return data, sections.analyse(data, "bgnbd", n_draws=30)


def test_model_names_of_the_method_section():
    assert sections.model_name("bgnbd") == "BG/NBD"
    assert sections.model_name("ParetoNBD") == "Pareto/NBD"
    assert sections.model_name("mbgnbd") == "MBG/NBD"
    assert sections.model_name("custom") == "custom"


def test_summary_record_on_the_bundled_sample(sample):
    """The sample is simulated from a BG/NBD with r = 0.5, alpha = 5, a = 0.8, b = 3 (weeks) and
    Gamma-Gamma p = 4, q = 3, gamma = 30: the report recovers them within sampling error."""
    data, res = sample
    got = sections.summary_record(data, res, "bgnbd")
    assert got["customers"] == 3000
    m = crm.clv.BetaGeoModel().fit(data.full)
    assert got["params"] == pytest.approx(m.params_.to_dict(), rel=1e-6)
    truth = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 3.0}
    tab = m.summary
    for name, value in truth.items():
        assert tab.loc[name, "lower_95"] * 0.9 < value < tab.loc[name, "upper_95"] * 1.1
    assert got["gamma_gamma"]["p"] == pytest.approx(4.0, rel=0.2)
    assert got["holdout_predicted"] == pytest.approx(got["holdout_actual"], rel=0.1)
    eq = got["equity"]
    assert eq["lower"] < eq["estimate"] < eq["upper"]
    assert eq["estimate"] == pytest.approx(got["clv_total"])
    assert 0.3 < got["top_decile_share"] < 0.95


def test_summary_record_on_a_users_csv_reproduces_pareto_nbd(cdnow_transactions, tmp_path):
    path = tmp_path / "cdnow.csv"
    cdnow_transactions.rename(columns={"customer_id": "id", "date": "day", "amount": "dollars"}).to_csv(
        path, index=False)
    data = crm.report.clv.load_report_data(str(path), "id", "day", "dollars", "1998-06-30", "1997-09-30",
                                           anonymize=True)
    got = sections.summary_record(data, sections.analyse(data, "paretonbd", horizon=39, n_draws=10),
                                  "paretonbd")
    assert got["customers"] == 2357
    # fitted on the 39-week calibration period: the published Pareto/NBD estimates
    assert_close_to_published(pd.Series(got["calibration_params"]), PNBD_REF)
    assert got["holdout_actual"] == 1882
    assert got["top_customer"].startswith("cust-")  # pseudonymised ids


def test_parameter_tables_show_the_estimates_under_words(sample):
    data, res = sample
    styler = tables.parameters_table(res.model.summary, "en", data.time_unit)
    assert list(styler.data.columns) == tables.PARAMETER_COLUMNS
    assert styler.data.loc["r", "estimate"] == pytest.approx(res.model.params_["r"])
    html = styler.to_html()
    assert f"{res.model.params_['r']:,.4f}" in html and "std_error" not in html
    assert tables.headers(["estimate"], "en") == [tables.headers(["estimate"], "en")[0]]
    zh = tables.parameters_table(res.spend.summary, "zh", data.time_unit, decimals=3).to_html()
    assert f"{res.spend.params_['p']:,.3f}" in zh and "estimate" not in zh


def test_value_tables(sample):
    data, res = sample
    top = tables.top_customers_table(res.table.head(5), "en", data.time_unit, "€")
    assert list(top.data.index) == list(res.table.index[:5])
    html = top.to_html()
    assert f"€{res.table['clv'].iloc[0]:,.2f}" in html and "prob_alive" not in html
    conc = tables.concentration_table(res.concentration, "en", data.time_unit)
    assert f"{res.concentration['share'].iloc[0]:.1%}" in conc.to_html()
    errors = tables.errors_table(res.errors, "en", data.time_unit)
    assert "total" not in list(errors.data.index)  # levels in words
    assert len(errors.data) == len(res.errors)
    track, hist, by_freq = sections.holdout_checks(data, res)
    shown = tables.holdout_by_frequency_table(by_freq, "en")
    assert list(shown.data["customers"]) == list(by_freq["customers"])


def test_sentences_hold_the_key_numbers(sample):
    data, res = sample
    kf = sections.key_figures_markdown(data, res, 52, 0.3, "", "en")
    assert kf.startswith("## ") and "**3,000** customers" in kf
    assert f"{res.equity['estimate']:,.2f}" in kf
    method = sections.method_markdown(data, res, "bgnbd", "en")
    assert "BG/NBD" in method and f"{data.calibration_end:%Y-%m-%d}" in method
    fit, spend = sections.fit_lines(res, "", "en")
    assert f"{res.model.aic_:,.1f}" in fit or f"{res.model.aic_:.1f}" in fit
    assert f"{res.spend.population_mean_spend():,.2f}" in spend
    assert f"{res.equity['estimate']:,.2f}" in sections.equity_markdown(data, res, 52, "", "en")
    assert "15" in sections.top_line_markdown(data, 15, 52, 0.3, 0.0018, "en")
    matrix = sections.alive_matrix(res, data.full)
    assert np.nanmax(matrix.to_numpy()) <= 1
    assert matrix.shape[1] == int(min(data.full["frequency"].quantile(0.99), 30)) + 1
