"""RFM scores, cells and segments: hand-computed small cases, CDNOW and the bundled sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crm_models as crm
from crm_models.errors import CRMDataError
from crm_models.segments import default_rfm_rules, quantile_score, rfm_segments, rfm_table, segment_summary


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time_since_last": [0, 1, 1, 5, 10, 3, 3, 8, 2, 7],
            "frequency": [5, 1, 1, 2, 1, 3, 4, 1, 6, 2],
            "monetary": [500, 20, 20, 60, 10, 90, 120, 15, 700, 30],
        },
        index=pd.Index(list("abcdefghij"), name="customer_id"),
    )


def test_scores_cells_segments_by_hand(small):
    before = small.copy()
    seg = rfm_segments(small)
    # R: -time_since_last ranked, k = number strictly worse, score = 1 + 5k // 10
    assert seg["R"].tolist() == [5, 4, 4, 2, 1, 3, 3, 1, 4, 2]
    # F: 1,1,1,1 share k=0; the two 2s k=4 -> 3; 3 -> k=6 -> 4; 4 -> k=7 -> 4; 5 -> 5; 6 -> 5
    assert seg["F"].tolist() == [5, 1, 1, 3, 1, 4, 4, 1, 5, 3]
    assert seg["M"].tolist() == [5, 2, 2, 3, 1, 4, 4, 1, 5, 3]
    assert seg["rfm_cell"].astype(str).tolist() == ["555", "412", "412", "233", "111", "344", "344",
                                                    "111", "455", "233"]
    assert seg["segment"].astype(str).tolist() == [
        "champions", "promising", "promising", "at risk", "lost", "loyal", "loyal", "lost",
        "champions", "at risk"]
    pd.testing.assert_frame_equal(small, before)  # caller's frame untouched
    assert seg.index.equals(small.index)


def test_ties_first_breaks_by_customer_id(small):
    seg = rfm_segments(small, ties="first")
    # b and c tie on recency (1): b (smaller id) ranks lower -> 4, c -> 5
    assert seg.loc["b", "R"] == 4 and seg.loc["c", "R"] == 5
    # the four one-time buyers b, c, e, h take positions 0..3 -> scores 1, 1, 2, 2
    assert seg.loc[["b", "c", "e", "h"], "F"].tolist() == [1, 1, 2, 2]
    assert seg.loc["c", "segment"] == "new"
    # equal-size groups: two customers per score
    for col in "RFM":
        assert (seg[col].value_counts().sort_index() == 2).all()
    # same answer whatever the row order: the tie-break is the id, not the position
    shuffled = rfm_segments(small.iloc[::-1], ties="first")
    pd.testing.assert_frame_equal(shuffled.loc[seg.index], seg, check_categorical=False)


def test_scores_match_pandas_rank():
    rng = np.random.default_rng(1)
    v = pd.Series(rng.integers(0, 7, size=203).astype(float),
                  index=pd.Index(rng.permutation(203) + 1000))
    n = len(v)
    k_min = v.rank(method="min").to_numpy() - 1
    assert (quantile_score(v).to_numpy() == 1 + (5 * k_min) // n).all()
    k_first = v.sort_index().rank(method="first").reindex(v.index).to_numpy() - 1
    assert (quantile_score(v, ties="first").to_numpy() == 1 + (5 * k_first) // n).all()
    low_good = quantile_score(v, higher_is_better=False)
    assert (low_good.to_numpy() == 1 + (5 * ((-v).rank(method="min").to_numpy() - 1)) // n).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=60), st.integers(2, 9))
def test_score_properties(values, n_bins):
    v = pd.Series(values, dtype=float)
    for ties in ("min", "first"):
        sc = quantile_score(v, n_bins=n_bins, ties=ties).to_numpy()
        assert sc.min() >= 1 and sc.max() <= n_bins
        order = np.argsort(v.to_numpy(), kind="stable")
        assert (np.diff(sc[order]) >= 0).all()  # monotone in the value
        if ties == "first":
            counts = np.bincount(sc, minlength=n_bins + 1)[1:]
            assert counts.max() - counts.min() <= 1
    sc = quantile_score(v, n_bins=n_bins).to_numpy()
    for val in set(values):
        assert len(set(sc[v.to_numpy() == val])) == 1  # equal values share a score


def test_default_rules_cover_every_cell_once():
    rules = default_rfm_rules()
    assert list(rules["segment"]) == [
        "champions", "loyal", "can't lose them", "at risk", "new", "promising",
        "potential loyalists", "need attention", "about to sleep", "lost", "hibernating"]
    g = range(1, 6)
    scores = pd.DataFrame([(r, f, m) for r in g for f in g for m in g], columns=["R", "F", "M"])
    from crm_models.segments.rfm import _cell_segments

    code, cats = _cell_segments(rules, 5, "other")
    assert "other" not in cats and len(cats) == 11
    assert np.bincount(code, minlength=11).min() > 0  # every segment owns at least one cell
    named = dict(zip(map(tuple, scores.to_numpy()), np.array(cats)[code], strict=True))
    assert named[(5, 5, 5)] == "champions" and named[(5, 5, 1)] == "loyal"
    assert named[(1, 5, 5)] == "can't lose them" and named[(1, 5, 1)] == "at risk"
    assert named[(5, 1, 1)] == "new" and named[(4, 1, 3)] == "promising"
    assert named[(3, 3, 3)] == "need attention" and named[(3, 2, 5)] == "about to sleep"
    assert named[(1, 1, 1)] == "lost" and named[(1, 1, 3)] == "hibernating"
    assert named[(2, 2, 1)] == "hibernating" and named[(5, 3, 1)] == "potential loyalists"


def test_custom_rules_unmatched_and_union(small):
    rules = pd.DataFrame(
        [("best", 5, 5, 4, 5, 1, 5), ("best", 4, 4, 5, 5, 5, 5), ("frequent", 1, 5, 3, 5, 1, 5)],
        columns=["segment", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max"])
    seg = rfm_segments(small, rules=rules, unmatched="rest")
    assert list(seg["segment"].cat.categories) == ["best", "frequent", "rest"]
    # a (555) and i (455: second rule, same name) are "best"; then F >= 3 -> frequent
    assert seg["segment"].astype(str).tolist() == [
        "best", "rest", "rest", "frequent", "rest", "frequent", "frequent", "rest", "best",
        "frequent"]


def test_segment_summary_keeps_empty_segments(small):
    seg = rfm_segments(small)
    summ = segment_summary(seg)
    assert len(summ) == 11
    assert summ.loc["new", "customers"] == 0 and summ.loc["new", "value"] == 0
    assert summ.loc["champions", "customers"] == 2
    assert summ.loc["champions", "value"] == 1200
    assert summ["share"].sum() == pytest.approx(1.0)
    assert summ.loc["champions", "value_share"] == pytest.approx(1200 / 1565)
    assert summ.loc["loyal", "frequency"] == pytest.approx(3.5)


def test_rfm_table_by_hand():
    tx = crm.data.load_transactions(pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 3, 3],
        "date": ["2024-01-01", "2024-01-01", "2024-03-01", "2024-02-15", "2024-01-10", "2024-04-02"],
        "amount": [10.0, 5.0, 20.0, 100.0, 1.0, 7.0],
    }))
    t = rfm_table(tx, "2024-03-31")
    assert t.loc[1].tolist() == [30, 2, 35.0, 90]  # two purchase days; 15 + 20
    assert t.loc[2].tolist() == [45, 1, 100.0, 45]
    assert t.loc[3].tolist() == [81, 1, 1.0, 81]  # purchase after the end left out
    assert t.attrs["excluded_after_end"] == 1
    assert rfm_table(tx, "2024-03-31", monetary="mean").loc[1, "monetary"] == pytest.approx(17.5)
    weekly = rfm_table(tx, "2024-03-31", period="W")
    assert weekly.loc[1, "time_since_last"] == 4  # weeks of 2024-03-01 (Fri) and 2024-03-31 (Sun)


def test_btyd_summary_uses_time_since_last(cdnow_summary):
    seg = rfm_segments(cdnow_summary)
    since = cdnow_summary["T"] - cdnow_summary["recency"]
    np.testing.assert_allclose(seg["time_since_last"], since)
    n = len(seg)
    expected_r = 1 + (5 * ((-since).rank(method="min").to_numpy() - 1)) // n
    assert (seg["R"].to_numpy() == expected_r).all()
    # 1411 one-time buyers (frequency 0) share F = 1; M scores monetary_value (0 for them)
    one_timers = cdnow_summary["frequency"] == 0
    assert one_timers.sum() == 1411
    assert (seg.loc[one_timers, "F"] == 1).all() and (seg.loc[~one_timers, "F"] > 1).all()
    assert (seg.loc[one_timers, "M"] == 1).all()


def test_cdnow_rfm_table_segments(cdnow_transactions):
    t = rfm_table(cdnow_transactions, "1998-06-30")
    assert len(t) == 2357
    assert t["monetary"].sum() == pytest.approx(cdnow_transactions["amount"].sum())
    seg = rfm_segments(t)
    summ = segment_summary(seg)
    assert summ["customers"].sum() == 2357
    # champions buy more often, more recently and spend more than the lost
    assert summ.loc["champions", "monetary"] > 5 * summ.loc["lost", "monetary"]
    assert summ.loc["champions", "time_since_last"] < summ.loc["lost", "time_since_last"]
    assert summ.loc["champions", "frequency"] > summ.loc["hibernating", "frequency"]
    # everyone with a score cell lands in some named segment (the default map is complete)
    assert "other" not in seg["segment"].cat.categories
    first = rfm_segments(t, ties="first")
    for col in "RFM":
        counts = first[col].value_counts()
        assert counts.max() - counts.min() <= 1


def test_bundled_sample():
    from crm_models.data.datasets import SAMPLE_OBSERVATION_END, sample_transactions

    tx = sample_transactions()
    t = rfm_table(tx, SAMPLE_OBSERVATION_END)
    assert t["frequency"].sum() == len(tx[["customer_id", "date"]].drop_duplicates())
    seg = rfm_segments(t)
    by_r = seg.groupby("R")["time_since_last"].max()
    assert by_r.is_monotonic_decreasing  # higher R = more recent


def test_bad_input(small, cdnow_summary):
    with pytest.raises(CRMDataError, match="monetary"):
        rfm_segments(small.drop(columns="monetary"))
    with pytest.raises(CRMDataError, match="time_since_last"):
        rfm_segments(small.drop(columns="time_since_last"))
    bad = small.copy()
    bad.loc["c", "frequency"] = np.nan
    with pytest.raises(CRMDataError, match=r"frequency.*1 row \(e\.g\. c"):
        rfm_segments(bad)
    rules = default_rfm_rules()
    rules.loc[0, ["r_min", "r_max"]] = [5, 4]
    with pytest.raises(CRMDataError, match="r_min above r_max.*champions"):
        rfm_segments(small, rules=rules)
    rules = default_rfm_rules()
    rules.loc[1, "f_max"] = 6
    with pytest.raises(CRMDataError, match="f_max"):
        rfm_segments(small, rules=rules)
    with pytest.raises(CRMDataError, match="m_max"):
        rfm_segments(small, rules=default_rfm_rules().drop(columns="m_max"))
    with pytest.raises(CRMDataError, match="n_bins"):
        rfm_segments(small, n_bins=10)
    with pytest.raises(CRMDataError, match="ties"):
        rfm_segments(small, ties="average")
    s = cdnow_summary.copy()
    s.iloc[3, s.columns.get_loc("recency")] = s.iloc[3]["T"] + 1
    with pytest.raises(CRMDataError, match="recency larger than T"):
        rfm_segments(s)
    with pytest.raises(CRMDataError, match="amount"):
        rfm_table(pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-01"])}), "2024-02-01")
    with pytest.raises(CRMDataError, match="after the observation end"):
        rfm_table(crm.data.load_transactions(pd.DataFrame(
            {"customer_id": [1], "date": ["2024-05-01"], "amount": [1.0]})), "2024-02-01")
