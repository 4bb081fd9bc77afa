"""The churn report's section "Who will churn next": classifiers and the survival model on one question.

:func:`who_will_churn` scores both families on the same horizon and the same customers:

* **transactions** (non-contractual): a time-based backtest over rolling cut-offs
  (:func:`~crm_models.churn.compare_families`): each model is fitted at one cut-off and scored
  at the next, the label being "no purchase within the horizon after the cut-off"; the
  survival family is the report's model kind as a :class:`~crm_models.churn.SurvivalSpec`
  (P(churn within the horizon | survived to the cut-off));
* **a customer snapshot without dates** (contractual, e.g. IBM Telco): stratified k-fold
  cross-validation (shuffled with ``seed``) of the classifiers on every covariate and the
  tenure; the survival model (the report's kind and covariates) is fitted on the same
  training folds and scores ``P(T <= s + period | T > s, x)`` with ``s = max(a - period, 0)``
  for a customer observed to tenure ``a``: the churn flag of such a snapshot marks the
  customers who left in the last period (IBM Telco: the last month), so the survival score is
  the probability of leaving in the period that ends at the observed tenure.

The metrics are :func:`~crm_models.churn.classification_metrics` (ROC-AUC, PR-AUC, Brier) and
the top-decile lift of :func:`~crm_models.churn.gains_table`, averaged over the scored
cut-offs or folds; the reliability and gains tables are those of the latest scored cut-off
(backtest) or of the out-of-fold predictions (cross-validation).  The target list ranks the
active customers by expected value saved (:func:`~crm_models.churn.target_list`: churn
probability x the report's customer value x acceptance rate, minus the offer cost).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from crm_models import churn
from crm_models.churn._checks import days_per_unit
from crm_models.churn.classification import as_transactions
from crm_models.report.churn import tables
from crm_models.report.churn.messages import compared_model_name, t
from crm_models.report.i18n import money, unit_name
from crm_models.report.safe import markdown_translator

__all__ = ["CLASSIFIERS", "WhoResults", "who_will_churn", "backtest_cutoffs", "snapshot_comparison",
           "subscription_dates", "subscriptions_at_cutoff", "subscription_backtest",
           "family_verdict", "who_markdown", "targets_markdown", "comparison_items", "target_items"]

#: The classifiers compared with the survival model (kinds of :func:`~crm_models.churn.churn_classifier`).
CLASSIFIERS = ("logit", "hgb")


@dataclass
class WhoResults:
    """What :func:`who_will_churn` found; ``metrics`` is ``None`` when the data cannot be scored.

    Attributes
    ----------
    method : str
        ``"backtest"`` (transactions, rolling cut-offs) or ``"cross_validation"`` (snapshot).
    metrics : DataFrame or None
        One row per model (index: the model code, e.g. ``"logit"``, ``"hgb"``, ``"cox"``):
        ``family`` (``"classifier"`` / ``"survival"``), ``roc_auc``, ``pr_auc``, ``brier``,
        ``top_decile_lift`` (means over the scored cut-offs or folds), ``splits``.
    per_split : DataFrame or None
        The same metrics per model and scored cut-off (``split`` = the cut-off date) or fold.
    predictions : DataFrame or None
        ``model``, customer id, ``y``, ``p`` of the latest scored cut-off or the out-of-fold
        predictions.
    reliability, gains : dict or None
        Model code -> :func:`~crm_models.churn.reliability_table` /
        :func:`~crm_models.churn.gains_table` of ``predictions`` (``None`` when nothing was
        scored, so ``show_row`` draws nothing).
    targets : DataFrame or None
        :func:`~crm_models.churn.target_list` of the active customers, first ``top`` rows,
        with the customer id as a column.
    target_model : str or None
        The model whose scores rank the target list (the best ROC-AUC).
    horizon_days : int or None
        Label window of the backtest in days; ``None`` for a snapshot.
    cutoffs : list of str
        Cut-off dates of the backtest (the first only trains).
    folds : int
        Folds of the cross-validation (0 for a backtest).
    reason : str or None
        Catalogue key saying why nothing was scored.
    """

    method: str
    metrics: pd.DataFrame | None
    per_split: pd.DataFrame | None = None
    predictions: pd.DataFrame | None = None
    reliability: dict[str, pd.DataFrame] | None = None
    gains: dict[str, pd.DataFrame] | None = None
    targets: pd.DataFrame | None = None
    target_model: str | None = None
    horizon_days: int | None = None
    cutoffs: list[str] = field(default_factory=list)
    folds: int = 0
    offer_cost: float = 0.0
    acceptance_rate: float = 0.3
    time_unit: str = "M"
    horizon: float = 6
    reason: str | None = None
    definition: str = "purchase"  # the backtest's churn: "purchase" (none within h) or "cancel"


def _classifier(kind: str, seed: int) -> Any:
    """The report's classifier: without class weights, so its probabilities are calibrated enough to
    enter expected values (weights for the rare class distort them; docs/churn.md section 10)."""
    return churn.churn_classifier(kind, class_weight=None, seed=seed)


def backtest_cutoffs(first: Any, end: Any, horizon_days: int, n_cutoffs: int = 3,
                     min_history_days: int = 90) -> list[pd.Timestamp]:
    """Cut-offs ``end - k * horizon`` (k = n .. 1), keeping those with ``min_history_days`` of data before.

    The last cut-off's label window ends at ``end``; consecutive cut-offs are one horizon apart,
    so training labels never overlap the scored period.  Fewer than two: the data are too short
    for a backtest at this horizon.
    """
    first, end = pd.Timestamp(first).normalize(), pd.Timestamp(end).normalize()
    step = pd.Timedelta(days=int(horizon_days))
    cuts = [end - k * step for k in range(int(n_cutoffs), 0, -1)]
    return [c for c in cuts if c >= first + pd.Timedelta(days=int(min_history_days))]


def _summarise(per_split: pd.DataFrame, families: dict[str, str]) -> pd.DataFrame:
    cols = ["roc_auc", "pr_auc", "brier", "top_decile_lift"]
    out = per_split.groupby("model", sort=False)[cols].mean()
    out.insert(0, "family", [families[m] for m in out.index])
    out["splits"] = per_split.groupby("model", sort=False).size()
    return out


def _tables(predictions: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    rel, gains = {}, {}
    for name, g in predictions.groupby("model", sort=False):
        rel[str(name)] = churn.reliability_table(g["y"], g["p"], n_bins=10)
        gains[str(name)] = churn.gains_table(g["y"], g["p"], n_bins=min(10, len(g)))
    return rel, gains


def _best(metrics: pd.DataFrame) -> str:
    return str(metrics["roc_auc"].idxmax())


def _targets(scores: pd.Series, value: pd.Series, acceptance_rate: float, top: int
             ) -> tuple[pd.DataFrame, float]:
    value = value[~value.index.duplicated()].astype(float)
    scores = scores[scores.index.isin(value.index)]
    offer = float(value.reindex(scores.index).mean()) / 7.5 if len(scores) else 0.0
    tl = churn.target_list(scores.rename("churn_probability"), value, acceptance_rate=acceptance_rate,
                           offer_cost=offer, top=top)
    return tl.rename_axis("customer_id").reset_index(), offer


def _value(res: Any) -> pd.Series:
    """The report's value per active customer, indexed by customer id (or the data's index)."""
    scored, id_col = res.scored, res.info.get("id_col")
    index = scored[id_col].to_numpy() if id_col and id_col in scored.columns else scored.index.to_numpy()
    return pd.Series(scored["value"].to_numpy(dtype=float), index=index)


def who_will_churn(res: Any, *, horizon: float = 6, classifiers: tuple[str, ...] = CLASSIFIERS,
                   n_cutoffs: int = 3, folds: int = 5, acceptance_rate: float = 0.3, top: int = 20,
                   anonymize: bool = False, seed: int = 0) -> WhoResults:
    """Classifiers and the report's survival model compared on one horizon; the target list.

    Parameters
    ----------
    res : ChurnResults
        :func:`~crm_models.report.churn.sections.analyse`; for transactions its ``info`` must
        hold the purchases (``load_churn_data(..., keep_transactions=True)``).
    horizon : float
        Horizon in the report's time units (the backtest's label window, in days, is
        ``round(horizon * days per unit)``).
    classifiers : tuple of str
        :func:`~crm_models.churn.churn_classifier` kinds.
    n_cutoffs : int
        Cut-offs of the backtest (the first one only trains).
    folds : int
        Folds of the snapshot's cross-validation.
    acceptance_rate : float
        Share of contacted churners the offer keeps.  The offer costs the mean customer value
        / 7.5 (the course's "acquiring a customer costs 5-10x keeping one").
    top : int
        Rows of the target list.
    anonymize : bool
        Pseudonymise the purchases' customer ids (as ``analyse`` did the report's data), so the
        target list shows the same pseudonyms.
    seed : int
        Seed of the classifiers and the folds.

    Returns
    -------
    WhoResults
    """
    # report-sized data fit faster on one thread: gradient boosting's OpenMP threads and the BLAS
    # threads of the logistic fit spin against each other (and other work) on a shared machine;
    # measured 12x (gradient boosting) and 3x (logit) faster on 2 busy cores
    with threadpool_limits(limits=1):
        return _who(res, horizon=horizon, classifiers=classifiers, n_cutoffs=n_cutoffs, folds=folds,
                    acceptance_rate=acceptance_rate, top=top, anonymize=anonymize, seed=seed)


def _who(res: Any, *, horizon: float, classifiers: tuple[str, ...], n_cutoffs: int, folds: int,
         acceptance_rate: float, top: int, anonymize: bool, seed: int) -> WhoResults:
    if res.info["setting"] == "non-contractual":
        return _backtest(res, horizon=horizon, classifiers=classifiers, n_cutoffs=n_cutoffs,
                         acceptance_rate=acceptance_rate, top=top, anonymize=anonymize, seed=seed)
    if subscription_dates(res.data) is not None:
        return subscription_backtest(res, horizon=horizon, classifiers=classifiers, n_cutoffs=n_cutoffs,
                                     acceptance_rate=acceptance_rate, top=top, seed=seed)
    return snapshot_comparison(res, horizon=horizon, classifiers=classifiers, folds=folds,
                               acceptance_rate=acceptance_rate, top=top, seed=seed)


def _backtest(res: Any, *, horizon: float, classifiers: tuple[str, ...], n_cutoffs: int,
              acceptance_rate: float, top: int, anonymize: bool, seed: int) -> WhoResults:
    from crm_models.report.privacy import anonymize_frame, pseudonymize

    base = dict(method="backtest", metrics=None, time_unit=res.time_unit, horizon=horizon,
                acceptance_rate=acceptance_rate)
    tx = res.info.get("transactions")
    if tx is None:
        return WhoResults(**base, reason="churn_who_no_transactions")
    lazy = not isinstance(tx, pd.DataFrame)  # a TransactionTable: queried where it is (DuckDB, Spark)
    if lazy:
        span = tx.execute(tx.expr.aggregate(first=tx.expr.date.min(), last=tx.expr.date.max())).iloc[0]
        first, last_date = pd.Timestamp(span["first"]), pd.Timestamp(span["last"])
    else:
        if anonymize:
            tx = anonymize_frame(tx, columns=["customer_id"])
        first, last_date = tx["date"].min(), tx["date"].max()
        # registered in the embedded engine once, not again by every backtest and scoring below
        tx = as_transactions(tx)
    h = max(int(round(horizon * days_per_unit(res.time_unit))), 1)
    end = pd.Timestamp(res.info["observation_end"] or last_date)
    cutoffs = backtest_cutoffs(first, end, h, n_cutoffs)
    base["horizon_days"] = h
    if len(cutoffs) < 2:
        return WhoResults(**base, reason="churn_who_too_short")
    models: dict[str, Any] = {k: _classifier(k, seed) for k in classifiers}
    kind = res.model.kind
    models[kind] = churn.SurvivalSpec(kind)
    families = {k: "classifier" for k in classifiers} | {kind: "survival"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = churn.compare_families(tx, cutoffs, h, models, observation_end=end)
    preds = table.attrs["predictions"]
    per_split = table.rename(columns={"cutoff": "split"})
    per_split.attrs = {}
    metrics = _summarise(per_split, families)
    last = preds[preds["cutoff"] == preds["cutoff"].max()]
    rel, gains = _tables(last)
    best = _best(metrics)
    # score the customers at the observation end with the best model fitted at the last cut-off
    X, y = churn.labels_and_features(tx, cutoffs[-1], h, observation_end=end)
    X_now = churn.features_at_cutoff(tx, end)
    if families[best] == "classifier":
        p = clone(models[best]).fit(X, y).predict_proba(X_now)[:, 1]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            p, _ = churn.survival_horizon_scores(tx, cutoffs[-1], end, h, models[best], X_now.index,
                                                 train_labels=y)
    scores = pd.Series(p, index=X_now.index)
    if lazy and anonymize:  # the same keyed pseudonyms, given to the ids that leave the engine
        last = anonymize_frame(last, columns=["customer_id"])
        scores.index = pd.Index(pseudonymize(scores.index.to_series()).to_numpy(), name=scores.index.name)
    targets, offer = _targets(scores, _value(res), acceptance_rate, top)
    return WhoResults(**base | {"metrics": metrics}, per_split=per_split, predictions=last, reliability=rel,
                      gains=gains, targets=targets, target_model=best,
                      cutoffs=[str(c.date()) for c in cutoffs], offer_cost=offer)


def subscription_dates(d: pd.DataFrame) -> tuple[str, str] | None:
    """The start and end date columns of subscription spells (``durations_from_subscriptions``), or None."""
    other = d.attrs.get("crm_churn", {}).get("non_covariates", [])
    dates = [c for c in other if c in d.columns and pd.api.types.is_datetime64_any_dtype(d[c])]
    return (dates[0], dates[1]) if len(dates) == 2 else None


def subscriptions_at_cutoff(d: pd.DataFrame, cutoff: Any, horizon_days: int, *, start: str, end: str,
                            time_unit: str = "M", covariates: list[str] | None = None,
                            id_col: str | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Contractual ``(X, y)`` at a cut-off: subscriptions running on ``cutoff``, cancelled within the horizon.

    A spell runs on the cut-off ``c`` when ``start <= c`` and it is not cancelled by then
    (``end`` missing or after ``c``).  ``y = 1`` when it is cancelled in ``(c, c + horizon_days]``.
    ``X``: ``tenure`` = ``(c - start)`` in ``time_unit`` and the ``covariates`` (taken as known at
    the cut-off: a covariate that grows with time, such as a count of support tickets over the
    whole history, would leak the future).  The index is the customer id (``id_col``) or the
    data's index.
    """
    c = pd.Timestamp(cutoff).normalize()
    running = (d[start] <= c) & (d[end].isna() | (d[end] > c))
    rows = d[running.to_numpy()]
    X = rows[list(covariates or [])].copy()
    X.insert(0, "tenure", ((c - rows[start]).dt.days / days_per_unit(time_unit)).to_numpy())
    y = (rows[end].notna() & (rows[end] <= c + pd.Timedelta(days=int(horizon_days)))).astype(int)
    index = pd.Index(rows[id_col].to_numpy() if id_col else rows.index.to_numpy())
    for col in X.columns:  # text covariates are one-hot encoded inside the pipelines
        if not pd.api.types.is_numeric_dtype(X[col]):
            X[col] = X[col].astype(object)
    return X.set_axis(index, axis=0), pd.Series(y.to_numpy(), index=index, name="churn")


