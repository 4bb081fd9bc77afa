"""Measurement quality of a PLS path model: reliability, convergent and discriminant validity.

Block-level functions take the items of one block (a DataFrame or array, rows = respondents);
model-level functions take a fitted :class:`~crm_models.csi.pls.PLSPM`.

Formulas (``R`` the items' correlation matrix, ``p`` the number of items, ``lambda`` the
loadings, ``w`` the standardised outer weights scaled so that ``w'Rw = 1``):

* Cronbach's alpha (standardised, as in R plspm): ``p/(p-1) * (1 - p / sum(R))``; raw
  alpha uses the covariance matrix ``S``: ``p/(p-1) * (1 - tr(S)/sum(S))``.
* Dillon-Goldstein rho as in plspm's unidimensionality table, with ``l`` the correlations of
  the items with their first principal component: ``(sum l)^2 / ((sum l)^2 + sum(1 - l^2))``;
  composite reliability ``rho_c`` is the same formula with the PLS outer loadings
  (Werts, Linn & Joreskog 1974; SmartPLS / seminr).
* ``rho_A`` (Dijkstra & Henseler 2015, MIS Quarterly 39(2)):
  ``(w'w)^2 * w'(R - diag R)w / w'(ww' - diag(ww'))w``.
* AVE (Fornell & Larcker 1981): mean squared loading.
* First and second eigenvalues of ``R`` (a block is unidimensional when only the first
  exceeds 1).
* Fornell-Larcker criterion: ``sqrt(AVE)`` of each construct above its correlations with
  the others.
* HTMT (Henseler, Ringle & Sarstedt 2015, JAMS 43(1)): mean between-block item correlation
  divided by the geometric mean of the two average within-block correlations (absolute
  correlations, as seminr and cSEM do); problems above 0.85 (conceptually distinct
  constructs) or 0.90 (similar constructs).
* VIF of the predictors of each endogenous construct, ``1 / (1 - R^2_j)``; for formative
  blocks the item VIFs.
* Cohen's ``f^2 = (R^2_incl - R^2_excl) / (1 - R^2_incl)``: 0.02 small, 0.15 medium,
  0.35 large.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crm_models.base import check_is_fitted
from crm_models.csi._measurement import alpha_from_cor as _alpha_from_cor
from crm_models.csi._measurement import dg_rho_from_cor as _dg_rho_from_cor
from crm_models.csi._measurement import htmt_matrix, unidimensionality_table
from crm_models.csi._measurement import reliability_from_loadings as _reliability_from_loadings
from crm_models.csi._measurement import rho_a_from_cor as _rho_a_from_cor
from crm_models.errors import CRMDataError

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.csi.pls import PLSPM

__all__ = [
    "cronbach_alpha", "dillon_goldstein_rho", "composite_reliability", "rho_a", "ave",
    "block_eigenvalues", "htmt_matrix",
    "unidimensionality", "reliability", "fornell_larcker", "htmt", "vif", "f_squared",
    "measurement_quality", "THRESHOLDS",
]

#: Rules of thumb used to flag problems (Hair et al. 2019, "When to use and how to report
#: the results of PLS-SEM"; Henseler et al. 2015 for HTMT).
THRESHOLDS = {
    "cronbach_alpha": 0.70, "rho_a": 0.70, "rho_c": 0.70, "ave": 0.50, "loading": 0.708,
    "htmt_strict": 0.85, "htmt": 0.90, "vif": 5.0,
}


def _matrix(items) -> np.ndarray:
    x = np.asarray(items.to_numpy(dtype=float) if isinstance(items, pd.DataFrame) else items, dtype=float)
    if x.ndim != 2 or x.shape[1] < 1 or x.shape[0] < 3:
        raise CRMDataError("expected a (respondents x items) table with at least 3 rows, "
                           f"got shape {x.shape}")
    if np.isnan(x).any():
        raise CRMDataError("the items contain missing values; impute or drop them first")
    return x


def _cor(x: np.ndarray) -> np.ndarray:
    xc = x - x.mean(0)
    sd = np.sqrt((xc ** 2).mean(0))
    if (sd == 0).any():
        raise CRMDataError("an item is constant; its correlations are undefined")
    z = xc / sd
    return z.T @ z / len(z)


def cronbach_alpha(items, standardized: bool = True) -> float:
    """Cronbach's alpha of one block (standardised by default, as in plspm; not clipped at 0)."""
    x = _matrix(items)
    p = x.shape[1]
    if p < 2:
        return 1.0
    if standardized:
        return _alpha_from_cor(_cor(x))
    S = np.cov(x, rowvar=False)
    return p / (p - 1) * (1 - np.trace(S) / S.sum())


