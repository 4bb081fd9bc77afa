"""PLSpredict: out-of-sample predictive performance of a PLS path model.

``predict_pls(model, n_folds=10, technique="DA", seed=0, reps=None)`` follows Shmueli, Ray,
Velasquez Estrada & Chatla (2016), "The elephant in the room: predictive performance of PLS
models", J. Business Research 69(10), and the guidelines of Shmueli, Sarstedt, Hair, Cheah,
Ting, Vaithilingam & Ringle (2019), "Predictive model assessment in PLS-SEM: guidelines for
using PLSpredict", European J. Marketing 53(11).

The respondents are shuffled (``np.random.default_rng(seed)``) and split into ``n_folds``
folds (``n_folds=None`` or ``n``: leave-one-out, no shuffle). For every fold:

1. the model (same specification and settings) is re-estimated on the other folds, the
   training rows; all folds' fits run at once on the stack of their covariance matrices
   (:mod:`crm_models.csi._kernel`, as the bootstrap);
2. the held-out items are treated with the *training* means and sds,
   ``x* = (x - mean) / sd`` (``x - mean`` when ``scaled=False``), and construct scores are
   ``y = x* W`` with the training outer weights ``W``;
3. each endogenous construct ``k`` is predicted from the structural model with the training
   path coefficients ``B``:

   * ``"DA"`` (direct antecedents): ``yhat_k = sum_j B_kj y_j`` with the scores ``y_j`` of its
     predictors computed from the held-out items;
   * ``"EA"`` (earliest antecedents): only the exogenous constructs' scores are used and the
     prediction is propagated along the paths in topological order,
     ``yhat_k = sum_j B_kj yhat_j`` (``yhat_j = y_j`` for exogenous ``j``), i.e. the reduced
     form ``yhat_endo = [(I - B)^{-1}]_{endo, exo} y_exo``;

4. each indicator ``i`` of an endogenous construct ``k`` is predicted as
   ``xhat_i = mean_i + sd_i * lambda_i * yhat_k`` (``lambda_i`` its training loading, ``mean``
   and ``sd`` the training mean and population sd of the item);
5. the LM benchmark regresses (OLS with intercept, on the training rows) every indicator of
   an endogenous construct on all indicators of the exogenous constructs (``"EA"``: the LM
   benchmark as Shmueli et al. 2019 describe it) or of the construct's direct antecedents
   (``"DA"``: the same information as the DA prediction of PLS), and predicts the held-out rows;
6. the naive benchmark of Q²predict is the training-fold mean of the item.

With ``reps`` the k-fold split is repeated with ``reps`` different shuffles of the same
generator and each respondent's out-of-sample predictions (PLS, LM, naive) are averaged over
the repetitions before the errors are computed. In-sample predictions are those of each fold's
fits for its own training rows, averaged over the fits trained on the respondent (``k - 1`` per
repetition), as in seminr's ``predict_pls``.

Per indicator: RMSE ``sqrt(mean(e^2))`` and MAE ``mean|e|`` of PLS and LM, in and out of
sample, and ``Q²predict = 1 - sum(e_PLS,out^2) / sum((x - training mean)^2)``. The verdict
per endogenous construct (Shmueli et al. 2019, Figure 3) compares the out-of-sample RMSE (or
MAE, for highly non-symmetric errors) of PLS and LM indicator by indicator: PLS lower for
all indicators -> "high", a majority (more than half) -> "medium", a minority (at least one,
at most half) -> "low", none -> "none" (no predictive power).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from crm_models.csi import _kernel
from crm_models.csi.pls import PLSPM
from crm_models.csi.spec import ModelSpec
from crm_models.errors import ConvergenceError, CRMDataError

__all__ = ["predict_pls", "PLSPredictResult", "TECHNIQUES", "POWER_LEVELS"]

TECHNIQUES = ("DA", "EA")
#: the verdicts of Shmueli et al. (2019), from best to worst
POWER_LEVELS = ("high", "medium", "low", "none")
_METRICS = ("rmse", "mae")


@dataclass(frozen=True, eq=False)
class PLSPredictResult:
    """Predictions and errors of :func:`predict_pls`.

    Attributes
    ----------
    technique, n_folds, reps, seed:
        The settings used (``reps`` is 1 for leave-one-out, whose folds do not depend on the
        shuffle).
    folds:
        Per repetition, the held-out row positions of each fold (sorted arrays).
    constructs:
        ``{endogenous construct: [its indicators]}``.
    actual:
        The indicators of the endogenous constructs (respondents used by the model).
    pls_out, lm_out, naive_out:
        Out-of-sample predictions (averaged over the repetitions) of PLS, LM and the
        training-fold mean.
    pls_in, lm_in:
        In-sample predictions of PLS and of the LM: each fold's fits applied to its training
        rows, averaged over the fits trained on the respondent.
    """

    technique: str
    n_folds: int
    reps: int
    seed: int | None
    folds: tuple[tuple[np.ndarray, ...], ...] = field(repr=False)
    constructs: dict[str, list[str]]
    actual: pd.DataFrame = field(repr=False)
    pls_out: pd.DataFrame = field(repr=False)
    lm_out: pd.DataFrame = field(repr=False)
    naive_out: pd.DataFrame = field(repr=False)
    pls_in: pd.DataFrame = field(repr=False)
    lm_in: pd.DataFrame = field(repr=False)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """Per indicator: its construct, RMSE and MAE of PLS and LM in and out of sample, Q²predict.

        Columns ``construct, pls_rmse, pls_mae, lm_rmse, lm_mae`` (out of sample),
        ``pls_rmse_in, pls_mae_in, lm_rmse_in, lm_mae_in``, ``q2_predict`` (PLS) and
        ``lm_q2_predict``.
        """
        y = self.actual.to_numpy()

        def rmse(pred: pd.DataFrame) -> np.ndarray:
            return np.sqrt(((y - pred.to_numpy()) ** 2).mean(0))

        def mae(pred: pd.DataFrame) -> np.ndarray:
            return np.abs(y - pred.to_numpy()).mean(0)

        sse_naive = ((y - self.naive_out.to_numpy()) ** 2).sum(0)
        owner = {it: lv for lv, items in self.constructs.items() for it in items}
        return pd.DataFrame({
            "construct": [owner[it] for it in self.actual.columns],
            "pls_rmse": rmse(self.pls_out), "pls_mae": mae(self.pls_out),
            "lm_rmse": rmse(self.lm_out), "lm_mae": mae(self.lm_out),
            "pls_rmse_in": rmse(self.pls_in), "pls_mae_in": mae(self.pls_in),
            "lm_rmse_in": rmse(self.lm_in), "lm_mae_in": mae(self.lm_in),
            "q2_predict": 1 - ((y - self.pls_out.to_numpy()) ** 2).sum(0) / sse_naive,
            "lm_q2_predict": 1 - ((y - self.lm_out.to_numpy()) ** 2).sum(0) / sse_naive,
        }, index=pd.Index(self.actual.columns, name="indicator"))

    @property
    def summary(self) -> pd.DataFrame:
        """Out-of-sample table per indicator: PLS RMSE, PLS MAE, LM RMSE, LM MAE, Q²predict."""
        m = self.metrics
        return pd.DataFrame({"construct": m["construct"], "PLS RMSE": m["pls_rmse"], "PLS MAE": m["pls_mae"],
                             "LM RMSE": m["lm_rmse"], "LM MAE": m["lm_mae"], "Q²predict": m["q2_predict"]})

    def verdict(self, metric: str = "rmse") -> pd.DataFrame:
        """Predictive power of each endogenous construct (Shmueli et al. 2019).

        Parameters
        ----------
        metric:
            ``"rmse"`` (default) or ``"mae"`` (Shmueli et al. 2019 recommend MAE when the PLS
            prediction errors are highly non-symmetric).

        Returns
        -------
        DataFrame
            Per construct: ``indicators``, ``q2_positive`` (indicators with Q²predict > 0: the
            guideline's first check), ``pls_better`` (indicators whose PLS error is strictly
            below the LM's) and ``predictive_power``: ``"high"`` (all), ``"medium"`` (more than
            half), ``"low"`` (at least one, at most half) or ``"none"``.
        """
        metric = str(metric).lower()
        if metric not in _METRICS:
            raise CRMDataError(f"metric={metric!r} is not one of {_METRICS}")
        m = self.metrics
        rows = []
        for lv in self.constructs:
            sub = m[m["construct"] == lv]
            k = len(sub)
            better = int((sub[f"pls_{metric}"] < sub[f"lm_{metric}"]).sum())
            power = ("high" if better == k else "medium" if 2 * better > k else "low" if better else "none")
            rows.append((lv, k, int((sub["q2_predict"] > 0).sum()), better, power))
        return pd.DataFrame(rows, columns=["construct", "indicators", "q2_positive", "pls_better",
                                           "predictive_power"]).set_index("construct")


# ---------------------------------------------------------------------------------------- helpers
def _check_count(value: object, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise CRMDataError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        rng = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise CRMDataError(f"{name}={value} must be {rng}" + (
            f" (the model was fitted on {high} respondents; n_folds=None is leave-one-out)"
            if name == "n_folds" else ""))
    return value


def _make_folds(n: int, n_folds: int, reps: int, seed: int | None) -> tuple[tuple[np.ndarray, ...], ...]:
    """Held-out row positions: LOO in row order, else ``reps`` seeded shuffles split in ``n_folds``."""
    if n_folds == n:
        return (tuple(np.array([i]) for i in range(n)),)
    rng = np.random.default_rng(seed)
    return tuple(tuple(np.sort(f) for f in np.array_split(rng.permutation(n), n_folds)) for _ in range(reps))


def _given_folds(folds: Sequence[Sequence[int]], n: int) -> tuple[np.ndarray, ...]:
    """Validate explicit folds: integer row positions that split ``0 .. n-1`` into at least 2 parts."""
    try:
        parts = tuple(np.sort(np.asarray(f, dtype=int).ravel()) for f in folds)
    except (TypeError, ValueError) as exc:
        raise CRMDataError("folds must be sequences of integer row positions (0-based)") from exc
    joined = np.concatenate(parts) if parts else np.array([], dtype=int)
    if len(parts) < 2 or any(len(p) == 0 for p in parts) or len(joined) != n \
            or not np.array_equal(np.sort(joined), np.arange(n)):
        raise CRMDataError(f"folds must split the {n} respondents' row positions 0..{n - 1} into at least 2 "
                           "non-empty parts, each row in exactly one fold")
    return parts


def _structure(spec: ModelSpec, technique: str) -> tuple[list[int], list[int], dict[int, np.ndarray]]:
    """Endogenous and exogenous constructs, and the LM predictor constructs of each endogenous one."""
    endo = spec.endogenous
    exo = [j for j in range(spec.n_lvs) if j not in endo]
    lm_preds = {k: (spec.predecessors(k) if technique == "DA" else np.array(exo)) for k in endo}
    return endo, exo, lm_preds


def _pls_predict(x: np.ndarray, mean: np.ndarray, sd: np.ndarray, W: np.ndarray, P: np.ndarray,
                 loadings: np.ndarray, spec: ModelSpec, scaled: bool, technique: str,
                 cols: np.ndarray) -> np.ndarray:
    """Predicted raw answers of the items ``cols`` for the rows ``x`` (steps 2-4 of the module doc)."""
    treated = x - mean
    if scaled:
        treated = treated / sd
    y = treated @ W
    yhat = y.copy()
    for k in spec.endogenous:  # topological order
        preds = spec.predecessors(k)
        yhat[:, k] = (y if technique == "DA" else yhat)[:, preds] @ P[k, preds]
    block = spec.block_index[cols]
    return mean[cols] + sd[cols] * loadings[cols] * yhat[:, block]


def _ols_slopes(covs: np.ndarray, xcols: np.ndarray, ycols: np.ndarray) -> np.ndarray:
    """OLS slopes of every fold at once from its training covariance matrix: ``S_xx^{-1} S_xy``.

    The intercept is ``mean_y - mean_x' beta`` (the normal equations of OLS with an intercept).
    A singular ``S_xx`` (collinear predictors) falls back to the minimum-norm least squares
    solution, as ``numpy.linalg.lstsq``.
    """
    Sxx = covs[:, xcols[:, None], xcols[None, :]]
    Sxy = covs[:, xcols[:, None], ycols[None, :]]
    try:
        return np.linalg.solve(Sxx, Sxy)
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.lstsq(a, b, rcond=None)[0] for a, b in zip(Sxx, Sxy, strict=True)])


def _fold_fits(model: PLSPM, x: np.ndarray, tests: list[np.ndarray]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Re-estimate the model without each held-out set, all at once.

    Returns the training means, sds, outer weights ``W``, paths ``P``, loadings and raw item
    covariance matrices (population) of every fold.
    """
    fit = model.estimation_
    spec = fit.spec
    B = len(tests)
    p = x.shape[1]
    n_min = max(spec.n_lvs + 2, 10)
    means = np.empty((B, p))
    sds = np.empty((B, p))
    W = np.empty((B, p, spec.n_lvs))
    P = np.empty((B, spec.n_lvs, spec.n_lvs))
    loads = np.empty((B, p))
    covs = np.empty((B, p, p))
    tol, max_iter = float(fit.tol), int(fit.max_iter)
    centred = x - x.mean(0)  # fewer cancellations in the down-dated sums below
    total = centred.sum(0)
    cross = centred.T @ centred
    sizes = x.shape[0] - np.array([len(t) for t in tests])
    for size in np.unique(sizes):  # the kernel's convergence test depends on n: one stack per size
        if size < n_min:
            raise CRMDataError(f"a training fold has only {size} respondents; the model needs at least "
                               f"{n_min} (use fewer folds or more respondents)")
        idx = np.flatnonzero(sizes == size)
        C = np.empty((len(idx), p, p))
        for out, b in enumerate(idx):
            held = tests[b]
            xs = centred[held]
            s = (total - xs.sum(0)) / size
            cov = (cross - xs.T @ xs) / size - np.outer(s, s)
            sd = np.sqrt(np.clip(np.diag(cov), 0, None))
            const = sd <= 1e-12 * np.maximum(np.abs(x).max(0), 1.0)
            if const.any():
                raise CRMDataError(
                    f"is constant on the training rows of a fold ({len(held)} held out), so the model cannot "
                    "be estimated there: use fewer folds, another seed, or drop the item",
                    column=spec.items[int(np.flatnonzero(const)[0])])
            means[b] = x.mean(0) + s
            sds[b] = sd
            covs[b] = cov
            C[out] = cov / np.outer(sd, sd) if fit.scaled else cov
        try:
            res = _kernel.estimate(C, spec, int(size), scheme=fit.scheme, tol=tol, max_iter=max_iter,
                                   rule=fit.convergence)
        except np.linalg.LinAlgError as exc:
            raise CRMDataError("the items of a formative (mode B) block are collinear on the training rows "
                               "of a fold: use fewer folds or mode A") from exc
        if not res.converged.all():
            raise ConvergenceError(f"PLS weights did not converge in max_iter={max_iter} iterations on "
                                   f"{int((~res.converged).sum())} training folds; refit the model with a "
                                   "larger max_iter or another scheme")
        RL = res.RL
        loadings = (res.xload * spec.odm).sum(-1)
        if fit.consistent:
            sd_b = sds[idx]
            Wstd = res.W if fit.scaled else res.W * sd_b[:, :, None]
            Rb = C if fit.scaled else C / sd_b[:, :, None] / sd_b[:, None, :]
            rho, RL, lam = _kernel.consistent(Rb, Wstd, res.RL, spec)
            if not (np.isfinite(rho) & (rho > 0)).all():
                raise CRMDataError("consistent PLS: rho_A is not positive on the training rows of a fold; "
                                   "use fewer folds or consistent=False")
            loadings = (lam * spec.odm).sum(-1)
        P[idx] = _kernel.structural(RL, spec)[0]
        W[idx] = res.W
        loads[idx] = loadings
    return means, sds, W, P, loads, covs


