"""Backtesting churn classifiers over rolling cut-offs: trained on the past, scored on the future.

For cut-offs ``c_0 < c_1 < ... < c_K`` and a horizon ``h`` (days): the model is fitted on the
features at ``c_{k-1}`` with the labels of ``(c_{k-1}, c_{k-1} + h]``, and scores the customers
at ``c_k``, whose labels ``(c_k, c_k + h]`` lie after everything it saw.  ``c_{k-1} + h <= c_k``
is required, so no training label overlaps the scoring period; rows are never split at
random, which is how a score is used in production.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sklearn.base import clone

from crm_models.churn.classification import as_transactions, labels_and_features
from crm_models.churn.evaluate import classification_metrics, gains_table
from crm_models.churn.horizon import SurvivalSpec, survival_horizon_scores
from crm_models.data.tables import TransactionTable
from crm_models.errors import CRMDataError

__all__ = ["BacktestResult", "backtest", "compare_families"]


@dataclass
class BacktestResult:
    """What :func:`backtest` returns.

    Attributes
    ----------
    metrics:
        One row per scored cut-off: ``train_cutoff``, ``cutoff``, ``n_train``, ``n``,
        ``base_rate``, ``roc_auc``, ``pr_auc``, ``brier``, ``log_loss``, ``top_decile_lift``.
    predictions:
        One row per scored customer and cut-off: ``cutoff``, the customer id, ``y``, ``p``.
    """

    metrics: pd.DataFrame
    predictions: pd.DataFrame


def backtest(
    tx: pd.DataFrame | TransactionTable,
    cutoffs: Sequence[Any],
    horizon: int,
    model: Any,
    *,
    observation_end: Any = None,
    recent_days: int = 90,
    customers: pd.DataFrame | None = None,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
) -> BacktestResult:
    """Fit at each cut-off, score at the next; metrics per scored cut-off and all predictions.

    Parameters
    ----------
    tx:
        Transactions (pandas frame or TransactionTable), as for
        :func:`~crm_models.churn.classification.features_at_cutoff`.
    cutoffs:
        At least two increasing dates, each ``>= horizon`` days after the previous; the last
        ``cutoff + horizon`` must not pass ``observation_end`` (default: the last purchase).
    horizon:
        Label window in days: churn = no purchase in ``(cutoff, cutoff + horizon]``.
    model:
        A scikit-learn classifier or pipeline (e.g. :func:`churn_classifier`), cloned
        for every fit; or a :class:`~crm_models.churn.horizon.SurvivalSpec`: a survival model
        fitted on the spells up to the training cut-off, scoring P(churn within ``horizon`` |
        survived to the cut-off) (pandas ``tx`` only; see :mod:`crm_models.churn.horizon`).
    """
    cs = [pd.Timestamp(c).normalize() for c in cutoffs]
    if len(cs) < 2:
        raise CRMDataError(f"a backtest needs at least two cut-offs (train, score), got {len(cs)}")
    for a, b in zip(cs, cs[1:], strict=False):
        if b < a + pd.Timedelta(days=int(horizon)):
            raise CRMDataError(f"cut-offs {a.date()} and {b.date()} are closer than the horizon "
                               f"({horizon} days): the training labels would overlap the scoring period; "
                               "space them further apart")
    kw = dict(observation_end=observation_end, recent_days=recent_days, customers=customers,
              customer_id=customer_id, date=date, amount=amount)
    table = as_transactions(tx, customer_id, date, amount)  # a frame is registered once, not per cut-off
    frames = [labels_and_features(table, c, horizon, **kw) for c in cs]
    metrics, preds = [], []
    for k in range(1, len(cs)):
        X_train, y_train = frames[k - 1]
        X, y = frames[k]
        if y_train.nunique() < 2:
            raise CRMDataError(f"at cut-off {cs[k - 1].date()} all customers have the same label; "
                               "choose another cut-off or horizon")
        if isinstance(model, SurvivalSpec):
            p, _ = survival_horizon_scores(tx, cs[k - 1], cs[k], horizon, model, X.index,
                                           train_labels=y_train, customer_id=customer_id, date=date,
                                           amount=amount)
        else:
            fitted = clone(model).fit(X_train, y_train)
            p = fitted.predict_proba(X)[:, 1]
        m = classification_metrics(y, p)
        lift = gains_table(y, p, n_bins=min(10, len(y)))["lift"].iloc[0]
        metrics.append({"train_cutoff": cs[k - 1], "cutoff": cs[k], "n_train": len(y_train),
                        **m.to_dict(), "top_decile_lift": lift})
        preds.append(pd.DataFrame({"cutoff": cs[k], customer_id: X.index.to_numpy(), "y": y.to_numpy(),
                                   "p": p}))
    out = pd.DataFrame(metrics)
    out["n"] = out["n"].astype(int)
    return BacktestResult(out, pd.concat(preds, ignore_index=True))


def compare_families(
    tx: pd.DataFrame | TransactionTable,
    cutoffs: Sequence[Any],
    horizon: int,
    models: dict[str, Any],
    **kwargs: Any,
) -> pd.DataFrame:
    """One table of ROC-AUC, PR-AUC and Brier per model and scored cut-off, on the same backtest.

    ``models`` maps a name to anything :func:`backtest` accepts: a scikit-learn classifier
    or a :class:`~crm_models.churn.horizon.SurvivalSpec`.  Every model is scored on the same
    customers, labels and cut-offs (``kwargs`` go to :func:`backtest`), so the rows compare
    the classifier and survival families on one question.  Columns: ``model``, ``cutoff``,
    ``n``, ``base_rate``, ``roc_auc``, ``pr_auc``, ``brier``, ``top_decile_lift``; the
    predictions are in ``attrs["predictions"]`` (``model`` column added).
    """
    if not models:
        raise CRMDataError("give at least one model to compare, e.g. {'logit': churn_classifier('logit')}")
    rows, preds = [], []
    for name, model in models.items():
        r = backtest(tx, cutoffs, horizon, model, **kwargs)
        rows.append(r.metrics.assign(model=name))
        preds.append(r.predictions.assign(model=name))
    cols = ["model", "cutoff", "n", "base_rate", "roc_auc", "pr_auc", "brier", "top_decile_lift"]
    out = pd.concat(rows, ignore_index=True)[cols]
    out.attrs["predictions"] = pd.concat(preds, ignore_index=True)
    return out
