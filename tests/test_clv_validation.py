"""Calibration / holdout diagnostics and their figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from helpers.clv import holdout_summary  # noqa: E402

import crm_models as crm  # noqa: E402
from crm_models.plotting import clv as clvplot  # noqa: E402

lifetimes = pytest.importorskip("lifetimes")


@pytest.fixture(scope="module")
def cal(cdnow_transactions):
    return holdout_summary(cdnow_transactions)


@pytest.fixture(scope="module")
def bg(cal):
    return crm.clv.BetaGeoModel().fit(cal)


def test_calibration_fit_is_the_published_fit(cal, bg):
    """The calibration summary is the 39-week CDNOW summary, so the fit is FHL (2005)'s."""
    assert cal["duration_holdout"].iloc[0] == pytest.approx(39.0)
    assert bg.log_likelihood_ == pytest.approx(-9582.43, abs=0.1)


def test_holdout_by_frequency_matches_lifetimes(cal, bg):
    table = crm.clv.holdout_by_frequency(bg, cal, max_frequency=7)
    assert table["customers"].sum() == len(cal)
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    lf = lifetimes.BetaGeoFitter()
    lf.params_ = bg.params_.copy()
    matrix = pd.DataFrame({"frequency_cal": cal["frequency"], "recency_cal": cal["recency"],
                           "T_cal": cal["T"],
                           "frequency_holdout": cal["frequency_holdout"],
                           "duration_holdout": cal["duration_holdout"]})
    from lifetimes.plotting import plot_calibration_purchases_vs_holdout_purchases

    ax = plot_calibration_purchases_vs_holdout_purchases(lf, matrix, n=7)
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    plt.close("all")
    np.testing.assert_allclose(table["actual"].to_numpy()[:7], lines["frequency_holdout"], rtol=1e-12)
    np.testing.assert_allclose(table["predicted"].to_numpy()[:7], lines["model_predictions"], rtol=1e-9)
    # FHL (2005): customers without repeat purchases buy about 0.24 times in the holdout period
    assert table.loc["0", "actual"] == pytest.approx(0.2367, abs=1e-4)


def test_holdout_errors(cal, bg):
    err = crm.clv.holdout_errors(bg, cal)
    pred = bg.expected_purchases(cal, 39.0).to_numpy()
    act = cal["frequency_holdout"].to_numpy()
    assert err.loc["customer", "mae"] == pytest.approx(np.abs(pred - act).mean())
    assert err.loc["customer", "rmse"] == pytest.approx(np.sqrt(((pred - act) ** 2).mean()))
    assert err.loc["total", "actual"] == act.sum() == 1882
    assert err.loc["total", "bias"] == pytest.approx(pred.sum() - act.sum())
    assert err.loc["customer", "relative_bias"] == pytest.approx(err.loc["total", "relative_bias"])


def test_frequency_histogram(cal, bg):
    h = crm.clv.frequency_histogram(bg, cal, max_frequency=7)
    assert h["actual"].sum() == len(cal) and h["model"].sum() == pytest.approx(len(cal))
    T = cal["T"].to_numpy()
    direct = sum(bg.probability_of_n_purchases(Ti, 2) for Ti in T)
    assert h.loc["2", "model"] == pytest.approx(direct, rel=1e-10)
    # the BG/NBD fits the CDNOW histogram closely (FHL 2005, Figure 1)
    assert np.max(np.abs(h["model"] - h["actual"])) < 25


def test_tracking_matches_lifetimes_expected_cumulative_transactions(cdnow_transactions, cal, bg):
    tr = crm.clv.tracking(bg, cdnow_transactions, cal, "1998-06-30", period="D", time_unit="W",
                          calibration_end="1997-09-30")
    assert tr["actual_cumulative"].iloc[-1] == cal["frequency"].sum() + cal["frequency_holdout"].sum()
    assert tr.attrs["calibration_t"] == pytest.approx(272 / 7)
    lf = lifetimes.BetaGeoFitter()
    lf.params_ = bg.params_.copy()
    tx = cdnow_transactions.rename(columns={"customer_id": "id"})
    theirs = lifetimes.utils.expected_cumulative_transactions(lf, tx, "date", "id", 77 * 7, freq="D",
                                                              freq_multiplier=7)
    np.testing.assert_allclose(tr["predicted_cumulative"].to_numpy()[:77], theirs["predicted"].to_numpy(),
                               rtol=1e-9)
    # lifetimes counts purchases up to the day before each week's end; we include that day (as
    # rfm_summary does for T): the difference is the purchases made exactly on those days
    diff = tr["actual_cumulative"].to_numpy()[:77] - theirs["actual"].to_numpy()
    assert np.all(diff >= 0) and np.all(diff <= 60)
    np.testing.assert_allclose(tr["actual"].sum(), tr["actual_cumulative"].iloc[-1])
    assert tr["date"].iloc[-1] == pd.Timestamp("1998-06-30")
    assert tr["full_period"].iloc[:-1].all() and not tr["full_period"].iloc[-1]  # 77 weeks and 6 days


