"""The NBD benchmark model (Ehrenberg 1959; BTYDplus ``nbd.*``): gamma-Poisson purchases, no dropout.

Independent references: statsmodels' negative binomial (NB2) regression with exposure T
(the same likelihood up to terms free of the parameters), numerical integration over the
gamma mixing distribution, scipy's negative binomial pmf, and simulated customers with
known parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import crm_models as crm
from crm_models.data import datasets
from crm_models.errors import CRMDataError


@pytest.fixture(scope="module")
def summary():
    tx = datasets.sample_transactions()
    return crm.data.rfm_summary(tx, datasets.SAMPLE_OBSERVATION_END, period="D", time_unit="W")


@pytest.fixture(scope="module")
def nbd(summary):
    return crm.clv.NBDModel().fit(summary)


def simulate(n, r, alpha, seed):
    """Customers of ages T ~ U(10, 80) buying at gamma-distributed Poisson rates for ever."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(10, 80, n)
    lam = rng.gamma(r, 1 / alpha, n)
    x = rng.poisson(lam * T)
    recency = np.where(x > 0, T * rng.beta(np.maximum(x, 1), 1), 0.0)  # the last of x uniform times
    return pd.DataFrame({"frequency": x, "recency": recency, "T": T})


def test_fit_is_the_negative_binomial_regression_with_exposure(summary, nbd):
    import statsmodels.api as sm  # a dev dependency: the independent reference must run
    x = summary["frequency"].to_numpy()
    res = sm.NegativeBinomial(x, np.ones((len(x), 1)), exposure=summary["T"].to_numpy()).fit(
        disp=0, maxiter=500, method="bfgs", gtol=1e-10)
    const, dispersion = res.params
    r = 1 / dispersion
    np.testing.assert_allclose(nbd.params_[["r", "alpha"]], [r, r / np.exp(const)], rtol=1e-5)
    # the log-likelihoods differ by sum(x log T - log x!), free of the parameters
    offset = np.sum(x * np.log(summary["T"].to_numpy()) - np.array([np.sum(np.log(np.arange(1, k + 1)))
                                                                     for k in x]))
    assert nbd.log_likelihood_ + offset == pytest.approx(res.llf, rel=1e-8)


def test_likelihood_and_conditional_expectation_by_numerical_integration(nbd):
    r, alpha = nbd.params_[["r", "alpha"]]
    gamma = stats.gamma(r, scale=1 / alpha)
    for x, T, t in [(0, 30.0, 10.0), (3, 52.0, 26.0), (12, 80.0, 4.0)]:
        def density(lam, power, x=x, T=T):
            return lam**(x + power) * np.exp(-lam * T) * gamma.pdf(lam)

        lik = integrate.quad(density, 0, np.inf, args=(0,), epsabs=0, epsrel=1e-12, limit=500)[0]
        row = pd.DataFrame({"frequency": [x], "recency": [T / 2 if x else 0.0], "T": [T]})
        d = crm.clv._data.compress({c: row[c].to_numpy(dtype=float) for c in row})
        assert np.exp(nbd._loglik(nbd.params_.to_numpy(), d)[0]) == pytest.approx(lik, rel=1e-8)
        mean_rate = integrate.quad(density, 0, np.inf, args=(1,), epsabs=0, epsrel=1e-12, limit=500)[0] / lik
        assert nbd.expected_purchases(row, t).iloc[0] == pytest.approx(mean_rate * t, rel=1e-8)
        assert nbd.dert(row, 0.01).iloc[0] == pytest.approx(mean_rate / np.log1p(0.01), rel=1e-8)
        assert nbd.prob_alive(row).iloc[0] == 1.0


def test_purchase_distribution_is_scipy_negative_binomial(nbd):
    r, alpha = nbd.params_[["r", "alpha"]]
    n = np.arange(60)
    for t in (1.0, 26.0, 104.0):
        pmf = nbd.probability_of_n_purchases(t, n)
        np.testing.assert_allclose(pmf, stats.nbinom.pmf(n, r, alpha / (alpha + t)), rtol=1e-10)
        assert nbd.expected_purchases_new_customer(t) == pytest.approx(
            stats.nbinom.mean(r, alpha / (alpha + t)), rel=1e-12)
    assert nbd.probability_of_n_purchases(26.0, np.arange(2000)).sum() == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("r, alpha, seed", [(0.8, 6.0, 1), (2.5, 20.0, 2)])
def test_recovers_simulated_parameters(r, alpha, seed):
    s = simulate(20_000, r, alpha, seed)
    m = crm.clv.NBDModel().fit(s)
    table = m.summary
    for name, truth in (("r", r), ("alpha", alpha)):
        assert table.loc[name, "lower_95"] <= truth <= table.loc[name, "upper_95"], (name, table)
    # the fit does not look at recency: rows differing only in recency are one row
    assert m.n_distinct_ == len(s[["frequency", "T"]].drop_duplicates())
    # simulated next-period purchases of the same customers average to the prediction
    rng = np.random.default_rng(seed + 10)
    lam = rng.gamma(r + s["frequency"], 1 / (alpha + s["T"]))  # the true posterior
    future = rng.poisson(lam * 10.0)
    assert future.mean() == pytest.approx(m.expected_purchases(s, 10.0).mean(), rel=0.03)


def test_bad_summary_is_refused(summary):
    bad = summary.copy()
    bad.iloc[0, bad.columns.get_loc("T")] = -1.0
    with pytest.raises(CRMDataError, match="negative"):
        crm.clv.NBDModel().fit(bad)
    with pytest.raises(CRMDataError, match="repeat purchase"):
        crm.clv.NBDModel().fit(summary.assign(frequency=0, recency=0.0))
