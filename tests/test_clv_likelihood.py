"""The fast likelihood paths (special functions once per distinct frequency, value and
gradient in one pass) against the plain per-row formulas, numerical derivatives and
lifetimes on data with many distinct rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.clv import random_summary

import crm_models as crm
from crm_models.clv.base import _num_grad
from crm_models.data import simulate

lifetimes = pytest.importorskip("lifetimes")

BG_FAMILY = [crm.clv.BetaGeoModel, crm.clv.ModifiedBetaGeoModel]
POINTS = ([0.5, 5.0, 0.8, 3.0], [2.0, 0.3, 4.0, 0.7], [0.05, 40.0, 0.2, 50.0])


@pytest.fixture(scope="module")
def realistic_summary() -> pd.DataFrame:
    """Simulated shop (many distinct (frequency, recency, T) rows, unlike the CDNOW sample)."""
    tx, _ = simulate.transactions(3000, seed=11)
    return crm.data.rfm_summary(crm.data.load_transactions(tx), "2024-12-31", time_unit="W")


@pytest.mark.parametrize("model", BG_FAMILY)
@pytest.mark.parametrize("params", POINTS)
def test_total_equals_the_per_row_likelihood(model, params):
    m = model()
    d = m._compress_summary(random_summary(400, seed=3), "summary", require_repeat=True)
    total, _ = m._loglik_total(np.array(params), d, False)
    assert total == pytest.approx(float(np.dot(d.weights, m._loglik(np.array(params), d))), rel=1e-13)


@pytest.mark.parametrize("model", BG_FAMILY)
@pytest.mark.parametrize("params", POINTS)
def test_gradient_is_the_derivative_of_the_likelihood(model, params, realistic_summary):
    m = model()
    d = m._compress_summary(realistic_summary, "summary", require_repeat=True)
    theta = np.log(params)
    value, grad = m._value_and_gradient(theta, d)
    assert value == pytest.approx(m._objective(theta, d), rel=1e-15)
    np.testing.assert_allclose(grad, _num_grad(lambda th: m._objective(th, d), theta), rtol=1e-6, atol=1e-8)


def test_bgnbd_agrees_with_lifetimes_on_many_distinct_rows(realistic_summary):
    s = realistic_summary
    ours = crm.clv.BetaGeoModel().fit(s)
    assert ours.n_distinct_ > 0.5 * len(s)  # compression does not collapse these data
    lf = lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    np.testing.assert_allclose(ours.params_.to_numpy(), lf.params_.to_numpy(), rtol=1e-4)
    cols = [s[c].to_numpy() for c in ("frequency", "recency", "T")]
    nll = lifetimes.BetaGeoFitter._negative_log_likelihood(np.log(ours.params_.to_numpy()), *cols,
                                                           np.ones(len(s)), 0.0)
    assert ours.log_likelihood_ == pytest.approx(-nll * len(s), rel=1e-12)
    assert "_eval_cache" not in vars(ours) and "_prep_cache" not in vars(ours)  # no data kept


def test_mbgnbd_agrees_with_lifetimes_on_many_distinct_rows(realistic_summary):
    s = realistic_summary
    ours = crm.clv.ModifiedBetaGeoModel().fit(s)
    lf = lifetimes.ModifiedBetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    np.testing.assert_allclose(ours.params_.to_numpy(), lf.params_.to_numpy(), rtol=1e-4)


PNBD_POINTS = ([0.9, 11.0, 1.27, 66.0], [0.55, 12.5, 0.6, 3.6], [2.0, 1.0, 0.2, 100.0], [0.5, 50.0, 3.0, 5.0])


@pytest.mark.parametrize("params", PNBD_POINTS)
def test_paretonbd_pairwise_likelihood_equals_the_per_row_formula(params, realistic_summary):
    """Series per distinct (frequency, time) pair == the per-row evaluation (both branches of
    alpha < beta, customers who bought on their last day t_x = T included)."""
    s = pd.concat([realistic_summary,
                   pd.DataFrame({"frequency": [3, 40], "recency": [30.0, 60.0], "T": [30.0, 60.0]})])
    m = crm.clv.ParetoNBDModel()
    d = m._compress_summary(s.reset_index(drop=True), "summary", require_repeat=True)
    p = np.array(params)
    total, grad = m._loglik_total(p, d, True)
    per_row_total, per_row_grad = crm.clv.base.MLEModel._loglik_total(m, p, d, True)
    assert total == pytest.approx(per_row_total, rel=1e-13)
    np.testing.assert_allclose(grad, per_row_grad, rtol=1e-9, atol=1e-9 * abs(per_row_total) / len(s))
    theta = np.log(p)  # step 1e-5: the objective is a sum of large terms of both signs (noise ~1e-14)
    np.testing.assert_allclose(m._gradient(theta, d), _num_grad(lambda th: m._objective(th, d), theta, 1e-5),
                               rtol=1e-6, atol=1e-8)
