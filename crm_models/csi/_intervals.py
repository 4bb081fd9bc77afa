"""Bootstrap summary statistics shared by the bootstrap tables and the derived effects.

Standard error (sd of the draws, ddof=1), t = estimate / se with its two-sided normal p-value,
percentile interval, and the BCa interval (Efron 1987: bias correction ``z0`` from the share of
draws below the estimate, acceleration ``a = sum(d^3) / (6 (sum d^2)^{3/2})`` from the
jackknife values, ``d = mean - theta_(i)``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["_bca", "_table"]


def _ndtri(p):
    return special.ndtri(p)


def _bca(draws: np.ndarray, theta: np.ndarray, jack: np.ndarray,
         level: float) -> tuple[np.ndarray, np.ndarray]:
    B = draws.shape[0]
    below = (draws < theta).sum(0) + 0.5 * (draws == theta).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z0 = _ndtri(below / B)
        d = jack.mean(0) - jack
        num = (d ** 3).sum(0)
        den = 6.0 * ((d ** 2).sum(0)) ** 1.5
        a = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
        lo_hi = []
        for q in ((1 - level) / 2, (1 + level) / 2):
            zq = _ndtri(q)
            adj = special.ndtr(z0 + (z0 + zq) / (1 - a * (z0 + zq)))
            lo_hi.append(adj)
    out = []
    for probs in lo_hi:
        vals = np.full(draws.shape[1], np.nan)
        okp = np.isfinite(probs)
        for k in np.flatnonzero(okp):
            vals[k] = np.quantile(draws[:, k], probs[k])
        out.append(vals)
    return out[0], out[1]


def _table(name: str, draws: np.ndarray, theta: np.ndarray, jack: np.ndarray | None,
           labels: list[str], level: float) -> pd.DataFrame:
    se = draws.std(0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, theta / se, np.nan)
    p = 2 * special.ndtr(-np.abs(t))
    if name == "htmt":
        t = np.full_like(theta, np.nan)
        p = np.full_like(theta, np.nan)
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
    out = pd.DataFrame({"original": theta, "mean": draws.mean(0), "std_error": se, "t_value": t,
                        "p_value": p, "lower": lo, "upper": hi}, index=labels)
    if jack is not None:
        out["bca_lower"], out["bca_upper"] = _bca(draws, theta, jack, level)
    return out
