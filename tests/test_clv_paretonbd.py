"""Pareto/NBD: the published CDNOW fit, lifetimes agreement, and no overflow for big spenders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.clv import PNBD_LL, PNBD_REF, PNBD_SE, assert_close_to_published, fitted
from scipy import integrate

import crm_models as crm
from crm_models.clv.paretonbd import _log_integral

lifetimes = pytest.importorskip("lifetimes")


def test_reproduces_published_fit_and_standard_errors(cdnow_summary):
    m = fitted("paretonbd", cdnow_summary)
    assert_close_to_published(m.params_, PNBD_REF)
    assert_close_to_published(m.summary["std_error"], PNBD_SE)
    assert m.log_likelihood_ == pytest.approx(PNBD_LL, abs=0.1)


def _lifetimes_with(params: pd.Series):
    lf = lifetimes.ParetoNBDFitter()
    lf.params_ = params.copy()
    return lf


def test_log_likelihood_and_predictions_agree_with_lifetimes(cdnow_summary):
    m = fitted("paretonbd", cdnow_summary)
    s = cdnow_summary
    lf = _lifetimes_with(m.params_)
    ll = lifetimes.ParetoNBDFitter._conditional_log_likelihood(
        m.params_.to_numpy(), s["frequency"].to_numpy(), s["recency"].to_numpy(), s["T"].to_numpy())
    assert ll.sum() == pytest.approx(m.log_likelihood_, rel=1e-12)
    np.testing.assert_allclose(m.prob_alive(s).to_numpy(),
                               lf.conditional_probability_alive(s["frequency"], s["recency"], s["T"]),
                               rtol=1e-9, atol=1e-13)
    for t in (10.0, 39.0, 52.0):
        theirs = lf.conditional_expected_number_of_purchases_up_to_time(
            t, s["frequency"], s["recency"], s["T"])
        np.testing.assert_allclose(m.expected_purchases(s, t).to_numpy(), np.asarray(theirs), rtol=1e-9)
    np.testing.assert_allclose(m.expected_purchases_new_customer(np.array([1.0, 39.0, 78.0])),
                               lf.expected_number_of_purchases_up_to_time(np.array([1.0, 39.0, 78.0])),
                               rtol=1e-12)


def _log_integral_by_quadrature(r, alpha, s, beta, x, tx, T):
    """Independent reference: integrate (alpha+tau)^-(r+x) (beta+tau)^-(s+1), scaled by its value at t_x."""
    def log_f(tau):
        return -(r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau)

    ref = log_f(tx)
    scale = (min(alpha, beta) + tx) / (r + x + s + 1)  # the integrand decays on this scale
    pts = [p for p in tx + scale * np.array([1.0, 10.0, 100.0, 1000.0]) if p < T]
    val, _ = integrate.quad(lambda tau: np.exp(log_f(tau) - ref), tx, T, points=pts or None,
                            epsabs=0, epsrel=1e-12, limit=500)
    return ref + np.log(val)


@pytest.mark.parametrize("alpha, beta", [(10.58, 11.67), (11.67, 10.58), (5.0, 5.0), (0.5, 300.0),
                                         (300.0, 0.5)])
@pytest.mark.parametrize("x, tx, T", [(0, 0.0, 39.0), (3, 20.0, 39.0), (300, 38.0, 39.0),
                                      (1000, 3000.0, 3650.0), (800, 10.0, 3650.0)])
def test_integral_term_is_exact_and_never_overflows(alpha, beta, x, tx, T):
    r, s = 0.55, 0.61
    ours = float(_log_integral(r, alpha, s, beta, np.array([x]), np.array([tx]), np.array([T]))[0])
    assert np.isfinite(ours)
    assert ours == pytest.approx(_log_integral_by_quadrature(r, alpha, s, beta, x, tx, T), rel=1e-9, abs=1e-9)


def test_heavy_buyers_have_finite_predictions():
    """A customer base in days with customers making hundreds of purchases."""
    m = crm.clv.ParetoNBDModel.from_params(r=0.55, alpha=10.58 * 7, s=0.61, beta=11.67 * 70)
    s = pd.DataFrame({"frequency": [0, 5, 300, 1000, 1000], "recency": [0.0, 100.0, 3000.0, 3640.0, 200.0],
                      "T": [3650.0] * 5})
    p = m.prob_alive(s)
    e = m.expected_purchases(s, 365.0)
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    assert np.all(np.isfinite(e)) and np.all(e >= 0)
    assert p.iloc[3] > 0.99 and p.iloc[4] < 1e-10  # bought until yesterday vs silent for 9 years
    assert e.iloc[3] > 50


def test_gradient_is_the_derivative_of_the_likelihood(cdnow_summary):
    m = crm.clv.ParetoNBDModel()
    d = m._compress_summary(cdnow_summary, "summary", require_repeat=True)
    from crm_models.clv.base import _num_grad

    for params in ([0.55, 10.5, 0.6, 11.6], [0.55, 12.5, 0.6, 3.6], [2.0, 1.0, 0.2, 100.0]):
        theta = np.log(params)
        np.testing.assert_allclose(m._gradient(theta, d), _num_grad(lambda th: m._objective(th, d), theta),
                                   rtol=1e-6, atol=1e-9)


def test_pmf_sums_to_one_and_matches_mean(cdnow_summary):
    m = fitted("paretonbd", cdnow_summary)
    n = np.arange(0, 300)
    pmf = m.probability_of_n_purchases(52.0, n)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-8)
    assert (n * pmf).sum() == pytest.approx(m.expected_purchases_new_customer(52.0), rel=1e-7)


def test_dert_is_the_limit_of_the_discounted_horizon_sum(cdnow_summary):
    m = fitted("paretonbd", cdnow_summary)
    sub = cdnow_summary.loc[[1, 2, 3, 18, 1000]]
    d = 0.003
    delta = np.log1p(d)

    def midpoint_sum(h, horizon=12000.0):
        grid = np.arange(0, horizon + h / 2, h)
        E = m.expected_purchases_path(sub, grid).to_numpy()
        w = np.exp(-delta * (grid[1:] - h / 2))
        return (np.diff(E, axis=1) * w).sum(axis=1)

    s1, s2 = midpoint_sum(2.0), midpoint_sum(1.0)
    np.testing.assert_allclose((4 * s2 - s1) / 3, m.dert(sub, d).to_numpy(), rtol=1e-7)


@pytest.mark.slow
def test_runaway_dropout_heterogeneity_stops_with_a_clear_error():
    """GGompertz/NBD data (dropout rising with age): the Pareto/NBD likelihood has no maximum, s and
    beta run off together; the fit used to chase them for minutes, now it stops and says why."""
    from crm_models.clv import GGompertzNBDModel
    from crm_models.errors import ConvergenceError

    gen = GGompertzNBDModel.from_params(r=0.8, alpha=2.0, b=0.2, s=1.2, beta=3.0)
    data = gen.simulate(3000, T=np.random.default_rng(3).uniform(6, 18, 3000), holdout=6, seed=3)
    with pytest.raises(ConvergenceError, match="no maximum .* GGompertzNBDModel"):
        crm.clv.ParetoNBDModel().fit(data[["frequency", "recency", "T"]])
