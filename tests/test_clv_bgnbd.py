"""BG/NBD: the published CDNOW fit from the raw transactions, and lifetimes agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.clv import BGNBD_LL, BGNBD_REF, assert_close_to_published, fitted
from scipy import integrate

import crm_models as crm

lifetimes = pytest.importorskip("lifetimes")


def test_reproduces_fader_hardie_lee_2005(cdnow_summary):
    m = fitted("bgnbd", cdnow_summary)
    assert_close_to_published(m.params_, BGNBD_REF)
    assert m.log_likelihood_ == pytest.approx(BGNBD_LL, abs=0.1)
    assert m.n_obs_ == 2357
    assert m.aic_ == pytest.approx(8 - 2 * m.log_likelihood_)
    assert m.bic_ == pytest.approx(4 * np.log(2357) - 2 * m.log_likelihood_)


def test_summary_table(cdnow_summary):
    m = fitted("bgnbd", cdnow_summary)
    tab = m.summary
    assert list(tab.columns) == ["estimate", "std_error", "lower_95", "upper_95"]
    assert list(tab.index) == ["r", "alpha", "a", "b"]
    assert (tab["lower_95"] < tab["estimate"]).all() and (tab["estimate"] < tab["upper_95"]).all()
    # standard errors from the Hessian: r is the best identified parameter, b the worst
    assert 0.005 < tab.loc["r", "std_error"] < 0.03
    rel_se = tab["std_error"] / tab["estimate"]
    assert rel_se["b"] > rel_se["r"]


def test_standard_errors_match_lifetimes_hessian(cdnow_summary):
    """lifetimes computes its Hessian with autograd on the same likelihood: an independent check."""
    m = fitted("bgnbd", cdnow_summary)
    s = cdnow_summary
    lf = lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    np.testing.assert_allclose(m.params_.to_numpy(), lf.params_.to_numpy(), rtol=2e-4)
    np.testing.assert_allclose(m.summary["std_error"].to_numpy(), lf.standard_errors_.to_numpy(),
                               rtol=5e-3)


def test_unconditional_expectation_hardie_spreadsheet(cdnow_summary):
    m = fitted("bgnbd", cdnow_summary)
    got = m.expected_purchases_new_customer(np.array([1.0, 3.0, 32.0]))
    np.testing.assert_allclose(got, [0.0532, 0.1506, 1.0437], atol=5e-5)


def test_unconditional_expectation_at_78_weeks_is_the_exact_value(cdnow_summary):
    """The reference lists 1.8576 at t = 78; the exact value is 1.85796.

    Checked two independent ways: scipy's hyp2f1 (via lifetimes) and direct integration of
    E[X(t) | p] = (1 - (alpha/(alpha + p t))^r) / p over p ~ Beta(a, b).  The published
    figure is what a hypergeometric series truncated near 150 terms gives (z = 0.946 converges
    slowly), so it is a truncation artefact of the spreadsheet, not a different model.
    """
    m = fitted("bgnbd", cdnow_summary)
    r, alpha, a, b = m.params_
    ours = m.expected_purchases_new_customer(78.0)
    lf = lifetimes.BetaGeoFitter()
    lf.params_ = m.params_.copy()
    assert ours == pytest.approx(float(lf.expected_number_of_purchases_up_to_time(78.0)), rel=1e-10)
    from scipy import stats

    def integrand(p):
        return (1 - (alpha / (alpha + p * 78.0)) ** r) / p * stats.beta.pdf(p, a, b)

    exact, _ = integrate.quad(integrand, 0, 1, epsabs=1e-13, limit=200)
    assert ours == pytest.approx(exact, rel=1e-8)
    assert ours == pytest.approx(1.85796, abs=5e-6)
    # the spreadsheet's 1.8576: the same series cut after ~150 terms
    z = 78.0 / (alpha + 78.0)
    term, total = 1.0, 1.0
    for n in range(150):
        term *= (r + n) * (b + n) / ((a + b - 1 + n) * (n + 1)) * z
        total += term
    truncated = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + 78.0)) ** r * total)
    assert round(truncated, 4) == 1.8576


def _lifetimes_with(params: pd.Series):
    lf = lifetimes.BetaGeoFitter()
    lf.params_ = params.copy()
    return lf


def test_predictions_agree_with_lifetimes(cdnow_summary):
    m = fitted("bgnbd", cdnow_summary)
    lf = _lifetimes_with(m.params_)
    s = cdnow_summary
    for t in (1.0, 39.0, 52.0):
        ours = m.expected_purchases(s, t)
        theirs = lf.conditional_expected_number_of_purchases_up_to_time(
            t, s["frequency"], s["recency"], s["T"])
        assert ours.index.equals(s.index)
        np.testing.assert_allclose(ours.to_numpy(), np.asarray(theirs), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(m.prob_alive(s).to_numpy(),
                               lf.conditional_probability_alive(s["frequency"], s["recency"], s["T"]),
                               rtol=1e-10, atol=1e-13)
    for n in range(6):
        assert m.probability_of_n_purchases(39.0, n) == pytest.approx(
            float(lf.probability_of_n_purchases_up_to_time(39.0, n)), rel=1e-9)


def test_log_likelihood_agrees_with_lifetimes(cdnow_summary):
    m = fitted("bgnbd", cdnow_summary)
    s = cdnow_summary
    nll = lifetimes.BetaGeoFitter._negative_log_likelihood(
        np.log(m.params_.to_numpy()), s["frequency"].to_numpy(), s["recency"].to_numpy(), s["T"].to_numpy(),
        np.ones(len(s)), 0.0)
    assert -nll * len(s) == pytest.approx(m.log_likelihood_, rel=1e-12)


def test_pmf_sums_to_one_and_matches_mean(cdnow_summary):
    m = fitted("bgnbd", cdnow_summary)
    n = np.arange(0, 400)
    pmf = m.probability_of_n_purchases(52.0, n)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    assert (n * pmf).sum() == pytest.approx(m.expected_purchases_new_customer(52.0), rel=1e-8)


def test_dert_is_the_limit_of_the_discounted_horizon_sum(cdnow_summary):
    """DERT = int e^(-delta tau) dE[X(T, T+tau)]: the midpoint sum on a fine grid converges to it."""
    m = fitted("bgnbd", cdnow_summary)
    sub = cdnow_summary.loc[[1, 2, 3, 18, 1000]]
    d = 0.01
    delta = np.log1p(d)
    dert = m.dert(sub, d).to_numpy()

    def midpoint_sum(h, horizon=3000.0):
        grid = np.arange(0, horizon + h / 2, h)
        E = m.expected_purchases_path(sub, grid).to_numpy()
        w = np.exp(-delta * (grid[1:] - h / 2))
        return (np.diff(E, axis=1) * w).sum(axis=1)

    s1, s2 = midpoint_sum(1.0), midpoint_sum(0.5)
    richardson = (4 * s2 - s1) / 3
    np.testing.assert_allclose(s2, dert, rtol=1e-5)
    np.testing.assert_allclose(richardson, dert, rtol=1e-8)


def test_frequency_zero_customers_are_alive(cdnow_summary):
    m = fitted("bgnbd", cdnow_summary)
    p = m.prob_alive(cdnow_summary)
    assert (p[cdnow_summary["frequency"] == 0] == 1.0).all()


def test_compression_does_not_change_the_fit(cdnow_summary):
    """Fitting on merged rows with weights = fitting on the customers one by one."""
    s = cdnow_summary
    agg = s.groupby(["frequency", "recency", "T"]).size().rename("n").reset_index()
    m1 = fitted("bgnbd", s)
    m2 = crm.clv.BetaGeoModel().fit(agg, weights="n")
    np.testing.assert_allclose(m2.params_.to_numpy(), m1.params_.to_numpy(), rtol=1e-7)
    assert m2.log_likelihood_ == pytest.approx(m1.log_likelihood_, rel=1e-12)
    assert m1.n_distinct_ == len(agg)


def test_penalizer_matches_lifetimes(cdnow_summary):
    """Same penalty as lifetimes, which applies it after rescaling times so that max(T) = 1."""
    s = cdnow_summary
    M = s["T"].max()
    scaled = s.assign(recency=s["recency"] / M, T=s["T"] / M)
    ours = crm.clv.BetaGeoModel(penalizer=0.01).fit(scaled)
    lf = lifetimes.BetaGeoFitter(penalizer_coef=0.01).fit(s["frequency"], s["recency"], s["T"])
    expected = lf.params_.copy()
    expected["alpha"] /= M  # lifetimes reports alpha back in the original time unit
    np.testing.assert_allclose(ours.params_.to_numpy(), expected.to_numpy(), rtol=2e-3)
    plain = crm.clv.BetaGeoModel().fit(scaled)
    assert ours.params_["b"] < plain.params_["b"]  # shrunk towards 0


def test_input_is_not_modified(cdnow_summary):
    s = cdnow_summary.copy()
    before = s.copy()
    m = crm.clv.BetaGeoModel().fit(s)
    m.expected_purchases(s, 10)
    pd.testing.assert_frame_equal(s, before)


def test_per_customer_p_alive_is_the_likelihood_terms_formula():
    """The fast per-customer P(alive) (odds looked up per frequency, logistic function) equals
    exp(A3 - logaddexp(A3, A4)) of the likelihood terms, also for extreme odds, scalars and
    frequencies too large for the lookup table."""
    from helpers.clv import random_summary

    s = random_summary(20_000, seed=5, max_T=300.0)
    for params in ([0.243, 4.414, 0.793, 2.426], [2.5, 1.3, 0.3, 7.0], [0.05, 40.0, 3.0, 0.9]):
        m = crm.clv.BetaGeoModel.from_params(**dict(zip(("r", "alpha", "a", "b"), params, strict=True)))
        x, tx, T = (s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
        _, _, A3, A4 = m._terms(np.array(params), x, tx, T)
        expected = np.exp(A3 - np.logaddexp(A3, A4))
        np.testing.assert_allclose(m.prob_alive(s).to_numpy(), expected, rtol=1e-12, atol=0)
        assert (m.prob_alive(s)[s["frequency"] == 0] == 1.0).all()
        np.testing.assert_allclose(m._p_alive(x[3], tx[3], T[3]), expected[3], rtol=1e-12)
        big = x * 1e6  # no lookup table for these: element by element; exponents of ~1e8 carry
        _, _, A3, A4 = m._terms(np.array(params), big, tx, T)  # ~1e-8 relative rounding either way
        np.testing.assert_allclose(m._p_alive(big, tx, T), np.exp(A3 - np.logaddexp(A3, A4)),
                                   rtol=1e-7, atol=1e-12)
