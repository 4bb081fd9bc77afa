"""Labels and features at a cut-off (crm_models.churn.classification): hand-computed values and leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.churn.classification import (
    FEATURES,
    churn_labels,
    features_at_cutoff,
    features_from_snapshot,
    labels_and_features,
)
from crm_models.data.datasets import sample_transactions
from crm_models.errors import CRMDataError


@pytest.fixture
def tiny() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b", "c", "c"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-11", "2024-03-31",
                                "2024-03-01", "2024-02-01", "2024-05-15"]),
        "amount": [10.0, 5.0, 5.0, 30.0, 7.0, 4.0, 9.0],
    })


def test_features_by_hand(tiny):
    X = features_at_cutoff(tiny, "2024-03-31", recent_days=30)
    assert list(X.columns) == FEATURES and list(X.index) == ["a", "b", "c"]
    a = X.loc["a"]
    # purchase days Jan 1 (10), Jan 11 (5+5), Mar 31 (30); gaps 10 and 80 days
    assert a["recency"] == 0 and a["tenure"] == 90 and a["frequency"] == 3
    assert a["total_spend"] == 50 and a["monetary"] == pytest.approx(50 / 3)
    assert a["gap_mean"] == 45 and a["gap_std"] == 35 and a["gap_last"] == 80
    # recent window (Mar 1, Mar 31]: 30; earlier Jan 1 .. Mar 1 = 61 days: 20 -> 20 * 30 / 61
    assert a["spend_recent"] == 30
    assert a["spend_trend"] == pytest.approx(np.log1p(30) - np.log1p(20 * 30 / 61))
    b = X.loc["b"]  # one purchase on Mar 1, just outside the 30-day window
    assert b["recency"] == 30 and b["frequency"] == 1 and np.isnan(b["gap_mean"]) and np.isnan(b["gap_std"])
    assert b["spend_recent"] == 0 and b["spend_trend"] == pytest.approx(np.log1p(0) - np.log1p(7 * 30 / 1))
    c = X.loc["c"]  # the May purchase is after the cut-off
    assert c["frequency"] == 1 and c["total_spend"] == 4 and c["tenure"] == 59


def test_labels_by_hand(tiny):
    y = churn_labels(tiny, "2024-03-01", 45, ["a", "b", "c"])
    # (Mar 1, Apr 15]: a buys Mar 31; b only on Mar 1 (not after it); c on May 15 (too late)
    assert y.to_dict() == {"a": 0, "b": 1, "c": 1}
    with pytest.raises(CRMDataError, match="label window"):
        churn_labels(tiny, "2024-05-01", 30, ["a"])


def test_no_leakage_after_cutoff():
    """Changing or deleting every purchase after the cut-off leaves the features unchanged."""
    tx = sample_transactions()
    cutoff = pd.Timestamp("2024-03-31")
    base = features_at_cutoff(tx, cutoff)
    later = tx["date"] > cutoff
    assert later.sum() > 1000
    changed = tx.copy()
    changed.loc[later, "amount"] *= 37.0
    changed.loc[later, "date"] = changed.loc[later, "date"] + pd.Timedelta(days=3)
    rng = np.random.default_rng(1)
    changed.loc[later, "customer_id"] = rng.permutation(changed.loc[later, "customer_id"].to_numpy())
    extra = pd.DataFrame({"customer_id": ["NEW"], "date": [cutoff + pd.Timedelta(days=1)], "amount": [1e6]})
    changed = pd.concat([changed, extra], ignore_index=True)
    pd.testing.assert_frame_equal(features_at_cutoff(changed, cutoff), base)
    pd.testing.assert_frame_equal(features_at_cutoff(tx[~later], cutoff), base)
    # ...while a purchase on the cut-off day itself counts
    on_day = pd.concat([tx, extra.assign(date=cutoff)], ignore_index=True)
    assert "NEW" in features_at_cutoff(on_day, cutoff).index


def test_covariates_and_pair(tiny):
    customers = pd.DataFrame({"channel": ["web", "shop"]}, index=pd.Index(["a", "c"], name="customer_id"))
    X, y = labels_and_features(tiny, "2024-03-01", 45, customers=customers)
    assert X.loc["a", "channel"] == "web" and pd.isna(X.loc["b", "channel"])
    assert X.index.equals(y.index)
    with pytest.raises(CRMDataError, match="clash"):
        features_at_cutoff(tiny, "2024-03-01", customers=customers.rename(columns={"channel": "recency"}))
    with pytest.raises(CRMDataError, match="no purchase on or before"):
        features_at_cutoff(tiny, "2023-01-01")


def test_snapshot_split():
    df = pd.DataFrame({"customerID": ["x", "y", "z"], "plan": ["a", "b", "a"],
                       "TotalCharges": ["10.5", " ", "3"], "Churn": ["Yes", "No", "No"]})
    X, y = features_from_snapshot(df)
    assert list(y) == [1, 0, 0] and list(X.index) == ["x", "y", "z"]
    assert X["TotalCharges"].dtype == float and np.isnan(X.loc["y", "TotalCharges"])
    assert X["plan"].dtype == object


def test_transaction_table_gives_the_same_features():
    """A TransactionTable (DuckDB through Ibis) gives the same features and labels as the frame."""
    from crm_models.data.tables import transaction_table

    tx = sample_transactions()
    X, y = labels_and_features(tx, "2024-03-31", 90)
    X_t, y_t = labels_and_features(transaction_table(tx), "2024-03-31", 90)
    pd.testing.assert_frame_equal(X_t, X)
    pd.testing.assert_series_equal(y_t, y)
