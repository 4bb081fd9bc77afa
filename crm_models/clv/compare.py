"""A fair contest between purchase-model families on one calibration/holdout split.

Every candidate is fitted on the calibration period of the same summary
(``crm.data.rfm_summary(tx, observation_end, calibration_end=...)``) and scored on the same
holdout purchases, as in Fader, Hardie & Lee (2005) and Platzer & Reutterer (2016, Table 3):

* per customer: mean absolute error (MAE) and root mean squared error (RMSE) of the holdout
  purchases, E[X(T, T+t*) | x, t_x, T] against the actual count
  (:func:`crm_models.clv.holdout_errors` computes the same numbers for one model);
* for the cohort: the aggregate error, predicted total / actual total - 1;
* the calibration fit: log-likelihood, number of parameters, AIC = 2k - 2 LL and
  BIC = k log(N) - 2 LL (the models' likelihoods are densities of the same purchase times in
  the same time unit, so they compare across families; k counts a searched regularity k of
  the CNBD models);
* the fit time in seconds.

Besides the probability models, a machine-learning baseline takes part: scikit-learn's
``HistGradientBoostingRegressor`` with Poisson loss on the calibration RFM features
(frequency, recency, T, monetary value and litt when present, recency/T, frequency/T)
predicting the holdout purchases.  It needs holdout outcomes to learn from, so its
predictions are *out of fold*: the customers are split into K folds (seeded) and each
customer is predicted by the model trained on the other folds
(``sklearn.model_selection.cross_val_predict``).  It therefore uses information the
probability models never see (other customers' holdout purchases); it shows how much a
flexible learner with that advantage gains over the probability models, and in deployment
it would have to be trained on an earlier split.  The probability models have no such
advantage and still provide P(alive), horizons of any length and CLV.

With monetary columns (``monetary_value``, ``monetary_value_holdout``) the Gamma-Gamma
spend model is compared with the same baseline predicting the mean holdout spend per
purchase of the customers who bought in both periods (:attr:`ModelComparison.spend`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_models.clv.base import SummaryModel
from crm_models.clv.bgnbd import BetaGeoModel
from crm_models.clv.cnbd import BetaGeoCNBDModel, ModifiedBetaGeoCNBDModel
from crm_models.clv.gammagamma import GammaGammaModel
from crm_models.clv.mbgnbd import ModifiedBetaGeoModel
from crm_models.clv.nbd import NBDModel
from crm_models.clv.paretonbd import ParetoNBDModel
from crm_models.clv.validation import _holdout_columns
from crm_models.errors import CRMDataError, ModelSpecificationError

__all__ = ["compare_models", "ModelComparison", "DEFAULT_MODELS", "ML_BASELINE", "model_label", "CRITERIA"]

#: The key of the machine-learning baseline in the results.
ML_BASELINE = "ml_baseline"

#: The default candidates, by key (published names in :data:`LABELS`).
DEFAULT_MODELS: dict[str, type[SummaryModel]] = {
    "nbd": NBDModel,
    "bgnbd": BetaGeoModel,
    "mbgnbd": ModifiedBetaGeoModel,
    "paretonbd": ParetoNBDModel,
    "bgcnbd": BetaGeoCNBDModel,
    "mbgcnbd": ModifiedBetaGeoCNBDModel,
}

#: Published names of the models by class name (other classes: ``display_name`` or the class name).
LABELS = {"NBDModel": "NBD", "BetaGeoModel": "BG/NBD", "ModifiedBetaGeoModel": "MBG/NBD",
          "ParetoNBDModel": "Pareto/NBD", "BetaGeoCNBDModel": "BG/CNBD-k",
          "ModifiedBetaGeoCNBDModel": "MBG/CNBD-k", ML_BASELINE: "Gradient boosting (ML baseline)"}

#: Ranking criteria: column of the table, and whether smaller is better (all are).
CRITERIA = ("mae", "rmse", "total_error", "aic", "bic")

_NEEDS_LITT = (BetaGeoCNBDModel, ModifiedBetaGeoCNBDModel)


def model_label(model: Any) -> str:
    """The published name of a model (class, instance or key ``"ml_baseline"``): ``"BG/NBD"``, ..."""
    if isinstance(model, str):
        return LABELS.get(model, model)
    cls = model if isinstance(model, type) else type(model)
    return getattr(cls, "display_name", None) or LABELS.get(cls.__name__, cls.__name__)


@dataclass
class ModelComparison:
    """The result of :func:`compare_models`.

    Attributes
    ----------
    table : DataFrame
        One row per candidate (index: key, e.g. ``"bgnbd"``), best first: ``model`` (published
        name), ``mae``, ``rmse``, ``total_error``, ``mae_diff_se`` (standard error of the
        per-customer difference of absolute errors to the best model: differences within about
        two of these are noise), ``log_likelihood``, ``n_params``, ``aic``, ``bic``
        (NaN for the ML baseline), ``fit_seconds``, ``status`` (``"ok"`` or ``"failed"``) and
        ``message`` (the error of a failed fit, or its warnings).
    best : str
        Key of the best candidate by ``criterion``.
    fitted : dict
        Key -> fitted model (probability models fitted on the calibration period; the ML
        baseline refitted on all calibration customers).
    predictions : DataFrame
        Per customer: ``actual`` holdout purchases and one column per candidate that fitted.
    reason : str
        Why the best was picked, in plain words.
    criterion : str
        The ranking criterion.
    notes : list of str
        Candidates left out, and why.
    spend : DataFrame or None
        Gamma-Gamma vs the ML baseline on the mean holdout spend per purchase (``mae``,
        ``rmse``, ``mean_predicted``, ``mean_actual``, ``customers``), when monetary columns exist.
    """

    table: pd.DataFrame
    best: str
    fitted: dict[str, Any]
    predictions: pd.DataFrame
    reason: str
    criterion: str = "mae"
    notes: list[str] = field(default_factory=list)
    spend: pd.DataFrame | None = None

    @property
    def probability_models(self) -> list[str]:
        """Keys of the fitted probability models (no ML baseline), best first."""
        ok = self.table[(self.table["status"] == "ok") & (self.table.index != ML_BASELINE)]
        return list(ok.index)


def _candidates(models: Any, has_litt: bool, notes: list[str]) -> dict[str, SummaryModel]:
    """Key -> unfitted model instance.  Classes are instantiated, instances cloned."""
    from sklearn.base import clone

    if models is None:
        items: Iterable[tuple[str | None, Any]] = list(DEFAULT_MODELS.items())
    elif isinstance(models, Mapping):
        items = list(models.items())
    elif isinstance(models, (type, SummaryModel)):
        items = [(None, models)]
    else:
        items = [(None, m) for m in models]
    keys_of = {cls: key for key, cls in DEFAULT_MODELS.items()}
    out: dict[str, SummaryModel] = {}
    for key, spec in items:
        if isinstance(spec, type) and issubclass(spec, SummaryModel):
            model = spec()
        elif isinstance(spec, SummaryModel):
            model = clone(spec)
        else:
            raise ModelSpecificationError(
                "models must be purchase-model classes or instances (e.g. crm.clv.BetaGeoModel), "
                f"got {spec!r}")
        if key is None:
            key = keys_of.get(type(model), type(model).__name__)
        base, n = key, 2
        while key in out or key == ML_BASELINE:
            key, n = f"{base}_{n}", n + 1
        if models is None and isinstance(model, _NEEDS_LITT) and not has_litt:
            notes.append(f"{model_label(model)} left out: it needs the column litt "
                         "(crm.data.rfm_summary(..., litt=True))")
            continue
        out[key] = model
    return out


def _features(summary: pd.DataFrame) -> pd.DataFrame:
    """Calibration RFM features of the ML baseline (no holdout column)."""
    cols = [c for c in ("frequency", "recency", "T", "monetary_value", "litt") if c in summary.columns]
    X = summary[cols].astype(float).copy()
    T = X["T"].where(X["T"] > 0)
    X["recency_share"] = (X["recency"] / T).fillna(0.0)
    X["rate"] = (X["frequency"] / T).fillna(0.0)
    return X


def _oof(X: pd.DataFrame, y: np.ndarray, loss: str, folds: int, seed: int) -> tuple[np.ndarray, Any]:
    """Out-of-fold predictions of a gradient-boosting regressor, and the model refitted on all rows."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.model_selection import KFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    est = HistGradientBoostingRegressor(loss=loss, random_state=seed)
    cv = KFold(n_splits=folds, shuffle=True, random_state=seed)
    # one OpenMP thread: on a few thousand rows the thread start-up of every boosting round
    # costs more than it saves (20 times slower on a busy two-core machine)
    with threadpool_limits(limits=1, user_api="openmp"):
        pred = cross_val_predict(est, X, y, cv=cv)
        est.fit(X, y)
    return np.asarray(pred, dtype=float), est


