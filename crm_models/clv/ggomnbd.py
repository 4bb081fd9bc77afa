"""GGompertz/NBD: Poisson purchases while alive, Gompertz lifetimes with gamma-distributed scale.

Bemmaor & Glady (2012), "Modeling purchasing behavior with sudden 'death': a flexible customer
lifetime model", Management Science 58(5), 1012-1021 (R CLVTools: ``ggomnbd``).

While alive a customer buys at rate lambda ~ Gamma(r, alpha) (Poisson purchases).  The lifetime
tau is Gompertz with shape b > 0 and individual scale eta ~ Gamma(s, beta),
S(t | eta) = exp(-eta (e^(bt) - 1)); after mixing over eta

    S(t) = (beta / (beta + e^(bt) - 1))^s,   f(t) = b s beta^s e^(bt) (beta + e^(bt) - 1)^-(s+1).

With b -> 0 and beta / b fixed the lifetime tends to the exponential-gamma of the Pareto/NBD
(beta_PNBD = beta / b); b > 0 lets the hazard rise with age, a hump-shaped lifetime density
appears for beta > 1 + s.

**Likelihood** of a customer with x repeat purchases, the last at t_x, observed for T:

    L = Gamma(r+x)/Gamma(r) alpha^r [ (alpha+T)^-(r+x) S(T)                       (alive at T)
        + int_{t_x}^{T} (alpha+y)^-(r+x) f(y) dy ]                                (died at y)

(the two terms l1 and l2 of CLVTools, added with ``logaddexp``), P(alive | x, t_x, T) = the
first term / L.

**Predictions.**  Given survival to T and the history, lambda and eta are independent a
posteriori: lambda ~ Gamma(r+x, alpha+T) (mean (r+x)/(alpha+T)) and eta ~ Gamma(s, beta + e^(bT) - 1).
The residual lifetime from T has S(u | T) = ((beta + e^(bT) - 1) / (beta + e^(b(T+u)) - 1))^s (the
scale of a Gompertz residual life is eta e^(bT)), so

    E[X(T, T+t) | x, t_x, T] = P(alive) (r+x)/(alpha+T) int_0^t S(u | T) du,
    E[X(t)] (new customer)   = r/alpha int_0^t S(u) du,
    DERT                     = P(alive) (r+x)/(alpha+T) int_0^inf e^(-delta u) S(u | T) du,

(integrating by parts gives the form of Bemmaor & Glady with tau f(tau) dtau).  The rate factor is
the Bayesian update (r+x)/(alpha+T), not a shape-only update alpha + x; the tests check it, and the
residual survival, against customers simulated with known truth.

**Quadrature.**  Every integral is a fixed composite Gauss-Legendre rule on panels whose widths
grow geometrically from the lower limit ([lo, lo + L 2^-K], ..., [lo + L/2, hi], K = 40), 10 nodes per
panel, evaluated in log space and vectorised over the distinct rows: the integrands decay from
their lower limit on any scale from L 2^-K to L (the purchase factor (alpha+y)^-(r+x) of a
heavy buyer, the Gompertz factor e^(-s b y)).  The tests compare every quantity with
``scipy.integrate.quad`` per customer (1e-8 relative).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import special

from crm_models.clv._covariates import CovariateMixin
from crm_models.clv._data import Compressed
from crm_models.clv._ggomgrid import (
    _LOG_W,
    DeathGrid,
    GridData,
    _death_integral,
    death_log_integral,
    grid_loglik_total,
    log_d,
    log_d_rel,
    node_blocks,
)
from crm_models.clv.base import SummaryModel, check_time, discount_to_continuous
from crm_models.errors import ModelSpecificationError

__all__ = ["GGompertzNBDModel"]


def _log_integral(log_f, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """log int_lo^hi exp(log_f(y, rows)) dy for flat arrays lo <= hi (-inf where lo == hi).

    ``log_f(y, idx)`` evaluates the log integrand at y (rows x nodes) for the rows ``idx``.
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    out = np.full(lo.shape, -np.inf)
    for idx, length, y in node_blocks(lo, hi):
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            terms = log_f(y, idx) + _LOG_W[None, :]
        out[idx] = special.logsumexp(terms, axis=1) + np.log(length)
    return out


