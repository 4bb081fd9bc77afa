"""Value tiers (VIP / core / general), Pareto point, Lorenz curve and Gini."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_models.errors import CRMDataError
from crm_models.segments import (
    gini,
    lorenz_curve,
    pareto_curve,
    pareto_point,
    rfm_table,
    top_share,
    value_tier_summary,
    value_tiers,
)


@pytest.fixture
def profit() -> pd.Series:
    # total 300; shuffled index so the tie-break by id is exercised
    v = pd.Series([100, 50, 50, 30, 20, 20, 10, 10, 5, 5], index=list("abcdefghij"), dtype=float)
    return v.iloc[[3, 7, 0, 9, 2, 5, 1, 8, 4, 6]]


def test_by_customers_by_hand(profit):
    t = value_tiers(profit)
    # order: a 100, b 50, c 50 (tie: b first by id), d 30, e 20, f 20, g, h, i, j
    assert t.loc[list("abcdefghij"), "rank"].tolist() == list(range(1, 11))
    # top 20 % of 10 customers = 2: b is exactly on the cut and is VIP; next 30 % core
    assert t.loc[list("abcdefghij"), "tier"].astype(str).tolist() == (
        ["VIP"] * 2 + ["core"] * 3 + ["general"] * 5)
    assert t.loc["b", "customer_share"] == pytest.approx(0.2)
    assert t.loc["b", "value_share"] == pytest.approx(0.5)
    assert t.index.equals(profit.index)
    summ = value_tier_summary(t)
    assert summ["customers"].tolist() == [2, 3, 5]
    assert summ["value"].tolist() == [150, 100, 50]
    assert summ.loc["VIP", "value_share"] == pytest.approx(0.5)


def test_by_profit_by_hand(profit):
    t = value_tiers(profit, shares=(0.5, 0.8), by="profit")
    # cumulative: 100, 150 (= 50 % exactly: b reaches it, VIP), 200, 230, 250 (83 %: e reaches 80 %)
    assert t.loc[list("abcdefghij"), "tier"].astype(str).tolist() == (
        ["VIP"] * 2 + ["core"] * 3 + ["general"] * 5)
    t2 = value_tiers(profit, shares=(0.8, 0.95), by="profit", labels=("A", "B", "C"))
    # 80 % = 240 first reached by e (250); 95 % = 285 first reached by h (290)
    assert t2.loc[list("abcdefghij"), "tier"].astype(str).tolist() == (
        ["A"] * 5 + ["B"] * 3 + ["C"] * 2)


def test_negative_profit_whale_curve():
    v = pd.Series([100.0, 60.0, -10.0, -50.0], index=[1, 2, 3, 4])
    c = pareto_curve(v)
    assert c["value_share"].tolist() == pytest.approx([0, 1.0, 1.6, 1.5, 1.0])
    t = value_tiers(v, shares=(0.5,), by="profit", labels=("top", "rest"))
    # the curve falls back under 50 % never; customers after the peak stay in "rest"
    assert t["tier"].astype(str).tolist() == ["top", "rest", "rest", "rest"]
    # 20 % of 4 customers is 0.8 of a customer: the VIP tier is empty, and stays in the summary
    by_cust = value_tiers(v)
    assert by_cust["tier"].astype(str).tolist() == ["core", "core", "general", "general"]
    assert value_tier_summary(by_cust)["customers"].tolist() == [0, 2, 2]


def test_pareto_point_and_top_share_by_hand():
    v = pd.Series([80.0, 10.0, 5.0, 5.0])
    p = pareto_point(v)
    # between (0, 0) and (0.25, 0.8): x + y = 1 at t = 1 / 1.05
    assert p["customer_share"] == pytest.approx(0.25 / 1.05)
    assert p["value_share"] == pytest.approx(0.8 / 1.05)
    assert top_share(v, 0.25) == pytest.approx(0.8)
    assert top_share(v, 0.5) == pytest.approx(0.9)
    assert pareto_point(pd.Series([1.0] * 10))["customer_share"] == pytest.approx(0.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1000, allow_nan=False), min_size=2, max_size=40).filter(lambda x: sum(x) > 0))
def test_gini_equals_mean_difference_formula(values):
    v = pd.Series(values)
    x = np.asarray(values)
    expected = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert gini(v) == pytest.approx(expected, abs=1e-9)
    lc = lorenz_curve(v)
    assert (np.diff(lc["value_share"]) >= -1e-12).all()
    pp = pareto_point(v)
    assert pp["customer_share"] + pp["value_share"] == pytest.approx(1.0)
    assert 0 < pp["customer_share"] <= 0.5 + 1e-9


def test_cdnow_pareto(cdnow_transactions):
    t = rfm_table(cdnow_transactions, "1998-06-30")
    value = t["monetary"]
    tiers = value_tiers(value)
    summ = value_tier_summary(tiers)
    assert summ["customers"].tolist() == [471, 707, 1179]  # 20 % of 2357 = 471.4
    # the top 20 % of CDNOW customers make well over half of the revenue
    assert summ.loc["VIP", "value_share"] == pytest.approx(top_share(value, 471 / 2357))
    assert summ.loc["VIP", "value_share"] > 0.55
    pp = pareto_point(value)
    assert 0.15 < pp["customer_share"] < 0.35
    vip_min = tiers.loc[tiers["tier"] == "VIP", "value"].min()
    assert vip_min >= tiers.loc[tiers["tier"] == "core", "value"].max()
    assert 0.5 < gini(value) < 0.8


def test_bad_input(profit):
    with pytest.raises(CRMDataError, match="out of order"):
        value_tiers(profit, shares=(0.5, 0.2))
    with pytest.raises(CRMDataError, match="labels"):
        value_tiers(profit, shares=(0.2,))
    with pytest.raises(CRMDataError, match=r"\(0, 1\]"):
        value_tiers(profit, shares=(0.2, 1.5))
    bad = profit.copy()
    bad["c"] = np.nan
    with pytest.raises(CRMDataError, match=r"1 row \(e\.g\. c"):
        value_tiers(bad)
    with pytest.raises(CRMDataError, match="negative"):
        lorenz_curve(pd.Series([1.0, -2.0, 3.0]))
    with pytest.raises(CRMDataError, match="Series"):
        value_tiers(profit.to_frame())
    with pytest.raises(CRMDataError, match="by must be"):
        value_tiers(profit, by="revenue")


def test_bundled_sample_by_profit_and_customers():
    from crm_models.data.datasets import SAMPLE_OBSERVATION_END, sample_transactions

    tx = sample_transactions()
    value = rfm_table(tx, SAMPLE_OBSERVATION_END)["monetary"]
    abc = value_tier_summary(value_tiers(value, shares=(0.8, 0.95), by="profit"))
    # ABC: the A tier is the smallest set of top customers reaching 80 % of revenue
    assert 0.8 <= abc.loc["VIP", "value_share"] < 0.8 + value.max() / value.sum()
    assert abc["customers"].sum() == value.size == 3000
    by_cust = value_tier_summary(value_tiers(value))
    assert by_cust["customers"].tolist() == [600, 900, 1500]
    assert by_cust.loc["VIP", "value_share"] == pytest.approx(top_share(value, 0.2))
