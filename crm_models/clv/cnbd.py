"""BG/CNBD-k and MBG/CNBD-k: the BG/NBD and MBG/NBD with regular (Erlang-k) purchase timing.

Platzer & Reutterer (2016), "Ticking away the moments: Timing regularity helps to better
predict customer activity", Marketing Science 35(5), 779-799; the R package BTYDplus
(``bgcnbd.*`` / ``mbgcnbd.*``), whose likelihood, P(alive) and prediction approximation are
reproduced here.

While alive, a customer's inter-purchase times are Erlang-k with rate lambda (k = 1: the
exponential times of the BG/NBD; larger k: more regular purchases, coefficient of variation
1/sqrt(k)); across customers lambda ~ Gamma(r, alpha).  After each repeat purchase (MBG: also
right after the first purchase, d = 1; BG: d = 0) the customer drops out with probability
p ~ Beta(a, b).  Besides x (repeat purchases), t_x and T, the likelihood needs
``litt`` = sum over the x inter-purchase times of log(time)
(:func:`crm_models.data.rfm_summary` with ``litt=True``).  Per customer:

    P1 = (k-1) litt - x log((k-1)!)
    P2 = log B(a, b+x+d) - log B(a, b)
    P3 = log Gamma(r+kx) - log Gamma(r) + r log alpha
    P4 = -(r+kx) log(alpha+T)
    S1 = [d = 1 or x > 0] a/(b+x-1+d) ((alpha+T)/(alpha+t_x))^(r+kx)
    S2 = sum_{j=0}^{k-1} (r+kx)_j (T-t_x)^j / (j! (alpha+T)^j)      ((c)_j rising factorial)
    LL = P1 + P2 + P3 + P4 + log(S1 + S2)

    P(alive) = 1 / (1 + S1/S2)

(S2 is the probability that an alive customer's Erlang-k gap since t_x exceeds T - t_x,
averaged over the posterior of lambda.)  With k = 1 every expression is the BG/NBD's
(MBG/NBD's).  For a given k the parameters (r, alpha, a, b) are fitted by the package's
maximum-likelihood engine (analytic gradient, Hessian standard errors); ``k=None`` chooses k
by likelihood among 1..12 as BTYDplus does.

Expected purchases in (T, T+t]: no closed form.  Like BTYDplus, the BG/NBD expression with
alpha replaced by k alpha (the same mean purchase rate) approximates it per customer,

    E~ = (a+b+x-1+d)/(a-1) [1 - ((k alpha+T)/(k alpha+T+t))^(r+x)
                            2F1(r+x, b+x+d; a+b+x-1+d; t/(k alpha+T+t))] P(alive),

and for k > 1 and at least 100 customers the approximations of all customers passed are
rescaled by one factor so that their sum is the exact expected number of purchases of the
cohort, sum_i E[X(T_i+t)] - E[X(T_i)] (:meth:`expected_purchases_new_customer`, exact).  The
per-customer values therefore depend on the customers passed together: pass the whole
cohort.  The rescaling makes the total right; the split over customers remains the
approximation's.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, special

from crm_models.base import check_is_fitted
from crm_models.clv._bgfamily import guard_a, hyp_bracket
from crm_models.clv._cnbdlik import Prepared
from crm_models.clv._data import Compressed, _numeric, resolve_weights
from crm_models.clv.base import _Z95, SummaryModel, check_time
from crm_models.errors import CRMDataError, ModelSpecificationError, describe_rows

__all__ = ["BetaGeoCNBDModel", "ModifiedBetaGeoCNBDModel", "K_MAX"]

#: the largest k tried when k is chosen by likelihood (BTYDplus: 1..12)
K_MAX = 12
#: customers needed before predictions are rescaled to the exact cohort total (BTYDplus: 100)
MIN_COHORT = 100


def cnbd_rows(params: np.ndarray, k: int, d: int, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
              need_grad: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Per row: log-likelihood without P1 (the part that depends on r, alpha, a, b), P(alive),
    and with ``need_grad`` the gradient (rows x 4) with respect to (r, alpha, a, b).

    log(S1 + S2) is a log-sum-exp over the k + 1 terms log S1, log s_0, ..., log s_{k-1},
    log s_j = log Gamma(R+j) - log Gamma(R) + j log(T-t_x) - log j! - j log(alpha+T), R = r+kx;
    each term's share of the sum weights its derivatives in the gradient.
    """
    r, alpha, a, b = (float(v) for v in params)
    x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
    R = r + k * x
    lT = np.log(alpha + T)
    ltx = np.log(alpha + tx)
    gl, dg = special.gammaln, special.digamma
    base = (special.betaln(a, b + x + d) - special.betaln(a, b) + gl(R) - gl(r) + r * np.log(alpha)
            - R * lT)
    has = (x > 0) | (d == 1)
    bb = np.where(has, b + x - 1 + d, 1.0)
    log_s1 = np.where(has, np.log(a) - np.log(bb) + R * (lT - ltx), -np.inf)
    j = np.arange(k, dtype=float)
    gap = np.maximum(T - tx, 0.0)
    log_s = (gl(R[..., None] + j) - gl(R)[..., None] + special.xlogy(j, gap[..., None]) - gl(j + 1)
             - j * lT[..., None])
    log_s2 = special.logsumexp(log_s, axis=-1)
    lse = np.logaddexp(log_s1, log_s2)
    p_alive = np.exp(log_s2 - lse)
    ll = base + lse
    if not need_grad:
        return ll, p_alive, None
    w1 = 1.0 - p_alive                                  # share of S1
    ws = np.exp(log_s - lse[..., None])                 # shares of the s_j
    inv_T, inv_tx = 1.0 / (alpha + T), 1.0 / (alpha + tx)
    d_r = (dg(R) - dg(r) + np.log(alpha) - lT + w1 * (lT - ltx)
           + (ws * (dg(R[..., None] + j) - dg(R)[..., None])).sum(axis=-1))
    d_alpha = (r / alpha - R * inv_T + w1 * R * (inv_T - inv_tx) - (ws * j).sum(axis=-1) * inv_T)
    d_a = dg(a + b) - dg(a + b + x + d) + w1 / a
    d_b = dg(b + x + d) - dg(a + b + x + d) - dg(b) + dg(a + b) - w1 / bb
    return ll, p_alive, np.stack([d_r, d_alpha, d_a, d_b], axis=-1)


