"""Evaluation of churn scores in the terms a retention manager reads; every function returns a DataFrame.

``y`` is the observed churn (0/1), ``p`` the predicted churn probability (any score for the
ranking measures).  Figures of these tables are drawn in the plotting layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from crm_models.errors import CRMDataError

__all__ = [
    "classification_metrics",
    "gains_table",
    "importance_table",
    "partial_dependence_table",
    "profit_curve",
    "reliability_table",
    "target_list",
    "top_k_precision",
]


def _yp(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise CRMDataError(f"labels ({y.size}) and scores ({p.size}) differ in length", source="scores")
    if not np.isin(y, (0.0, 1.0)).all():
        raise CRMDataError("labels must be 0/1 (1 = churned)", source="scores", column="y")
    if np.isnan(p).any():
        raise CRMDataError(f"{int(np.isnan(p).sum())} missing score(s)", source="scores", column="p")
    return y, p


def _order(p: np.ndarray) -> np.ndarray:
    """Customers by descending score; ties in input order (stable)."""
    return np.argsort(-p, kind="stable")


def classification_metrics(y: Any, p: Any) -> pd.Series:
    """ROC-AUC, PR-AUC (average precision), Brier score, log loss, base rate and n.

    The first four are scikit-learn's ``roc_auc_score``, ``average_precision_score``,
    ``brier_score_loss`` and ``log_loss``; ROC-AUC/PR-AUC are NaN when only one class occurs.
    """
    y, p = _yp(y, p)
    both = 0 < y.sum() < y.size
    return pd.Series({
        "n": float(y.size),
        "base_rate": float(y.mean()),
        "roc_auc": roc_auc_score(y, p) if both else np.nan,
        "pr_auc": average_precision_score(y, p) if both else np.nan,
        "brier": brier_score_loss(y, p) if ((p >= 0) & (p <= 1)).all() else np.nan,
        "log_loss": log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1]) if ((p >= 0) & (p <= 1)).all()
        else np.nan,
    })


def gains_table(y: Any, p: Any, n_bins: int = 10) -> pd.DataFrame:
    """Lift and cumulative gains by score group (deciles by default).

    Customers are sorted by descending score and cut into ``n_bins`` groups of (almost) equal
    size (``np.array_split`` of the ranking: group 1 = highest scores).  Per group:
    ``n``, ``churners``, ``churn_rate``, ``lift`` = churn_rate / overall rate; cumulatively:
    ``cum_share`` (share of customers contacted), ``cum_churners``, ``cum_gain`` (share of all
    churners reached) and ``cum_lift`` = cum_gain / cum_share.
    """
    y, p = _yp(y, p)
    if n_bins < 1 or n_bins > y.size:
        raise CRMDataError(f"n_bins must be between 1 and the number of customers ({y.size}), got {n_bins}")
    groups = np.array_split(y[_order(p)], n_bins)
    n = np.array([g.size for g in groups], dtype=float)
    churners = np.array([g.sum() for g in groups])
    rate = y.mean()
    total = max(y.sum(), 1e-300)
    cum_share = np.cumsum(n) / y.size
    cum_gain = np.cumsum(churners) / total
    return pd.DataFrame({
        "group": np.arange(1, n_bins + 1),
        "n": n.astype(int),
        "churners": churners.astype(int),
        "churn_rate": churners / n,
        "lift": churners / n / rate if rate > 0 else np.nan,
        "cum_share": cum_share,
        "cum_churners": np.cumsum(churners).astype(int),
        "cum_gain": cum_gain,
        "cum_lift": cum_gain / cum_share,
    })


def top_k_precision(y: Any, p: Any, k: int | float | list = (0.01, 0.05, 0.1, 0.2)) -> pd.DataFrame:
    """Share of churners among the ``k`` highest-scored customers.

    ``k`` is a count (int >= 1) or a share of the customers (float in (0, 1]; ``ceil(k n)``
    customers), or a list of them.  Ties at the boundary are broken by input order.
    """
    y, p = _yp(y, p)
    ks = list(k) if isinstance(k, (list, tuple, np.ndarray)) else [k]
    ranked = y[_order(p)]
    rows = []
    for kk in ks:
        count = int(np.ceil(kk * y.size)) if isinstance(kk, float) else int(kk)
        if not 1 <= count <= y.size:
            raise CRMDataError(f"k={kk} selects {count} customers; it must select 1 to {y.size}")
        rows.append({"k": kk, "n_targeted": count, "precision": ranked[:count].mean(),
                     "recall": ranked[:count].sum() / max(y.sum(), 1e-300)})
    return pd.DataFrame(rows)


def reliability_table(y: Any, p: Any, n_bins: int = 10, strategy: str = "quantile") -> pd.DataFrame:
    """Reliability (calibration) curve: mean predicted vs observed churn rate per bin.

    ``strategy="quantile"``: bins of equal size by predicted probability; ``"uniform"``:
    equal-width bins on [0, 1] (empty bins dropped), as ``sklearn.calibration.calibration_curve``.
    Columns ``bin``, ``n``, ``mean_predicted``, ``observed_rate``, ``gap`` (observed - predicted).
    """
    y, p = _yp(y, p)
    if strategy == "quantile":
        edges = np.quantile(p, np.linspace(0, 1, n_bins + 1))
    elif strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        raise CRMDataError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")
    # as calibration_curve: interior edges, bins closed on the right (a score on an edge joins the
    # lower bin, which matters for tied scores at a quantile edge)
    idx = np.searchsorted(edges[1:-1], p, side="left")
    n = np.bincount(idx, minlength=n_bins)
    keep = n > 0
    sum_p = np.bincount(idx, weights=p, minlength=n_bins)
    sum_y = np.bincount(idx, weights=y, minlength=n_bins)
    out = pd.DataFrame({"bin": np.arange(1, n_bins + 1), "n": n, "mean_predicted": sum_p / np.maximum(n, 1),
                        "observed_rate": sum_y / np.maximum(n, 1)})[keep].reset_index(drop=True)
    out["gap"] = out["observed_rate"] - out["mean_predicted"]
    return out


def profit_curve(
    y: Any,
    p: Any,
    *,
    value: float | Any = 100.0,
    offer_cost: float | None = None,
    acquisition_ratio: float = 7.5,
    acceptance_rate: float = 0.3,
    expected: bool = False,
) -> pd.DataFrame:
    """Profit of a retention campaign that contacts the top-scored customers.

    Contacting customer ``i`` costs ``offer_cost``; a churner who accepts the offer
    (probability ``acceptance_rate``) is kept, which saves ``value_i`` (the margin, or the
    cost of acquiring a replacement).  Targeting the ``m`` highest-scored customers earns

    ``profit(m) = sum_{i <= m} (acceptance_rate * churn_i * value_i - offer_cost)``

    with ``churn_i`` the observed label (``expected=False``, for a backtest) or the predicted
    probability ``p_i`` (``expected=True``, for planning on current scores).  The default
    scenario follows the course material ("acquiring a customer costs 5-10 times keeping
    one"): ``offer_cost = value / acquisition_ratio`` with ``acquisition_ratio = 7.5``, the
    middle of that range.  ``value`` can be one number or one per customer (e.g. CLV).

    Returns
    -------
    DataFrame with one row per number targeted ``m = 0 .. n``: ``n_targeted``, ``share``,
    ``threshold`` (score of the m-th customer), ``churners_reached`` (sum of churn_i),
    ``cost``, ``saved``, ``profit``.  ``attrs["best"]`` holds the row of the highest profit.
    """
    y, p = _yp(y, p) if not expected else (np.asarray(p, dtype=float), np.asarray(p, dtype=float))
    if expected and ((p < 0) | (p > 1)).any():
        raise CRMDataError("expected=True needs probabilities in [0, 1]", source="scores", column="p")
    v = np.broadcast_to(np.asarray(value, dtype=float), p.shape)
    cost_each = (float(np.mean(v)) / acquisition_ratio) if offer_cost is None else float(offer_cost)
    if not 0 <= acceptance_rate <= 1:
        raise CRMDataError(f"acceptance_rate must be in [0, 1], got {acceptance_rate}")
    order = _order(p)
    churn = (p if expected else y)[order]
    saved = np.r_[0.0, np.cumsum(acceptance_rate * churn * v[order])]
    m = np.arange(p.size + 1)
    cost = m * cost_each
    out = pd.DataFrame({"n_targeted": m, "share": m / p.size, "threshold": np.r_[np.inf, p[order]],
                        "churners_reached": np.r_[0.0, np.cumsum(churn)], "cost": cost, "saved": saved,
                        "profit": saved - cost})
    out.attrs["best"] = out.loc[int(out["profit"].idxmax())].to_dict()
    out.attrs["offer_cost"] = cost_each
    return out


def importance_table(model: Any, X: pd.DataFrame, y: Any, *, scoring: str = "roc_auc", n_repeats: int = 10,
                     seed: int = 0) -> pd.DataFrame:
    """Permutation importance (Breiman 2001; scikit-learn's ``permutation_importance``) on held-out data.

    Each input column of ``X`` (before the pipeline's encoding, so a categorical column counts
    once) is shuffled ``n_repeats`` times; importance = drop of ``scoring``.  Sorted descending:
    ``feature``, ``importance``, ``std``, ``rank``.
    """
    r = permutation_importance(model, X, np.asarray(y), scoring=scoring, n_repeats=n_repeats,
                               random_state=seed)
    out = pd.DataFrame({"feature": list(X.columns), "importance": r.importances_mean,
                        "std": r.importances_std})
    out = out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def target_list(
    scores: pd.Series,
    value: pd.Series | float,
    *,
    acceptance_rate: float = 0.3,
    offer_cost: float = 0.0,
    top: int | None = None,
) -> pd.DataFrame:
    """Customers ranked by expected value saved by a retention offer, not by risk alone.

    For customer ``i`` with churn probability ``p_i`` and value ``v_i`` (e.g. CLV, or recent
    margin): ``expected_saved_i = p_i * v_i * acceptance_rate`` and
    ``expected_profit_i = expected_saved_i - offer_cost``; the list is sorted by expected
    profit (descending; ties by input order) with ``cum_profit`` its running sum, so the
    campaign stops where ``cum_profit`` peaks (the last positive ``expected_profit``).

    Parameters
    ----------
    scores:
        Churn probabilities indexed by customer id.
    value:
        Value per customer (Series aligned on the index; customers without a value raise) or
        one number for all.
    acceptance_rate:
        Share of contacted churners the offer keeps, in [0, 1].
    offer_cost:
        Cost of one contact.
    top:
        Keep the first ``top`` rows (default all).

    Returns
    -------
    DataFrame indexed by customer id: ``rank``, ``churn_probability``, ``value``,
    ``expected_saved``, ``expected_profit``, ``cum_profit``.
    """
    if not isinstance(scores, pd.Series):
        raise CRMDataError("scores must be a Series of churn probabilities indexed by customer id",
                           source="scores")
    p = scores.astype(float)
    if p.isna().any() or ((p < 0) | (p > 1)).any():
        raise CRMDataError("churn probabilities must be in [0, 1] without missing values",
                           source="scores", column=str(scores.name))
    if not 0 <= acceptance_rate <= 1:
        raise CRMDataError(f"acceptance_rate must be in [0, 1], got {acceptance_rate}")
    if isinstance(value, pd.Series):
        v = value.astype(float).reindex(p.index)
        if v.isna().any():
            missing = list(p.index[v.isna().to_numpy()][:5])
            raise CRMDataError(f"{int(v.isna().sum())} scored customer(s) have no value (e.g. {missing}); "
                               "give a value for every customer", source="value")
    else:
        v = pd.Series(float(value), index=p.index)
    saved = p * v * acceptance_rate
    out = pd.DataFrame({"churn_probability": p, "value": v, "expected_saved": saved,
                        "expected_profit": saved - float(offer_cost)})
    out = out.iloc[np.argsort(-out["expected_profit"].to_numpy(), kind="stable")]
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["cum_profit"] = out["expected_profit"].cumsum()
    return out if top is None else out.head(int(top))


def partial_dependence_table(model: Any, X: pd.DataFrame, features: list[str] | None = None, *,
                             top: int = 3, grid_resolution: int = 20, importance: pd.DataFrame | None = None
                             ) -> pd.DataFrame:
    """Partial dependence (Friedman 2001) of the churn probability on each of the top features.

    scikit-learn's ``partial_dependence(kind="average")`` on the fitted ``model`` (a pipeline
    taking ``X``'s columns): for each grid value ``g`` of feature ``j``, the mean predicted
    probability with column ``j`` set to ``g`` for every row of ``X``.  ``features`` default:
    the ``top`` rows of ``importance`` (an :func:`importance_table`).  Numeric features use a
    ``grid_resolution``-point percentile grid (5-95 %); text columns their levels.

    Returns
    -------
    Long DataFrame: ``feature``, ``value`` (object: numbers or levels), ``partial_dependence``.
    """
    if features is None:
        if importance is None:
            raise CRMDataError("give features= or the importance table to pick the top ones")
        features = importance["feature"].head(int(top)).tolist()
    missing = [f for f in features if f not in X.columns]
    if missing:
        raise CRMDataError(f"feature(s) {missing} are not columns of X", column=missing[0])
    rows = []
    for f in features:
        categorical = not pd.api.types.is_numeric_dtype(X[f])
        pd_ = partial_dependence(model, X, [f], kind="average", grid_resolution=grid_resolution,
                                 categorical_features=[f] if categorical else None)
        grid = pd_["grid_values"][0]
        rows.append(pd.DataFrame({"feature": f, "value": pd.Series(list(grid), dtype=object),
                                  "partial_dependence": pd_["average"][0]}))
    return pd.concat(rows, ignore_index=True)