def _survival_at(res: Any, d: pd.DataFrame, cutoff: pd.Timestamp, start: str, end: str) -> Any:
    """The report's survival model fitted on the spells as they were known on ``cutoff``."""
    dpu = days_per_unit(res.time_unit)
    known = d[d[start] <= cutoff].copy()
    stop = known[end].where(known[end].notna() & (known[end] <= cutoff), cutoff)
    known[res.duration_col] = (stop - known[start]).dt.days / dpu
    known[res.event_col] = (known[end].notna() & (known[end] <= cutoff)).astype(np.int8)
    if res.model.kind != "cox":  # AFT kinds model log-time: a spell opened on the cut-off has duration 0
        known[res.duration_col] = known[res.duration_col].clip(lower=0.5 / dpu)
    return clone(res.model).fit(known, res.duration_col, res.event_col)


def subscription_backtest(res: Any, *, horizon: float = 6, classifiers: tuple[str, ...] = CLASSIFIERS,
                          n_cutoffs: int = 3, acceptance_rate: float = 0.3, top: int = 20,
                          seed: int = 0) -> WhoResults:
    """Backtest over rolling cut-offs on subscription spells (contractual churn with dates).

    At each cut-off pair ``(c0, c1)`` the classifiers are fitted on
    :func:`subscriptions_at_cutoff` at ``c0`` and score the subscriptions running at ``c1``;
    the survival model (``res.model``'s kind and covariates) is fitted on the spells as known
    at ``c0`` (durations and cancellations censored at ``c0``) and scores
    ``P(T <= a + h | T > a, x)`` for a subscription of age ``a`` at ``c1``, ``h`` the horizon.
    The target list ranks the subscriptions running at the observation end by the best
    model fitted at the last cut-off.
    """
    d, id_col = res.data, res.info.get("id_col")
    start, end = subscription_dates(d) or ("", "")
    dpu = days_per_unit(res.time_unit)
    h = max(int(round(horizon * dpu)), 1)
    stop = pd.Timestamp(res.info["observation_end"])
    base = dict(method="backtest", metrics=None, time_unit=res.time_unit, horizon=horizon,
                acceptance_rate=acceptance_rate, horizon_days=h, definition="cancel")
    cutoffs = backtest_cutoffs(d[start].min(), stop, h, n_cutoffs)
    if len(cutoffs) < 2:
        return WhoResults(**base, reason="churn_who_too_short")
    covariates = [c for c in res.model.design_.covariates if c in d.columns]
    kind = res.model.kind
    families = {k: "classifier" for k in classifiers} | {kind: "survival"}

    def frame(c: pd.Timestamp) -> tuple[pd.DataFrame, pd.Series]:
        return subscriptions_at_cutoff(d, c, h, start=start, end=end, time_unit=res.time_unit,
                                       covariates=covariates, id_col=id_col)

    def scores(name: str, c0: pd.Timestamp, X0: pd.DataFrame, y0: pd.Series, X1: pd.DataFrame) -> np.ndarray:
        if families[name] == "classifier":
            return _classifier(name, seed).fit(X0, y0).predict_proba(X1)[:, 1]
        model = _survival_at(res, d, c0, start, end)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return model.churn_probability(X1[covariates], horizon,
                                           survived=X1["tenure"].to_numpy()).to_numpy()

    frames = [frame(c) for c in cutoffs]
    rows, preds = [], []
    for k in range(1, len(cutoffs)):
        (X0, y0), (X1, y1) = frames[k - 1], frames[k]
        for name in families:
            p = scores(name, cutoffs[k - 1], X0, y0, X1)
            m = churn.classification_metrics(y1, p)
            lift = churn.gains_table(y1, p, n_bins=min(10, len(y1)))["lift"].iloc[0]
            rows.append({"model": name, "split": cutoffs[k], **m.to_dict(), "top_decile_lift": lift})
            preds.append(pd.DataFrame({"model": name, "cutoff": cutoffs[k], "customer_id": X1.index,
                                       "y": y1.to_numpy(), "p": p}))
    per_split = pd.DataFrame(rows)
    metrics = _summarise(per_split, families)
    last = pd.concat(preds[-len(families):], ignore_index=True)
    rel, gains = _tables(last)
    best = _best(metrics)
    X0, y0 = frames[-1]
    running = (d[end].isna() | (d[end] > stop)).to_numpy()
    X_now, _ = subscriptions_at_cutoff(d[running], stop, 0, start=start, end=end, time_unit=res.time_unit,
                                       covariates=covariates, id_col=id_col)
    p_now = scores(best, cutoffs[-1], X0, y0, X_now)
    targets, offer = _targets(pd.Series(p_now, index=X_now.index), _value(res), acceptance_rate, top)
    return WhoResults(**base | {"metrics": metrics}, per_split=per_split, predictions=last, reliability=rel,
                      gains=gains, targets=targets, target_model=best,
                      cutoffs=[str(c.date()) for c in cutoffs], offer_cost=offer)


