"""CLV figures drawn straight from a fitted model: what they draw (read back from the artists)
is what the model computes, checked against the model's public predictions on the bundled
sample (an independent path: hand-made summaries, rfm_summary of one customer, group means of
expected_purchases), in English and Chinese, without overlapping labels."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crm_models as crm  # noqa: E402
from crm_models.data import datasets  # noqa: E402
from crm_models.errors import ModelSpecificationError  # noqa: E402
from crm_models.plotting import clv as clvplot  # noqa: E402
from crm_models.plotting.labels import overlapping_texts  # noqa: E402

LANGS = ["en", "zh"]


@pytest.fixture(scope="module")
def tx():
    return datasets.sample_transactions()


@pytest.fixture(scope="module")
def cal(tx):
    return crm.data.rfm_summary(tx, datasets.SAMPLE_OBSERVATION_END, period="D", time_unit="W",
                                calibration_end=datasets.SAMPLE_CALIBRATION_END)


@pytest.fixture(scope="module")
def bg(cal):
    return crm.clv.BetaGeoModel().fit(cal)


@pytest.fixture(autouse=True)
def _close():
    # without a CJK font the Chinese glyphs are missing; their boxes are still measured
    warnings.filterwarnings("ignore", message="Glyph .* missing from font")
    yield
    plt.close("all")


def _hand_summary(frequency, recency, T):
    s = pd.DataFrame({"frequency": frequency, "recency": recency, "T": T})
    s.attrs.update({"period": "D", "time_unit": "W"})
    return s


def _no_overlap(ax):
    assert overlapping_texts(ax.figure) == []


@pytest.mark.parametrize("lang", LANGS)
def test_prob_alive_matrix_from_the_model(bg, cal, lang):
    ax = clvplot.plot_prob_alive_matrix(bg, T=40.0, max_frequency=10, lang=lang)
    shown = np.ma.filled(ax.images[0].get_array().astype(float), np.nan)
    assert shown.shape == (41, 11)  # recency 0..40 weeks x frequency 0..10
    # cells against P(alive) of hand-made customers of age 40
    rows = [(0, 0.0), (1, 5.0), (3, 20.0), (10, 39.0), (7, 40.0)]
    expected = bg.prob_alive(_hand_summary([f for f, _ in rows], [r for _, r in rows], 40.0)).to_numpy()
    np.testing.assert_allclose([shown[int(r), f] for f, r in rows], expected, rtol=1e-12)
    assert np.isnan(shown[5, 0])  # no repeat purchase, recency 5: cannot happen
    assert ax.get_title() == crm.report.i18n.translate("clv_fig_alive_title", lang)
    assert "周" in ax.get_ylabel() if lang == "zh" else "weeks" in ax.get_ylabel()
    _no_overlap(ax)
    # the summary gives the age: its largest T
    ax = clvplot.plot_prob_alive_matrix(bg, summary=cal, lang=lang)
    assert ax.images[0].get_array().shape[0] == int(np.floor(cal["T"].max())) + 1


@pytest.mark.parametrize("lang", LANGS)
def test_frequency_recency_matrix_from_the_model(bg, lang):
    ax = clvplot.plot_frequency_recency_matrix(bg, t=4, T=30.0, max_frequency=8, lang=lang)
    shown = np.ma.filled(ax.images[0].get_array().astype(float), np.nan)
    assert shown.shape == (31, 9)
    rows = [(0, 0.0), (1, 3.0), (4, 25.0), (8, 30.0)]
    expected = bg.expected_purchases(_hand_summary([f for f, _ in rows], [r for _, r in rows], 30.0),
                                     t=4.0).to_numpy()
    np.testing.assert_allclose([shown[int(r), f] for f, r in rows], expected, rtol=1e-12)
    assert ("4" in ax.get_title()) and ("周" in ax.get_title() if lang == "zh" else "weeks" in ax.get_title())
    _no_overlap(ax)
    table = crm.clv.frequency_recency_matrix(bg, 30.0, t=4, max_frequency=8)
    ax = clvplot.plot_frequency_recency_matrix(table, lang=lang)  # the table still works
    np.testing.assert_allclose(np.ma.filled(ax.images[0].get_array().astype(float), np.nan),
                               table.to_numpy(), rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize("lang", LANGS)
def test_period_transactions_from_the_model(bg, cal, lang):
    ax = clvplot.plot_period_transactions(bg, cal, max_frequency=6, lang=lang)
    heights = np.array([p.get_height() for p in ax.patches])
    actual, model = heights[:7], heights[7:]
    f = cal["frequency"].to_numpy()
    np.testing.assert_array_equal(actual, [*(np.sum(f == k) for k in range(6)), np.sum(f >= 6)])
    # model bars: sum over customers of P(X(T_i) = k), from the model's own pmf
    pmf = np.array([bg.probability_of_n_purchases(cal["T"].to_numpy(), k) for k in range(6)])
    np.testing.assert_allclose(model[:6], pmf.sum(axis=1), rtol=1e-10)
    np.testing.assert_allclose(model.sum(), len(cal), rtol=1e-12)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "6+"
    _no_overlap(ax)


@pytest.mark.parametrize("lang", LANGS)
def test_calibration_vs_holdout_from_the_model(bg, cal, lang):
    ax = clvplot.plot_calibration_purchases_vs_holdout_purchases(bg, cal, max_frequency=5, lang=lang)
    actual, predicted = (line.get_ydata() for line in ax.get_lines()[:2])
    group = np.minimum(cal["frequency"].to_numpy(), 5)
    pred = bg.expected_purchases(cal, cal["duration_holdout"].to_numpy()).to_numpy()
    holdout = cal["frequency_holdout"].to_numpy()
    np.testing.assert_allclose(actual, [holdout[group == k].mean() for k in range(6)])
    np.testing.assert_allclose(predicted, [pred[group == k].mean() for k in range(6)], rtol=1e-12)
    _no_overlap(ax)


@pytest.mark.parametrize("lang", LANGS)
def test_history_alive_from_the_model(bg, tx, lang):
    one = tx.loc[tx["customer_id"] == "C000004"]
    ax = clvplot.plot_history_alive(bg, one["date"], "2024-06-30", lang=lang)
    line = ax.get_lines()[0]
    days, p = pd.DatetimeIndex(line.get_xdata()), np.asarray(line.get_ydata(), dtype=float)
    assert days[0] == one["date"].min() and days[-1] == pd.Timestamp("2024-06-30")
    assert len(days) == (days[-1] - days[0]).days + 1  # one point a day
    # each point is P(alive) of her summary as of that day (rfm_summary: an independent path)
    for day in ["2023-03-20", "2023-06-07", "2023-09-01", "2024-01-06", "2024-05-01", "2024-06-30"]:
        s = crm.data.rfm_summary(one, day, period="D", time_unit="W")
        assert p[days.get_loc(pd.Timestamp(day))] == pytest.approx(bg.prob_alive(s).iloc[0], rel=1e-12)
    purchases = one.loc[one["date"] <= "2024-06-30", "date"].dt.normalize().unique()
    marks = [ln for ln in ax.get_lines()[1:]]
    assert sorted(pd.Timestamp(ln.get_xdata()[0]) for ln in marks) == sorted(purchases)
    _no_overlap(ax)  # draws the figure
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(t[:5] in ("2023-", "2024-") for t in ticks), ticks  # numeric dates, both languages


@pytest.mark.parametrize("lang", LANGS)
def test_cumulative_and_incremental_tracking_from_the_model(bg, cal, tx, lang):
    args = dict(transactions=tx, summary=cal, observation_end=datasets.SAMPLE_OBSERVATION_END,
                calibration_end=datasets.SAMPLE_CALIBRATION_END)
    table = crm.clv.tracking(bg, tx, cal, datasets.SAMPLE_OBSERVATION_END, "D", "W",
                             calibration_end=datasets.SAMPLE_CALIBRATION_END)
    ax = clvplot.plot_cumulative_transactions(bg, lang=lang, **args)
    actual, model = (line.get_ydata() for line in ax.get_lines()[:2])
    np.testing.assert_allclose(model, table["predicted_cumulative"], rtol=1e-12)
    # the last actual point: every repeat purchase day of the cohort up to the end
    days = tx.loc[tx["date"] <= datasets.SAMPLE_OBSERVATION_END].groupby("customer_id")["date"].nunique()
    assert actual[-1] == (days - 1).sum()
    # the model's cumulative curve: sum over customers of E[X(t - birth)]
    first = tx.groupby("customer_id")["date"].min()
    birth = ((first - first.min()).dt.days / 7.0).to_numpy()
    t_end = table.index[-1]
    assert model[-1] == pytest.approx(
        np.sum(bg.expected_purchases_new_customer(np.maximum(t_end - birth, 0.0))), rel=1e-9)
    assert any(t.get_text() == crm.report.i18n.translate("clv_fig_end_calibration", lang) for t in ax.texts)
    _no_overlap(ax)
    ax = clvplot.plot_incremental_transactions(bg, lang=lang, **args)
    full = table.loc[table["full_period"]]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), full["predicted"], rtol=1e-12)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), full["actual"])
    _no_overlap(ax)


def test_every_plot_draws_on_the_given_ax_and_returns_it(bg, cal, tx):
    one = tx.loc[tx["customer_id"] == "C000001", "date"]
    calls = [
        lambda ax: clvplot.plot_prob_alive_matrix(bg, T=20.0, ax=ax),
        lambda ax: clvplot.plot_frequency_recency_matrix(bg, T=20.0, ax=ax),
        lambda ax: clvplot.plot_frequency_histogram(bg, ax=ax, summary=cal),
        lambda ax: clvplot.plot_holdout_by_frequency(bg, ax=ax, summary=cal),
        lambda ax: clvplot.plot_history_alive(bg, one, ax=ax),
        lambda ax: clvplot.plot_tracking(bg, ax=ax, transactions=tx, summary=cal,
                                         observation_end=datasets.SAMPLE_OBSERVATION_END),
    ]
    for call in calls:
        _, ax0 = plt.subplots()
        assert call(ax0) is ax0
        assert call(None) is not ax0


def test_a_model_without_what_the_figure_needs_is_a_clear_error(bg):
    with pytest.raises(ModelSpecificationError, match="age T"):
        clvplot.plot_prob_alive_matrix(bg)
    with pytest.raises(ModelSpecificationError, match="summary"):
        clvplot.plot_frequency_histogram(bg)
    with pytest.raises(ModelSpecificationError, match="transactions, summary and observation_end"):
        clvplot.plot_tracking(bg)
    with pytest.raises(ModelSpecificationError, match="purchase dates"):
        clvplot.plot_history_alive(bg)