def _spend_contest(summary: pd.DataFrame, folds: int, seed: int) -> tuple[pd.DataFrame | None, Any]:
    cols = ("monetary_value", "monetary_value_holdout", "frequency_holdout")
    if not all(c in summary.columns for c in cols):
        return None, None
    mask = ((summary["frequency"] > 0) & (summary["monetary_value"] > 0) & (summary["frequency_holdout"] > 0)
            & (summary["monetary_value_holdout"] > 0)).to_numpy()
    if mask.sum() < max(5 * folds, 20):
        return None, None
    rows = {}
    sub = summary.loc[mask]
    actual = sub["monetary_value_holdout"].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gg = GammaGammaModel().fit(summary)
    predictions = {"gamma_gamma": gg.expected_spend(sub).to_numpy(dtype=float)}
    predictions[ML_BASELINE] = _oof(_features(sub), actual, "gamma", folds, seed)[0]
    for key, pred in predictions.items():
        err = pred - actual
        rows[key] = {"model": "Gamma-Gamma" if key == "gamma_gamma" else LABELS[ML_BASELINE],
                     "mae": np.abs(err).mean(), "rmse": np.sqrt((err**2).mean()),
                     "mean_predicted": pred.mean(), "mean_actual": actual.mean(),
                     "customers": int(mask.sum())}
    return pd.DataFrame(rows).T.sort_values("mae").infer_objects(), gg


