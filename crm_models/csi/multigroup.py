"""Multi-group analysis (MGA) of a PLS path model, with the MICOM measurement-invariance check.

``mga(model, groups)`` splits the respondents of a fitted :class:`~crm_models.csi.PLSPM` into
two groups (e.g. men / women, new / long-standing customers) and asks whether a structural
path differs between them.

1. **Group-specific estimates**: the same specification and settings (scheme, modes,
   treatment, PLSc) are re-estimated on each group's answers: paths, loadings, weights, R^2
   and their differences ``group 1 - group 2``.
2. **Permutation test** (Chin & Dibbern 2010): the group labels are permuted ``n_perm``
   times (group sizes kept), both groups are re-estimated on each permutation, and the
   two-sided p value of a difference is ``(1 + #{|d*| >= |d|}) / (1 + n_perm)`` (the +1 makes
   it a valid p value, Phipson & Smyth 2010).
3. **Henseler's PLS-MGA** (Henseler, Ringle & Sinkovics 2009, as seminr's
   ``estimate_pls_mga``): each group is bootstrapped separately (``n_boot`` draws each); with
   the draws ``b1_i``, ``b2_j`` and their means ``m1``, ``m2``, the one-sided probability that
   group 1's path is *not* larger than group 2's is

   ``p = 1 - sum_{i,j} Theta(2 m1 - b1_i - 2 m2 + b2_j) / (B1 B2)``,  ``Theta(s) = 1 if s > 0``

   over all ``B1 x B2`` pairs (the reflected draws ``2 m - b`` centre the bootstrap
   distributions of the two paths on their bootstrap means).  ``p < alpha``: group 1's path is
   significantly larger; ``p > 1 - alpha``: group 2's is.  The pairs are counted by sorting
   (``O(B log B)``), not by a double loop.
4. **MICOM** (Henseler, Ringle & Sarstedt 2016) on the same permutations:
   step 1 configural invariance (same items, treatment and algorithm in both groups: met by
   construction); step 2 compositional invariance: ``c = cor(X w1, X w2)`` of the composite
   scores computed on the pooled (treated) items ``X`` with group 1's and group 2's weights,
   invariant when ``c`` is not below the ``alpha`` quantile of its permutation distribution;
   step 3 equal composite means and variances: the pooled-data scores (the full-sample
   weights), difference of the group means and ``log(var1 / var2)`` (sample variances),
   equal when inside the central ``1 - alpha`` permutation interval.  Per construct: *full*
   invariance (steps 2 and 3 met), *partial* (step 2 met: paths may be compared), *none*
   (step 2 failed: group comparisons of that construct's paths are not interpretable).

Every resampling runs on the batched kernel (:mod:`crm_models.csi._kernel`): a permutation's
group is a 0/1 weight vector over the respondents, so the covariance matrices of all
permuted groups are one matrix product, and all their fits one stacked kernel call; each
group's bootstrap is :func:`crm_models.csi.bootstrap.bootstrap` on the group's fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_models.csi import _kernel
from crm_models.csi._resampling import (
    KINDS,
    _covariances,
    _labels,
    _run,
    _single_threaded_blas,
    _statistics,
    run_bootstrap,
)
from crm_models.csi.pls import PLSPM
from crm_models.errors import CRMDataError, describe_rows

__all__ = ["mga", "MGAResult", "MGA_KINDS", "INVARIANCE_LEVELS"]

#: the parameters compared between the groups
MGA_KINDS = ("paths", "loadings", "weights", "r2")
#: MICOM conclusions, weakest first
INVARIANCE_LEVELS = ("none", "partial", "full")


@dataclass
class MGAResult:
    """Result of :func:`mga`.

    Attributes
    ----------
    groups:
        ``(label of group 1, label of group 2)``.
    n_obs:
        ``(n1, n2)`` respondents per group.
    group_models:
        The two re-estimated :class:`~crm_models.csi.PLSPM` (group 1, group 2).
    estimates:
        ``{kind: DataFrame}`` for ``paths``, ``loadings``, ``weights``, ``r2``: columns
        ``estimate`` (full sample), ``group1``, ``group2``, ``difference`` (group 1 - group 2),
        ``permutation_p`` (two-sided).
    summary:
        Per structural path: ``estimate, group1, group2, difference, permutation_p, mga_p``
        (Henseler's one-sided p of group 1 > group 2), ``group1_boot_mean``,
        ``group2_boot_mean``, ``invariance`` (the weaker MICOM conclusion of the path's two
        constructs) and ``verdict`` in words; ``summary.attrs["note"]`` says whether the
        comparison is interpretable (at least partial measurement invariance).
    boot_draws:
        ``(group 1, group 2)`` bootstrap draws of the paths (DataFrames, draws x paths).
    permutation_draws:
        ``{kind: DataFrame}`` of the permuted differences (draws x parameters).
    n_boot, n_perm, n_failed, seed, alpha:
        Requested draws, ``{"perm": ..., "boot1": ..., "boot2": ...}`` draws dropped (a
        degenerate or non-converged fit), seed, significance level.
    """

    groups: tuple[Any, Any]
    n_obs: tuple[int, int]
    group_models: tuple[PLSPM, PLSPM]
    estimates: dict[str, pd.DataFrame]
    summary: pd.DataFrame
    micom_table: pd.DataFrame = field(repr=False)
    boot_draws: tuple[pd.DataFrame, pd.DataFrame] = field(repr=False)
    permutation_draws: dict[str, pd.DataFrame] = field(repr=False)
    n_boot: int = 0
    n_perm: int = 0
    n_failed: dict[str, int] = field(default_factory=dict)
    seed: int | None = None
    alpha: float = 0.05

    def micom(self) -> pd.DataFrame:
        """MICOM table, one row per construct (Henseler, Ringle & Sarstedt 2016).

        Columns: ``configural`` (step 1, True by construction), ``c`` (correlation of the
        pooled-data composites with group 1's and group 2's weights), ``c_quantile`` (its
        permutation ``alpha`` quantile), ``c_p``, ``compositional`` (step 2: ``c >=
        c_quantile``), ``mean_diff``, ``mean_lower``, ``mean_upper``, ``mean_p``,
        ``equal_means`` (step 3a), ``log_var_ratio``, ``var_lower``, ``var_upper``, ``var_p``,
        ``equal_variances`` (step 3b), ``invariance`` (``none`` / ``partial`` / ``full``).
        ``attrs["conclusion"]`` is the weakest construct's level.
        """
        return self.micom_table

    @property
    def invariance(self) -> str:
        """Overall MICOM conclusion: the weakest construct's ``none`` / ``partial`` / ``full``."""
        return str(self.micom_table.attrs["conclusion"])

    @property
    def interpretable(self) -> bool:
        """True when every construct has at least partial measurement invariance."""
        return self.invariance != "none"


# ----------------------------------------------------------------------------- input checks

def _check_count(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise CRMDataError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _group_labels(groups: Any, frame: pd.DataFrame, data: pd.DataFrame | None
                  ) -> tuple[np.ndarray, tuple[Any, Any], str]:
    """``(mask of group 1 over the fitted rows, (label1, label2), description of groups)``."""
    if isinstance(groups, str):
        name = groups
        if data is not None and name in data.columns:
            labels = data[name].reindex(frame.index)
        elif name in frame.columns:
            labels = frame[name]
        else:
            where = ("the survey given as data=" if data is not None
                     else "the model's survey rows (items only)")
            raise CRMDataError(
                f"group column not found in {where}; pass data=survey with that column, or the "
                "group labels themselves (one per respondent)", column=name)
    else:
        name = "groups"
        if isinstance(groups, pd.Series):
            name = str(groups.name) if groups.name is not None else name
            if frame.index.isin(groups.index).all():
                labels = groups.reindex(frame.index)
            elif len(groups) == len(frame):
                labels = pd.Series(groups.to_numpy(), index=frame.index)
            else:
                missing_rows = frame.index[~frame.index.isin(groups.index)]
                raise CRMDataError("the groups Series has no label for respondents used by the model: "
                                   + describe_rows(missing_rows), column=name)
        else:
            arr = np.asarray(groups)
            if arr.ndim != 1 or len(arr) != len(frame):
                raise CRMDataError(
                    f"groups has {arr.shape[0] if arr.ndim else 0} labels but the model used {len(frame)} "
                    "respondents: give one label per respondent used (or a column name of the survey)")
            labels = pd.Series(arr, index=frame.index)
    na = labels.isna().to_numpy()
    if na.any():
        raise CRMDataError("has no group label for " + describe_rows(frame.index[na])
                           + "; give every respondent a group or drop them before fitting", column=name)
    levels = pd.unique(labels)
    if len(levels) != 2:
        what = "one level" if len(levels) == 1 else f"{len(levels)} levels"
        raise CRMDataError(
            f"has {what} ({list(levels)[:10]}); a multi-group analysis compares exactly two groups: "
            "recode the column into two groups (e.g. a condition such as age < 40)", column=name)
    if pd.api.types.is_bool_dtype(labels) or set(levels) <= {True, False}:
        order = (True, False)  # a condition: the respondents meeting it are group 1 (as seminr)
    else:
        try:
            order = tuple(sorted(levels))
        except TypeError:
            order = tuple(levels)
    mask = (labels == order[0]).to_numpy()
    order = tuple(v.item() if isinstance(v, np.generic) else v for v in order)  # plain labels in messages
    return mask, (order[0], order[1]), name


def _check_groups(x: np.ndarray, mask: np.ndarray, spec, labels: tuple[Any, Any], name: str) -> None:
    p = x.shape[1]
    n_min = max(p, spec.n_lvs + 2, 10)
    for g, m in ((labels[0], mask), (labels[1], ~mask)):
        n_g = int(m.sum())
        if n_g < n_min:
            raise CRMDataError(
                f"group {g!r} has {n_g} respondents; re-estimating the model ({p} items, {spec.n_lvs} "
                f"constructs) needs at least {n_min} per group: merge groups or collect more answers",
                column=name)
        sd = x[m].std(0)
        const = sd <= 1e-12 * np.maximum(np.abs(x[m]).max(0), 1.0)
        if const.any():
            j = int(np.flatnonzero(const)[0])
            raise CRMDataError(
                f"is constant within group {g!r} (every answer {x[m][0, j]:g}), so the model cannot be "
                f"estimated in that group: drop the item from its block, or choose other groups",
                column=spec.items[j])


# ----------------------------------------------------------------------------- statistics

def henseler_p(b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """Henseler's PLS-MGA p value per column: one-sided probability that group 1's parameter is not larger.

    ``p = 1 - #{(i, j): 2 m1 - b1_i - 2 m2 + b2_j > 0} / (B1 B2)`` over all pairs of the
    bootstrap draws ``b1`` (B1 x k) and ``b2`` (B2 x k), ``m`` their means (Henseler, Ringle
    & Sinkovics 2009, eq. 6; seminr's ``estimate_pls_mga``).  Counted by sorting.
    """
    b1 = np.asarray(b1, dtype=float)
    b2 = np.asarray(b2, dtype=float)
    out = np.empty(b1.shape[1])
    for k in range(b1.shape[1]):
        a = 2 * b1[:, k].mean() - b1[:, k]          # reflected group 1 draws
        c = np.sort(2 * b2[:, k].mean() - b2[:, k])  # reflected group 2 draws
        wins = np.searchsorted(c, a, side="left").sum()  # pairs with a_i > c_j
        out[k] = 1.0 - wins / (b1.shape[0] * c.shape[0])
    return out


def _compositional_c(W1: np.ndarray, W2: np.ndarray, C: np.ndarray, spec) -> np.ndarray:
    """``(B, L)`` correlation of the composites ``X w1`` and ``X w2`` on the pooled covariance ``C``."""
    out = np.empty((W1.shape[0], spec.n_lvs))
    for j, sl in enumerate(spec.slices):
        S = C[sl, sl]
        a, b = W1[:, sl], W2[:, sl]
        num = np.einsum("bi,ij,bj->b", a, S, b)
        den = np.sqrt(np.einsum("bi,ij,bj->b", a, S, a) * np.einsum("bi,ij,bj->b", b, S, b))
        out[:, j] = num / den
    return out


def _mean_var(Y: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Differences of group means and log variance ratios (sample variances) for indicator rows ``G``."""
    n1 = G.sum(1, keepdims=True)
    n2 = Y.shape[0] - n1
    s1, q1 = G @ Y, G @ (Y ** 2)
    s2, q2 = Y.sum(0) - s1, (Y ** 2).sum(0) - q1
    m1, m2 = s1 / n1, s2 / n2
    v1 = (q1 - n1 * m1 ** 2) / (n1 - 1)
    v2 = (q2 - n2 * m2 ** 2) / (n2 - 1)
    return m1 - m2, np.log(v1 / v2)


def _perm_p(obs: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Two-sided permutation p ``(1 + #{|d*| >= |d|}) / (1 + B)`` (ties at rounding level count)."""
    tol = 1e-12 * np.maximum(1.0, np.abs(obs))
    return (1 + (np.abs(draws) >= np.abs(obs) - tol).sum(0)) / (1 + draws.shape[0])


def _verdict(diff: float, perm_p: float, mga_p: float, alpha: float, invariance: str) -> str:
    perm = perm_p < alpha
    if mga_p < alpha:
        mga_dir = 1
    elif mga_p > 1 - alpha:
        mga_dir = 2
    else:
        mga_dir = 0
    perm_dir = (1 if diff > 0 else 2) if perm else 0
    if not perm and not mga_dir:
        text = "no significant difference"
    elif perm and mga_dir == perm_dir:
        text = f"group {perm_dir} larger (both tests)"
    elif perm and not mga_dir:
        text = f"group {perm_dir} larger (permutation test only)"
    elif mga_dir and not perm:
        text = f"group {mga_dir} larger (PLS-MGA only)"
    else:
        text = "tests disagree on the direction"
    if invariance == "none":
        text += "; not interpretable: no compositional invariance (MICOM)"
    return text


# ----------------------------------------------------------------------------- the analysis

def mga(model: PLSPM, groups: str | Sequence[Any] | np.ndarray | pd.Series, n_boot: int = 1000,
        n_perm: int = 1000, seed: int | None = 0, alpha: float = 0.05, data: pd.DataFrame | None = None,
        chunk_size: int = 1000) -> MGAResult:
    """Compare a PLS path model between two groups of respondents (see the module docstring).

    Parameters
    ----------
    model:
        A fitted :class:`~crm_models.csi.PLSPM`; its specification and settings are
        re-estimated in each group.
    groups:
        A column name of the survey (of ``data=`` when given, else one of the model's item
        columns), or one label per respondent used by the fit (array, list, or a Series
        aligned on the survey's index).  Exactly two groups; for booleans (a condition such
        as ``survey.age < 40``) group 1 is True, otherwise the first label in sorted order.
    n_boot:
        Bootstrap draws per group for Henseler's PLS-MGA.
    n_perm:
        Permutations of the group labels (permutation test and MICOM).
    seed:
        Seed of every random step (``np.random.SeedSequence(seed)`` spawns the permutation
        and the two bootstrap streams); same seed, same result.
    alpha:
        Significance level of the tests and of the MICOM quantiles.
    data:
        The survey the model was fitted on: needed when ``groups`` names a column that is not
        an item, or when the model keeps no survey rows.
    chunk_size:
        Permutations per stacked kernel call (memory vs. speed).

    Returns
    -------
    MGAResult
        Group estimates, ``summary`` per path, :meth:`MGAResult.micom`.

    Raises
    ------
    CRMDataError
        Not two groups, a missing label, a group smaller than ``max(items, constructs + 2,
        10)`` respondents, an item constant within a group, bad counts or ``alpha``.

    Notes
    -----
    Checked against seminr's ``estimate_pls_mga`` on its mobi data (group estimates and
    differences to 1e-9, PLS-MGA p values within Monte-Carlo error) and on simulated groups
    with a planted path difference and planted loading differences (tests/test_csi_mga.py).
    """
    if not isinstance(model, PLSPM):
        raise CRMDataError(f"mga needs a fitted crm_models.csi.PLSPM, got {type(model).__name__}")
    if not model.is_fitted:
        raise CRMDataError("the PLSPM is not fitted yet: call fit(survey) first, then mga(model, groups)")
    model._refuse_stages("mga")
    n_boot = _check_count(n_boot, "n_boot", 2)
    n_perm = _check_count(n_perm, "n_perm", 2)
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 0.5):
        raise CRMDataError(f"alpha must be between 0 and 0.5, got {alpha!r}")
    fit = model.estimation_
    spec = fit.spec
    frame = model.training_items(data if data is not None and model.training_data_ is None else None)
    x = frame.to_numpy(dtype=float)
    N = x.shape[0]
    mask, labels, name = _group_labels(groups, frame, data)
    _check_groups(x, mask, spec, labels, name)
    n1 = int(mask.sum())
    n2 = N - n1

    # the group refits (same specification and settings)
    params = model.get_params(deep=False)
    params["keep_data"] = True
    models = (PLSPM(**params).fit(frame[mask]), PLSPM(**params).fit(frame[~mask]))

    lab = _labels(spec)
    R0 = x - x.mean(0)
    p = x.shape[1]
    Q = (R0[:, :, None] * R0[:, None, :]).reshape(N, p * p)
    ref_loadings = (fit.xload * spec.odm).sum(1)
    fit0 = _kernel.estimate(fit.C[None], spec, N, fit.scheme, fit.tol, int(fit.max_iter), fit.convergence)
    full = {k: v[0] for k, v in _statistics(fit0, fit.C[None], spec, lab, None, "none", fit.scaled,
                                            fit.consistent).items()}

    seeds = np.random.SeedSequence(seed).spawn(3)
    rng = np.random.default_rng(seeds[0])
    chunk_size = max(1, int(chunk_size))

    def split(G: np.ndarray):
        s1, ok1 = _run(fit, _covariances(R0, Q, G, fit.scaled), n1, lab, ref_loadings, "construct")
        s2, ok2 = _run(fit, _covariances(R0, Q, 1.0 - G, fit.scaled), n2, lab, ref_loadings, "construct")
        return s1, s2, ok1 & ok2

    with _single_threaded_blas():
        g1, g2, ok_obs = split(mask[None].astype(float))
        if not ok_obs[0]:  # pragma: no cover - the refits above would have raised
            raise CRMDataError("the model could not be re-estimated in one of the groups", column=name)
        obs1 = {k: v[0] for k, v in g1.items()}
        obs2 = {k: v[0] for k, v in g2.items()}
        perm_diff: dict[str, list[np.ndarray]] = {k: [] for k in KINDS}
        perm_c, perm_G = [], []
        for start in range(0, n_perm, chunk_size):
            size = min(chunk_size, n_perm - start)
            order = rng.random((size, N)).argsort(1)
            G = np.zeros((size, N))
            np.put_along_axis(G, order[:, :n1], 1.0, axis=1)
            s1, s2, ok = split(G)
            for k in KINDS:
                perm_diff[k].append((s1[k] - s2[k])[ok])
            perm_c.append(_compositional_c(s1["weights"], s2["weights"], fit.C, spec)[ok])
            perm_G.append(G[ok])
        boot = [run_bootstrap(m.estimation_, m.training_items().to_numpy(), n=n_boot, seed=s,
                              sign_change="construct", bca=False, chunk_size=chunk_size).draws["paths"]
                for m, s in zip(models, seeds[1:], strict=True)]
    n_failed = {"perm": n_perm - int(sum(len(c) for c in perm_c)),
                "boot1": n_boot - len(boot[0]), "boot2": n_boot - len(boot[1])}
    diffs = {k: np.concatenate(v) for k, v in perm_diff.items()}

    estimates = {}
    for k in MGA_KINDS:
        d = obs1[k] - obs2[k]
        estimates[k] = pd.DataFrame({"estimate": full[k], "group1": obs1[k], "group2": obs2[k],
                                     "difference": d, "permutation_p": _perm_p(d, diffs[k])},
                                    index=lab.names[k])

    micom = _micom(fit, spec, x, mask, obs1, obs2, np.concatenate(perm_c), np.concatenate(perm_G),
                   alpha)
    level = dict(zip(micom.index, micom["invariance"], strict=True))
    rank = {v: i for i, v in enumerate(INVARIANCE_LEVELS)}
    mga_p = henseler_p(boot[0].to_numpy(), boot[1].to_numpy())
    summary = estimates["paths"].copy()
    summary["mga_p"] = mga_p
    summary["group1_boot_mean"] = boot[0].mean().to_numpy()
    summary["group2_boot_mean"] = boot[1].mean().to_numpy()
    inv = [min(level[spec.lvs[j]], level[spec.lvs[i]], key=rank.__getitem__) for i, j in lab.paths]
    summary["invariance"] = inv
    summary["verdict"] = [_verdict(d, pp, mp, alpha, v) for d, pp, mp, v in
                          zip(summary["difference"], summary["permutation_p"], mga_p, inv, strict=True)]
    conclusion = micom.attrs["conclusion"]
    if conclusion == "none":
        bad = list(micom.index[micom["invariance"] == "none"])
        note = (f"MICOM: no compositional invariance for {bad}: the group comparison of paths involving "
                "these constructs is not interpretable (measurement differs between the groups)")
    else:
        note = (f"MICOM: {conclusion} measurement invariance: the group-specific paths may be compared"
                + ("" if conclusion == "full" else " (composite means or variances differ: do not pool the "
                   "groups' data)"))
    summary.attrs["note"] = note
    summary.attrs["groups"] = labels
    return MGAResult(groups=labels, n_obs=(n1, n2), group_models=models, estimates=estimates,
                     summary=summary, micom_table=micom, boot_draws=(boot[0], boot[1]),
                     permutation_draws={k: pd.DataFrame(diffs[k], columns=lab.names[k]) for k in MGA_KINDS},
                     n_boot=n_boot, n_perm=n_perm, n_failed=n_failed, seed=seed, alpha=float(alpha))


def _micom(fit, spec, x: np.ndarray, mask: np.ndarray, obs1: dict, obs2: dict,
           perm_c: np.ndarray, perm_G: np.ndarray, alpha: float) -> pd.DataFrame:
    c = _compositional_c(obs1["weights"][None], obs2["weights"][None], fit.C, spec)[0]
    q = np.quantile(perm_c, alpha, axis=0)
    tol = 1e-10
    c_p = (1 + (perm_c <= c + tol).sum(0)) / (1 + perm_c.shape[0])
    compositional = c >= q - tol
    Y = fit.scores(x)  # pooled-data composites (full-sample weights)
    md, lv = _mean_var(Y, mask[None].astype(float))
    pmd, plv = _mean_var(Y, perm_G)
    lo, hi = alpha / 2, 1 - alpha / 2
    m_lo, m_hi = np.quantile(pmd, [lo, hi], axis=0)
    v_lo, v_hi = np.quantile(plv, [lo, hi], axis=0)
    eq_m = (md[0] >= m_lo) & (md[0] <= m_hi)
    eq_v = (lv[0] >= v_lo) & (lv[0] <= v_hi)
    inv = np.where(~compositional, "none", np.where(eq_m & eq_v, "full", "partial"))
    out = pd.DataFrame({
        "configural": True, "c": c, "c_quantile": q, "c_p": c_p, "compositional": compositional,
        "mean_diff": md[0], "mean_lower": m_lo, "mean_upper": m_hi, "mean_p": _perm_p(md[0], pmd),
        "equal_means": eq_m, "log_var_ratio": lv[0], "var_lower": v_lo, "var_upper": v_hi,
        "var_p": _perm_p(lv[0], plv), "equal_variances": eq_v, "invariance": inv}, index=list(spec.lvs))
    rank = {v: i for i, v in enumerate(INVARIANCE_LEVELS)}
    out.attrs["conclusion"] = min(inv, key=rank.__getitem__)
    return out
