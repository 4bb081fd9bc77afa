"""Retention economics: acquisition vs retention costs, value of more retention."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.errors import CRMDataError
from crm_models.segments import (
    acquisition_vs_retention,
    clv_constant_retention,
    observed_retention_rate,
    retention_uplift_by_customer,
    retention_uplift_value,
)


def test_clv_formula_by_hand_and_by_summing():
    # m r / (1 + i - r) = 100 * 0.8 / 0.3
    assert clv_constant_retention(100, 0.8, 0.1) == pytest.approx(800 / 3)
    # finite horizon: the explicit sum of discounted survival-weighted margins
    explicit = sum(100 * 0.8**t / 1.1**t for t in range(1, 6))
    assert clv_constant_retention(100, 0.8, 0.1, horizon=5) == pytest.approx(explicit)
    assert clv_constant_retention(100, 1.0, 0.0, horizon=4) == pytest.approx(400)
    assert clv_constant_retention(100, 1.0, 0.1) == pytest.approx(1000)
    assert clv_constant_retention(100, 0.0, 0.1) == 0


def test_uplift_by_hand():
    res = retention_uplift_value(0.8, 100, uplift=0.05, discount_rate=0.1, n_customers=1000)
    assert res["clv_before"] == pytest.approx(800 / 3)
    assert res["clv_after"] == pytest.approx(85 / 0.25)
    assert res["percent_gain"] == pytest.approx(100 * (340 / (800 / 3) - 1))  # +27.5 %
    assert res["total_gain"] == pytest.approx(1000 * (340 - 800 / 3))
    # Reichheld & Sasser: +5 points of retention is worth +25 % to +85 % (typical rates 80-90 %)
    gains = [retention_uplift_value(r, 1, 0.05)["percent_gain"] for r in (0.8, 0.85, 0.9)]
    assert 25 < min(gains) and max(gains) < 85 and gains == sorted(gains)
    capped = retention_uplift_value(0.98, 10, uplift=0.05)
    assert capped["retention_after"] == 1.0


def test_acquisition_vs_retention():
    t = acquisition_vs_retention(200, 30.0)
    assert t.index.tolist() == [5.0, 10.0]
    assert t["cost_to_retain"].tolist() == [6000, 6000]
    assert t["cost_to_acquire"].tolist() == [30000, 60000]
    assert t["saving"].tolist() == [24000, 54000]


def test_by_customer_from_margin_or_clv():
    r = pd.Series({"a": 0.5, "b": 0.9, "c": 0.0})
    by_m = retention_uplift_by_customer(r, margin=pd.Series({"a": 10.0, "b": 10.0, "c": 10.0}), uplift=0.1)
    assert by_m.loc["a", "clv_before"] == pytest.approx(10 * 0.5 / 0.6)
    assert by_m.loc["a", "gain"] == pytest.approx(10 * 0.6 / 0.5 - 10 * 0.5 / 0.6)
    assert by_m.loc["b", "clv_after"] == pytest.approx(10 * 1.0 / 0.1)
    assert by_m.loc["c", "clv_before"] == 0
    # a CLV model's values: the implied margin reproduces them, then the same uplift
    clv = by_m["clv_before"]
    by_clv = retention_uplift_by_customer(r, clv=clv, uplift=0.1)
    np.testing.assert_allclose(by_clv.loc[["a", "b"], "margin"], [10, 10])
    np.testing.assert_allclose(by_clv.loc[["a", "b"], "gain"], by_m.loc[["a", "b"], "gain"])


def test_observed_retention_by_hand_and_cdnow(cdnow_transactions):
    import crm_models as crm

    tx = crm.data.load_transactions(pd.DataFrame({
        "customer_id": ["a", "a", "b", "c", "c", "d"],
        "date": ["2023-03-01", "2024-02-01", "2023-06-01", "2023-01-02", "2024-12-31", "2024-05-01"],
        "amount": 1.0}))
    r = observed_retention_rate(tx, "2024-12-31")
    # previous year (2023-01-02 .. 2024-01-01): a, b, c; of them a and c bought in the last year
    assert r.to_dict() == {"customers_before": 3, "retained": 2, "retention_rate": 2 / 3}
    c = observed_retention_rate(cdnow_transactions, "1998-06-30", period_days=180)
    d = cdnow_transactions["date"]
    prev = set(cdnow_transactions.loc[(d > "1997-07-05") & (d <= "1998-01-01"), "customer_id"])
    last = set(cdnow_transactions.loc[d > "1998-01-01", "customer_id"])
    assert c["retention_rate"] == pytest.approx(len(prev & last) / len(prev))
    with pytest.raises(CRMDataError, match="longer than the data"):
        observed_retention_rate(tx, "2024-12-31", period_days=400)


def test_bundled_sample_retention_value():
    from crm_models.data.datasets import SAMPLE_OBSERVATION_END, sample_transactions

    tx = sample_transactions()
    obs = observed_retention_rate(tx, SAMPLE_OBSERVATION_END)
    d = tx["date"]
    prev = set(tx.loc[(d > "2023-01-01") & (d <= "2024-01-01"), "customer_id"])
    last = set(tx.loc[d > "2024-01-01", "customer_id"])
    assert obs["customers_before"] == len(prev) and obs["retained"] == len(prev & last)
    res = retention_uplift_value(obs["retention_rate"], 30.0, uplift=0.05)
    r = obs["retention_rate"]
    assert res["gain_per_customer"] == pytest.approx(30 * ((r + 0.05) / (1.05 - r) - r / (1.1 - r)))


def test_bad_input():
    with pytest.raises(CRMDataError, match="retention_rate"):
        retention_uplift_value(1.2, 100)
    with pytest.raises(CRMDataError, match="discount_rate"):
        clv_constant_retention(100, 0.5, -0.1)
    with pytest.raises(CRMDataError, match="infinite"):
        clv_constant_retention(100, 1.0, 0.0)
    with pytest.raises(CRMDataError, match="either margin or clv"):
        retention_uplift_by_customer(pd.Series({"a": 0.5}))
    with pytest.raises(CRMDataError, match=r"no CLV for customers 1 row \(e\.g\. b"):
        retention_uplift_by_customer(pd.Series({"a": 0.5, "b": 0.5}), clv=pd.Series({"a": 1.0}))
    with pytest.raises(CRMDataError, match="outside"):
        retention_uplift_by_customer(pd.Series({"a": 1.5}), margin=1.0)
    with pytest.raises(CRMDataError, match="ratios"):
        acquisition_vs_retention(10, 5, ratios=(0, 5))