def snapshot_comparison(res: Any, *, horizon: float = 6, classifiers: tuple[str, ...] = CLASSIFIERS,
                        folds: int = 5, acceptance_rate: float = 0.3, top: int = 20, period: float = 1.0,
                        seed: int = 0) -> WhoResults:
    """Stratified cross-validation of the classifiers and the survival model on a snapshot.

    Every fold fits each classifier on the covariates and the tenure (the duration column)
    and the survival model (``res.model``'s kind, covariates and reference levels) on the
    durations and events of the training customers, then scores the held-out customers: the
    classifiers' P(churn), the survival model's ``1 - S(s + period | x) / S(s | x)`` with
    ``s = max(tenure - period, 0)`` (see the module docstring).

    Returns
    -------
    WhoResults
        ``method="cross_validation"``; ``predictions`` are out of fold (every customer once).
    """
    d, duration, event = res.data, res.duration_col, res.event_col
    id_col = res.info.get("id_col")
    base = dict(method="cross_validation", metrics=None, time_unit=res.time_unit, horizon=horizon,
                acceptance_rate=acceptance_rate, folds=int(folds))
    y = d[event].astype(int).to_numpy()
    if min(np.bincount(y, minlength=2)) < folds:
        return WhoResults(**base, reason="churn_who_too_few")
    ids = d[id_col].to_numpy() if id_col else d.index.to_numpy()
    other = [c for c in d.attrs.get("crm_churn", {}).get("non_covariates", [])
             if c in d.columns and c != id_col]
    # numbers stored as text (IBM Telco's TotalCharges) become numbers, other text stays text
    X, _ = churn.features_from_snapshot(d.drop(columns=other), event, id_column=id_col, positive=1)
    X = X.set_axis(pd.Index(ids), axis=0)
    kind = res.model.kind
    families = {k: "classifier" for k in classifiers} | {kind: "survival"}
    oof = {name: np.full(len(d), np.nan) for name in families}
    rows = []
    split = StratifiedKFold(n_splits=int(folds), shuffle=True, random_state=seed)
    for k, (train, test) in enumerate(split.split(X, y)):
        for name in classifiers:
            oof[name][test] = _classifier(name, seed).fit(X.iloc[train], y[train]) \
                .predict_proba(X.iloc[test])[:, 1]
        sm = clone(res.model).fit(d.iloc[train], duration, event)
        tenure = d[duration].to_numpy(dtype=float)[test]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            oof[kind][test] = sm.churn_probability(d.iloc[test], period,
                                                   survived=np.maximum(tenure - period, 0.0)).to_numpy()
        for name in families:
            m = churn.classification_metrics(y[test], oof[name][test])
            lift = churn.gains_table(y[test], oof[name][test], n_bins=min(10, len(test)))["lift"].iloc[0]
            rows.append({"model": name, "split": k, **m.to_dict(), "top_decile_lift": lift})
    per_split = pd.DataFrame(rows)
    metrics = _summarise(per_split, families)
    preds = pd.concat([pd.DataFrame({"model": name, "customer_id": ids, "y": y, "p": p})
                       for name, p in oof.items()], ignore_index=True)
    rel, gains = _tables(preds)
    best = _best(metrics)
    active = d[event].to_numpy() == 0
    scores = pd.Series(oof[best][active], index=ids[active])
    targets, offer = _targets(scores, _value(res), acceptance_rate, top)
    return WhoResults(**base | {"metrics": metrics}, per_split=per_split, predictions=preds, reliability=rel,
                      gains=gains, targets=targets, target_model=best, offer_cost=offer)