def expected_new_customer(r: float, alpha: float, a: float, b: float, k: int, d: int,
                          t: np.ndarray, tol: float = 1e-15) -> np.ndarray:
    """Exact E[X(t)]: expected repeat purchases in (0, t] of a customer who bought at 0.

    With rate lambda the number of Erlang-k renewals in (0, t] is floor(M/k), M ~ Poisson(lambda t),
    so P(N(t) >= j) = P(M >= kj), and over lambda ~ Gamma(r, alpha) M is negative binomial:
    P(M >= n) = I_q(n, r), q = t/(alpha+t) (regularised incomplete beta).  Purchase j happens
    only if the customer survived the j-1+d earlier dropout chances, E[(1-p)^(j-1+d)] =
    B(a, b+j-1+d)/B(a, b).  Hence

        E[X(t)] = sum_{j>=1} B(a, b+j-1+d)/B(a, b) I_q(kj, r),

    summed until the terms (decreasing in j) fall below ``tol`` times the sum.  For k = 1 this
    equals the BG/NBD (MBG/NBD) closed form; the tests also check it against simulation.
    """
    t = np.asarray(t, dtype=float)
    flat, inv = np.unique(t.ravel(), return_inverse=True)
    q = flat / (alpha + flat)
    total = np.zeros(len(flat))
    start, chunk = 1, 256
    while True:
        js = np.arange(start, start + chunk, dtype=float)
        coef = np.exp(special.betaln(a, b + js - 1 + d) - special.betaln(a, b))
        terms = coef[:, None] * special.betainc(k * js[:, None], r, q[None, :])
        total += terms.sum(axis=0)
        if np.all(terms[-1] <= tol * np.maximum(total, 1e-300)) or start > 10_000_000:
            break
        start += chunk
        chunk = min(chunk * 2, 65536)
    return total[inv].reshape(t.shape)


