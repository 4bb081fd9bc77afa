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
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special

from crm_models.csi import _kernel
from crm_models.csi._data import MISSING_METHODS, prepare_items
from crm_models.csi.spec import ModelSpec, PathsLike, build_spec
from crm_models.errors import ConvergenceError, CRMDataError, ModelSpecificationError, NotFittedError

__all__ = ["PLSPM", "SCHEMES"]

SCHEMES = ("centroid", "factorial", "path")
_TABLES = ("scores_", "path_coefficients_", "r2_", "r2_adj_", "inner_model_", "outer_weights_",
           "outer_loadings_", "outer_model_", "crossloadings_", "effects_", "inner_summary_", "unidim_")


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
        source = df.attrs.get("source") if isinstance(df, pd.DataFrame) else None  # set by load_survey
        prep = prepare_items(df, spec.items, missing=self.missing, min_rows=n_min,
                             source=source if isinstance(source, str) else "DataFrame")
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
        for name in _TABLES:  # drop tables cached by a previous fit
            self.__dict__.pop(name, None)
        self.data_ = raw
        self.index_ = prep.index
        self.item_mean_ = mean
        self.item_sd_ = sd
        self.n_obs_ = n
        self.missing_ = prep.missing
        self.iterations_ = int(res.iterations[0])
        self._X = X
        self._C = C
        self._W = res.W[0]
        self._xload = res.xload[0]
        self._RL = res.RL[0]
        sdc = np.sqrt(np.diag(C))
        self._R = C / np.outer(sdc, sdc)
        P, r2 = _kernel.structural(res.RL, self._spec)
        self._P, self._r2 = P[0], r2[0]
        odm = self._spec.odm
        self._loadings = (self._xload * odm).sum(1)
        comm = self._loadings ** 2
        multi = np.bincount(self._spec.block_index)[self._spec.block_index] > 1
        endo = self._spec.endogenous
        # GoF (plspm get_gof): mean communality of multi-item blocks x mean R^2
        self.gof_ = float(np.sqrt(comm[multi].mean() * self._r2[endo].mean())) if multi.any() else np.nan
        self._fitted = True
        return self

    # ------------------------------------------------------------------ result tables (built on first use)
    @cached_property
    def scores_(self) -> pd.DataFrame:
        """Construct scores (unit population variance, mean 0), one row per respondent used."""
        self._check_fitted()
        return pd.DataFrame(self._X @ self._W, index=self.index_, columns=list(self._spec.lvs))

    @cached_property
    def path_coefficients_(self) -> pd.DataFrame:
        """Square matrix of path coefficients, rows = target, columns = predictor (0 = no path)."""
        self._check_fitted()
        lvs = list(self._spec.lvs)
        return pd.DataFrame(self._P, index=lvs, columns=lvs)

    @cached_property
    def r2_(self) -> pd.Series:
        """R^2 of each endogenous construct."""
        self._check_fitted()
        endo = self._spec.endogenous
        return pd.Series(self._r2[endo], index=[self._spec.lvs[k] for k in endo], name="r2")

    @cached_property
    def r2_adj_(self) -> pd.Series:
        """Adjusted R^2: ``1 - (1 - R^2)(n - 1)/(n - k - 1)`` with ``k`` predictors."""
        self._check_fitted()
        endo = self._spec.endogenous
        q = np.array([len(self._spec.predecessors(k)) for k in endo])
        n = self.n_obs_
        adj = 1 - (1 - self._r2[endo]) * (n - 1) / (n - q - 1)
        return pd.Series(adj, index=self.r2_.index, name="r2_adj")

    @cached_property
    def inner_model_(self) -> pd.DataFrame:
        """OLS of each endogenous construct on its predictors (with intercept, as plspm's ``lm``).

        Columns target, predictor, estimate, std_error, t_value, p_value (t with n - k - 1 df).
        """
        self._check_fitted()
        # scores have mean 0 and population variance 1, so X'X of [1, Y_p] is diag(n, n R_pp): the
        # intercept is 0 and the OLS algebra reduces to the construct correlations R
        spec, lvs, n = self._spec, list(self._spec.lvs), self.n_obs_
        R = self._RL
        rows = []
        for k in spec.endogenous:
            preds = spec.predecessors(k)
            Rinv = np.linalg.inv(R[np.ix_(preds, preds)])
            beta = np.concatenate([[0.0], Rinv @ R[preds, k]])
            dof = n - len(preds) - 1
            sigma2 = n * (1.0 - self._r2[k]) / dof
            se = np.sqrt(sigma2 / n * np.concatenate([[1.0], np.diag(Rinv)]))
            t = beta / se
            p = 2 * special.stdtr(dof, -np.abs(t))
            names = ["Intercept"] + [lvs[j] for j in preds]
            rows.extend((lvs[k], *r) for r in zip(names, beta, se, t, p, strict=True))
        return pd.DataFrame(rows, columns=["target", "predictor", "estimate", "std_error", "t_value",
                                           "p_value"])

    @cached_property
    def outer_weights_(self) -> pd.Series:
        """Outer weights (raw item units when ``scaled=False``), scores = centred items x weights."""
        self._check_fitted()
        return pd.Series((self._W * self._spec.odm).sum(1), index=self._spec.items, name="weight")

    @cached_property
    def outer_loadings_(self) -> pd.Series:
        """Loadings: correlation of each item with its construct."""
        self._check_fitted()
        return pd.Series(self._loadings, index=self._spec.items, name="loading")

    @cached_property
    def outer_model_(self) -> pd.DataFrame:
        """block, weight, loading, communality (loading^2), redundancy (communality x R^2 of the block)."""
        self._check_fitted()
        spec = self._spec
        comm = self._loadings ** 2
        return pd.DataFrame({"block": [spec.lvs[b] for b in spec.block_index],
                             "weight": self.outer_weights_.to_numpy(), "loading": self._loadings,
                             "communality": comm, "redundancy": comm * self._r2[spec.block_index]},
                            index=spec.items)

    @cached_property
    def crossloadings_(self) -> pd.DataFrame:
        """Correlations of every item with every construct (``block`` = the item's own)."""
        self._check_fitted()
        spec = self._spec
        cl = {"block": [spec.lvs[b] for b in spec.block_index]}
        cl.update({lv: self._xload[:, k] for k, lv in enumerate(spec.lvs)})
        return pd.DataFrame(cl, index=spec.items)

    @cached_property
    def effects_(self) -> pd.DataFrame:
        """Direct, indirect and total effects for every ordered pair (plspm's order: by source)."""
        self._check_fitted()
        lvs, P, L = list(self._spec.lvs), self._P, self._spec.n_lvs
        total = _kernel.total_effects(P[None])[0]
        eff = [(f"{lvs[j]} -> {lvs[i]}", lvs[j], lvs[i], P[i, j], total[i, j] - P[i, j], total[i, j])
               for j in range(L) for i in range(j + 1, L)]
        return pd.DataFrame([e[1:] for e in eff], columns=["from", "to", "direct", "indirect", "total"],
                            index=pd.Index([e[0] for e in eff], name="relationship"))

    @cached_property
    def inner_summary_(self) -> pd.DataFrame:
        """Per construct: type, r_squared (0 if exogenous), block_communality, mean_redundancy, ave.

        ``ave`` is NaN for mode B blocks."""
        self._check_fitted()
        spec = self._spec
        comm = self._loadings ** 2
        red = comm * self._r2[spec.block_index]
        sizes = np.bincount(spec.block_index)
        mean_comm = np.bincount(spec.block_index, comm) / sizes
        mean_red = np.bincount(spec.block_index, red) / sizes
        kind = np.where(spec.path.any(1), "Endogenous", "Exogenous")
        ave = np.where(np.array(spec.modes) == "A", mean_comm, np.nan)
        return pd.DataFrame({"type": kind, "r_squared": self._r2, "block_communality": mean_comm,
                             "mean_redundancy": mean_red, "ave": ave}, index=list(spec.lvs))

    @cached_property
    def unidim_(self) -> pd.DataFrame:
        """plspm's unidimensionality table (see :func:`crm_models.csi.quality.unidimensionality`)."""
        self._check_fitted()
        from crm_models.csi.quality import unidimensionality
        return unidimensionality(self)

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