def family_verdict(metrics: pd.DataFrame) -> dict[str, Any]:
    """The best model of each family and which family ranks (ROC-AUC) and calibrates (Brier) better.

    Returns
    -------
    dict
        ``classifier`` / ``survival``: the best model code of the family (by ROC-AUC);
        ``ranks`` / ``calibrates``: the family that wins (``"classifier"``, ``"survival"`` or
        ``"tie"`` when the values agree to 3 decimals).
    """
    best = {fam: str(g["roc_auc"].idxmax()) for fam, g in metrics.groupby("family")}
    c, s = metrics.loc[best["classifier"]], metrics.loc[best["survival"]]

    def win(a: float, b: float, higher: bool) -> str:
        if round(a, 3) == round(b, 3):
            return "tie"
        return "classifier" if (a > b) == higher else "survival"

    return {**best, "ranks": win(c["roc_auc"], s["roc_auc"], True),
            "calibrates": win(c["brier"], s["brier"], False)}


def who_markdown(who: WhoResults, lang: str = "en") -> str:
    """Heading, how the models were compared, and the sentence saying which family does better."""
    tr = markdown_translator(t, lang)
    unit = unit_name(who.time_unit, lang)
    head = f"## {tr('churn_who')}\n\n{tr('churn_who_text')}\n\n"
    if who.metrics is None:
        return head + tr(who.reason or "churn_who_too_short", horizon=who.horizon, unit=unit)
    if who.method == "backtest":
        # a catalogue phrase of numbers: filled plainly, escaped once as a value of the sentence
        definition = t(f"churn_who_def_{who.definition}", lang, horizon=who.horizon, unit=unit,
                       days=who.horizon_days)
        how = tr("churn_who_backtest", definition=definition,
                 scored=len(who.cutoffs) - 1, first=who.cutoffs[1], last=who.cutoffs[-1],
                 train=who.cutoffs[0])
    else:
        how = tr("churn_who_cv", folds=who.folds)
    v = family_verdict(who.metrics)
    c, s = who.metrics.loc[v["classifier"]], who.metrics.loc[v["survival"]]
    names = {fam: compared_model_name(v[fam], lang) for fam in ("classifier", "survival")}
    rank = (tr("churn_who_rank_tie", auc=c["roc_auc"]) if v["ranks"] == "tie" else
            tr("churn_who_rank", winner=names[v["ranks"]],
               loser=names["survival" if v["ranks"] == "classifier" else "classifier"],
               auc_w=max(c["roc_auc"], s["roc_auc"]), auc_l=min(c["roc_auc"], s["roc_auc"])))
    cal = (tr("churn_who_cal_tie", brier=c["brier"]) if v["calibrates"] == "tie" else
           tr("churn_who_cal", winner=names[v["calibrates"]],
              brier_w=min(c["brier"], s["brier"]), brier_l=max(c["brier"], s["brier"])))
    return head + how + "\n\n" + tr("churn_who_verdict", rank=rank, cal=cal)