def block_eigenvalues(items) -> np.ndarray:
    """Eigenvalues of the items' correlation matrix, largest first."""
    R = _cor(_matrix(items))
    return np.sort(np.linalg.eigvalsh(R))[::-1]


def dillon_goldstein_rho(items) -> float:
    """Dillon-Goldstein rho from the items' correlations with their first principal component."""
    return _dg_rho_from_cor(_cor(_matrix(items)))


def composite_reliability(loadings) -> float:
    """Composite reliability ``rho_c`` from standardised loadings."""
    lam = np.asarray(loadings, dtype=float)
    return 1.0 if lam.size == 1 else _reliability_from_loadings(lam)


def ave(loadings) -> float:
    """Average variance extracted: mean squared standardised loading."""
    return float(np.mean(np.asarray(loadings, dtype=float) ** 2))


def rho_a(items, weights) -> float:
    """Dijkstra-Henseler ``rho_A`` from the items and their *standardised* outer weights."""
    x = _matrix(items)
    w = np.asarray(weights, dtype=float).ravel()
    if w.size != x.shape[1]:
        raise CRMDataError(f"{w.size} weights for {x.shape[1]} items")
    return _rho_a_from_cor(_cor(x), w)


# ---------------------------------------------------------------- model-level tables

def _blocks(model: PLSPM):
    """(construct, items, mode, slice, item correlation block) for each block of a fitted model."""
    check_is_fitted(model)
    fit = model.estimation_
    spec, R = fit.spec, fit.R
    for lv, block, mode, sl in zip(spec.lvs, spec.blocks, spec.modes, spec.slices, strict=True):
        yield lv, list(block), mode, sl, R[sl, sl]


def unidimensionality(model: PLSPM) -> pd.DataFrame:
    """plspm's unidimensionality table: mode, mvs, cronbach_alpha, dillon_goldstein_rho, eig_1st, eig_2nd.

    As in R plspm, alpha is the standardised alpha clipped at 0, rho uses the first
    principal component, single-item blocks get alpha = rho = eig_1st = 1, eig_2nd = 0;
    unlike plspm, formative (mode B) blocks get NaN (not 0) for alpha and rho.
    """
    check_is_fitted(model)
    return unidimensionality_table(model.estimation_.spec, model.estimation_.R)


def _standardised_weights(model: PLSPM) -> np.ndarray:
    fit = model.estimation_
    w = fit.weights
    return w * fit.item_sd if not fit.scaled else w


def reliability(model: PLSPM) -> pd.DataFrame:
    """Per construct: cronbach_alpha, rho_a, rho_c, dillon_goldstein_rho, ave, eig_1st, eig_2nd.

    ``rho_c`` and ``ave`` use the PLS outer loadings; ``dillon_goldstein_rho`` and the
    eigenvalues the block's principal components (plspm). Formative blocks get NaN for the
    reflective measures; single-item blocks 1.
    """
    loads = model.outer_loadings_.to_numpy()
    wstd = _standardised_weights(model)
    rows = {}
    for lv, block, mode, sl, R in _blocks(model):
        if len(block) == 1:
            rows[lv] = dict(mode=mode, items=1, cronbach_alpha=1.0, rho_a=1.0, rho_c=1.0,
                            dillon_goldstein_rho=1.0, ave=1.0, eig_1st=1.0, eig_2nd=0.0)
            continue
        eig = np.sort(np.linalg.eigvalsh(R))[::-1]
        refl = mode == "A"
        rows[lv] = dict(
            mode=mode, items=len(block),
            cronbach_alpha=_alpha_from_cor(R) if refl else np.nan,
            rho_a=_rho_a_from_cor(R, wstd[sl]) if refl else np.nan,
            rho_c=composite_reliability(loads[sl]) if refl else np.nan,
            dillon_goldstein_rho=_dg_rho_from_cor(R) if refl else np.nan,
            ave=ave(loads[sl]) if refl else np.nan,
            eig_1st=eig[0], eig_2nd=eig[1])
    return pd.DataFrame.from_dict(rows, orient="index")


def fornell_larcker(model: PLSPM) -> pd.DataFrame:
    """Construct correlations with ``sqrt(AVE)`` on the diagonal (Fornell & Larcker 1981).

    The criterion holds for a construct when its diagonal value exceeds every absolute
    correlation in its row and column; see :func:`measurement_quality`.
    """
    check_is_fitted(model)
    R = model.estimation_.construct_correlations
    ave_ = model.inner_summary_["ave"].to_numpy()
    out = R.copy()
    np.fill_diagonal(out, np.sqrt(ave_))
    return pd.DataFrame(out, index=model.spec.lvs, columns=model.spec.lvs)


