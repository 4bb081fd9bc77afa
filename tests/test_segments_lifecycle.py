"""Lifecycle stages: potential, new, repeat, loyal, at risk, lost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crm_models as crm
from crm_models.errors import CRMDataError
from crm_models.segments import STAGES, lifecycle_stages


@pytest.fixture
def tx() -> pd.DataFrame:
    rows = [
        ("A", "2023-01-01"),                                                  # one purchase, long ago
        ("B", "2024-12-01"),                                                  # one recent purchase
        ("C", "2024-10-01"), ("C", "2024-11-01"),                             # repeat
        ("D", "2024-06-01"), ("D", "2024-07-01"), ("D", "2024-08-01"), ("D", "2024-09-01"),  # loyal
        ("E", "2024-03-01"), ("E", "2024-04-01"),                             # 275 days ago: at risk
        ("F", "2024-07-04"), ("F", "2024-07-04"),                             # 180 days ago exactly
        ("G", "2023-12-31"), ("G", "2023-12-31"), ("G", "2024-01-01"),        # 365 days ago exactly
        ("H", "2025-01-05"),                                                  # after the end
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "date"]).assign(amount=10.0)
    return crm.data.load_transactions(df)


def test_stages_by_hand(tx):
    before = tx.copy()
    st = lifecycle_stages(tx, "2024-12-31", customers=list("ABCDEFGHZ"))
    assert list(st.index) == list("ABCDEFGHZ")
    assert st["stage"].astype(str).to_dict() == {
        "A": "lost", "B": "new", "C": "repeat", "D": "loyal", "E": "at risk",
        "F": "new",       # 2024-07-04 is exactly 180 days before: not yet at risk (same-day purchases = 1)
        "G": "at risk",   # 365 days exactly: at risk, not lost (lost is strictly more than 365)
        "H": "potential", "Z": "potential"}  # H bought only after the observation end
    assert st.loc["G", "purchases"] == 2 and st.loc["G", "days_since_last"] == 365
    assert st.loc["F", "days_since_last"] == 180
    assert st.loc["Z", "purchases"] == 0 and pd.isna(st.loc["Z", "days_since_last"])
    assert list(st["stage"].cat.categories) == STAGES
    pd.testing.assert_frame_equal(tx, before)
    no_reg = lifecycle_stages(tx, "2024-12-31")
    assert "Z" not in no_reg.index and (no_reg["stage"] != "potential").all()
    assert no_reg["stage"].value_counts()["potential"] == 0  # empty stage still listed


def test_windows_and_loyal_threshold_are_parameters(tx):
    st = lifecycle_stages(tx, "2024-12-31", at_risk_after=30, lost_after=100, loyal_purchases=3)
    assert st["stage"].astype(str).to_dict() == {
        "A": "lost", "B": "new", "C": "at risk", "D": "lost", "E": "lost", "F": "lost",
        "G": "lost"}
    st = lifecycle_stages(tx, "2024-12-31", loyal_purchases=3)
    assert st.loc["D", "stage"] == "loyal" and st.loc["C", "stage"] == "repeat"


def test_p_alive_replaces_windows(tx):
    pa = pd.Series({"A": 0.05, "B": 0.9, "C": 0.45, "D": 0.2, "E": 0.5, "F": 0.19, "G": 0.99})
    st = lifecycle_stages(tx, "2024-12-31", p_alive=pa)
    assert st["stage"].astype(str).to_dict() == {
        "A": "lost", "B": "new", "C": "at risk",
        "D": "at risk",  # exactly 0.2: not below the lost threshold
        "E": "repeat",   # exactly 0.5: not below the at-risk threshold
        "F": "lost", "G": "repeat"}
    assert st["p_alive"].tolist() == pa.tolist()


def test_cdnow_stages(cdnow_transactions):
    st = lifecycle_stages(cdnow_transactions, "1998-06-30")
    assert len(st) == 2357
    t = crm.segments.rfm_table(cdnow_transactions, "1998-06-30")
    lost = t["time_since_last"] > 365
    assert (st.loc[lost, "stage"] == "lost").all()
    assert (st["stage"] == "lost").sum() == lost.sum()
    active = ~(t["time_since_last"] > 180)
    assert (st.loc[active & (t["frequency"] == 1), "stage"] == "new").all()
    assert (st.loc[active & (t["frequency"] >= 4), "stage"] == "loyal").all()
    # the 1997 cohort mostly lapsed by mid-1998 (Fader-Hardie: most customers are inactive)
    assert (st["stage"] == "lost").mean() > 0.5


def test_bundled_sample_with_bg_nbd_like_p_alive():
    from crm_models.data.datasets import SAMPLE_OBSERVATION_END, sample_transactions

    tx = sample_transactions()
    st = lifecycle_stages(tx, SAMPLE_OBSERVATION_END)
    counts = st["stage"].value_counts()
    assert counts.sum() == tx["customer_id"].nunique()
    # p_alive from recency: the newest last purchases are the most alive
    pa = np.exp(-st["days_since_last"].astype(float) / 200)
    st2 = lifecycle_stages(tx, SAMPLE_OBSERVATION_END, p_alive=pa)
    assert (st2.loc[pa < 0.2, "stage"] == "lost").all()


def test_bad_input(tx):
    with pytest.raises(CRMDataError, match="out of order"):
        lifecycle_stages(tx, "2024-12-31", at_risk_after=400, lost_after=365)
    with pytest.raises(CRMDataError, match="longer than the data"):
        lifecycle_stages(tx, "2024-12-31", lost_after=1000)
    with pytest.raises(CRMDataError, match=r"no P\(alive\) for customers.*G"):
        lifecycle_stages(tx, "2024-12-31", p_alive=pd.Series({"A": 0.5, "B": 0.1, "C": 0.2, "D": 0.3,
                                                             "E": 0.3, "F": 0.3}))
    with pytest.raises(CRMDataError, match=r"outside \[0, 1\]"):
        lifecycle_stages(tx, "2024-12-31", p_alive=pd.Series(dict.fromkeys("ABCDEFG", 1.5)))
    with pytest.raises(CRMDataError, match="customer_id"):
        lifecycle_stages(tx, "2024-12-31", customers=pd.DataFrame({"id": ["Z"]}))
    with pytest.raises(CRMDataError, match="date"):
        lifecycle_stages(tx.drop(columns="date"), "2024-12-31")
    with pytest.raises(CRMDataError, match="loyal_purchases"):
        lifecycle_stages(tx, "2024-12-31", loyal_purchases=2)
