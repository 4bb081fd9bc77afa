"""Membership points, tiers, the 60-day re-evaluation schedule, tier changes and migration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crm_models as crm
from crm_models.errors import CRMDataError
from crm_models.segments import (
    membership_history,
    membership_points,
    membership_tiers,
    tier_changes,
    tier_migration,
    tier_on,
)


def _tx(rows):
    return crm.data.load_transactions(pd.DataFrame(rows, columns=["customer_id", "date", "amount"]))


@pytest.fixture
def tx() -> pd.DataFrame:
    return _tx([
        ("Z", "2023-01-01", 1.0),       # first day of the data
        ("A", "2023-01-10", 400.0),     # gold until its points expire on 2024-01-10
        ("C", "2023-06-01", 299.5),     # just below gold ...
        ("D", "2023-12-31", 10000.0),   # diamond exactly on the threshold
        ("C", "2024-01-15", 0.5),       # ... then exactly 300: gold
        ("B", "2024-02-01", 3000.0),    # joins in 2024 as platinum
        ("B", "2024-06-01", 50.0),
    ])


def test_tiers_on_one_date_by_hand(tx):
    before = tx.copy()
    t = membership_tiers(tx, "2023-12-31")
    # B joins later: not a member yet. The window is the 365 days 2023-01-01 .. 2023-12-31
    assert list(t.index) == ["A", "C", "D", "Z"]
    assert t["points"].tolist() == [400.0, 299.5, 10000.0, 1.0]
    assert t["tier"].astype(str).tolist() == ["gold", "ordinary", "diamond", "ordinary"]
    assert list(t["tier"].cat.categories) == ["ordinary", "gold", "platinum", "diamond"]
    assert (t["tier"] >= "gold").tolist() == [True, False, True, False]
    pd.testing.assert_frame_equal(tx, before)
    t2 = membership_tiers(tx, "2024-01-15")
    assert t2.loc["C", "points"] == 300.0 and t2.loc["C", "tier"] == "gold"  # exactly on the threshold
    assert t2.loc["A", "points"] == 0.0  # 2023-01-10 + 364 days: counted up to 2024-01-09 only
    assert membership_tiers(tx, "2024-01-09").loc["A", "tier"] == "gold"
    assert membership_tiers(tx, "2024-01-10").loc["A", "tier"] == "ordinary"
    assert membership_tiers(tx, "2024-01-01").loc["Z", "points"] == 0.0  # 2023-01-01 expired


def test_credit_promotion_points_and_rate(tx):
    credit = pd.Series({"D": False, "A": True})
    t = membership_tiers(tx, "2023-12-31", credit=credit)
    assert t.loc["D", "tier"] == "ordinary" and t.loc["D", "points"] == 10000.0  # bad credit
    assert not t.loc["D", "good_credit"] and t.loc["C", "good_credit"]  # unlisted = good
    promo = pd.DataFrame({"customer_id": ["C", "Y", "C"], "date": ["2023-07-01", "2023-08-01", "2024-03-01"],
                          "points": [0.5, 500.0, 100.0]})
    t = membership_tiers(tx, "2023-12-31", promotion_points=promo)
    assert t.loc["C", "points"] == 300.0 and t.loc["C", "tier"] == "gold"
    assert t.loc["Y", "tier"] == "gold"  # points without purchases still make a member
    doubled = membership_points(tx, "2023-12-31", points_per_unit=2.0)
    assert doubled.to_dict() == {"A": 800.0, "C": 599.0, "D": 20000.0, "Z": 2.0}
    custom = membership_tiers(tx, "2023-12-31", thresholds={"vip": 5000, "member+": 350}, base_tier="member")
    assert custom["tier"].astype(str).tolist() == ["member+", "member", "vip", "member"]


def test_history_tier_expires_and_changes(tx):
    h = membership_history(tx, end="2024-04-29")
    dates = [pd.Timestamp(d) for d in ("2023-12-31", "2024-02-29", "2024-04-29")]
    assert list(h.columns) == dates  # first full 365-day window, then every 60 days
    got = {c: [None if pd.isna(v) else v for v in h.loc[c]] for c in h.index}
    assert got == {
        "A": ["gold", "ordinary", "ordinary"],
        "B": [None, "platinum", "platinum"],
        "C": ["ordinary", "gold", "gold"],
        "D": ["diamond", "diamond", "diamond"],
        "Z": ["ordinary", "ordinary", "ordinary"],
    }
    # A's points expire on 2024-01-10, but the gold tier set on 2023-12-31 holds until the
    # next evaluation, 60 days later
    assert tier_on(h, "2024-01-10")["A"] == "gold"
    assert tier_on(h, "2024-02-28")["A"] == "gold"
    assert tier_on(h, "2024-02-29")["A"] == "ordinary"
    assert tier_on(h, "2024-06-27")["C"] == "gold"
    with pytest.raises(CRMDataError, match="validity"):
        tier_on(h, "2024-06-28")
    with pytest.raises(CRMDataError, match="before the first evaluation"):
        tier_on(h, "2023-12-30")

    ch = tier_changes(h)
    assert ch.to_dict("list") == {"members": [4, 5, 5], "joined": [4, 1, 0], "upgraded": [0, 1, 0],
                                  "downgraded": [0, 1, 0], "unchanged": [0, 2, 5]}
    mig = tier_migration(h, "2023-12-31", "2024-02-29")
    assert list(mig.index) == ["diamond", "platinum", "gold", "ordinary", "new member"]
    assert list(mig.columns) == ["diamond", "platinum", "gold", "ordinary"]
    expected = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 1], [0, 1, 0, 0]])
    np.testing.assert_array_equal(mig.to_numpy(), expected)
    last = tier_migration(h)  # default: the last two evaluations, nobody new -> no "new member" row
    assert np.trace(last.to_numpy()) == 5 and "new member" not in last.index
    share = tier_migration(h, "2023-12-31", "2024-02-29", normalize=True)
    assert share.loc["ordinary"].tolist() == [0, 0, 0.5, 0.5]
    pts = membership_history(tx, end="2024-04-29", values="points")
    assert pts.loc["C"].tolist() == [299.5, 300.0, 300.0] and np.isnan(pts.loc["B", dates[0]])
    bad = membership_history(tx, end="2024-04-29", credit=pd.Series({"D": False}))
    assert (bad.loc["D"] == "ordinary").all()


def test_matches_independent_groupby_on_cdnow(cdnow_transactions):
    tx = cdnow_transactions
    as_of = pd.Timestamp("1998-06-30")
    t = membership_tiers(tx, as_of, thresholds={"diamond": 1000, "platinum": 300, "gold": 100})
    win = tx[(tx["date"] > as_of - pd.Timedelta(days=365)) & (tx["date"] <= as_of)]
    expected = win.groupby("customer_id")["amount"].sum().reindex(t.index, fill_value=0.0)
    np.testing.assert_allclose(t["points"], expected)
    tiers = pd.cut(expected, [-np.inf, 100, 300, 1000, np.inf], right=False,
                   labels=["ordinary", "gold", "platinum", "diamond"])
    assert (t["tier"].astype(str) == tiers.astype(str)).all()
    assert len(t) == 2357
    default = membership_tiers(tx, as_of)
    assert (default["tier"] == "diamond").sum() == 0  # CDNOW buyers spend far below 10000 a year
    h = membership_history(tx, thresholds={"gold": 100})
    assert h.columns[0] == pd.Timestamp("1997-12-31") and len(h.columns) == 4
    ch = tier_changes(h)
    assert (ch["members"] == 2357).all()  # the whole cohort joined in Q1 1997
    mig = tier_migration(h, h.columns[0], h.columns[1])
    assert mig.to_numpy().sum() == 2357
    # as the cohort ages, more gold members drop than ordinary members rise
    assert mig.loc["gold", "ordinary"] > mig.loc["ordinary", "gold"]


def test_bundled_sample():
    from crm_models.data.datasets import SAMPLE_OBSERVATION_END, sample_transactions

    tx = sample_transactions()
    t = membership_tiers(tx, SAMPLE_OBSERVATION_END)
    assert len(t) == tx["customer_id"].nunique()
    assert t.groupby("tier", observed=True)["points"].min().is_monotonic_increasing
    h = membership_history(tx)
    assert h.columns[0] == pd.Timestamp("2023-12-31") and len(h.columns) == 7


def test_bad_input(tx):
    with pytest.raises(CRMDataError, match="out of order.*'diamond'"):
        membership_tiers(tx, "2023-12-31", thresholds={"diamond": 300, "platinum": 3000, "gold": 10000})
    with pytest.raises(CRMDataError, match="out of order"):
        membership_tiers(tx, "2023-12-31", thresholds={"gold": 300, "silver": 300})
    with pytest.raises(CRMDataError, match="positive"):
        membership_tiers(tx, "2023-12-31", thresholds={"gold": -1})
    with pytest.raises(CRMDataError, match="ordinary"):
        membership_tiers(tx, "2023-12-31", thresholds={"gold": 300, "ordinary": 0.5})
    with pytest.raises(CRMDataError, match="window is longer than the data"):
        membership_tiers(tx, "2023-12-30")
    assert membership_tiers(tx, "2023-12-30", allow_partial_window=True).loc["Z", "points"] == 1.0
    with pytest.raises(CRMDataError, match="window is longer than the data"):
        membership_history(tx, window_days=730)
    with pytest.raises(CRMDataError, match="before the first transaction"):
        membership_tiers(tx, "2022-06-30", allow_partial_window=True)
    with pytest.raises(CRMDataError, match="amount"):
        membership_tiers(tx.drop(columns="amount"), "2023-12-31")
    with pytest.raises(CRMDataError, match="window_days"):
        membership_tiers(tx, "2023-12-31", window_days=0)
    with pytest.raises(CRMDataError, match=r"credit.*1 row \(e\.g\. A"):
        membership_tiers(tx, "2023-12-31", credit=pd.Series({"A": None, "D": True}))
    with pytest.raises(CRMDataError, match="points"):
        membership_tiers(tx, "2023-12-31", promotion_points=pd.DataFrame({"customer_id": ["A"],
                                                                          "date": ["2023-05-01"]}))
    h = membership_history(tx, end="2024-04-29")
    with pytest.raises(CRMDataError, match="not an evaluation date"):
        tier_migration(h, "2024-01-01", "2024-02-29")
    with pytest.raises(CRMDataError, match="ordered categorical"):
        tier_changes(membership_history(tx, end="2024-04-29", values="points"))
