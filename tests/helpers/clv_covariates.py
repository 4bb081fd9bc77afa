"""Simulators with known truth for the CLV models with time-invariant covariates.

Each customer i has covariates x_i and her own parameters (the CLVTools parameterisation of
:mod:`crm_models.clv._covariates`); the summary statistics (frequency, recency, T) are drawn
directly from the model's story, vectorised, without building transactions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def covariates(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """A binary covariate (e.g. acquired on the web, 40 %) and a standard-normal one."""
    return pd.DataFrame({"web": (rng.random(n) < 0.4).astype(float), "score": rng.normal(size=n)})


def _predictors(X: pd.DataFrame, gamma: dict[str, float]) -> np.ndarray:
    """gamma' x_i per customer (0 without coefficients)."""
    return sum((X[k].to_numpy() * v for k, v in gamma.items()), np.zeros(len(X)))


def fit_quietly(model, data, **kwargs):
    """``model.fit(data, **kwargs)`` with the fit's warnings silenced (tests check estimates)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(data, **kwargs)


def _ages(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(26.0, 78.0, n)  # weeks since the first purchase (staggered acquisition)


def _last_purchase(x: np.ndarray, span: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """t_x: the largest of x uniform times on (0, span) (0 without repeat purchases)."""
    return np.where(x > 0, span * rng.random(len(x)) ** (1.0 / np.maximum(x, 1)), 0.0)


def simulate_pareto_nbd(n: int, seed: int, base: dict[str, float], gamma_p: dict[str, float],
                        gamma_d: dict[str, float]) -> pd.DataFrame:
    """Pareto/NBD summaries: lambda_i ~ Gamma(r, alpha_i), mu_i ~ Gamma(s, beta_i), lifetime
    ~ Exp(mu_i), Poisson purchases while alive; alpha_i = alpha exp(-gamma_p'x_i),
    beta_i = beta exp(-gamma_d'x_i)."""
    rng = np.random.default_rng(seed)
    X = covariates(n, rng)
    eta_p, eta_d = _predictors(X, gamma_p), _predictors(X, gamma_d)
    alpha_i, beta_i = base["alpha"] * np.exp(-eta_p), base["beta"] * np.exp(-eta_d)
    lam = rng.gamma(base["r"], 1.0 / alpha_i)
    mu = rng.gamma(base["s"], 1.0 / beta_i)
    T = _ages(n, rng)
    span = np.minimum(rng.exponential(1.0 / mu), T)
    x = rng.poisson(lam * span)
    out = pd.DataFrame({"frequency": x, "recency": _last_purchase(x, span, rng), "T": T})
    return pd.concat([out, X], axis=1)


def simulate_bg_nbd(n: int, seed: int, base: dict[str, float], gamma_p: dict[str, float],
                    gamma_d: dict[str, float]) -> pd.DataFrame:
    """BG/NBD summaries: lambda_i ~ Gamma(r, alpha_i), p_i ~ Beta(a_i, b_i), Poisson purchases,
    dropout with probability p_i right after each repeat purchase; alpha_i = alpha
    exp(-gamma_p'x_i), a_i = a exp(gamma_d'x_i), b_i = b exp(gamma_d'x_i).

    With N repeat purchases of the uninterrupted Poisson process in (0, T) and J ~ Geometric(p)
    the purchase after which the customer leaves, x = min(N, J), and t_x, the x-th of N sorted
    uniform times, is T * Beta(x, N - x + 1).
    """
    rng = np.random.default_rng(seed)
    X = covariates(n, rng)
    eta_p, eta_d = _predictors(X, gamma_p), _predictors(X, gamma_d)
    alpha_i = base["alpha"] * np.exp(-eta_p)
    a_i, b_i = base["a"] * np.exp(eta_d), base["b"] * np.exp(eta_d)
    lam = rng.gamma(base["r"], 1.0 / alpha_i)
    p = rng.beta(a_i, b_i)
    T = _ages(n, rng)
    N = rng.poisson(lam * T)
    J = rng.geometric(p)
    x = np.minimum(N, J)
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(N - x + 1, 1)), 0.0)
    out = pd.DataFrame({"frequency": x, "recency": tx, "T": T})
    return pd.concat([out, X], axis=1)


def simulate_ggompertz_nbd(n: int, seed: int, base: dict[str, float], gamma_p: dict[str, float],
                           gamma_d: dict[str, float],
                           ages: tuple[float, float] = (6.0, 18.0)) -> pd.DataFrame:
    """GGompertz/NBD summaries: lambda_i ~ Gamma(r, alpha_i), Gompertz scale eta_i ~ Gamma(s, beta_i),
    lifetime tau = log(1 + E/eta_i)/b (E ~ Exp(1): S(t | eta) = exp(-eta (e^(bt) - 1))), Poisson
    purchases while alive; alpha_i = alpha exp(-gamma_p'x_i), beta_i = beta exp(-gamma_d'x_i);
    T uniform on ``ages``.  The story of :meth:`GGompertzNBDModel.simulate` with per-customer
    parameters."""
    rng = np.random.default_rng(seed)
    X = covariates(n, rng)
    eta_p, eta_d = _predictors(X, gamma_p), _predictors(X, gamma_d)
    alpha_i, beta_i = base["alpha"] * np.exp(-eta_p), base["beta"] * np.exp(-eta_d)
    lam = rng.gamma(base["r"], 1.0 / alpha_i)
    scale = rng.gamma(base["s"], 1.0 / beta_i)
    tau = np.log1p(rng.exponential(1.0, n) / scale) / base["b"]
    T = rng.uniform(ages[0], ages[1], n)
    span = np.minimum(tau, T)
    x = rng.poisson(lam * span)
    out = pd.DataFrame({"frequency": x, "recency": _last_purchase(x, span, rng), "T": T})
    return pd.concat([out, X], axis=1)


def assert_profiles_match_plain(m, s: pd.DataFrame, cls, column: str = "web") -> None:
    """Every prediction of a covariate model with one binary covariate on both processes equals
    that of the model without covariates at each profile's parameters (the old code path)."""
    k = len(cls.param_names)
    p = m.params_
    for g in (0.0, 1.0):
        rows = m._row_params(p.iloc[:k].to_numpy(), {"purchase": p.iloc[k] * g, "dropout": p.iloc[k + 1] * g})
        plain = cls.from_params(**dict(zip(cls.param_names, map(float, rows), strict=True)))
        sub = s[s[column] == g]
        pd.testing.assert_series_equal(m.prob_alive(s)[sub.index], plain.prob_alive(sub), rtol=1e-14)
        pd.testing.assert_series_equal(m.expected_purchases(s, 10)[sub.index],
                                       plain.expected_purchases(sub, 10))
        pd.testing.assert_series_equal(m.dert(s, 0.01)[sub.index], plain.dert(sub, 0.01))
        pd.testing.assert_frame_equal(m.expected_purchases_path(s, [1, 5]).loc[sub.index],
                                      plain.expected_purchases_path(sub, [1, 5]))
        assert m.expected_purchases_new_customer(10, covariates={column: g}) == \
            plain.expected_purchases_new_customer(10)
        profile = pd.Series({column: g})
        np.testing.assert_array_equal(m.probability_of_n_purchases(10, [0, 1], covariates=profile),
                                      plain.probability_of_n_purchases(10, [0, 1]))
