"""Loyalty matrix (attitude x behaviour) and the behavioural loyalty indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crm_models as crm
from crm_models.errors import CRMDataError
from crm_models.segments import LOYALTY_TYPES, loyalty_indicators, loyalty_matrix, repeat_purchase_rate


def test_matrix_by_hand_with_median_ties():
    att = pd.Series({"a": 9, "b": 8, "c": 3, "d": 2, "e": 5, "f": 5}, dtype=float)
    beh = pd.Series({"a": 0.9, "b": 0.1, "c": 0.8, "d": 0.0, "e": 0.5, "f": 0.3, "x": 1.0})
    lm = loyalty_matrix(att, beh)
    # attitude median over a..f = 5 (e, f exactly on it count as high);
    # behaviour median over a..f = (0.3 + 0.5) / 2 = 0.4
    assert lm.attrs["attitude_threshold"] == 5 and lm.attrs["behaviour_threshold"] == pytest.approx(0.4)
    assert lm.astype(str).to_dict() == {"a": "absolute", "b": "latent", "c": "inertia", "d": "non-loyal",
                                        "e": "absolute", "f": "latent"}
    assert list(lm.cat.categories) == LOYALTY_TYPES
    assert lm.attrs["only_in_behaviour"] == 1  # x was not surveyed
    fixed = loyalty_matrix(att, beh, attitude_threshold=8.5, behaviour_threshold=0.8)
    assert fixed.astype(str).to_dict() == {"a": "absolute", "b": "non-loyal", "c": "inertia",
                                           "d": "non-loyal", "e": "non-loyal", "f": "non-loyal"}
    assert fixed.value_counts()["latent"] == 0  # empty cell still listed


def test_items_frame_uses_row_mean():
    items = pd.DataFrame({"loy1": [10, 2, 6], "loy2": [8, 4, 6]}, index=[1, 2, 3])
    beh = pd.Series([1.0, 2.0, 3.0], index=[1, 2, 3])
    lm = loyalty_matrix(items, beh, attitude_threshold="mean")
    np.testing.assert_allclose(lm.attrs["attitude"], [9, 3, 6])
    assert lm.attrs["attitude_threshold"] == pytest.approx(6.0)
    # customer 2: behaviour exactly on the median (2.0) counts as high -> inertia
    assert lm.astype(str).tolist() == ["latent", "inertia", "absolute"]


def test_repeat_purchase_rate_by_hand():
    tx = crm.data.load_transactions(pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 2, 3],
        "date": ["2024-01-05", "2024-01-20", "2024-03-02", "2024-06-30", "2024-06-15", "2024-03-01"],
        "amount": 1.0}))
    r = repeat_purchase_rate(tx, "2024-06-30")
    # customer 1: months Jan, Mar, Jun -> 2 repeat months out of the 5 months after January
    assert r[1] == pytest.approx(2 / 5)
    assert r[2] == 0.0  # first month = last month: no chance to repeat yet
    assert r[3] == 0.0  # 3 months after March without a purchase
    weekly = repeat_purchase_rate(tx, "2024-06-30", period="W")
    assert weekly[3] == 0.0 and weekly[1] == pytest.approx(3 / 25)


def test_indicators_price_promotion_complaints():
    raw = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b"],
        "date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-15", "2024-03-15"],
        "amount": [10.0, 8.0, 10.0, 5.0, 4.0],
        "price": [10.0, 8.0, 10.0, 5.0, 4.0],
        "list_price": [10.0, 10.0, 10.0, 5.0, 5.0],
        "promo": [False, True, False, False, True],
    })
    tx = crm.data.load_transactions(raw, extra_columns=["price", "list_price", "promo"])
    complaints = pd.DataFrame({"customer_id": ["b", "b", "a"],
                               "date": ["2024-02-01", "2024-03-20", "2024-09-01"]})
    ind = loyalty_indicators(tx, "2024-03-31", price="price", list_price="list_price", promotion="promo",
                             complaints=complaints)
    assert ind.loc["a", "purchases"] == 3
    assert ind.loc["a", "discount_purchase_share"] == pytest.approx(1 / 3)
    assert ind.loc["a", "mean_discount"] == pytest.approx(0.2 / 3)
    assert ind.loc["b", "discount_purchase_share"] == pytest.approx(0.5)
    assert ind.loc["b", "mean_discount"] == pytest.approx(0.1)
    assert ind.loc["b", "promotion_purchase_share"] == pytest.approx(0.5)
    assert ind.loc["a", "complaints"] == 0  # its complaint is after the observation end
    assert ind.loc["b", "complaint_rate"] == pytest.approx(1.0)
    assert ind.loc["a", "repeat_purchase_rate"] == pytest.approx(1.0)  # Feb and Mar after Jan
    counts = loyalty_indicators(tx, "2024-03-31", complaints=pd.Series({"a": 3}))
    assert counts["complaint_rate"].tolist() == [1.0, 0.0]
    assert "mean_discount" not in counts.columns


def test_bundled_survey_and_cdnow(cdnow_transactions):
    from crm_models.data.datasets import SAMPLE_OBSERVATION_END, sample_survey, sample_transactions

    tx = sample_transactions()
    survey = sample_survey().set_index("customer_id")
    beh = repeat_purchase_rate(tx, SAMPLE_OBSERVATION_END)
    lm = loyalty_matrix(survey[["loy1", "loy2", "loy3"]], beh)
    assert len(lm) == 600
    counts = lm.value_counts()
    # attitude and behaviour are positively related in the sample (rank correlation ~0.5):
    # the diagonal (absolute + non-loyal) outweighs the off-diagonal
    assert counts["absolute"] + counts["non-loyal"] > counts["latent"] + counts["inertia"]
    high_a = lm.attrs["attitude"] >= lm.attrs["attitude_threshold"]
    assert ((lm == "absolute") | (lm == "latent")).equals(high_a)
    r = repeat_purchase_rate(cdnow_transactions, "1998-06-30")
    s = crm.data.rfm_summary(cdnow_transactions, "1998-06-30", period="M")
    np.testing.assert_allclose(r, np.where(s["T"] > 0, s["frequency"] / s["T"].clip(lower=1), 0.0))


def test_bad_input():
    att = pd.Series({"a": 1.0, "b": 2.0})
    with pytest.raises(CRMDataError, match="no customer is in both"):
        loyalty_matrix(att, pd.Series({"x": 1.0}))
    with pytest.raises(CRMDataError, match=r"attitude.*1 row \(e\.g\. b"):
        loyalty_matrix(pd.Series({"a": 1.0, "b": np.nan}), pd.Series({"a": 1.0, "b": 1.0}))
    with pytest.raises(CRMDataError, match="threshold"):
        loyalty_matrix(att, att, attitude_threshold="mode")
    tx = crm.data.load_transactions(pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"],
                                                  "amount": [1.0]}))
    with pytest.raises(CRMDataError, match="list_price"):
        loyalty_indicators(tx, "2024-02-01", price="amount")
    with pytest.raises(CRMDataError, match="price"):
        loyalty_indicators(tx, "2024-02-01", price="price", list_price="amount")
    with pytest.raises(CRMDataError, match="without purchases"):
        loyalty_indicators(tx, "2024-02-01", complaints=pd.Series({2: 1}))