def _row_parts(r: float, alpha: float | np.ndarray, b: float, s: float, beta: float | np.ndarray,
               x, tx, T, grad: bool = False, death: tuple | None = None):
    """Per row: log Gamma(r+x)/Gamma(r) alpha^r, the log alive term and the log death term;
    with ``grad`` also the derivatives of the three with respect to (r, alpha, b, s, beta), rows x 5.

    ``alpha`` and ``beta`` are numbers or one value per row (flat arrays; models with covariates).
    ``death``: J = log(beta^s I) and its derivatives when already computed (flat rows, see
    :func:`crm_models.clv._ggomgrid.death_log_integral`); otherwise :func:`_death_integral`
    evaluates log I per row.  The alive term is written with log(D(T)/beta), so a large s
    costs no digits.
    """
    x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T)))
    shape = x.shape
    x, tx, T = x.ravel(), tx.ravel(), T.ravel()
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    rel_T = log_d_rel(beta, b * T)                              # log(D(T) / beta)
    log_dT = rel_T + np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * rel_T
    if death is None:
        log_i, d_log_i = _death_integral(r, alpha, b, s, beta, x, tx, T, grad)
        dead = np.log(b) + np.log(s) + s * np.log(beta) + log_i
    else:
        log_j, d_log_j = death
        dead = np.log(b) + np.log(s) + log_j
    if not grad:
        return a1.reshape(shape), alive.reshape(shape), dead.reshape(shape)
    one, zero = np.ones_like(x), np.zeros_like(x)
    d_a1 = np.column_stack([special.digamma(r + x) - special.digamma(r) + np.log(alpha), r / alpha * one,
                            zero, zero, zero])
    e_bt = np.exp(b * T - log_dT)  # e^(bT) / D(T)
    d_alive = np.column_stack([-np.log(alpha + T), -(r + x) / (alpha + T), -s * T * e_bt,
                               -rel_T, s * np.expm1(b * T) / beta * np.exp(-log_dT)])
    if death is None:
        d_dead = d_log_i + np.column_stack([zero, zero, one / b, 1.0 / s + np.log(beta) * one,
                                            s / beta * one])
    else:
        d_dead = d_log_j + np.column_stack([zero, zero, one / b, one / s, zero])
    return a1, alive, dead, d_a1, d_alive, d_dead