def htmt(model: PLSPM, absolute: bool = True) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of correlations for every pair of constructs (symmetric, NaN diagonal)."""
    check_is_fitted(model)
    H = htmt_matrix(model.estimation_.R, model.spec.slices, absolute=absolute)
    return pd.DataFrame(H, index=model.spec.lvs, columns=model.spec.lvs)


def _r2_of(RL: np.ndarray, target: int, preds: list[int]) -> float:
    if not preds:
        return 0.0
    Rpp = RL[np.ix_(preds, preds)]
    Rpk = RL[preds, target]
    return float(Rpk @ np.linalg.solve(Rpp, Rpk))


def vif(model: PLSPM, kind: str = "inner") -> pd.DataFrame:
    """Variance inflation factors.

    ``kind="inner"``: each predictor of each endogenous construct (from the construct
    correlations); ``kind="outer"``: each item of each block, regressed on the other items
    of its block (relevant for formative blocks).  Columns: block/target, variable, vif.
    """
    check_is_fitted(model)
    spec = model.spec
    rows = []
    if kind == "inner":
        RL = model.estimation_.construct_correlations
        for k in spec.endogenous:
            preds = list(spec.predecessors(k))
            for j in preds:
                others = [q for q in preds if q != j]
                rows.append((spec.lvs[k], spec.lvs[j], 1.0 / (1.0 - _r2_of(RL, j, others))))
        return pd.DataFrame(rows, columns=["target", "predictor", "vif"])
    if kind == "outer":
        R = model.estimation_.R
        for lv, sl in zip(spec.lvs, spec.slices, strict=True):
            idx = list(range(sl.start, sl.stop))
            for j in idx:
                others = [q for q in idx if q != j]
                rows.append((lv, spec.items[j], 1.0 / (1.0 - _r2_of(R, j, others))))
        return pd.DataFrame(rows, columns=["block", "item", "vif"])
    raise ValueError("kind must be 'inner' or 'outer'")


def f_squared(model: PLSPM) -> pd.DataFrame:
    """Cohen's f^2 effect size of each structural path, with a size label."""
    check_is_fitted(model)
    spec = model.spec
    RL = model.estimation_.construct_correlations
    rows = []
    for k in spec.endogenous:
        preds = list(spec.predecessors(k))
        r2_in = _r2_of(RL, k, preds)
        for j in preds:
            r2_out = _r2_of(RL, k, [q for q in preds if q != j])
            f2 = (r2_in - r2_out) / (1.0 - r2_in)
            size = "large" if f2 >= 0.35 else "medium" if f2 >= 0.15 else "small" if f2 >= 0.02 else "none"
            rows.append((spec.lvs[j], spec.lvs[k], f2, size))
    out = pd.DataFrame(rows, columns=["source", "target", "f2", "size"])
    out.index = out["source"] + " -> " + out["target"]
    return out


def measurement_quality(model: PLSPM, htmt_threshold: float = THRESHOLDS["htmt_strict"]) -> pd.DataFrame:
    """One table per construct with the usual thresholds flagged (True = meets the rule).

    Columns: the :func:`reliability` measures, ``max_htmt`` (largest HTMT with another
    construct), ``fornell_larcker`` (sqrt(AVE) above all its correlations), and ``ok_*``
    flags for alpha, rho_a, rho_c >= 0.70, AVE >= 0.50, HTMT < ``htmt_threshold``,
    one eigenvalue above 1.  Formative blocks get NaN flags for reflective rules.
    """
    rel = reliability(model)
    H = htmt(model)
    FL = fornell_larcker(model).to_numpy()
    out = rel.copy()
    out["max_htmt"] = H.max(axis=1, skipna=True)
    fl_ok = []
    for i in range(FL.shape[0]):
        off = np.abs(np.delete(FL[i], i))
        fl_ok.append(bool(FL[i, i] > off.max()) if np.isfinite(FL[i, i]) else np.nan)
    out["fornell_larcker"] = fl_ok
    refl = out["mode"] == "A"

    def flag(series: pd.Series, ok: pd.Series) -> pd.Series:
        return ok.astype(object).where(refl & series.notna(), np.nan)

    out["ok_alpha"] = flag(out["cronbach_alpha"], out["cronbach_alpha"] >= THRESHOLDS["cronbach_alpha"])
    out["ok_rho_a"] = flag(out["rho_a"], out["rho_a"] >= THRESHOLDS["rho_a"])
    out["ok_rho_c"] = flag(out["rho_c"], out["rho_c"] >= THRESHOLDS["rho_c"])
    out["ok_ave"] = flag(out["ave"], out["ave"] >= THRESHOLDS["ave"])
    out["ok_unidim"] = flag(out["eig_2nd"], (out["eig_1st"] > 1) & (out["eig_2nd"] < 1))
    out["ok_htmt"] = out["max_htmt"] < htmt_threshold
    return out