class _CNBDModel(SummaryModel):
    """Shared code of the BG/CNBD-k (d = 0) and MBG/CNBD-k (d = 1)."""

    param_names = ("r", "alpha", "a", "b")
    analytic_gradient = True
    dropout_shift: ClassVar[int] = 0

    def __init__(self, k: int | None = None, penalizer: float = 0.0) -> None:
        self.k = k
        self.penalizer = penalizer

    def _check_settings(self) -> None:
        super()._check_settings()
        k = self.k
        if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
            raise ModelSpecificationError(f"k must be a whole number >= 1 (or None to choose it by "
                                          f"likelihood among 1..{K_MAX}), got {k!r}")

    # -------------------------------------------------------------- likelihood
    def _k_now(self) -> int:
        k = self.__dict__.get("_k_fit")
        return int(k if k is not None else self.k_)

    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        c = d.columns
        return cnbd_rows(params, self._k_now(), self.dropout_shift, c["frequency"], c["recency"], c["T"])[0]

    def _loglik_total(self, params: np.ndarray, d: Compressed,
                      need_grad: bool) -> tuple[float, np.ndarray | None]:
        """The sum of :func:`cnbd_rows` over the rows, arranged for speed (``_cnbdlik``)."""
        return self._prepared(d, Prepared).total(params, self._k_now(), self.dropout_shift, need_grad)

    def _initial_params(self, d: Compressed) -> np.ndarray:
        start = self.__dict__.get("_start")
        if start is not None:
            return start
        x, T = d.columns["frequency"], d.columns["T"]
        rate = np.average(x, weights=d.weights) / max(np.average(T, weights=d.weights), 1e-12)
        return np.array([1.0, self._k_now() / max(rate, 1e-6), 1.0, 1.0])

    # -------------------------------------------------------------- fitting
    def _litt(self, summary: pd.DataFrame, need: bool) -> np.ndarray | None:
        if "litt" not in summary.columns:
            if need:
                raise CRMDataError(
                    "the log inter-purchase times are needed to compare regularities k > 1; build the "
                    "summary with crm.data.rfm_summary(..., litt=True), or fix k=1", source="summary",
                    column="litt")
            return None
        litt = _numeric(summary, "litt", "summary")
        x = _numeric(summary, "frequency", "summary")
        odd = (x == 0) & (litt != 0)
        if odd.any():
            raise CRMDataError(f"litt must be 0 for customers without repeat purchases; not for "
                               f"{describe_rows(summary.index[odd], litt[odd])}", source="summary",
                               column="litt")
        return litt

    def fit(self, summary: pd.DataFrame, weights: str | np.ndarray | None = None):
        """Fit on a summary with columns frequency, recency, T and litt (one row per customer).

        ``litt`` (sum of the log inter-purchase times, :func:`crm_models.data.rfm_summary` with
        ``litt=True``) may be absent only with ``k=1``.  ``weights`` (optional column name or
        array): number of customers each row stands for.  With ``k=None`` the models for
        k = 1, 2, ... are fitted in turn, stopping after the log-likelihood fell twice in a row
        (at most k = 12), and the best is kept; ``k_search_`` holds the log-likelihood of each
        k tried.
        """
        self._check_settings()
        w = resolve_weights(summary, weights)
        litt = self._litt(summary, need=self.k != 1)
        d = self._compress_summary(summary, "summary", require_repeat=True, weights=w)
        weights_ = np.ones(len(summary)) if w is None else w
        litt_total = 0.0 if litt is None else float(np.dot(weights_, litt))
        x_total = float(np.dot(weights_, _numeric(summary, "frequency", "summary")))
        try:
            if self.k is not None:
                self._k_fit = best = int(self.k)
                self._fit_compressed(d)
                tried = {best: (self._with_litt(self.log_likelihood_, best, litt_total, x_total), None)}
            else:
                tried = self._search_k(d, litt_total, x_total)
                best = max(tried, key=lambda j: tried[j][0])
                # the chosen k once more, from its estimates, with standard errors and warnings
                self._k_fit = best
                self._start = tried[best][1]
                self._fit_compressed(d)
                tried[best] = (self._with_litt(self.log_likelihood_, best, litt_total, x_total), None)
        finally:
            for name in ("_k_fit", "_start", "_eval_cache", "_prep_cache"):
                self.__dict__.pop(name, None)
        self.k_ = int(best)
        self._set_params(self.params_.to_numpy()[1:])
        self.log_likelihood_ = float(tried[best][0])
        n_par = len(self.param_names) + (self.k is None)
        self.aic_ = 2 * n_par - 2 * self.log_likelihood_
        self.bic_ = n_par * np.log(self.n_obs_) - 2 * self.log_likelihood_
        self.k_search_ = pd.Series({j: v[0] for j, v in sorted(tried.items())}, name="log_likelihood",
                                   dtype=float).rename_axis("k")
        self._remember_units(summary)
        return self

    @staticmethod
    def _with_litt(loglik: float, k: int, litt_total: float, x_total: float) -> float:
        """Add the term P1 = (k-1) litt - x log((k-1)!), constant in (r, alpha, a, b)."""
        return loglik + (k - 1) * litt_total - x_total * math.lgamma(k)

    def _search_k(self, d: Compressed, litt_total: float, x_total: float) -> dict[int, tuple[float, Any]]:
        """Log-likelihood and estimates for k = 1, 2, ... until it fell twice in a row.

        Only the comparison is needed here, so each k gets BFGS alone (no Newton polish, no
        Hessian); it starts from the previous k's estimates with alpha scaled by k/(k-1) (the
        same mean purchase rate).  A k that does not converge is not chosen.
        """
        tried: dict[int, tuple[float, Any]] = {}
        for k in range(1, K_MAX + 1):
            self._k_fit = k
            self.__dict__.pop("_eval_cache", None)  # cached values belong to the previous k
            if tried and tried[k - 1][1] is not None:
                self._start = tried[k - 1][1] * np.array([1.0, k / (k - 1), 1.0, 1.0])
            theta0 = self._initial_theta(d)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    res = optimize.minimize(lambda th: self._value_and_gradient(th, d), theta0, jac=True,
                                            method="BFGS", options={"gtol": 1e-6, "maxiter": 500},
                                            callback=self._stop_if_runaway)
                    ok = bool(np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
                              and np.max(np.abs(self._gradient(res.x, d))) < 1e-4)
                    if not ok:  # the full engine (Nelder-Mead fallback, Newton polish)
                        res_x, _ = self._optimise(d)
                    else:
                        res_x = res.x
                    params = self._from_theta(res_x)
                    ll = self._loglik_total(params, d, False)[0]
                    tried[k] = (self._with_litt(ll, k, litt_total, x_total), params)
                except Exception:  # noqa: BLE001 - a k that does not converge is not chosen
                    tried[k] = (-np.inf, tried[k - 1][1] if tried else None)
            lls = [tried[j][0] for j in sorted(tried)]
            if k > 2 and lls[-1] < lls[-2] < lls[-3]:
                break
        return tried

    def _set_params(self, params: np.ndarray) -> None:
        k = self.__dict__.get("_k_fit") or self.__dict__.get("k_")
        values = np.concatenate([[np.nan if k is None else float(k)], np.asarray(params, dtype=float)])
        self.params_ = pd.Series(values, index=["k", *self.param_names], name="estimate")

    def _fitted_params(self) -> np.ndarray:
        check_is_fitted(self)
        return self.params_.to_numpy()[1:]

    @classmethod
    def from_params(cls, **params: float):
        """A model with given k, r, alpha, a, b (no fit): for scenarios, simulation and checks."""
        if "k" not in params:
            raise ModelSpecificationError(f"{cls.__name__} takes parameters k, {', '.join(cls.param_names)}; "
                                          "missing k")
        k = params.pop("k")
        if isinstance(k, bool) or float(k) != int(k) or int(k) < 1:
            raise ModelSpecificationError(f"k must be a whole number >= 1, got {k!r}")
        model = super().from_params(**params)
        model.k = int(k)
        model.k_ = int(k)
        model._set_params(model.params_.to_numpy()[1:])
        model.k_search_ = pd.Series(dtype=float, name="log_likelihood")
        return model

    @property
    def summary(self) -> pd.DataFrame:
        """k, then r, alpha, a, b with standard errors and 95% intervals given k (none for k)."""
        params = self._fitted_params()
        se_log = np.sqrt(np.diag(self._cov_theta))
        return pd.DataFrame(
            {
                "estimate": np.concatenate([[float(self.k_)], params]),
                "std_error": np.concatenate([[np.nan], params * se_log]),
                "lower_95": np.concatenate([[np.nan], params * np.exp(-_Z95 * se_log)]),
                "upper_95": np.concatenate([[np.nan], params * np.exp(_Z95 * se_log)]),
            },
            index=pd.Index(["k", *self.param_names], name="parameter"),
        )

    def sample_params(self, n: int, seed: int | None = 0) -> pd.DataFrame:
        """Draws of r, alpha, a, b given k (normal on the log scale), with the column k constant."""
        draws = super().sample_params(n, seed)
        draws.insert(0, "k", float(self.k_))
        return draws

    # -------------------------------------------------------------- predictions
    def _p_alive(self, frequency, recency, T):
        return cnbd_rows(self._fitted_params(), self.k_, self.dropout_shift, frequency, recency, T)[1]

    def prob_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(customer still alive at T | x, t_x, T) = 1 / (1 + S1/S2).

        BG/CNBD-k: 1 for customers without repeat purchases; MBG/CNBD-k: below 1 even then.
        """
        return self._per_customer(summary, self._p_alive, "prob_alive")

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> float | np.ndarray:
        """Exact E[X(t)], expected repeat purchases in (0, t] of a new customer (see
        :func:`expected_new_customer`)."""
        r, alpha, a, b = self._fitted_params()
        out = expected_new_customer(r, alpha, a, b, self.k_, self.dropout_shift, check_time(t))
        return float(out) if np.ndim(out) == 0 else out

    def _approx_expected(self, frequency, recency, T, t):
        """The BG/NBD expression with alpha -> k alpha, times P(alive) (BTYDplus's approximation)."""
        r, alpha, a, b = self._fitted_params()
        a = guard_a(a)
        dd = self.dropout_shift
        alive = self._p_alive(frequency, recency, T)
        return ((a + b + frequency - 1 + dd) / (a - 1)
                * hyp_bracket(r, self.k_ * alpha, a, b, frequency, T, t, m=dd) * alive)

    def _expected_matrix(self, summary: pd.DataFrame, times: np.ndarray) -> tuple[Compressed, np.ndarray]:
        """Approximate conditional expectations (distinct rows x horizons), rescaled for k > 1."""
        check_is_fitted(self)
        c = self._prediction_rows(summary)
        cols = {name: v[:, None] for name, v in c.columns.items()}
        with np.errstate(all="ignore"):
            vals = np.asarray(self._approx_expected(**cols, t=times[None, :]), dtype=float)
            vals = np.broadcast_to(vals, (c.n_rows, len(times))).copy()
            if self.k_ > 1 and c.total_weight >= MIN_COHORT:
                T = c.columns["T"]
                T_u, inv = np.unique(T, return_inverse=True)
                w_u = np.bincount(inv, weights=c.weights)
                r, alpha, a, b = self._fitted_params()
                k, dd = self.k_, self.dropout_shift
                at_T = expected_new_customer(r, alpha, a, b, k, dd, T_u)
                later = expected_new_customer(r, alpha, a, b, k, dd, T_u[:, None] + times[None, :])
                exact = w_u @ (later - at_T[:, None])
                approx = c.weights @ vals
                scale = np.where(approx > 0, exact / np.where(approx > 0, approx, 1.0), 1.0)
                vals *= scale[None, :]
        return c, vals

    def expected_purchases(self, summary: pd.DataFrame, t: float | np.ndarray) -> pd.Series:
        """Expected repeat purchases in (T, T+t] given each customer's history.

        The BG/NBD-type approximation of BTYDplus (see the module doc), rescaled for k > 1 to the
        exact cohort total when ``summary`` has at least 100 customers: pass the whole cohort.
        ``t`` is one horizon for all customers.
        """
        times = check_time(np.atleast_1d(np.asarray(t, dtype=float)), "t")
        if times.shape != (1,):
            raise ModelSpecificationError("t must be one horizon for all customers here (the rescaling "
                                          "is per horizon); use expected_purchases_path for several")
        c, vals = self._expected_matrix(summary, times)
        return pd.Series(c.expand(vals[:, 0]), index=summary.index, name="expected_purchases")

    def expected_purchases_path(self, summary: pd.DataFrame, times: Any) -> pd.DataFrame:
        """Conditional expected purchases in (T, T+t] for several horizons t (one column each)."""
        times = check_time(np.atleast_1d(np.asarray(times, dtype=float)), "times")
        c, vals = self._expected_matrix(summary, times)
        return pd.DataFrame(c.expand(vals), index=summary.index, columns=pd.Index(times, name="t"))

    # -------------------------------------------------------------- simulation
    def simulate(self, T: Any, holdout: float = 0.0, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Customers drawn from the model: ``(summary, truth)``.

        ``T``: each customer's age at the end of the calibration period (one number per
        customer; the first purchase at 0).  Per customer lambda ~ Gamma(r, alpha),
        p ~ Beta(a, b), inter-purchase times Erlang-k(lambda), dropout with probability p after
        each repeat purchase (MBG: also after the first).  ``summary`` has frequency, recency,
        T, litt and, with ``holdout > 0``, frequency_holdout (repeat purchases in
        (T, T+holdout]) and duration_holdout; ``truth`` has lambda, p and alive (at T).
        """
        r, alpha, a, b = self._fitted_params()
        k, dd = self.k_, self.dropout_shift
        T = check_time(np.atleast_1d(np.asarray(T, dtype=float)), "T")
        holdout = float(check_time(holdout, "holdout"))
        rng = np.random.default_rng(seed)
        n = len(T)
        lam = rng.gamma(r, 1.0 / alpha, n)
        p = rng.beta(a, b, n)
        # purchases possible before dropping out: BG 1, 2, ...; MBG 0, 1, ...
        budget = rng.geometric(p) - dd
        end = T + holdout
        x = np.zeros(n, dtype=np.int64)
        x_hold = np.zeros(n, dtype=np.int64)
        tx = np.zeros(n)
        litt = np.zeros(n)
        now = np.zeros(n)
        made = np.zeros(n, dtype=np.int64)
        active = budget > 0
        while active.any():
            idx = np.flatnonzero(active)
            gap = rng.gamma(k, 1.0 / lam[idx])
            now[idx] += gap
            inside = now[idx] <= end[idx]
            idx, gap = idx[inside], gap[inside]
            cal = now[idx] <= T[idx]
            ci = idx[cal]
            x[ci] += 1
            tx[ci] = now[ci]
            litt[ci] += np.log(gap[cal])
            x_hold[idx[~cal]] += 1
            made[idx] += 1
            active[:] = False
            active[idx] = made[idx] < budget[idx]
        alive = budget > x
        ids = pd.RangeIndex(n, name="customer_id")
        summary = pd.DataFrame({"frequency": x, "recency": tx, "T": T, "litt": litt}, index=ids)
        if holdout > 0:
            summary["frequency_holdout"] = x_hold
            summary["duration_holdout"] = holdout
        truth = pd.DataFrame({"lambda": lam, "p": p, "alive": alive}, index=ids)
        return summary, truth


class BetaGeoCNBDModel(_CNBDModel):
    """BG/CNBD-k (Platzer & Reutterer 2016): the BG/NBD with Erlang-k inter-purchase times.

    Parameters
    ----------
    k:
        Regularity (shape of the Erlang inter-purchase times); None (default) chooses it by
        likelihood among 1..12.  k = 1 is the BG/NBD.
    penalizer:
        L2 penalty on r, alpha, a, b added to the mean negative log-likelihood.

    Examples
    --------
    >>> s = crm.data.rfm_summary(tx, "1997-09-30", period="D", time_unit="W", litt=True)
    >>> m = BetaGeoCNBDModel().fit(s)               # k chosen by likelihood
    >>> m.summary                                    # k, r, alpha, a, b (SEs given k)
    >>> m.expected_purchases(s, t=52)                # whole cohort: see the module doc
    """

    dropout_shift = 0


class ModifiedBetaGeoCNBDModel(_CNBDModel):
    """MBG/CNBD-k (Platzer & Reutterer 2016): the MBG/NBD with Erlang-k inter-purchase times.

    As :class:`BetaGeoCNBDModel`, but customers may also drop out right after their first
    purchase (so a customer without repeat purchases is not certainly alive).  k = 1 is the
    MBG/NBD.
    """

    dropout_shift = 1