def _ggomnbd_rows(r: float, alpha: np.ndarray, b: float, s: float, beta: np.ndarray, x: np.ndarray,
                  tx: np.ndarray, T: np.ndarray, death: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-likelihood with per-row (alpha, beta) and its gradient with respect to
    (r, alpha_i, b, s, beta_i), shape (n, 5) (used by the fit with covariates).

    ll = a1 + log(e^alive + e^dead); with w = e^dead / (e^alive + e^dead),
    d ll = d a1 + (1 - w) d alive + w d dead.
    """
    n = len(x)
    alpha, beta = (np.broadcast_to(v, (n,)).astype(float) for v in (alpha, beta))
    a1, alive, dead, d_a1, d_alive, d_dead = _row_parts(r, alpha, b, s, beta, x, tx, T, grad=True,
                                                        death=death)
    lse = np.logaddexp(alive, dead)
    w_dead = np.exp(dead - lse)[:, None]
    return a1 + lse, d_a1 + (1.0 - w_dead) * d_alive + w_dead * np.where(np.isfinite(d_dead), d_dead, 0.0)


class GGompertzNBDModel(CovariateMixin, SummaryModel):
    """GGompertz/NBD model (Bemmaor & Glady 2012) fitted by maximum likelihood.

    Parameters ``r, alpha`` (gamma purchase rates), ``b`` (Gompertz shape: how fast the dropout
    hazard rises with age), ``s, beta`` (gamma heterogeneity of the Gompertz scale).  See the
    module notes for the likelihood, the predictions and the quadrature.

    Parameters
    ----------
    penalizer:
        L2 penalty on the base parameters (r, alpha, b, s, beta) added to the mean negative
        log-likelihood.
    covariate_penalty:
        L2 penalty ``covariate_penalty * sum(gamma**2)`` on the covariate coefficients, added
        to the mean negative log-likelihood per customer (does not touch the base parameters).

    Notes
    -----
    **Time-invariant covariates** (``fit(..., purchase_covariates=, dropout_covariates=,
    constrained_covariates=)``), the parameterisation of R CLVTools (``ggomnbd()`` with
    ``SetStaticCovariates``):

        alpha_i = alpha exp(-gamma_p' x_i),   beta_i = beta exp(-gamma_d' x_i),

    so lambda_i ~ Gamma(r, alpha_i) (a positive purchase coefficient raises the mean purchase
    rate r/alpha_i by the factor exp(gamma_p)) and the Gompertz scale eta_i ~ Gamma(s, beta_i)
    (a positive dropout coefficient raises the mean scale s/beta_i, hence the dropout hazard
    eta_i b e^(bt) at every age, by exp(gamma_d)); the shape b is shared.  A constrained
    covariate has one coefficient in both.  The likelihood of customer i is the model's
    likelihood with (r, alpha_i, b, s, beta_i); predictions use each customer's parameters
    (see :mod:`crm_models.clv._covariates`).
    """

    param_names = ("r", "alpha", "b", "s", "beta")
    analytic_gradient = True
    covariate_links = {"alpha": ("purchase", -1), "beta": ("dropout", -1)}

    def _row_loglik(self, rows, columns, need_grad):
        r, alpha, b, s, beta = rows
        return _ggomnbd_rows(float(r), alpha, float(b), float(s), beta, columns["frequency"],
                             columns["recency"], columns["T"])

    #: above this many distinct covariate profiles the death integrals are taken per customer
    GRID_PROFILES: ClassVar[int] = 64

    def _covariate_extra(self, d: Compressed, profile: np.ndarray):
        """Per covariate profile (when there are few): its rows and their time grid, so each
        evaluation takes the death integrals of a profile, which share alpha_i and beta_i, from
        one quadrature (:func:`crm_models.clv._ggomgrid.death_log_integral`)."""
        n_profiles = int(profile.max()) + 1 if len(profile) else 0
        if n_profiles > self.GRID_PROFILES:
            return None
        c = d.columns
        groups = []
        for p in range(n_profiles):
            idx = np.flatnonzero(profile == p)
            groups.append((idx, DeathGrid.build(c["frequency"][idx], c["recency"][idx], c["T"][idx])))
        return groups

    def _row_loglik_prepared(self, rows, d, extra, need_grad):
        if extra is None:
            return self._row_loglik(rows, d.columns, need_grad)
        r, alpha, b, s, beta = rows
        n = d.n_rows
        alpha, beta = (np.broadcast_to(v, (n,)).astype(float) for v in (alpha, beta))
        log_i = np.empty(n)
        d_log_i = np.zeros((n, 5))
        for idx, grid in extra:
            a_p, b_p = float(alpha[idx[0]]), float(beta[idx[0]])
            log_i[idx], per_row = death_log_integral(float(r), a_p, float(b), float(s), b_p, grid, True)
            d_log_i[idx] = per_row(None)                           # J = log(beta^s I), as _row_parts takes it
        c = d.columns
        return _ggomnbd_rows(float(r), alpha, float(b), float(s), beta, c["frequency"], c["recency"], c["T"],
                             death=(log_i, d_log_i))

    def _initial_params(self, d: Compressed) -> np.ndarray:
        """Rates from the mean purchase rate; lifetimes of the order of the observation period."""
        x, T, w = d.columns["frequency"], d.columns["T"], d.weights
        mean_T = max(float(np.average(T, weights=w)), 1e-12)
        rate = max(float(np.average(x, weights=w)) / mean_T, 1e-6)
        return np.array([1.0, 1.0 / rate, 1.0 / mean_T, 1.0, 1.0])

    # -------------------------------------------------------------- likelihood
    @staticmethod
    def _parts(params, x, tx, T, grad: bool = False):
        """Per row: log Gamma(r+x)/Gamma(r) alpha^r, the log alive term and the log death term;
        with ``grad`` also the derivatives of the three with respect to (r, alpha, b, s, beta)."""
        r, alpha, b, s, beta = (float(v) for v in params)
        return _row_parts(r, alpha, b, s, beta, x, tx, T, grad)

    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        a1, alive, dead = self._parts(params, d.columns["frequency"], d.columns["recency"], d.columns["T"])
        return a1 + np.logaddexp(alive, dead)

    def _loglik_grad(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        _, alive, dead, d_a1, d_alive, d_dead = self._parts(
            params, d.columns["frequency"], d.columns["recency"], d.columns["T"], grad=True)
        w_dead = np.exp(dead - np.logaddexp(alive, dead))[:, None]
        return d_a1 + (1.0 - w_dead) * d_alive + w_dead * np.where(np.isfinite(d_dead), d_dead, 0.0)

    def _loglik_total(self, params: np.ndarray, d: Compressed,
                      need_grad: bool) -> tuple[float, np.ndarray | None]:
        # value and gradient share one pass over the quadrature nodes
        if self._has_covariates():
            return self._covariate_loglik_total(params, d, need_grad)
        # the death integrals of all rows from one quadrature on the shared time grid
        return grid_loglik_total(params, self._prepared(d, GridData.build), need_grad)

    # -------------------------------------------------------------- predictions
    def _p_alive(self, frequency, recency, T):
        """alive / (alive + dead), the death integrals from one quadrature on the rows' shared
        time grid (:func:`crm_models.clv._ggomgrid.death_log_integral`)."""
        r, alpha, b, s, beta = (float(v) for v in self._fitted_params())
        x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (frequency, recency, T)))
        shape = x.shape
        x, tx, T = x.ravel(), tx.ravel(), T.ravel()
        log_j, _ = death_log_integral(r, alpha, b, s, beta, DeathGrid.build(x, tx, T), False)
        alive = -(r + x) * np.log(alpha + T) - s * log_d_rel(beta, b * T)
        dead = np.log(b) + np.log(s) + log_j
        return np.exp(alive - np.logaddexp(alive, dead)).reshape(shape)

    def prob_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive at T | x, t_x, T) = alive term / (alive term + death term)."""
        if self._has_covariates():
            return self._by_profile(summary, "prob_alive")
        return self._per_customer(summary, self._p_alive, "prob_alive")

    def _residual_life(self, T: np.ndarray, t: np.ndarray, delta: float = 0.0) -> np.ndarray:
        """int_0^t e^(-delta u) S(u | T) du, S(u | T) = exp(-s [log D(T+u) - log D(T)]), per element.

        Evaluated once per distinct (T, t) pair.
        """
        _, _, b, s, beta = (float(v) for v in self._fitted_params())
        T, t = np.broadcast_arrays(np.asarray(T, dtype=float), np.asarray(t, dtype=float))
        pairs, inv = np.unique(np.column_stack([T.ravel(), t.ravel()]), axis=0, return_inverse=True)
        Tu, tu = pairs[:, 0], pairs[:, 1]
        log_dT = log_d(beta, b * Tu)

        def log_f(u, idx):
            return -s * (log_d(beta, b * (Tu[idx, None] + u)) - log_dT[idx, None]) - delta * u

        vals = np.exp(_log_integral(log_f, np.zeros_like(tu), tu))
        return vals[np.ravel(inv)].reshape(T.shape)

    def _expected_if_alive(self, frequency, T, t):
        r, alpha = self._fitted_params()[:2]
        return (r + frequency) / (alpha + T) * self._residual_life(T, t)

    def _cond_expected(self, frequency, recency, T, t):
        return self._expected_if_alive(frequency, T, t) * self._p_alive(frequency, recency, T)

    def expected_purchases(self, summary: pd.DataFrame, t: float | np.ndarray) -> pd.Series:
        """Expected repeat purchases in (T, T+t]: P(alive) (r+x)/(alpha+T) int_0^t S(u | T) du."""
        if self._has_covariates():
            return self._by_profile(summary, "expected_purchases", t, per_row=True)
        return self._per_customer(summary, self._cond_expected, "expected_purchases", t=t)

    def expected_purchases_new_customer(self, t: float | np.ndarray, covariates=None) -> float | np.ndarray:
        """E[X(t)] = r/alpha int_0^t S(u) du for a customer just acquired.

        A model with covariates needs the new customer's ``covariates`` (dict, Series or
        one-row DataFrame).
        """
        if self._has_covariates() or covariates is not None:
            return self._new_customer("expected_purchases_new_customer", covariates, t)
        r, alpha = self._fitted_params()[:2]
        t = check_time(t)
        out = r / alpha * self._residual_life(np.zeros_like(t), t)
        return float(out) if np.ndim(out) == 0 else out

    def probability_of_n_purchases(self, t: float | np.ndarray, n: int | np.ndarray,
                                   covariates=None) -> float | np.ndarray:
        """P(X(t) = n) for a new customer (with covariates: of the given ``covariates`` profile).

        = NBD(n; r, alpha, t) S(t) + int_0^t NBD(n; r, alpha, y) f(y) dy (alive throughout, or
        died at y), vectorised over t and n with the module's quadrature.
        """
        if self._has_covariates() or covariates is not None:
            return self._new_customer("probability_of_n_purchases", covariates, t, n)
        r, alpha, b, s, beta = (float(v) for v in self._fitted_params())
        t = check_time(t)
        n = np.asarray(n, dtype=float)
        if np.any(n < 0) or np.any(n != np.round(n)):
            raise ModelSpecificationError(f"n must be whole numbers >= 0, got {n!r}")
        t, n = np.broadcast_arrays(t, n)
        tf, nf = t.ravel().astype(float), n.ravel().astype(float)

        def log_nbd(nn, y):
            with np.errstate(divide="ignore", invalid="ignore"):
                return (special.gammaln(r + nn) - special.gammaln(r) - special.gammaln(nn + 1)
                        + r * np.log(alpha / (alpha + y)) + special.xlogy(nn, y / (alpha + y)))

        alive = np.exp(log_nbd(nf, tf) + s * (np.log(beta) - log_d(beta, b * tf)))

        def log_f(y, idx):
            return (log_nbd(nf[idx, None], y) + np.log(b * s) + s * np.log(beta) + b * y
                    - (s + 1.0) * log_d(beta, b * y))

        died = np.exp(_log_integral(log_f, np.zeros_like(tf), tf))
        out = (alive + died).reshape(t.shape)
        return float(out) if np.ndim(out) == 0 else out

    def _dert(self, frequency, recency, T, delta):
        r, alpha = self._fitted_params()[:2]
        # int_0^inf e^(-delta u) S(u | T) du: the rest beyond 60/delta is below e^-60 of it
        life = self._residual_life(T, np.full(np.shape(T), 60.0 / delta), delta)
        return self._p_alive(frequency, recency, T) * (r + frequency) / (alpha + T) * life

    def dert(self, summary: pd.DataFrame, discount_rate: float) -> pd.Series:
        """Discounted expected residual transactions, continuous discounting at delta = log(1+d):

        DERT = P(alive) (r+x)/(alpha+T) int_0^inf e^(-delta u) S(u | T) du (numerical integral).
        """
        if self._has_covariates():
            return self._by_profile(summary, "dert", discount_rate)
        delta = discount_to_continuous(discount_rate)
        return self._per_customer(summary, lambda **c: self._dert(**c, delta=delta), "dert")

    # -------------------------------------------------------------- simulation
    def simulate(self, n: int, T: float | np.ndarray, holdout: float = 0.0,
                 seed: int | None = 0) -> pd.DataFrame:
        """Customers drawn from the model: a summary with the truth behind it.

        Each customer buys at rate lambda ~ Gamma(r, alpha) from the first purchase at 0 until
        death at tau = log(1 + E/eta)/b (E ~ Exp(1), eta ~ Gamma(s, beta): Gompertz), observed
        for ``T`` (a number or one per customer), then for ``holdout`` more time units.

        Returns a DataFrame (index ``customer_id``) with ``frequency``, ``recency``, ``T``,
        ``frequency_holdout`` (purchases in (T, T+holdout]) and the truth: ``lambda``,
        ``eta``, ``lifetime`` and ``alive`` (tau > T).
        """
        r, alpha, b, s, beta = (float(v) for v in self._fitted_params())
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ModelSpecificationError(f"n must be a whole number of customers >= 1, got {n!r}")
        T = np.broadcast_to(check_time(T, "T"), (n,)).astype(float)
        holdout = float(check_time(holdout, "holdout"))
        rng = np.random.default_rng(seed)
        lam = rng.gamma(r, 1.0 / alpha, n)
        eta = rng.gamma(s, 1.0 / beta, n)
        tau = np.log1p(rng.exponential(1.0, n) / eta) / b
        active = np.minimum(tau, T)
        x = rng.poisson(lam * active)
        # the last of x uniform purchase times on (0, active): active * U^(1/x)
        with np.errstate(divide="ignore"):
            recency = np.where(x > 0, active * rng.random(n) ** (1.0 / np.maximum(x, 1)), 0.0)
        later = np.clip(np.minimum(tau, T + holdout) - T, 0.0, None)
        x_holdout = rng.poisson(lam * later)
        return pd.DataFrame(
            {"frequency": x, "recency": recency, "T": T, "frequency_holdout": x_holdout, "lambda": lam,
             "eta": eta, "lifetime": tau, "alive": tau > T},
            index=pd.Index(np.arange(n), name="customer_id"))