def targets_markdown(who: WhoResults, currency: str = "", lang: str = "en") -> str:
    """The sentence introducing the target list (model used, acceptance rate, offer cost)."""
    tr = markdown_translator(t, lang)
    if who.targets is None:
        return ""
    return (f"### {tr('churn_who_targets')}\n\n"
            + tr("churn_who_targets_text", n=len(who.targets),
                 model=compared_model_name(who.target_model or "", lang), acceptance=who.acceptance_rate,
                 cost=money(who.offer_cost, currency)))


def comparison_items(who: WhoResults, lang: str = "en") -> list[Any]:
    """The section's heading, method and verdict (Markdown) and the comparison table, for ``display``.

    Returns
    -------
    list
        ``[Markdown, Styler]``, or ``[Markdown]`` (saying why) when nothing was scored.
    """
    from IPython.display import Markdown

    items: list[Any] = [Markdown(who_markdown(who, lang))]
    if who.metrics is not None:
        items.append(tables.family_table(who.metrics, lang))
    return items


def target_items(who: WhoResults, currency: str = "", lang: str = "en") -> list[Any]:
    """The target list's heading and sentence (Markdown) and table, or ``[]`` when nothing was scored."""
    from IPython.display import Markdown

    if who.targets is None:
        return []
    return [Markdown(targets_markdown(who, currency, lang)), tables.target_table(who.targets, currency, lang)]
