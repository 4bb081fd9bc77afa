"""BG/BB: beta-geometric / beta-Bernoulli model for discrete transaction opportunities.

Fader, Hardie & Shang (2010), "Customer-base analysis in a discrete-time noncontractual
setting", Marketing Science 29(6), 1086-1108.

At each of n opportunities (e.g. yearly fund-raising drives) an alive customer transacts
with probability p; before each opportunity she dies with probability theta.
p ~ Beta(alpha, beta), theta ~ Beta(gamma, delta).  With x transactions, the last at
opportunity t_x:

    L = B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
        + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha, beta)
                              B(gamma+1, delta+t_x+i)/B(gamma, delta)

Data: ``frequency`` x, ``recency`` t_x (0 without transactions), ``T`` = n and optionally
``weight`` (the number of customers with that history, as in the donations data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from crm_models.clv._data import Compressed, check_summary, compress, resolve_weights
from crm_models.clv._special import log_hyp2f1_unit
from crm_models.clv.base import SummaryModel, check_time
from crm_models.errors import CRMDataError, ModelSpecificationError, describe_rows

__all__ = ["BetaGeoBetaBinomModel"]


def _bb(a, b):
    return special.betaln(a, b)


def _check_discrete(data: pd.DataFrame, what: str, require_repeat: bool) -> dict[str, np.ndarray]:
    cols = check_summary(data, what, integer_columns=("frequency", "recency", "T"),
                         require_repeat=require_repeat)
    x, tx, n = cols["frequency"], cols["recency"], cols["T"]
    bad = (x > 0) & (tx < x)
    if bad.any():
        raise CRMDataError(
            "recency (the opportunity of the last transaction) is smaller than frequency for customers "
            + describe_rows(data.index[bad],
                            [f'x={a:g}, t_x={b:g}' for a, b in zip(x[bad], tx[bad], strict=True)]),
            source=what, column="recency")
    zero_n = n == 0
    if zero_n.any():
        raise CRMDataError(f"T (number of transaction opportunities) is 0 for customers "
                           f"{describe_rows(data.index[zero_n])}", source=what, column="T")
    return cols


class BetaGeoBetaBinomModel(SummaryModel):
    """BG/BB model (Fader, Hardie & Shang 2010) for discrete transaction opportunities."""

    param_names = ("alpha", "beta", "gamma", "delta")
    discrete_time = True

    def fit(self, data: pd.DataFrame, weights: str | np.ndarray | None = "auto") -> BetaGeoBetaBinomModel:
        """Fit on columns frequency, recency, T (= opportunities) and an optional weight column.

        ``weights="auto"`` uses a column named ``weight`` (or ``weights``) when there is one;
        pass a column name, an array, or None to choose explicitly.
        """
        self._check_settings()
        if isinstance(weights, str) and weights == "auto":
            cols = data.columns if isinstance(data, pd.DataFrame) else []
            weights = "weight" if "weight" in cols else ("weights" if "weights" in cols else None)
        w = resolve_weights(data, weights, "data")
        d = compress(_check_discrete(data, "data", require_repeat=True), w)
        self._fit_compressed(d)
        self._remember_units(data)
        return self

    def _compress_summary(self, data, what, require_repeat, weights=None, **extra):
        cols = _check_discrete(data, what, require_repeat)
        cols.update(extra)
        return compress(cols, weights)

    # -------------------------------------------------------------- likelihood
    @staticmethod
    def _log_parts(params, x, tx, n):
        """log of the 'alive through n' term and of the 'died after t_x' sum."""
        al, be, ga, de = params
        x, tx, n = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, n)))
        shape = x.shape
        x, tx, n = x.ravel(), tx.ravel(), n.ravel()
        base = _bb(al, be)
        base_t = _bb(ga, de)
        alive = _bb(al + x, be + n - x) - base + _bb(ga, de + n) - base_t
        m = int(np.max(n - tx)) if x.size else 0
        i = np.arange(max(m, 1), dtype=float)
        terms = (_bb(al + x[:, None], be + tx[:, None] - x[:, None] + i) - base
                 + _bb(ga + 1, de + tx[:, None] + i) - base_t)
        terms = np.where(i < (n - tx)[:, None], terms, -np.inf)
        died = special.logsumexp(terms, axis=1)
        return alive.reshape(shape), died.reshape(shape)

    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        alive, died = self._log_parts(params, d.columns["frequency"], d.columns["recency"], d.columns["T"])
        return np.logaddexp(alive, died)

    # -------------------------------------------------------------- predictions
    def _log_l(self, x, tx, n):
        alive, died = self._log_parts(self._fitted_params(), x, tx, n)
        return np.logaddexp(alive, died)

    def _p_alive(self, frequency, recency, T, future=1.0):
        al, be, ga, de = self._fitted_params()
        x, n = frequency, T
        return np.exp(_bb(al + x, be + n - x) - _bb(al, be) + _bb(ga, de + n + future) - _bb(ga, de)
                      - self._log_l(x, recency, n))

    def prob_alive(self, data: pd.DataFrame, future: int = 1) -> pd.Series:
        """P(alive at opportunity n + future | x, t_x, n); default: at the next opportunity
        (Fader, Hardie & Shang 2010, eq. 11)."""
        return self._per_customer(data, self._p_alive, "prob_alive", future=_opportunities(future))

    @staticmethod
    def _discounted_survival_sum(ga, de, n, horizon):
        """sum_{k=1}^{horizon} B(gamma, delta+n+k)/B(gamma, delta) for arrays n, horizon."""
        n, horizon = np.broadcast_arrays(np.asarray(n, float), np.asarray(horizon, float))
        if abs(ga - 1.0) > 1e-4:
            log_u = lambda m: special.gammaln(1 + de + m) - special.gammaln(ga + de + m)  # noqa: E731
            lu0, lu1 = log_u(n), log_u(n + horizon)
            pre = np.log(de) - np.log(abs(ga - 1)) + special.gammaln(ga + de) - special.gammaln(1 + de)
            diff = -np.expm1(lu1 - lu0)  # (u_n - u_{n+h}) / u_n, same sign as gamma - 1
            return np.exp(pre + lu0) * diff * np.sign(ga - 1)
        k = np.arange(1, int(np.max(horizon)) + 1, dtype=float) if np.max(horizon) >= 1 else np.zeros(1)
        terms = np.exp(_bb(ga, de + n[..., None] + k) - _bb(ga, de))
        return np.where(k <= horizon[..., None], terms, 0.0).sum(axis=-1)

    def _cond_expected(self, frequency, recency, T, t):
        al, be, ga, de = self._fitted_params()
        x, n = frequency, T
        lead = np.exp(_bb(al + x + 1, be + n - x) - _bb(al, be) - self._log_l(x, recency, n))
        return lead * self._discounted_survival_sum(ga, de, n, t)

    def expected_purchases(self, data: pd.DataFrame, t: int | np.ndarray) -> pd.Series:
        """Expected transactions in the next ``t`` opportunities (FHS 2010, eq. 13)."""
        return self._per_customer(data, self._cond_expected, "expected_purchases", t=_opportunities(t))

    def expected_purchases_new_customer(self, t: int | np.ndarray) -> float | np.ndarray:
        """E[X(n)] = alpha/(alpha+beta) * delta/(gamma-1) * [1 - Gamma(gamma+delta) Gamma(1+delta+n)
        / (Gamma(gamma+delta+n) Gamma(1+delta))] (FHS 2010, eq. 7)."""
        al, be, ga, de = self._fitted_params()
        out = al / (al + be) * self._discounted_survival_sum(ga, de, 0.0, _opportunities(t))
        return float(out) if np.ndim(out) == 0 else out

    def probability_of_n_purchases(self, t: int | np.ndarray, n: int | np.ndarray) -> float | np.ndarray:
        """P(X(t) = n): n transactions in the first t opportunities (FHS 2010, eq. 5)."""
        al, be, ga, de = self._fitted_params()
        t, x = np.broadcast_arrays(_opportunities(t), np.asarray(n, dtype=float))
        valid = x <= t
        xs = np.where(valid, x, 0.0)
        lbin = lambda nn, kk: special.gammaln(nn + 1) - special.gammaln(kk + 1) - special.gammaln(nn - kk + 1)  # noqa: E731
        first = lbin(t, xs) + _bb(al + xs, be + t - xs) - _bb(al, be) + _bb(ga, de + t) - _bb(ga, de)
        i = np.arange(int(np.max(t)) if t.size else 1, dtype=float)
        ii = np.broadcast_to(i, t.shape + i.shape)
        xx = xs[..., None]
        with np.errstate(invalid="ignore"):
            second = (lbin(ii, xx) + _bb(al + xx, be + ii - xx) - _bb(al, be)
                      + _bb(ga + 1, de + ii) - _bb(ga, de))
        second = np.where((ii >= xx) & (ii < t[..., None]), second, -np.inf)
        out = np.where(valid, np.exp(np.logaddexp(first, special.logsumexp(second, axis=-1))), 0.0)
        return float(out) if np.ndim(out) == 0 else out

    def _dert(self, frequency, recency, T, d):
        al, be, ga, de = self._fitted_params()
        x, n = frequency, T
        log_f = log_hyp2f1_unit(de + n + 1, ga + de + n + 1, 1.0 / (1.0 + d))
        return np.exp(_bb(al + x + 1, be + n - x) - _bb(al, be) + _bb(ga, de + n + 1) - _bb(ga, de)
                      - np.log1p(d) + log_f - self._log_l(x, recency, n))

    def dert(self, data: pd.DataFrame, discount_rate: float) -> pd.Series:
        """Discounted expected residual transactions (FHS 2010, eq. 14):

        B(alpha+x+1, beta+n-x)/B(alpha, beta) * B(gamma, delta+n+1)/(B(gamma, delta)(1+d))
        * 2F1(1, delta+n+1; gamma+delta+n+1; 1/(1+d)) / L,

        the transaction at opportunity n+k discounted by (1+d)^-k.
        """
        if not np.isfinite(discount_rate) or discount_rate <= 0:
            raise ModelSpecificationError(f"discount_rate must be > 0 per opportunity, got {discount_rate!r}")
        return self._per_customer(data, lambda **c: self._dert(**c, d=float(discount_rate)), "dert")


def _opportunities(t) -> np.ndarray:
    arr = check_time(t, "t (number of opportunities)")
    if np.any(arr != np.round(arr)):
        raise ModelSpecificationError(f"the BG/BB counts whole transaction opportunities; got t={t!r}")
    return arr
