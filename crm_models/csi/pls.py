"""PLS path modelling (PLS-PM) of customer satisfaction models (ACSI, ECSI, retention).

``PLSPM(paths, blocks, modes=None, scheme="centroid", scaled=True).fit(df)`` estimates
latent constructs (image, expectations, quality, value, satisfaction, loyalty, ...) as
weighted sums of their survey items and the structural paths between them, by
Lohmoeller's (1989) PLS algorithm as implemented in R plspm (Sanchez, Trinchera &
Russolillo), which it reproduces to rounding error:

* manifest variables are centred, and divided by their population standard deviation when
  ``scaled=True`` (``scaled=False`` keeps raw units, so outer weights are "unstandardised");
* outer weights by the iterative algorithm of :mod:`crm_models.csi._kernel` (modes A/B;
  centroid, factorial or path inner weighting; by default iterated until no weight changes
  by more than 1e-10, so every printed digit is independent of the stopping rule;
  ``convergence="plspm"`` stops as plspm does, when the sum of squared weight changes is
  below 1e-6; :class:`~crm_models.errors.ConvergenceError` after ``max_iter``);
* construct scores ``Y = X W`` with unit population variance, signs fixed so that most of a
  block's items correlate positively with their construct (unlike plspm, the weights are
  flipped together with the scores);
* path coefficients by OLS of each endogenous construct on its predictors (with intercept,
  as ``lm`` in plspm: standard errors, t and p values with ``n - k - 1`` degrees of freedom);
* loadings and cross-loadings = correlations of items and constructs; communality =
  loading^2; redundancy = communality x R^2; direct/indirect/total effects
  (total = ``(I - B)^{-1} - I``); GoF = ``sqrt(mean communality x mean R^2)`` over blocks
  with more than one item and endogenous constructs (Tenenhaus et al. 2004).

The fitted state is one public object, ``model.estimation_`` (a
:class:`~crm_models.csi.estimation.PLSFit`: spec, item means and sds, covariance and
correlation matrices, weights, loadings, paths); the tables below are built from it on first
use, and a saved model (``model.save(path)``) holds it, never the survey rows.

Scores of new respondents (:meth:`PLSPM.transform`): ``Y_new = X_new W`` with
``X_new = (x_new - mean) / sd`` (``scaled=True``) or ``x_new - mean`` (``scaled=False``), the
means, sds and weights ``W`` of the fit; on the training rows this is ``scores_``.

References: Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), "PLS path modeling",
Computational Statistics & Data Analysis 48; Sanchez (2013), "PLS Path Modeling with R".
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from crm_models.base import Estimator, check_is_fitted
from crm_models.csi import _kernel
from crm_models.csi._data import MISSING_METHODS, prepare_items
from crm_models.csi._higher_order import HigherOrderDesign, build_hoc_design
from crm_models.csi._interaction import InteractionDesign, build_design
from crm_models.csi._measurement import unidimensionality_table
from crm_models.csi._resampling import BootstrapResult, run_bootstrap
from crm_models.csi.estimation import PLSFit, interaction_scale, orient_interactions
from crm_models.csi.spec import ModelSpec, PathsLike, build_spec
from crm_models.errors import ConvergenceError, CRMDataError, ModelSpecificationError

__all__ = ["PLSPM", "SCHEMES", "CONVERGENCE"]

SCHEMES = ("centroid", "factorial", "path")
#: stopping rule -> (default tol, default max_iter)
CONVERGENCE = {"max": (1e-10, 300), "plspm": (1e-6, 100)}
_TABLES = ("scores_", "path_coefficients_", "r2_", "r2_adj_", "inner_model_", "outer_weights_",
           "outer_loadings_", "outer_model_", "crossloadings_", "effects_", "inner_summary_", "unidim_",
           "first_stage_", "hoc_loadings_")


def _treat(values: np.ndarray, scaled: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre (and standardise with the population sd when ``scaled``) the item matrix."""
    mean = values.mean(axis=0)
    sd = values.std(axis=0)
    X = values - mean
    if scaled:
        X = X / sd
    return X, mean, sd


def _source(df: Any) -> str:
    source = df.attrs.get("source") if isinstance(df, pd.DataFrame) else None  # set by load_survey
    return source if isinstance(source, str) else "DataFrame"


