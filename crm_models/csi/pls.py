"""PLS path modelling (PLS-PM) of customer satisfaction models (ACSI, ECSI, retention).

``PLSPM(paths, blocks, modes=None, scheme="centroid", scaled=True).fit(df)`` estimates
latent constructs (image, expectations, quality, value, satisfaction, loyalty, ...) as
weighted sums of their survey items and the structural paths between them, by
Lohmoeller's (1989) PLS algorithm as implemented in R plspm (Sanchez, Trinchera &
Russolillo), which it reproduces to rounding error:

* manifest variables are centred, and divided by their population standard deviation when
  ``scaled=True`` (``scaled=False`` keeps raw units, so outer weights are "unstandardised");
* outer weights by the iterative algorithm of :mod:`crm_models.csi._kernel` (modes A/B;
  centroid, factorial or path inner weighting; stop when the squared change of the weights
  is below ``tol``; :class:`~crm_models.errors.ConvergenceError` after ``max_iter``);
* construct scores ``Y = X W`` with unit population variance, signs fixed so that most of a
  block's items correlate positively with their construct (unlike plspm, the weights are
  flipped together with the scores);
* path coefficients by OLS of each endogenous construct on its predictors (with intercept,
  as ``lm`` in plspm: standard errors, t and p values with ``n - k - 1`` degrees of freedom);
* loadings and cross-loadings = correlations of items and constructs; communality =
  loading^2; redundancy = communality x R^2; direct/indirect/total effects
  (total = ``(I - B)^{-1} - I``); GoF = ``sqrt(mean communality x mean R^2)`` over blocks
  with more than one item and endogenous constructs (Tenenhaus et al. 2004).

References: Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), "PLS path modeling",
Computational Statistics & Data Analysis 48; Sanchez (2013), "PLS Path Modeling with R".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special

from crm_models.csi import _kernel
from crm_models.csi._data import MISSING_METHODS, prepare_items
from crm_models.csi.spec import ModelSpec, PathsLike, build_spec
from crm_models.errors import ConvergenceError, CRMDataError, ModelSpecificationError, NotFittedError

__all__ = ["PLSPM", "SCHEMES"]

SCHEMES = ("centroid", "factorial", "path")


def _treat(values: np.ndarray, scaled: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre (and standardise with the population sd when ``scaled``) the item matrix."""
    mean = values.mean(axis=0)
    sd = values.std(axis=0)
    X = values - mean
    if scaled:
        X = X / sd
    return X, mean, sd