class _TooSlow(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise inside the block after ``seconds`` (main thread on Unix only; elsewhere no limit)."""
    usable = (seconds is not None and hasattr(signal, "SIGALRM")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise _TooSlow(f"stopped after {seconds:g} s (time_limit)")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _score(pred: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    err = pred - actual
    with np.errstate(divide="ignore", invalid="ignore"):
        total = pred.sum() / actual.sum() - 1.0
    return {"mae": float(np.abs(err).mean()), "rmse": float(np.sqrt((err**2).mean())),
            "total_error": float(total)}


def _reason(table: pd.DataFrame, best: str, criterion: str) -> str:
    ok = table[table["status"] == "ok"]
    name = ok.loc[best, "model"]
    words = {"mae": "mean absolute error per customer", "rmse": "root mean squared error per customer",
             "total_error": "error of the total holdout purchases", "aic": "AIC", "bic": "BIC"}
    what = words[criterion]
    value = ok.loc[best, criterion]
    text = f"{name} was picked: it has the lowest {what} ({value:.4g}"
    if len(ok) > 1:
        second = ok.index[1]
        text += f"; runner-up {ok.loc[second, 'model']} {ok.loc[second, criterion]:.4g})"
        se = ok.loc[second, "mae_diff_se"]
        gap = ok.loc[second, "mae"] - ok.loc[best, "mae"]
        if criterion == "mae" and np.isfinite(se) and se > 0 and gap < 2 * se:
            text += ", a difference within noise (less than two standard errors)"
    else:
        text += ")"
    text += "."
    if criterion in ("aic", "bic"):
        return text
    with_aic = ok[np.isfinite(ok["aic"].to_numpy(dtype=float))]
    if len(with_aic) == 0:
        return text
    by_aic = with_aic["aic"].astype(float).idxmin()
    if by_aic == best:
        text += " AIC agrees: it also has the lowest AIC on the calibration period."
    elif best == ML_BASELINE:
        prob = [k for k in ok.index if k != ML_BASELINE]
        text += (f" Among the probability models {ok.loc[prob[0], 'model']} predicts best"
                 + (" and AIC agrees." if by_aic == prob[0] else
                    f"; AIC prefers {ok.loc[by_aic, 'model']}."))
    else:
        text += f" AIC disagrees: it prefers {ok.loc[by_aic, 'model']} on the calibration period."
    return text


def compare_models(
    summary: pd.DataFrame,
    models: Any = None,
    *,
    criterion: str = "mae",
    seed: int = 0,
    ml_baseline: bool = True,
    folds: int = 5,
    spend: bool = True,
    time_limit: float | None = 120.0,
) -> ModelComparison:
    """Fit every candidate on the calibration period and score all on the same holdout period.

    Parameters
    ----------
    summary : DataFrame
        Calibration/holdout summary of ``crm.data.rfm_summary(tx, observation_end,
        calibration_end=...)`` (columns ``frequency``, ``recency``, ``T``,
        ``frequency_holdout``, ``duration_holdout``; ``litt=True`` adds the ``litt`` the CNBD
        models need, ``monetary_value[_holdout]`` enable the spend contest).
    models : None, class, instance, list or dict
        Candidates: purchase-model classes or (unfitted) instances, e.g.
        ``[crm.clv.BetaGeoModel, crm.clv.ParetoNBDModel(penalizer=0.001)]``, or a dict
        key -> class/instance.  Instances are cloned.  None: NBD, BG/NBD, MBG/NBD,
        Pareto/NBD, BG/CNBD-k and MBG/CNBD-k (k chosen by likelihood; both left out, with a
        note, when the summary has no ``litt``).
    criterion : {"mae", "rmse", "total_error", "aic", "bic"}
        Ranking: per-customer MAE (default) or RMSE of holdout purchases, absolute aggregate
        error, or AIC/BIC of the calibration fit (the ML baseline has none and ranks last).
    seed : int
        Seed of the folds and of the gradient boosting.
    ml_baseline : bool
        Include the gradient-boosting baseline (out-of-fold predictions, see the module doc).
    folds : int
        Number of folds of the baseline's cross-validated predictions.
    spend : bool
        Also compare Gamma-Gamma spend with the baseline when monetary columns exist.
    time_limit : float or None
        Seconds a candidate may take to fit and predict; a slower one is stopped and reported
        as failed (e.g. the Pareto/NBD's hypergeometric series can crawl on data with almost
        no dropout).  Enforced with ``SIGALRM``, so only in the main thread on Unix; None: no
        limit.

    Returns
    -------
    ModelComparison
        A candidate that fails to fit is listed with ``status`` "failed" and its error
        message, not raised.

    Notes
    -----
    The per-customer MAE of a model equals ``crm.clv.holdout_errors(model, summary)``'s
    (the tests check this on CDNOW, where BG/NBD and Pareto/NBD beat the NBD as published by
    Fader, Hardie & Lee 2005).
    """
    if criterion not in CRITERIA:
        raise ModelSpecificationError(f"criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ModelSpecificationError(f"folds must be a whole number >= 2, got {folds!r}")
    actual_holdout, duration = _holdout_columns(summary)
    actual = actual_holdout.astype(float)
    if len(actual) < 2 * folds:
        raise CRMDataError(f"{len(actual)} customers are too few to compare models", source="summary")
    if not actual.sum() > 0:
        raise CRMDataError("no customer buys in the holdout period, so there is nothing to score the models "
                           "on: end the calibration period earlier (a longer holdout)", source="summary",
                           column="frequency_holdout")
    horizon: Any = float(duration[0]) if np.all(duration == duration[0]) else duration
    notes: list[str] = []
    candidates = _candidates(models, "litt" in summary.columns, notes)
    rows: dict[str, dict[str, Any]] = {}
    fitted: dict[str, Any] = {}
    preds: dict[str, np.ndarray] = {}
    for key, model in candidates.items():
        start = time.perf_counter()
        row: dict[str, Any] = {"model": model_label(model)}
        try:
            with warnings.catch_warnings(record=True) as caught, _deadline(time_limit):
                warnings.simplefilter("always")
                model.fit(summary)
                pred = model.expected_purchases(summary, horizon).to_numpy(dtype=float)
            if not np.all(np.isfinite(pred)):
                raise ModelSpecificationError("the model's holdout predictions are not all finite")
        except Exception as exc:  # noqa: BLE001 - a failed candidate is reported, not raised
            row.update(status="failed", message=f"{type(exc).__name__}: {exc}",
                       fit_seconds=time.perf_counter() - start)
            rows[key] = row
            continue
        ll = float(model.log_likelihood_)
        aic = float(model.aic_)
        row.update(_score(pred, actual), log_likelihood=ll, n_params=round((aic + 2 * ll) / 2),
                   aic=aic, bic=float(model.bic_), fit_seconds=time.perf_counter() - start, status="ok",
                   message="; ".join(dict.fromkeys(str(w.message) for w in caught)))
        rows[key], fitted[key], preds[key] = row, model, pred
    if ml_baseline:
        start = time.perf_counter()
        try:
            pred, est = _oof(_features(summary), actual, "poisson", folds, seed)
        except Exception as exc:  # noqa: BLE001 - a failed candidate is reported, not raised
            rows[ML_BASELINE] = {"model": LABELS[ML_BASELINE], "status": "failed",
                                 "message": f"{type(exc).__name__}: {exc}",
                                 "fit_seconds": time.perf_counter() - start}
        else:
            rows[ML_BASELINE] = {"model": LABELS[ML_BASELINE], **_score(pred, actual),
                                 "log_likelihood": np.nan, "n_params": np.nan, "aic": np.nan, "bic": np.nan,
                                 "fit_seconds": time.perf_counter() - start, "status": "ok", "message": ""}
            fitted[ML_BASELINE], preds[ML_BASELINE] = est, pred
    if not preds:
        raise ModelSpecificationError("no candidate could be fitted: " + "; ".join(
            f"{r['model']}: {r['message']}" for r in rows.values()))
    columns = ["model", "mae", "rmse", "total_error", "mae_diff_se", "log_likelihood", "n_params", "aic",
               "bic", "fit_seconds", "status", "message"]
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns)
    table.index.name = "key"
    rank = table[criterion].astype(float)
    if criterion == "total_error":
        rank = rank.abs()
    order = np.lexsort((np.arange(len(table)), rank.fillna(np.inf).to_numpy()))
    table = table.iloc[order]
    best = str(table.index[0])
    abs_best = np.abs(preds[best] - actual)
    for key, pred in preds.items():
        diff = np.abs(pred - actual) - abs_best
        table.loc[key, "mae_diff_se"] = float(diff.std(ddof=1) / np.sqrt(len(diff))) if key != best else 0.0
    for col in columns[1:10]:
        table[col] = table[col].astype(float)
    table["message"] = table["message"].fillna("")
    predictions = pd.DataFrame({"actual": actual, **{k: preds[k] for k in table.index if k in preds}},
                               index=summary.index)
    spend_table = None
    if spend:
        spend_table, gg = _spend_contest(summary, folds, seed)
        if gg is not None:
            fitted["gamma_gamma"] = gg
    return ModelComparison(table=table, best=best, fitted=fitted, predictions=predictions,
                           reason=_reason(table, best, criterion), criterion=criterion, notes=notes,
                           spend=spend_table)