# ---------------------------------------------------------------------------------------- entry point
def predict_pls(model: PLSPM, n_folds: int | None = 10, technique: str = "DA", seed: int | None = 0,
                reps: int | None = None, data: pd.DataFrame | None = None,
                folds: Sequence[Sequence[int]] | None = None) -> PLSPredictResult:
    """Out-of-sample predictions of the endogenous indicators by PLS and by a linear benchmark.

    Parameters
    ----------
    model:
        A fitted :class:`~crm_models.csi.PLSPM` (its specification and settings are
        re-estimated on every training fold).
    n_folds:
        Number of folds ``k`` (2 to ``n``); ``None`` or ``n``: leave-one-out.
    technique:
        ``"DA"`` (direct antecedents, default) or ``"EA"`` (earliest antecedents).
    seed:
        Seed of the shuffles (``np.random.default_rng``); leave-one-out does not use it.
    reps:
        Repetitions of the k-fold split with different shuffles (default 1); each
        respondent's out-of-sample predictions are averaged over them.
    data:
        The survey the model was fitted on, needed only when the model keeps no survey rows
        (``keep_data=False`` or a model read from a file).
    folds:
        Explicit held-out row positions (0-based), one sequence per fold, together a partition
        of the rows, e.g. to reproduce another program's split; replaces ``n_folds``, ``seed``
        and ``reps`` (one repetition).

    Returns
    -------
    PLSPredictResult
        Predictions, ``metrics``, ``summary`` and :meth:`~PLSPredictResult.verdict`.

    Notes
    -----
    The procedure is in the module docstring (Shmueli et al. 2016, 2019). Checked against a
    fold-by-fold refit with :class:`~crm_models.csi.PLSPM` and ``numpy.linalg.lstsq``, against
    scikit-learn's ``cross_val_predict`` for the LM, and on simulated data with known noise
    (tests/test_csi_predict.py).
    """
    if not isinstance(model, PLSPM):
        raise CRMDataError(f"predict_pls needs a fitted crm_models.csi.PLSPM, got {type(model).__name__}")
    if not model.is_fitted:
        raise CRMDataError("the PLSPM is not fitted yet: call fit(survey) first, then predict_pls(model)")
    model._refuse_stages("predict_pls")
    tech = str(technique).upper()
    if tech not in TECHNIQUES:
        raise CRMDataError(f"technique={technique!r} is not one of {TECHNIQUES} "
                           "(direct / earliest antecedents)")
    frame = model.training_items(data)
    x = frame.to_numpy(dtype=float)
    n = x.shape[0]
    k = n if n_folds is None else _check_count(n_folds, "n_folds", 2, n)
    r = 1 if reps is None else _check_count(reps, "reps", 1)
    if k == n:
        r = 1
    fit = model.estimation_
    spec = fit.spec
    endo, _, lm_preds = _structure(spec, tech)
    cols = np.flatnonzero(np.isin(spec.block_index, endo))
    lm_cols = {j: np.flatnonzero(spec.block_index == j) for j in endo}
    lm_x = {j: np.flatnonzero(np.isin(spec.block_index, lm_preds[j])) for j in endo}

    if folds is None:
        folds = _make_folds(n, k, r, seed)
    else:
        folds = (_given_folds(folds, n),)
        k, r, seed = len(folds[0]), 1, None
    tests = [t for rep in folds for t in rep]
    means, sds, W, P, loads, covs = _fold_fits(model, x, tests)
    slopes = {j: _ols_slopes(covs, lm_x[j], lm_cols[j]) for j in endo}

    pls = np.zeros((n, len(cols)))
    lm = np.zeros((n, len(cols)))
    naive = np.zeros((n, len(cols)))
    pos = {c: i for i, c in enumerate(cols)}
    for b, test in enumerate(tests):
        pls[test] += _pls_predict(x[test], means[b], sds[b], W[b], P[b], loads[b], spec, fit.scaled, tech,
                                  cols)
        naive[test] += means[b][cols]
        for j in endo:
            out = [pos[c] for c in lm_cols[j]]
            mx, my = means[b][lm_x[j]], means[b][lm_cols[j]]
            lm[np.ix_(test, out)] += my + (x[np.ix_(test, lm_x[j])] - mx) @ slopes[j][b]
    pls /= r
    lm /= r
    naive /= r

    # in-sample: every fold's fit predicts its own training rows; a respondent's in-sample
    # prediction is the average over the fits that were trained on it (as seminr's predict_pls)
    pls_in = np.zeros_like(pls)
    lm_in = np.zeros_like(lm)
    times = np.zeros(n)
    for b, test in enumerate(tests):
        train = np.setdiff1d(np.arange(n), test, assume_unique=True)
        times[train] += 1
        pls_in[train] += _pls_predict(x[train], means[b], sds[b], W[b], P[b], loads[b], spec, fit.scaled,
                                      tech, cols)
        for j in endo:
            out = [pos[c] for c in lm_cols[j]]
            mx, my = means[b][lm_x[j]], means[b][lm_cols[j]]
            lm_in[np.ix_(train, out)] += my + (x[np.ix_(train, lm_x[j])] - mx) @ slopes[j][b]
    pls_in /= times[:, None]
    lm_in /= times[:, None]

    names = [spec.items[c] for c in cols]

    def frame_of(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=frame.index, columns=names)

    return PLSPredictResult(
        technique=tech, n_folds=k, reps=r, seed=seed, folds=folds,
        constructs={spec.lvs[j]: list(spec.blocks[j]) for j in endo},
        actual=frame_of(x[:, cols]), pls_out=frame_of(pls), lm_out=frame_of(lm), naive_out=frame_of(naive),
        pls_in=frame_of(pls_in), lm_in=frame_of(lm_in))