class PLSPM:
    """Partial least squares path model.

    Parameters
    ----------
    paths:
        ``{target: [predictors]}`` (e.g. ``{"SAT": ["IMAG", "VAL"], "LOY": ["SAT"]}``) or a
        list of ``(source, target)`` pairs. Must be acyclic.
    blocks:
        ``{construct: [item columns]}``.
    modes:
        ``{construct: "A" | "B"}`` (default ``"A"``, reflective), or a list in block order.
    scheme:
        Inner weighting scheme: ``"centroid"`` (default, as plspm), ``"factorial"``, ``"path"``.
    scaled:
        Standardise the items (True) or only centre them (False: outer weights in raw item
        units, as needed for the ACSI index).
    tol, max_iter:
        Convergence tolerance on ``sum((|w_old| - |w_new|)^2)`` and maximum number of
        weight updates (plspm: 1e-6 and 100).
    missing:
        ``"mean"`` (replace a missing answer by the item mean), ``"listwise"`` (drop the
        respondent) or ``"raise"``; what was done is in ``missing_``.

    Fitted attributes
    -----------------
    path_coefficients_, r2_, r2_adj_, inner_model_, outer_weights_, outer_loadings_,
    outer_model_, crossloadings_, scores_, effects_, inner_summary_, unidim_, gof_,
    iterations_, n_obs_, missing_; ``summary`` (the structural paths table) and
    :meth:`bootstrap`.
    """

    def __init__(self, paths: PathsLike, blocks: Mapping[str, Sequence[str]],
                 modes: Mapping[str, str] | Sequence[str] | None = None, scheme: str = "centroid",
                 scaled: bool = True, tol: float = 1e-6, max_iter: int = 100, missing: str = "mean"):
        self.paths = paths
        self.blocks = blocks
        self.modes = modes
        self.scheme = scheme
        self.scaled = scaled
        self.tol = tol
        self.max_iter = max_iter
        self.missing = missing
        self._spec = build_spec(paths, blocks, modes)
        if scheme not in SCHEMES:
            raise ModelSpecificationError(f"scheme {scheme!r} is not one of {SCHEMES}")
        if not (np.isfinite(tol) and tol > 0):
            raise ModelSpecificationError(f"tol must be a positive number, got {tol!r}")
        if int(max_iter) != max_iter or max_iter < 1:
            raise ModelSpecificationError(f"max_iter must be a positive integer, got {max_iter!r}")
        if missing not in MISSING_METHODS:
            raise ModelSpecificationError(f"missing={missing!r} is not one of {MISSING_METHODS}")
        self._fitted = False

    # ------------------------------------------------------------------ fitting
    @property
    def spec(self) -> ModelSpec:
        """The validated model (constructs in topological order)."""
        return self._spec

    def _check_fitted(self) -> None:
        if not self._fitted:
            raise NotFittedError("this PLSPM model is not fitted yet: call .fit(df) first")

    def fit(self, df: pd.DataFrame) -> PLSPM:
        """Estimate the model on the survey frame ``df`` (one row per respondent)."""
        spec = self._spec
        n_min = max(spec.n_lvs + 2, 10)
        prep = prepare_items(df, spec.items, missing=self.missing, min_rows=n_min)
        raw = prep.values
        n = raw.shape[0]
        X, mean, sd = _treat(raw, self.scaled)
        C = X.T @ X / n
        for j, sl in enumerate(spec.slices):
            if spec.modes[j] == "B":
                blk = C[sl, sl] / np.outer(np.sqrt(np.diag(C[sl, sl])), np.sqrt(np.diag(C[sl, sl])))
                if np.linalg.matrix_rank(blk, tol=1e-10) < blk.shape[0]:
                    raise CRMDataError(
                        f"the items of formative block {spec.lvs[j]!r} {list(spec.blocks[j])} are perfectly "
                        "collinear, so mode B regression weights are not defined; drop an item or use mode A",
                        column=spec.blocks[j][0])
        res = _kernel.estimate(C, spec, n, scheme=self.scheme, tol=self.tol, max_iter=int(self.max_iter))
        if not res.converged[0]:
            raise ConvergenceError(
                f"PLS weights did not converge in max_iter={self.max_iter} iterations (tol={self.tol:g}); "
                "try a larger max_iter, another scheme (e.g. 'path'), or check blocks whose items are "
                "weakly or negatively correlated")
        self.data_ = raw
        self.index_ = prep.index
        self.item_mean_ = mean
        self.item_sd_ = sd
        self.n_obs_ = n
        self.missing_ = prep.missing
        self.iterations_ = int(res.iterations[0])
        self._W = res.W[0]
        self._X = X
        self._C = C
        self._build_results(res)
        self._fitted = True
        return self

    def _build_results(self, res: _kernel.KernelResult) -> None:
        spec = self._spec
        lvs = list(spec.lvs)
        items = spec.items
        L = spec.n_lvs
        n = self.n_obs_
        W = res.W[0]
        odm = spec.odm
        scores = self._X @ W
        self.scores_ = pd.DataFrame(scores, index=self.index_, columns=lvs)
        # ---- inner model: OLS with intercept on the scores (plspm get_paths / lm)
        P = np.zeros((L, L))
        r2 = np.zeros(L)
        rows = []
        for k in spec.endogenous:
            preds = spec.predecessors(k)
            D = np.column_stack([np.ones(n), scores[:, preds]])
            y = scores[:, k]
            beta, *_ = np.linalg.lstsq(D, y, rcond=None)
            resid = y - D @ beta
            dof = n - D.shape[1]
            sigma2 = resid @ resid / dof
            se = np.sqrt(np.diag(np.linalg.inv(D.T @ D)) * sigma2)
            t = beta / se
            p = 2 * special.stdtr(dof, -np.abs(t))
            tss = ((y - y.mean()) ** 2).sum()
            r2[k] = 1 - resid @ resid / tss
            P[k, preds] = beta[1:]
            for name, b, s, tv, pv in zip(["Intercept"] + [lvs[j] for j in preds], beta, se, t, p,
                                          strict=True):
                rows.append((lvs[k], name, b, s, tv, pv))
        self.path_coefficients_ = pd.DataFrame(P, index=lvs, columns=lvs)
        self.inner_model_ = pd.DataFrame(rows, columns=["target", "predictor", "estimate", "std_error",
                                                        "t_value", "p_value"])
        endo = spec.endogenous
        self.r2_ = pd.Series(r2[endo], index=[lvs[k] for k in endo], name="r2")
        q = np.array([len(spec.predecessors(k)) for k in endo])
        self.r2_adj_ = pd.Series(1 - (1 - r2[endo]) * (n - 1) / (n - q - 1), index=self.r2_.index,
                                 name="r2_adj")
        # ---- outer model
        xload = np.corrcoef(self._X, scores, rowvar=False)[: len(items), len(items):]
        loadings = (xload * odm).sum(1)
        weights = (W * odm).sum(1)
        communality = loadings ** 2
        r2_item = r2[spec.block_index]
        redundancy = communality * r2_item
        block_names = [lvs[b] for b in spec.block_index]
        self.outer_weights_ = pd.Series(weights, index=items, name="weight")
        self.outer_loadings_ = pd.Series(loadings, index=items, name="loading")
        self.outer_model_ = pd.DataFrame({"block": block_names, "weight": weights, "loading": loadings,
                                          "communality": communality, "redundancy": redundancy}, index=items)
        cl = {"block": block_names}
        cl.update({lv: xload[:, k] for k, lv in enumerate(lvs)})
        self.crossloadings_ = pd.DataFrame(cl, index=items)
        # ---- effects (plspm get_effects ordering: for each source j, targets after it)
        total = _kernel.total_effects(P[None])[0]
        eff = []
        for j in range(L):
            for i in range(j + 1, L):
                eff.append((f"{lvs[j]} -> {lvs[i]}", lvs[j], lvs[i], P[i, j], total[i, j] - P[i, j],
                            total[i, j]))
        self.effects_ = pd.DataFrame([e[1:] for e in eff],
                                     columns=["from", "to", "direct", "indirect", "total"],
                                     index=pd.Index([e[0] for e in eff], name="relationship"))
        # ---- inner summary and GoF
        summ = []
        gof_comm = []
        for k in range(L):
            m = spec.block_index == k
            comm = communality[m]
            summ.append(("Endogenous" if spec.path[k].any() else "Exogenous", r2[k], comm.mean(),
                        redundancy[m].mean(), comm.mean() if spec.modes[k] == "A" else np.nan))
            if m.sum() > 1:
                gof_comm.extend(comm)
        self.inner_summary_ = pd.DataFrame(
            summ, index=lvs, columns=["type", "r_squared", "block_communality", "mean_redundancy", "ave"])
        self.gof_ = float(np.sqrt(np.mean(gof_comm) * r2[endo].mean())) if gof_comm else float("nan")
        self._unidim = None

    # ------------------------------------------------------------------ results
    @property
    def unidim_(self) -> pd.DataFrame:
        """plspm's unidimensionality table (see :func:`crm_models.csi.quality.unidimensionality`)."""
        self._check_fitted()
        if self._unidim is None:
            from crm_models.csi.quality import unidimensionality
            self._unidim = unidimensionality(self)
        return self._unidim

    @property
    def summary(self) -> pd.DataFrame:
        """Structural paths: source, target, estimate, std_error, t_value, p_value (OLS, as plspm)."""
        self._check_fitted()
        im = self.inner_model_
        im = im[im["predictor"] != "Intercept"]
        out = pd.DataFrame({"source": im["predictor"].to_numpy(), "target": im["target"].to_numpy(),
                            "estimate": im["estimate"].to_numpy(), "std_error": im["std_error"].to_numpy(),
                            "t_value": im["t_value"].to_numpy(), "p_value": im["p_value"].to_numpy()})
        out.index = out["source"] + " -> " + out["target"]
        return out

    def bootstrap(self, n: int = 5000, seed: int | None = 0, sign_change: str = "construct",
                  level: float = 0.95, bca: bool = True, n_jobs: int = 1, chunk_size: int = 1000):
        """Bootstrap confidence intervals; see :func:`crm_models.csi.bootstrap.bootstrap`."""
        from crm_models.csi.bootstrap import bootstrap
        return bootstrap(self, n=n, seed=seed, sign_change=sign_change, level=level, bca=bca,
                         n_jobs=n_jobs, chunk_size=chunk_size)

    def __repr__(self) -> str:
        state = f"fitted on {self.n_obs_} rows, GoF={self.gof_:.3f}" if self._fitted else "not fitted"
        return (f"PLSPM({len(self._spec.lvs)} constructs, {len(self._spec.items)} items, "
                f"scheme={self.scheme!r}, scaled={self.scaled}; {state})")