class PLSPM(Estimator):
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
        Convergence tolerance and maximum number of weight updates; ``None`` (default) takes
        the stopping rule's defaults: 1e-10 and 300 for ``convergence="max"``, 1e-6 and 100
        (R plspm's) for ``convergence="plspm"``.
    convergence:
        Stopping rule on the change of the absolute outer weights ``d = |w_old| - |w_new|``
        between two updates. ``"max"`` (default): ``max|d| < tol``; with ``tol=1e-10`` the
        weights are converged far beyond the printed digits (plspm's rule at its 1e-6 leaves
        changes of up to ~1e-3 per weight, and loadings ~1e-4 from the converged values on
        slowly converging models such as a path-scheme model with a mode B block).
        ``"plspm"``: R plspm's ``sum(d^2) < tol``, which with ``tol=1e-6, max_iter=100``
        reproduces plspm's outputs to rounding error (use it to compare with plspm).
    consistent:
        Consistent PLS (PLSc; Dijkstra & Henseler 2015, "Consistent partial least squares
        path modeling", MIS Quarterly 39(2)): for reflective (mode A) constructs, whose PLS
        scores carry measurement error, the construct correlations are disattenuated with
        rho_A, ``r_ij / sqrt(rho_A_i rho_A_j)``; paths and R^2 are OLS on those correlations,
        and loadings are the consistent ``w sqrt(rho_A) / (w'w)``. Mode B constructs keep
        rho_A = 1. Weights, scores and cross-loadings stay those of PLS; the OLS standard
        errors of ``inner_model_`` are then only indicative (use :meth:`bootstrap`, which
        applies the correction in every draw). Default False (plain PLS, as plspm).
    missing:
        ``"mean"`` (replace a missing answer by the item mean), ``"listwise"`` (drop the
        respondent) or ``"raise"``; what was done is in ``missing_``.
    keep_data:
        Keep the survey rows used (``training_data_``; default True). The bootstrap, the 0-100
        index, the IPMA, the answer-scale check and ``scores_`` are computed from the
        respondents' answers, and the CSI report calls them right after ``fit``, so the rows
        are kept by default (in memory only: a saved model file never holds them). With
        ``keep_data=False`` (or for a model read from a file) pass the survey as ``data=`` to
        those functions, and use :meth:`transform` for scores.
    interactions:
        Moderation: ``{name: (focal construct, moderator construct)}`` (e.g.
        ``{"IMAG*EXPE": ("IMAG", "EXPE")}``); each name is an interaction construct that
        ``paths`` use as a predictor like any construct. See :mod:`crm_models.csi.moderation`.
    interaction_method:
        How the interaction's items are built: ``"two_stage"`` (default, Henseler & Chin
        2010), ``"product_indicator"`` or ``"orthogonal"`` (Little et al. 2006). Every
        bootstrap draw recomputes them.
    higher_order:
        Higher-order constructs: ``{HOC: [its dimensions]}`` (e.g.
        ``{"SAT": ["IMAG", "VAL"]}``); the dimensions are blocks of ``blocks`` without paths of
        their own, the HOC has no block and ``paths`` use it like any construct. See
        :mod:`crm_models.csi.higher_order`.
    hoc_method:
        ``"two_stage"`` (default, as seminr's ``two_stage``: the HOC is measured by the stage-1
        scores of its dimensions) or ``"repeated_indicators"`` (the HOC is measured by all its
        dimensions' items, the dimensions point to it). Every bootstrap draw re-runs both stages.

    Fitted attributes
    -----------------
    estimation_ (the :class:`~crm_models.csi.estimation.PLSFit` everything else is built
    from), missing_, training_data_ (None unless ``keep_data``); path_coefficients_, r2_,
    r2_adj_, inner_model_, outer_weights_, outer_loadings_, outer_model_, crossloadings_,
    scores_, effects_, inner_summary_, unidim_, gof_, iterations_, n_obs_, item_mean_,
    item_sd_; ``summary`` (the structural paths table), :meth:`transform` and
    :meth:`bootstrap`.
    """

    _fitted_attribute = "estimation_"

    def __init__(self, paths: PathsLike | None = None, blocks: Mapping[str, Sequence[str]] | None = None,
                 modes: Mapping[str, str] | Sequence[str] | None = None, scheme: str = "centroid",
                 scaled: bool = True, tol: float | None = None, max_iter: int | None = None,
                 missing: str = "mean", keep_data: bool = True, convergence: str = "max",
                 consistent: bool = False, interactions: Mapping[str, Sequence[str]] | None = None,
                 interaction_method: str = "two_stage",
                 higher_order: Mapping[str, Sequence[str]] | None = None, hoc_method: str = "two_stage"):
        self.paths = paths
        self.blocks = blocks
        self.modes = modes
        self.scheme = scheme
        self.scaled = scaled
        self.tol = tol
        self.max_iter = max_iter
        self.missing = missing
        self.keep_data = keep_data
        self.convergence = convergence
        self.consistent = consistent
        self.interactions = interactions
        self.interaction_method = interaction_method
        self.higher_order = higher_order
        self.hoc_method = hoc_method

    # ------------------------------------------------------------------ fitting
    def _validated_spec(self) -> ModelSpec:
        """Check the arguments; return the model specification they describe."""
        if self.paths is None or self.blocks is None:
            raise ModelSpecificationError("give the paths ({target: [predictors]}) and the blocks "
                                          "({construct: [item columns]}) of the model")
        spec = self._build_spec()
        if self.scheme not in SCHEMES:
            raise ModelSpecificationError(f"scheme {self.scheme!r} is not one of {SCHEMES}")
        if self.convergence not in CONVERGENCE:
            raise ModelSpecificationError(
                f"convergence={self.convergence!r} is not one of {tuple(CONVERGENCE)}")
        tol, max_iter = self._stopping()
        if not (np.isfinite(tol) and tol > 0):
            raise ModelSpecificationError(f"tol must be a positive number, got {self.tol!r}")
        if int(max_iter) != max_iter or max_iter < 1:
            raise ModelSpecificationError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        if not isinstance(self.consistent, (bool, np.bool_)):
            raise ModelSpecificationError(f"consistent must be True or False, got {self.consistent!r}")
        if self.missing not in MISSING_METHODS:
            raise ModelSpecificationError(f"missing={self.missing!r} is not one of {MISSING_METHODS}")
        if self.interactions and not self.scaled:
            raise ModelSpecificationError(
                "interactions need standardised items (products of standardised items or scores): "
                "use scaled=True")
        if self.higher_order and not self.scaled:
            raise ModelSpecificationError(
                "higher_order needs standardised items (the stage-2 items are construct scores): "
                "use scaled=True")
        return spec

    def _check_given(self) -> None:
        if self.paths is None or self.blocks is None:
            raise ModelSpecificationError("give the paths ({target: [predictors]}) and the blocks "
                                          "({construct: [item columns]}) of the model")

    def _refuse_stages(self, task: str) -> None:
        """``task`` refits the model on row subsets (folds, groups, permutations): interaction items
        and the first stage of higher-order constructs would have to be rebuilt on each, which it
        does not do yet, so such models are refused rather than leaking all-row information."""
        for setting, what in (("interactions", "interaction terms"),
                              ("higher_order", "higher-order constructs")):
            if getattr(self, setting):
                raise CRMDataError(f"{task} does not support models with {what} yet (they would have to be "
                                   f"rebuilt on every subset of rows it refits on): fit the model without "
                                   f"`{setting}` for {task}")

    @property
    def hoc_design(self) -> HigherOrderDesign | None:
        """How the items of the higher-order constructs are computed (None without ``higher_order``)."""
        if not self.higher_order:
            return None
        self._check_given()
        tol, max_iter = self._stopping()
        return build_hoc_design(self.paths, self.blocks, self.modes, self.higher_order, self.hoc_method,
                                interactions=list(self.interactions or ()), scheme=self.scheme, tol=tol,
                                max_iter=int(max_iter), rule=self.convergence)

    @property
    def interaction_design(self) -> InteractionDesign | None:
        """How the interaction items are computed (None without ``interactions``).

        With ``higher_order`` the interactions are built on the model of the higher-order
        constructs (their stage-2 model for ``hoc_method="two_stage"``).
        """
        if not self.interactions:
            return None
        self._check_given()
        tol, max_iter = self._stopping()
        hoc = self.hoc_design
        paths, blocks, modes = (self.paths, self.blocks, self.modes) if hoc is None else (
            list(hoc.paths), hoc.blocks, hoc.modes)
        return build_design(paths, blocks, modes, self.interactions, self.interaction_method,
                            scheme=self.scheme, tol=tol, max_iter=int(max_iter), rule=self.convergence)

    def _build_spec(self) -> ModelSpec:
        design = self.interaction_design
        if design is not None:
            return design.spec
        hoc = self.hoc_design
        if hoc is not None:
            return build_spec(list(hoc.paths), hoc.blocks, hoc.modes)
        return build_spec(self.paths, self.blocks, self.modes)

    def _base_items(self) -> tuple[list[str], Any]:
        """The survey items the model reads, and the function computing ``spec``'s items from them (or None).

        The function maps ``(B, n, p0)`` answers to ``(B, n, p)`` items and a ``(B,)`` flag of
        the stage-1 fits that converged (higher-order constructs, then interactions).
        """
        hoc, design = self.hoc_design, self.interaction_design
        if hoc is None and design is None:
            return self._build_spec().items, None
        if hoc is None:
            return list(design.base_items), design.augment
        if design is None:
            order = [hoc.items.index(it) for it in self._build_spec().items]

            def reordered(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                items, ok = hoc.augment(raw)
                return items[:, :, order], ok

            return list(hoc.base_items), reordered

        def augment(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            items, ok = hoc.augment(raw)
            full, ok2 = design.augment(items)
            return full, ok & ok2

        return list(hoc.base_items), augment

    def _survey_items(self, df: pd.DataFrame, missing: str, min_rows: int, fill: np.ndarray | None = None,
                      check_constant: bool = True):
        """The items of ``spec`` from the survey ``df``: its columns, plus the computed items.

        With interactions or higher-order constructs the returned values hold the items of
        ``spec`` followed by the survey items that are not among them (:meth:`_extra_items`).
        """
        base, augment = self._base_items()
        if augment is None:
            return prepare_items(df, base, missing=missing, min_rows=min_rows,
                                 source=_source(df), fill=fill, check_constant=check_constant)
        prep = prepare_items(df, base, missing=missing, min_rows=min_rows, source=_source(df))
        full, ok = augment(prep.values[None])
        if not ok[0]:
            raise ConvergenceError("the stage-1 model (without the interactions, or with the dimensions of "
                                   "the higher-order constructs) did not converge; try a larger max_iter or "
                                   "another scheme")
        extra = [base.index(it) for it in self._extra_items()]
        prep.values = np.concatenate([full[0], prep.values[:, extra]], axis=1)
        return prep

    def _extra_items(self) -> list[str]:
        """Survey items the model reads that are not items of ``spec`` (a HOC's dimensions' items)."""
        base, _ = self._base_items()
        own = set(self._build_spec().items)
        return [it for it in base if it not in own]

    def _stopping(self) -> tuple[float, int]:
        """``(tol, max_iter)``: the given values, or the defaults of the stopping rule."""
        tol, max_iter = CONVERGENCE[self.convergence]
        return (tol if self.tol is None else self.tol), (max_iter if self.max_iter is None else self.max_iter)

    @property
    def spec(self) -> ModelSpec:
        """The validated model (constructs in topological order): the fitted one after ``fit``.

        Before ``fit`` it is built from ``paths``, ``blocks`` and ``modes`` (and raises
        :class:`~crm_models.errors.ModelSpecificationError` when they are inconsistent).
        """
        if self.is_fitted:
            return self.estimation_.spec
        return self._build_spec()

    def fit(self, df: pd.DataFrame) -> PLSPM:
        """Estimate the model on the survey frame ``df`` (one row per respondent); return ``self``."""
        spec = self._validated_spec()
        n_min = max(spec.n_lvs + 2, 10)
        prep = self._survey_items(df, self.missing, n_min)
        raw = prep.values[:, :len(spec.items)]
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
        tol, max_iter = self._stopping()
        res = _kernel.estimate(C, spec, n, scheme=self.scheme, tol=tol, max_iter=int(max_iter),
                               rule=self.convergence)
        if not res.converged[0]:
            raise ConvergenceError(
                f"PLS weights did not converge in max_iter={max_iter} iterations (tol={tol:g}); "
                "try a larger max_iter, another scheme (e.g. 'path'), or check blocks whose items are "
                "weakly or negatively correlated")
        design = self.interaction_design
        inters = tuple(i.name for i in design.interactions) if design else ()
        pairs = tuple((i.focal, i.moderator) for i in design.interactions) if design else ()
        if inters:
            res = orient_interactions(spec, inters, pairs, res, C[None], sd[None])
        sdc = np.sqrt(np.diag(C))
        R = C / np.outer(sdc, sdc)
        RL = res.RL
        if self.consistent:
            Wstd = res.W if self.scaled else res.W * sd[None, :, None]
            rho, RL, _ = _kernel.consistent(R[None], Wstd, res.RL, spec, keep=inters)
            bad = [lv for lv, r in zip(spec.lvs, rho[0], strict=True) if not (np.isfinite(r) and r > 0)]
            if bad:
                raise CRMDataError(
                    f"consistent PLS: rho_A of {bad} is not positive ({rho[0].round(3).tolist()}), so their "
                    "correlations cannot be disattenuated; check those blocks' items (reverse-coded or "
                    "unrelated items), or fit them as mode B or with consistent=False",
                    column=spec.blocks[spec.lvs.index(bad[0])][0])
        P, r2 = _kernel.structural(RL, spec)
        if inters:  # paths from an interaction on the scale of the product term (see PLSFit.lv_scale)
            own_loadings = (res.xload[0] * spec.odm).sum(1)
            P = P / interaction_scale(spec, inters, sd[None], own_loadings[None])[:, None, :]
        fit = PLSFit(spec=spec, scheme=self.scheme, scaled=bool(self.scaled), tol=float(tol),
                     max_iter=int(max_iter), convergence=self.convergence, n_obs=n,
                     iterations=int(res.iterations[0]), consistent=bool(self.consistent),
                     item_mean=mean, item_sd=sd, C=C, R=R, W=res.W[0],
                     xload=res.xload[0], RL=res.RL[0], P=P[0], r2=r2[0], interactions=inters,
                     interaction_pairs=pairs, first_stage=self._first_stage(prep.values, spec))
        self._set_fit(fit, prep.missing)
        self.training_data_ = (pd.DataFrame(prep.values, index=prep.index,
                                            columns=spec.items + self._extra_items())
                               if self.keep_data else None)
        return self

    def _first_stage(self, values: np.ndarray, spec: ModelSpec) -> PLSFit | None:
        """The stage-1 fit of a two-stage higher-order model (``values`` as :meth:`_survey_items` returns)."""
        hoc = self.hoc_design
        if hoc is None or hoc.method != "two_stage":
            return None
        cols = spec.items + self._extra_items()
        return hoc.first_stage(values[:, [cols.index(it) for it in hoc.base_items]])

    def _set_fit(self, fit: PLSFit, missing: dict) -> None:
        for name in _TABLES:  # drop tables cached by a previous fit
            self.__dict__.pop(name, None)
        self.estimation_ = fit
        self.missing_ = missing

    # ------------------------------------------------------------------ persistence
    def _fitted_state(self) -> dict[str, Any]:
        """The fitted state for a saved file: ``estimation_`` and ``missing_``, never survey rows."""
        return {"estimation_": self.estimation_.to_dict(), "missing_": self.missing_}

    def _restore_fitted_state(self, state: dict[str, Any]) -> None:
        self._set_fit(PLSFit.from_dict(state["estimation_"]), dict(state["missing_"]))
        self.training_data_ = None

    # ------------------------------------------------------------------ data of the fit and new data
    @property
    def n_obs_(self) -> int:
        """Respondents used by the fit."""
        check_is_fitted(self)
        return self.estimation_.n_obs

    @property
    def iterations_(self) -> int:
        """Weight updates until convergence."""
        check_is_fitted(self)
        return self.estimation_.iterations

    @property
    def item_mean_(self) -> np.ndarray:
        """Mean of each item (``spec.items`` order) after the missing-value treatment."""
        check_is_fitted(self)
        return self.estimation_.item_mean

    @property
    def item_sd_(self) -> np.ndarray:
        """Population standard deviation of each item (``spec.items`` order)."""
        check_is_fitted(self)
        return self.estimation_.item_sd

    @property
    def gof_(self) -> float:
        """Goodness of fit ``sqrt(mean communality x mean R^2)`` (see :attr:`PLSFit.gof`)."""
        check_is_fitted(self)
        return self.estimation_.gof

    def training_items(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """The item answers the model was fitted on (respondents used x items, after missing values).

        The kept ``training_data_``, or, when ``data`` is given, the items of ``data`` prepared
        as in ``fit``; ``data`` must then be the survey the model was fitted on (same rows used
        and item means and sds), else :class:`~crm_models.errors.CRMDataError`. The bootstrap,
        the 0-100 index and the answer-scale check read the answers through this method.
        """
        check_is_fitted(self)
        if data is None:
            if self.training_data_ is None:
                raise CRMDataError(
                    "this PLSPM keeps no survey rows (fitted with keep_data=False, or read from a file): "
                    "pass the survey it was fitted on as data=...")
            frame = self.training_data_
        else:
            frame = self._training_frame(data)
        items = list(self.estimation_.spec.items)
        return frame if frame.shape[1] == len(items) else frame[items]

    def _training_frame(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """:meth:`training_items` followed by the survey items that are not items of ``spec``."""
        if data is None:
            self.training_items()  # the error when no rows are kept
            return self.training_data_
        fit = self.estimation_
        prep = self._survey_items(data, self.missing_["method"], 1)
        values = prep.values[:, :len(fit.spec.items)]
        same = (values.shape[0] == fit.n_obs
                and np.allclose(values.mean(axis=0), fit.item_mean, rtol=1e-9, atol=1e-12)
                and np.allclose(values.std(axis=0), fit.item_sd, rtol=1e-9, atol=1e-12))
        if not same:
            raise CRMDataError(
                f"data= is not the survey this model was fitted on ({values.shape[0]} usable rows vs "
                f"{fit.n_obs}, or different item means / standard deviations): pass the same survey, "
                "or fit a new model on this one", source=_source(data))
        return pd.DataFrame(prep.values, index=prep.index, columns=fit.spec.items + self._extra_items())

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Construct scores of the respondents in ``df`` with the fitted weights.

        ``Y = X W``, ``X = (x - item_mean_) / item_sd_`` (``scaled=True``) or ``x - item_mean_``
        (``scaled=False``), ``W`` the outer weights of the fit (``estimation_.W``): the
        scores of respondents not used in the fit on the scale of ``scores_`` (for the
        training rows the two are equal). A missing answer is replaced by the fitted item mean
        (``missing="mean"``), drops its respondent (``"listwise"``) or raises (``"raise"``).

        Returns
        -------
        DataFrame
            One row per respondent kept, one column per construct.
        """
        check_is_fitted(self)
        if self.interactions:
            raise ModelSpecificationError(
                "transform is not available for a model with interactions (the interaction items of new "
                "respondents would need the survey's stage-1 fit); use scores_ for the training rows")
        fit = self.estimation_
        hoc = self.hoc_design
        if hoc is not None:
            return self._transform_hoc(df, hoc)
        prep = prepare_items(df, fit.spec.items, missing=self.missing_["method"], min_rows=1,
                             source=_source(df), fill=fit.item_mean, check_constant=False)
        return pd.DataFrame(fit.scores(prep.values), index=prep.index, columns=list(fit.spec.lvs))

    def _transform_hoc(self, df: pd.DataFrame, hoc: HigherOrderDesign) -> pd.DataFrame:
        """:meth:`transform` with higher-order constructs: the fitted stage-1 weights, then stage 2."""
        fit = self.estimation_
        first = fit.first_stage if hoc.method == "two_stage" else fit
        mean = np.empty(len(hoc.base_items))
        mean[hoc.columns_of(first.spec.items)] = first.item_mean  # stage-1 items are (copies of) survey items
        prep = prepare_items(df, hoc.base_items, missing=self.missing_["method"], min_rows=1,
                             source=_source(df), fill=mean, check_constant=False)
        raw = prep.values[:, hoc.columns_of(first.spec.items)]
        if hoc.method == "two_stage":
            s1 = first.scores(raw)
            lvs1, pos = list(first.spec.lvs), {it: k for k, it in enumerate(hoc.base_items)}
            dims = set(hoc.dimensions)
            raw = np.column_stack([s1[:, lvs1.index(it)] if it in dims else prep.values[:, pos[it]]
                                   for it in fit.spec.items])
        return pd.DataFrame(fit.scores(raw), index=prep.index, columns=list(fit.spec.lvs))

    # ------------------------------------------------------------------ result tables (built on first use)
    @cached_property
    def scores_(self) -> pd.DataFrame:
        """Construct scores (unit population variance, mean 0), one row per respondent used.

        Needs the survey rows (``keep_data=True``); otherwise use :meth:`transform`.
        """
        items = self.training_items()
        return pd.DataFrame(self.estimation_.scores(items.to_numpy()), index=items.index,
                            columns=list(self.estimation_.spec.lvs))

    @cached_property
    def path_coefficients_(self) -> pd.DataFrame:
        """Square matrix of path coefficients, rows = target, columns = predictor (0 = no path)."""
        check_is_fitted(self)
        fit = self.estimation_
        lvs = list(fit.spec.lvs)
        return pd.DataFrame(fit.P, index=lvs, columns=lvs)

    @cached_property
    def r2_(self) -> pd.Series:
        """R^2 of each endogenous construct."""
        check_is_fitted(self)
        fit = self.estimation_
        endo = fit.spec.endogenous
        return pd.Series(fit.r2[endo], index=[fit.spec.lvs[k] for k in endo], name="r2")

    @cached_property
    def r2_adj_(self) -> pd.Series:
        """Adjusted R^2: ``1 - (1 - R^2)(n - 1)/(n - k - 1)`` with ``k`` predictors."""
        check_is_fitted(self)
        fit = self.estimation_
        endo = fit.spec.endogenous
        q = np.array([len(fit.spec.predecessors(k)) for k in endo])
        n = self.n_obs_
        adj = 1 - (1 - fit.r2[endo]) * (n - 1) / (n - q - 1)
        return pd.Series(adj, index=self.r2_.index, name="r2_adj")

    @cached_property
    def inner_model_(self) -> pd.DataFrame:
        """OLS of each endogenous construct on its predictors (with intercept, as plspm's ``lm``).

        Columns target, predictor, estimate, std_error, t_value, p_value (t with n - k - 1 df).
        """
        check_is_fitted(self)
        fit = self.estimation_
        # scores have mean 0 and population variance 1, so X'X of [1, Y_p] is diag(n, n R_pp): the
        # intercept is 0 and the OLS algebra reduces to the construct correlations R
        spec, lvs, n = fit.spec, list(fit.spec.lvs), fit.n_obs
        R = fit.construct_correlations  # disattenuated with consistent=True (then prefer the bootstrap SEs)
        scale = np.concatenate([[1.0], fit.lv_scale])  # interactions: on the product scale
        rows = []
        for k in spec.endogenous:
            preds = spec.predecessors(k)
            Rinv = np.linalg.inv(R[np.ix_(preds, preds)])
            beta = np.concatenate([[0.0], Rinv @ R[preds, k]])
            dof = n - len(preds) - 1
            sigma2 = n * (1.0 - fit.r2[k]) / dof
            se = np.sqrt(sigma2 / n * np.concatenate([[1.0], np.diag(Rinv)]))
            t = beta / se
            p = 2 * special.stdtr(dof, -np.abs(t))
            beta, se = beta / scale[np.r_[0, preds + 1]], se / scale[np.r_[0, preds + 1]]
            names = ["Intercept"] + [lvs[j] for j in preds]
            rows.extend((lvs[k], *r) for r in zip(names, beta, se, t, p, strict=True))
        return pd.DataFrame(rows, columns=["target", "predictor", "estimate", "std_error", "t_value",
                                           "p_value"])

    @cached_property
    def outer_weights_(self) -> pd.Series:
        """Outer weights (raw item units when ``scaled=False``), scores = centred items x weights."""
        check_is_fitted(self)
        fit = self.estimation_
        return pd.Series(fit.weights, index=fit.spec.items, name="weight")

    @cached_property
    def outer_loadings_(self) -> pd.Series:
        """Loadings: correlation of each item with its construct (consistent loadings with ``consistent``)."""
        check_is_fitted(self)
        fit = self.estimation_
        return pd.Series(fit.loadings, index=fit.spec.items, name="loading")

    @cached_property
    def outer_model_(self) -> pd.DataFrame:
        """block, weight, loading, communality (loading^2), redundancy (communality x R^2 of the block)."""
        check_is_fitted(self)
        fit = self.estimation_
        spec = fit.spec
        comm = fit.loadings ** 2
        return pd.DataFrame({"block": [spec.lvs[b] for b in spec.block_index],
                             "weight": self.outer_weights_.to_numpy(), "loading": fit.loadings,
                             "communality": comm, "redundancy": comm * fit.r2[spec.block_index]},
                            index=spec.items)

    @cached_property
    def crossloadings_(self) -> pd.DataFrame:
        """Correlations of every item with every construct (``block`` = the item's own)."""
        check_is_fitted(self)
        fit = self.estimation_
        spec = fit.spec
        cl = {"block": [spec.lvs[b] for b in spec.block_index]}
        cl.update({lv: fit.xload[:, k] for k, lv in enumerate(spec.lvs)})
        return pd.DataFrame(cl, index=spec.items)

    @cached_property
    def effects_(self) -> pd.DataFrame:
        """Direct, indirect and total effects for every ordered pair (plspm's order: by source)."""
        check_is_fitted(self)
        fit = self.estimation_
        lvs, P, L = list(fit.spec.lvs), fit.P, fit.spec.n_lvs
        total = _kernel.total_effects(P[None])[0]
        eff = [(f"{lvs[j]} -> {lvs[i]}", lvs[j], lvs[i], P[i, j], total[i, j] - P[i, j], total[i, j])
               for j in range(L) for i in range(j + 1, L)]
        return pd.DataFrame([e[1:] for e in eff], columns=["from", "to", "direct", "indirect", "total"],
                            index=pd.Index([e[0] for e in eff], name="relationship"))

    @cached_property
    def inner_summary_(self) -> pd.DataFrame:
        """Per construct: type, r_squared (0 if exogenous), block_communality, mean_redundancy, ave.

        ``ave`` is NaN for mode B blocks."""
        check_is_fitted(self)
        fit = self.estimation_
        spec = fit.spec
        comm = fit.loadings ** 2
        red = comm * fit.r2[spec.block_index]
        sizes = np.bincount(spec.block_index)
        mean_comm = np.bincount(spec.block_index, comm) / sizes
        mean_red = np.bincount(spec.block_index, red) / sizes
        kind = np.where(spec.path.any(1), "Endogenous", "Exogenous")
        ave = np.where(np.array(spec.modes) == "A", mean_comm, np.nan)
        return pd.DataFrame({"type": kind, "r_squared": fit.r2, "block_communality": mean_comm,
                             "mean_redundancy": mean_red, "ave": ave}, index=list(spec.lvs))

    @cached_property
    def unidim_(self) -> pd.DataFrame:
        """plspm's unidimensionality table (see :func:`crm_models.csi.quality.unidimensionality`)."""
        check_is_fitted(self)
        fit = self.estimation_
        return unidimensionality_table(fit.spec, fit.R)

    @cached_property
    def first_stage_(self) -> pd.DataFrame:
        """Weights and loadings of the dimensions' items on their dimensions (higher-order models).

        For ``hoc_method="two_stage"`` from the stage-1 fit (``estimation_.first_stage``), for
        ``"repeated_indicators"`` from the model itself. Index item; columns hoc, dimension,
        weight, loading.
        """
        check_is_fitted(self)
        hoc = self._fitted_hoc()
        fit = self.estimation_
        first = fit.first_stage if hoc.method == "two_stage" else fit
        weights = pd.Series(first.weights, index=first.spec.items)
        loadings = pd.Series(first.loadings, index=first.spec.items)
        rows = [(it, h.name, d, weights[it], loadings[it]) for h in hoc.constructs for d in h.dimensions
                for it in first.spec.blocks[first.spec.lvs.index(d)]]
        return pd.DataFrame(rows, columns=["item", "hoc", "dimension", "weight", "loading"]).set_index("item")

    @cached_property
    def hoc_loadings_(self) -> pd.DataFrame:
        """How each dimension measures its higher-order construct.

        ``"two_stage"``: the stage-2 outer weight and loading of the dimension's scores on the
        HOC (rows of ``outer_model_``); ``"repeated_indicators"``: the path dimension -> HOC
        as weight and the correlation of the two construct scores as loading. Index
        ``"HOC <- dimension"``; columns hoc, dimension, weight, loading.
        """
        check_is_fitted(self)
        hoc = self._fitted_hoc()
        fit = self.estimation_
        lvs = list(fit.spec.lvs)
        rows = []
        for h in hoc.constructs:
            for d in h.dimensions:
                if hoc.method == "two_stage":
                    rows.append((h.name, d, self.outer_weights_[d], self.outer_loadings_[d]))
                else:
                    i, j = lvs.index(h.name), lvs.index(d)
                    rows.append((h.name, d, fit.P[i, j], fit.construct_correlations[i, j]))
        out = pd.DataFrame(rows, columns=["hoc", "dimension", "weight", "loading"])
        out.index = out["hoc"] + " <- " + out["dimension"]
        return out

    def _fitted_hoc(self) -> HigherOrderDesign:
        hoc = self.hoc_design
        if hoc is None:
            raise ModelSpecificationError("the model has no higher-order constructs "
                                          "(PLSPM(..., higher_order={HOC: [dimensions]}))")
        return hoc

    @property
    def summary(self) -> pd.DataFrame:
        """Structural paths: source, target, estimate, std_error, t_value, p_value (OLS, as plspm)."""
        check_is_fitted(self)
        im = self.inner_model_
        im = im[im["predictor"] != "Intercept"]
        out = pd.DataFrame({"source": im["predictor"].to_numpy(), "target": im["target"].to_numpy(),
                            "estimate": im["estimate"].to_numpy(), "std_error": im["std_error"].to_numpy(),
                            "t_value": im["t_value"].to_numpy(), "p_value": im["p_value"].to_numpy()})
        out.index = out["source"] + " -> " + out["target"]
        return out

    def bootstrap(self, n: int = 5000, seed: int | None = 0, sign_change: str = "construct",
                  level: float = 0.95, bca: bool = True, n_jobs: int = 1, chunk_size: int = 1000,
                  data: pd.DataFrame | None = None) -> BootstrapResult:
        """Bootstrap confidence intervals; see :func:`crm_models.csi.bootstrap.bootstrap`."""
        check_is_fitted(self)
        base, augment = self._base_items()
        if augment is not None:  # every draw recomputes the interaction / higher-order items (both stages)
            raw = self._training_frame(data)[base].to_numpy()
            return run_bootstrap(self.estimation_, raw, n=n, seed=seed, sign_change=sign_change, level=level,
                                 bca=bca, n_jobs=n_jobs, chunk_size=chunk_size, augment=augment)
        items = self.training_items(data)
        return run_bootstrap(self.estimation_, items.to_numpy(), n=n, seed=seed,
                             sign_change=sign_change, level=level, bca=bca, n_jobs=n_jobs,
                             chunk_size=chunk_size)

    def __repr__(self, N_CHAR_MAX: int | None = None) -> str:  # noqa: N803 (scikit-learn's signature)
        """The constructor call with the arguments that differ from the defaults (never shortened)."""
        params = self.get_params(deep=False)
        signature = inspect.signature(type(self).__init__).parameters
        args = [f"{name}={params[name]!r}" for name, par in signature.items()
                if name in params and (par.default is par.empty or repr(params[name]) != repr(par.default))]
        return f"{type(self).__name__}({', '.join(args)})"
