"""Customer lifetime value and customer equity from a purchase model and a spend model.

CLV over a horizon of H periods (the time unit of the summary), discount rate d per period,
cash flows at the end of each period:

    CLV_i = margin * E[spend_i] * sum_{k=1}^{ceil(H)} (E_i[X(T, T+min(k, H))] - E_i[X(T, T+k-1)]) / (1+d)^k

with E_i the model's conditional expected purchases and E[spend_i] the Gamma-Gamma
expectation.  ``horizon=np.inf`` uses the model's DERT instead (continuous discounting at
log(1+d) for the continuous-time models; the infinite sum itself for the BG/BB):
CLV_i = margin * E[spend_i] * DERT_i (Fader, Hardie & Lee 2005, "RFM and CLV").

Convention note: ``lifetimes`` (``GammaGammaFitter.customer_lifetime_value``) always steps in
months (30 days, or 4.345 weeks) with a *monthly* discount rate whatever the time unit of
the data; here the step is one time unit of the summary and ``discount_rate`` is per that
unit.  Expressing the summary in months of 30 days reproduces lifetimes exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_models.base import check_is_fitted
from crm_models.clv._data import compress
from crm_models.clv.base import SummaryModel
from crm_models.clv.gammagamma import GammaGammaModel
from crm_models.errors import ModelSpecificationError

__all__ = ["customer_lifetime_value", "customer_equity", "discounted_expected_transactions"]


def _check_horizon(horizon: float, discount_rate: float) -> None:
    if not (horizon > 0):
        raise ModelSpecificationError(f"horizon must be > 0 periods (or np.inf), got {horizon!r}")
    if not np.isfinite(discount_rate) or discount_rate < 0:
        raise ModelSpecificationError(f"discount_rate must be >= 0 per period, got {discount_rate!r}")
    if np.isinf(horizon) and discount_rate <= 0:
        raise ModelSpecificationError("an infinite horizon needs a positive discount_rate")


def _discounted_on_distinct(model: SummaryModel, cols: dict[str, np.ndarray], horizon: float,
                            discount_rate: float) -> np.ndarray:
    """sum_k (E(min(k,H)) - E(k-1)) / (1+d)^k for each distinct row."""
    K = int(np.ceil(horizon))
    grid = np.minimum(np.arange(K + 1, dtype=float), horizon)[None, 1:]
    disc = (1.0 + discount_rate) ** -np.arange(1, K + 1, dtype=float)

    def discounted(cum: np.ndarray) -> np.ndarray:
        return np.diff(np.concatenate([np.zeros((cum.shape[0], 1)), cum], axis=1), axis=1) @ disc

    with np.errstate(all="ignore"):
        if hasattr(model, "_expected_if_alive"):
            # E = P(alive | x, t_x, T) * E(x, T, t): evaluate the expensive part per (x, T) only
            xt = compress({"frequency": cols["frequency"], "T": cols["T"]})
            per_xt = discounted(model._expected_if_alive(xt.columns["frequency"][:, None],
                                                         xt.columns["T"][:, None], grid))
            return xt.expand(per_xt) * model._p_alive(cols["frequency"], cols["recency"], cols["T"])
        broad = {k: v[:, None] for k, v in cols.items()}
        return discounted(model._cond_expected(**broad, t=grid))


def discounted_expected_transactions(model: SummaryModel, summary: pd.DataFrame, horizon: float,
                                     discount_rate: float) -> pd.Series:
    """Discounted expected purchases per customer over the horizon (the CLV without money)."""
    _check_horizon(horizon, discount_rate)
    check_is_fitted(model)
    if np.isinf(horizon):
        if not hasattr(model, "dert"):
            raise ModelSpecificationError(
                f"{type(model).__name__} has no lifetime value in closed form (DERT): give a finite "
                "horizon, e.g. horizon=520 weeks; with discounting, the periods beyond it add little")
        return model.dert(summary, discount_rate).rename("discounted_transactions")
    if hasattr(model, "_expected_matrix"):
        # BG/CNBD-k, MBG/CNBD-k: the approximate per-customer path, rescaled to the exact cohort
        # total per horizon (pass the whole cohort), discounted period by period
        K = int(np.ceil(horizon))
        grid = np.minimum(np.arange(1, K + 1, dtype=float), horizon)
        c, cum = model._expected_matrix(summary, grid)
        per_period = np.diff(np.concatenate([np.zeros((c.n_rows, 1)), cum], axis=1), axis=1)
        vals = per_period @ (1.0 + discount_rate) ** -np.arange(1, K + 1, dtype=float)
        return pd.Series(c.expand(vals), index=summary.index, name="discounted_transactions")
    c = model._prediction_rows(summary)
    vals = _discounted_on_distinct(model, c.columns, horizon, discount_rate)
    return pd.Series(c.expand(vals), index=summary.index, name="discounted_transactions")


def _spend(gg: GammaGammaModel | float | None, summary: pd.DataFrame) -> np.ndarray | float:
    if gg is None:
        return 1.0
    if isinstance(gg, GammaGammaModel):
        return gg.expected_spend(summary).to_numpy()
    value = float(gg)
    if not np.isfinite(value) or value < 0:
        raise ModelSpecificationError(f"spend per transaction must be a number >= 0, got {gg!r}")
    return value


def customer_lifetime_value(
    model: SummaryModel,
    gg: GammaGammaModel | float | None,
    summary: pd.DataFrame,
    horizon: float,
    discount_rate: float,
    margin: float = 1.0,
) -> pd.Series:
    """Discounted expected value of each customer's future purchases.

    Parameters
    ----------
    model:
        A fitted purchase model (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB, GGompertz/NBD, or
        BG/CNBD-k and MBG/CNBD-k, whose expected purchases are rescaled to the cohort's exact
        total: pass the whole cohort; they have no DERT, so ``horizon`` must be finite).
    gg:
        A fitted :class:`GammaGammaModel` (expected spend per transaction from each customer's
        history; needs ``monetary_value``), a constant spend per transaction, or None (CLV in
        transactions).
    summary:
        The customers (frequency, recency, T[, monetary_value]), time unit = the model's.
    horizon:
        Number of periods (time units of the summary) ahead; ``np.inf`` for the full lifetime
        (via DERT).
    discount_rate:
        Discount rate per period (e.g. 0.10 a year is about 0.0018 a week).
    margin:
        Profit margin applied to spend (1.0 = revenue).

    Returns
    -------
    Series ``clv`` aligned with ``summary.index``.
    """
    if not np.isfinite(margin):
        raise ModelSpecificationError(f"margin must be a finite number, got {margin!r}")
    dte = discounted_expected_transactions(model, summary, horizon, discount_rate)
    return (margin * _spend(gg, summary) * dte).rename("clv")


def customer_equity(
    model: SummaryModel,
    gg: GammaGammaModel | float | None,
    summary: pd.DataFrame,
    horizon: float,
    discount_rate: float,
    margin: float = 1.0,
    n_draws: int = 100,
    level: float = 0.95,
    seed: int | None = 0,
) -> pd.Series:
    """Total CLV of the customer base with a parametric-bootstrap interval.

    The estimate is the sum of :func:`customer_lifetime_value`.  The interval propagates the
    estimation uncertainty of the parameters: ``n_draws`` parameter vectors are drawn from the
    asymptotic normal distribution of the log-parameters (Hessian covariance) of the purchase
    model and, independently, of the Gamma-Gamma model; the total is recomputed for each draw
    and the interval is the central ``level`` quantile range of those totals.  It does not
    include the Poisson noise of future purchases (negligible for a large base).
    """
    if not (0 < level < 1):
        raise ModelSpecificationError(f"level must be between 0 and 1, got {level!r}")
    if hasattr(model, "_expected_matrix"):
        raise ModelSpecificationError(
            f"customer_equity does not take the {type(model).__name__} yet (its interval would refit "
            "the cohort rescaling per draw); the estimate is customer_lifetime_value(...).sum()")
    _check_horizon(horizon, discount_rate)
    total = float(customer_lifetime_value(model, gg, summary, horizon, discount_rate, margin).sum())
    rng_seed = np.random.SeedSequence(seed)
    s_model, s_gg = rng_seed.spawn(2)
    draws = model.sample_params(n_draws, seed=s_model)
    gg_draws = gg.sample_params(n_draws, seed=s_gg) if isinstance(gg, GammaGammaModel) else None
    totals = np.empty(n_draws)
    if np.isinf(horizon):
        for i in range(n_draws):
            m_i = model._with_params(draws.iloc[i].to_numpy())
            g_i = gg._with_params(gg_draws.iloc[i].to_numpy()) if gg_draws is not None else gg
            clv_i = customer_lifetime_value(m_i, g_i, summary, horizon, discount_rate, margin)
            totals[i] = float(clv_i.sum())
    else:
        c = model._prediction_rows(summary)
        spend = _spend_draws(gg, gg_draws, summary, n_draws)
        for i in range(n_draws):
            m_i = model._with_params(draws.iloc[i].to_numpy())
            dte = c.expand(_discounted_on_distinct(m_i, c.columns, horizon, discount_rate))
            totals[i] = float(margin * np.sum(spend(i) * dte))
    lo, hi = np.nanquantile(totals, [(1 - level) / 2, (1 + level) / 2])
    return pd.Series({"estimate": total, "lower": float(lo), "upper": float(hi),
                      "n_customers": float(len(summary)), "n_draws": float(n_draws), "level": level},
                     name="customer_equity")


def _spend_draws(gg: Any, gg_draws: pd.DataFrame | None, summary: pd.DataFrame, n_draws: int):
    if gg_draws is None:
        fixed = _spend(gg, summary)
        return lambda i: fixed
    cache = {}

    def get(i: int) -> np.ndarray:
        if i not in cache:
            cache.clear()
            cache[i] = gg._with_params(gg_draws.iloc[i].to_numpy()).expected_spend(summary).to_numpy()
        return cache[i]

    return get

