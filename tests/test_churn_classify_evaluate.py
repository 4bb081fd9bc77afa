"""Evaluation tables (crm_models.churn.evaluate) against sklearn.metrics and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from crm_models.churn.evaluate import (
    classification_metrics,
    gains_table,
    profit_curve,
    reliability_table,
    top_k_precision,
)
from crm_models.errors import CRMDataError

Y = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0, 0])
P = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1])


def test_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = np.clip(0.3 * y + rng.uniform(size=500) * 0.7, 0, 1)
    m = classification_metrics(y, p)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, p))
    assert m["pr_auc"] == pytest.approx(average_precision_score(y, p))
    assert m["brier"] == pytest.approx(brier_score_loss(y, p))
    assert m["log_loss"] == pytest.approx(log_loss(y, p))
    assert m["base_rate"] == pytest.approx(y.mean())
    # tiny case by hand: 4 churners x 6 stayers = 24 pairs; churners at 0.9, 0.7, 0.6, 0.3 outrank
    # 6 + 5 + 5 + 3 = 19 stayers
    assert classification_metrics(Y, P)["roc_auc"] == pytest.approx(19 / 24)


def test_gains_by_hand():
    g = gains_table(Y, P, n_bins=5)  # groups of 2: (1,0) (1,1) (0,0) (1,0) (0,0)
    assert g["churners"].tolist() == [1, 2, 0, 1, 0]
    assert g["lift"].tolist() == pytest.approx([0.5 / 0.4, 1.0 / 0.4, 0, 0.5 / 0.4, 0])
    assert g["cum_gain"].tolist() == pytest.approx([0.25, 0.75, 0.75, 1.0, 1.0])
    assert g["cum_lift"].iloc[1] == pytest.approx(0.75 / 0.4)
    assert g["cum_lift"].iloc[-1] == pytest.approx(1.0)


def test_top_k_by_hand():
    t = top_k_precision(Y, P, [1, 4, 0.5])
    assert t["n_targeted"].tolist() == [1, 4, 5]
    assert t["precision"].tolist() == pytest.approx([1.0, 0.75, 0.6])
    assert t["recall"].tolist() == pytest.approx([0.25, 0.75, 0.75])
    with pytest.raises(CRMDataError):
        top_k_precision(Y, P, 11)


def test_reliability_matches_sklearn():
    rng = np.random.default_rng(1)
    p = rng.uniform(size=2000)
    y = (rng.uniform(size=2000) < p).astype(int)
    for strategy in ("uniform", "quantile"):
        ours = reliability_table(y, p, n_bins=8, strategy=strategy)
        prob_true, prob_pred = calibration_curve(y, p, n_bins=8, strategy=strategy)
        np.testing.assert_allclose(ours["observed_rate"], prob_true)
        np.testing.assert_allclose(ours["mean_predicted"], prob_pred)
        assert ours["n"].sum() == 2000
    # tied scores on a quantile edge (a survival model gives every lapsed customer one score)
    p_tied = np.r_[np.full(600, 0.8), rng.uniform(size=400)]
    y_tied = (rng.uniform(size=1000) < p_tied).astype(int)
    for strategy in ("uniform", "quantile"):
        ours = reliability_table(y_tied, p_tied, n_bins=10, strategy=strategy)
        prob_true, prob_pred = calibration_curve(y_tied, p_tied, n_bins=10, strategy=strategy)
        np.testing.assert_allclose(ours["observed_rate"], prob_true)
        np.testing.assert_allclose(ours["mean_predicted"], prob_pred)


def test_profit_by_hand():
    c = profit_curve(Y, P, value=100.0, offer_cost=10.0, acceptance_rate=0.5)
    # targeting top m: saved = 50 per churner reached, cost 10 per contact
    assert c["profit"].tolist()[:5] == pytest.approx([0, 40, 30, 70, 110])
    # m = 5, 6, 7: 100, 90, 130 (the 4th churner is 7th), then only costs
    assert c.attrs["best"]["n_targeted"] == 7 and c.attrs["best"]["profit"] == pytest.approx(130)
    # default scenario: offer cost = value / 7.5 (acquiring costs 5-10x keeping)
    d = profit_curve(Y, P, value=75.0)
    assert d.attrs["offer_cost"] == pytest.approx(10.0)
    # expected profit from the probabilities, with per-customer values
    v = np.arange(1, 11) * 10.0
    e = profit_curve(Y, P, value=v, offer_cost=1.0, acceptance_rate=1.0, expected=True)
    assert e["saved"].iloc[-1] == pytest.approx(float(np.sum(P * v)))
