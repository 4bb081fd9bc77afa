"""MBG/NBD: the fit of Batislam et al. (2007) as reproduced by R BTYDplus, and lifetimes agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.clv import MBGNBD_REF, assert_close_to_published, fitted

lifetimes = pytest.importorskip("lifetimes")


def test_reproduces_btydplus_fit(cdnow_summary):
    m = fitted("mbgnbd", cdnow_summary)
    assert_close_to_published(m.params_, MBGNBD_REF)
    # one more parameter's worth of flexibility than the BG/NBD: a slightly better likelihood
    assert fitted("bgnbd", cdnow_summary).log_likelihood_ < m.log_likelihood_


def _lifetimes_with(params: pd.Series):
    lf = lifetimes.ModifiedBetaGeoFitter()
    lf.params_ = params.copy()
    return lf


def test_agrees_with_lifetimes(cdnow_summary):
    m = fitted("mbgnbd", cdnow_summary)
    s = cdnow_summary
    lf = _lifetimes_with(m.params_)
    nll = lifetimes.ModifiedBetaGeoFitter._negative_log_likelihood(
        np.log(m.params_.to_numpy()), s["frequency"].to_numpy(), s["recency"].to_numpy(), s["T"].to_numpy(),
        np.ones(len(s)), 0.0)
    assert -nll * len(s) == pytest.approx(m.log_likelihood_, rel=1e-12)
    np.testing.assert_allclose(m.prob_alive(s).to_numpy(),
                               lf.conditional_probability_alive(s["frequency"], s["recency"], s["T"]),
                               rtol=1e-10)
    for t in (1.0, 39.0, 52.0):
        theirs = lf.conditional_expected_number_of_purchases_up_to_time(
            t, s["frequency"], s["recency"], s["T"])
        np.testing.assert_allclose(m.expected_purchases(s, t).to_numpy(), np.asarray(theirs), rtol=1e-9)
    assert m.expected_purchases_new_customer(39.0) == pytest.approx(
        float(lf.expected_number_of_purchases_up_to_time(39.0)), rel=1e-10)
    for n in range(5):
        assert m.probability_of_n_purchases(39.0, n) == pytest.approx(
            float(lf.probability_of_n_purchases_up_to_time(39.0, n)), rel=1e-9)


def test_customers_without_repeat_purchase_may_be_inactive(cdnow_summary):
    m = fitted("mbgnbd", cdnow_summary)
    p = m.prob_alive(cdnow_summary)
    zero = cdnow_summary["frequency"] == 0
    assert (p[zero] < 1).all()
    r, alpha, a, b = m.params_
    T = cdnow_summary.loc[zero, "T"]
    np.testing.assert_allclose(p[zero], 1 / (1 + a / b * ((alpha + T) / alpha) ** r), rtol=1e-12)


def test_pmf_sums_to_one_and_matches_mean(cdnow_summary):
    m = fitted("mbgnbd", cdnow_summary)
    n = np.arange(0, 400)
    pmf = m.probability_of_n_purchases(52.0, n)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    assert (n * pmf).sum() == pytest.approx(m.expected_purchases_new_customer(52.0), rel=1e-8)


def test_dert_is_the_limit_of_the_discounted_horizon_sum(cdnow_summary):
    m = fitted("mbgnbd", cdnow_summary)
    sub = cdnow_summary.loc[[1, 2, 3, 18]]
    delta = np.log1p(0.01)

    def midpoint_sum(h, horizon=3000.0):
        grid = np.arange(0, horizon + h / 2, h)
        E = m.expected_purchases_path(sub, grid).to_numpy()
        return (np.diff(E, axis=1) * np.exp(-delta * (grid[1:] - h / 2))).sum(axis=1)

    s1, s2 = midpoint_sum(1.0), midpoint_sum(0.5)
    np.testing.assert_allclose((4 * s2 - s1) / 3, m.dert(sub, 0.01).to_numpy(), rtol=1e-8)