def test_prob_alive_matrix(bg):
    m = crm.clv.prob_alive_matrix(bg, T=39.0, max_frequency=10)
    assert m.shape == (40, 11)
    assert m.loc[0.0, 0] == 1.0 and np.isnan(m.loc[5.0, 0])
    s = pd.DataFrame({"frequency": [3], "recency": [20.0], "T": [39.0]})
    assert m.loc[20.0, 3] == pytest.approx(bg.prob_alive(s).iloc[0])
    # more recent purchases -> more likely alive
    assert np.all(np.diff(m[5].to_numpy()) > 0)


def test_holdout_columns_are_required(bg, cdnow_summary):
    with pytest.raises(crm.CRMDataError, match="calibration_end"):
        crm.clv.holdout_by_frequency(bg, cdnow_summary)


def test_figures_draw_the_tables(cdnow_transactions, cal, bg):
    table = crm.clv.holdout_by_frequency(bg, cal)
    ax = clvplot.plot_holdout_by_frequency(table)
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), table["predicted"])
    tr = crm.clv.tracking(bg, cdnow_transactions, cal, "1998-06-30", "D", "W", calibration_end="1997-09-30")
    for cumulative in (True, False):
        ax = clvplot.plot_tracking(tr, cumulative=cumulative)
        col = "predicted_cumulative" if cumulative else "predicted"
        shown = tr[col] if cumulative else tr.loc[tr["full_period"], col]  # a partial last week is left out
        np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), shown)
    h = crm.clv.frequency_histogram(bg, cal)
    ax = clvplot.plot_frequency_histogram(h)
    assert [p.get_height() for p in ax.patches[: len(h)]] == h["actual"].tolist()
    ax = clvplot.plot_prob_alive_matrix(crm.clv.prob_alive_matrix(bg, T=39.0))
    assert ax.images
    clv = crm.clv.customer_lifetime_value(bg, 20.0, cal, 52, 0.002)
    ax = clvplot.plot_clv_distribution(clv)
    assert "top 20%" in ax.get_title()
    _, ax0 = plt.subplots()
    assert clvplot.plot_holdout_by_frequency(table, ax=ax0) is ax0
    sbg = crm.clv.ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    ax = clvplot.plot_retention_projection(sbg, actual=[1000, 631, 468, 382, 326, 289, 262, 241, 223],
                                           fitted_periods=7)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), sbg.project(8, cohort_size=100.0))
    plt.close("all")


@pytest.mark.parametrize("period, time_unit", [("D", "W"), ("W", "W"), ("M", "M")])
def test_tracking_from_per_period_counts_is_exactly_tracking_from_transactions(cdnow_transactions, period,
                                                                             time_unit):
    cal = crm.data.rfm_summary(cdnow_transactions, "1998-06-30", period=period, time_unit=time_unit,
                               calibration_end="1997-09-30")
    model = crm.clv.BetaGeoModel(penalizer=0.001).fit(cal)  # monthly: a flat likelihood otherwise
    args = (cal, "1998-06-30", period, time_unit, "1997-09-30")
    counts = crm.clv.tracking_counts(cdnow_transactions, cal, "1998-06-30", period)
    pd.testing.assert_frame_equal(crm.clv.tracking(model, counts, *args),
                                  crm.clv.tracking(model, cdnow_transactions, *args), check_exact=True)
    # the counts: one trial per cohort customer; the repeat purchases are the summaries' periods
    assert counts["first_purchases"].sum() == len(cal)
    assert counts["repeat_purchases"].sum() == cal["frequency"].sum() + cal["frequency_holdout"].sum()
    # customer-disjoint parts add up (what the Spark version sums over buckets)
    ids = cdnow_transactions["customer_id"]
    parts = [crm.clv.tracking_counts(cdnow_transactions.loc[mask], cal, "1998-06-30", period)
             for mask in (ids % 3 == 0, ids % 3 != 0)]
    summed = parts[0].add(parts[1], fill_value=0).astype("int64")
    pd.testing.assert_frame_equal(summed, counts, check_exact=True)


def test_tracking_refuses_counts_of_another_period(cdnow_transactions, cal, bg):
    counts = crm.clv.tracking_counts(cdnow_transactions, cal, "1998-06-30", "W")
    with pytest.raises(crm.CRMDataError, match="made for period 'W', not 'D'"):
        crm.clv.tracking(bg, counts, cal, "1998-06-30", "D", "W")
