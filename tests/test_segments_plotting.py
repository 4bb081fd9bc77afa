"""Segment figures: each returns the Axes it drew on, with the data it was given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crm_models as crm  # noqa: E402
from crm_models.errors import CRMDataError  # noqa: E402
from crm_models.plotting import segments as sp  # noqa: E402


@pytest.fixture(scope="module")
def sample():
    from crm_models.data.datasets import SAMPLE_OBSERVATION_END, sample_survey, sample_transactions

    tx = sample_transactions()
    table = crm.segments.rfm_table(tx, SAMPLE_OBSERVATION_END)
    return tx, table, sample_survey().set_index("customer_id")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_segment_sizes(sample):
    _, table, _ = sample
    seg = crm.segments.rfm_segments(table)
    summ = crm.segments.segment_summary(seg)
    fig, ax = plt.subplots()
    out = sp.plot_segment_sizes(summ, ax=ax)
    assert out is ax
    widths = [p.get_width() for p in ax.patches]
    assert widths == summ["customers"].tolist()  # one bar per segment, empty ones included
    assert [t.get_text() for t in ax.get_yticklabels()] == list(summ.index)  # first at the top
    assert ax.patches[0].get_y() > ax.patches[-1].get_y()
    assert isinstance(sp.plot_segment_sizes(seg), matplotlib.axes.Axes)  # summarises itself


def test_pareto_and_lorenz(sample):
    _, table, _ = sample
    ax = sp.plot_pareto(table["monetary"])
    x, y = ax.lines[0].get_data()
    curve = crm.segments.pareto_curve(table["monetary"])
    np.testing.assert_allclose(y, curve["value_share"])
    p = crm.segments.pareto_point(table["monetary"])
    assert f"{100 * p['customer_share']:.0f}% of customers" in ax.texts[0].get_text()
    ax = sp.plot_pareto(table["monetary"], kind="lorenz")
    assert "Gini" in ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(CRMDataError):
        sp.plot_pareto(table["monetary"], kind="pie")


def test_tier_migration_and_changes(sample):
    tx, _, _ = sample
    h = crm.segments.membership_history(tx, thresholds={"gold": 300, "silver": 100})
    mig = crm.segments.tier_migration(h)
    ax = sp.plot_tier_migration(mig)
    texts = [int(t.get_text()) for t in ax.texts]
    assert texts == mig.to_numpy().ravel().tolist()
    colours = ax.collections[0].get_array().ravel()
    np.testing.assert_allclose(colours, mig.div(mig.sum(axis=1).replace(0, 1), axis=0).to_numpy().ravel())
    ax = sp.plot_tier_migration(mig, normalize=True)
    assert ax.texts[0].get_text().endswith("%")
    ch = crm.segments.tier_changes(h)
    ax = sp.plot_tier_changes(ch)  # the first evaluation (everyone joins) is left out
    heights = [p.get_height() for p in ax.patches]
    n = len(ch) - 1
    assert heights[:n] == ch["upgraded"].iloc[1:].tolist()
    assert heights[n:] == (-ch["downgraded"].iloc[1:]).tolist()
    assert len(sp.plot_tier_changes(ch, skip_first=False).patches) == 2 * len(ch)


def test_loyalty_scatter(sample):
    tx, _, survey = sample
    beh = crm.segments.repeat_purchase_rate(tx, "2024-12-31")
    lm = crm.segments.loyalty_matrix(survey[["loy1", "loy2", "loy3"]], beh)
    ax = sp.plot_loyalty_matrix(lm)
    sizes = [len(c.get_offsets()) for c in ax.collections]
    assert sizes == [int((lm == c).sum()) for c in lm.cat.categories]
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 1],
                               lm.attrs["behaviour"][lm == "non-loyal"])
    with pytest.raises(CRMDataError):
        sp.plot_loyalty_matrix(pd.Series(["absolute"], dtype="category"))


def test_rfm_heatmap(sample):
    _, table, _ = sample
    seg = crm.segments.rfm_segments(table)
    ax = sp.plot_rfm_heatmap(seg, agg="count")
    counts = pd.crosstab(seg["R"], seg["F"]).reindex(index=[5, 4, 3, 2, 1], columns=[1, 2, 3, 4, 5])
    shown = [float(t.get_text()) for t in ax.texts]
    assert shown == counts.stack().dropna().tolist()
    assert sum(shown) == len(seg)
    ax = sp.plot_rfm_heatmap(seg)
    assert ax.get_title() == "RFM grid: mean monetary"


def test_cluster_profiles_and_silhouette(sample):
    _, table, _ = sample
    km = crm.segments.KMeansSegmenter(k_range=[2, 3], seed=0).fit(
        table[["time_since_last", "frequency", "monetary"]])
    ax = sp.plot_cluster_profiles(km)
    assert len(ax.texts) == km.k_ * 3
    assert ax.get_yticklabels()[0].get_text().startswith("cluster 0 (n=")
    ax = sp.plot_silhouette(km)
    np.testing.assert_allclose(ax.lines[0].get_data()[1], km.silhouette_.to_numpy())
