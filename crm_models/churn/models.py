r"""``ChurnModel``: Cox and AFT survival regressions on lifelines, with CRM-ready inputs and outputs.

Kinds (lifelines fitter, parameters as lifelines names them):

* ``"cox"``: Cox (1972) proportional hazards, :class:`lifelines.CoxPHFitter`,
  :math:`h(t\mid x) = h_0(t)\exp(x^\top\beta)`, Breslow baseline, Efron ties; ``params_``
  indexed by covariate; ``exp(coef)`` is the hazard ratio.  Optional ``strata`` (a baseline
  per stratum) and ``penalizer`` / ``l1_ratio`` (elastic net, lifelines' parametrisation).
* ``"weibull"``: Weibull AFT, :class:`lifelines.WeibullAFTFitter`,
  :math:`S(t\mid x) = \exp(-(t/\lambda(x))^\rho)`, :math:`\log\lambda(x) = x^\top\beta`;
  ``params_`` indexed by (``lambda_`` | ``rho_``, covariate).
* ``"lognormal"``: :math:`\log T = x^\top\beta + \sigma\varepsilon`, :math:`\varepsilon\sim N(0,1)`
  (:class:`lifelines.LogNormalAFTFitter`, parameters ``mu_``, ``sigma_``).
* ``"loglogistic"``: :math:`S(t\mid x) = 1/(1 + (t/\alpha(x))^\beta)`
  (:class:`lifelines.LogLogisticAFTFitter`, parameters ``alpha_``, ``beta_``).

For the AFT kinds ``exp(coef)`` of the location parameter is a *time ratio* (acceleration
factor): above 1, customers with that trait stay longer.

Predictions are for current customers, conditional on the time ``s`` they have already
survived (by default their value in the duration column):

.. math::

    S(u \mid s, x) = S(s + u \mid x) / S(s \mid x),\qquad
    P(\text{churn within } h \mid s, x) = 1 - S(h \mid s, x),\qquad
    \text{RMRL}(\tau) = \int_0^\tau S(u \mid s, x)\,du

(the restricted mean residual lifetime, bounded by ``max_time`` = :math:`\tau`).  They are
lifelines' ``predict_survival_function(..., conditional_after=s)``, vectorised over
customers.  For Cox, lifelines interpolates the Breslow baseline linearly between event
times and holds it flat after the last observed duration: beyond it no further churn is
predicted (a warning says when a horizon reaches there; a parametric kind extrapolates).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_models.base import Estimator, check_is_fitted
from crm_models.churn._checks import check_columns, check_durations, check_events
from crm_models.churn.design import DesignSpec, build_design, check_design
from crm_models.errors import ConvergenceError, CRMDataError, ModelSpecificationError

__all__ = ["KINDS", "ChurnModel", "compare_models", "fit_models"]

#: kind -> (lifelines fitter class name, location parameter, ancillary parameter)
KINDS: dict[str, tuple[str, str | None, str | None]] = {
    "cox": ("CoxPHFitter", None, None),
    "weibull": ("WeibullAFTFitter", "lambda_", "rho_"),
    "lognormal": ("LogNormalAFTFitter", "mu_", "sigma_"),
    "loglogistic": ("LogLogisticAFTFitter", "alpha_", "beta_"),
}


def _fitter_class(kind: str) -> Any:
    import lifelines

    return getattr(lifelines, KINDS[kind][0])


class ChurnModel(Estimator):
    """A survival regression of time-to-churn on customer covariates (lifelines underneath).

    Parameters
    ----------
    kind:
        "cox", "weibull", "lognormal" or "loglogistic" (see the module docstring).
    covariates:
        Columns to use.  Default: every column of the training frame except the duration,
        event and strata columns and the bookkeeping columns that
        :func:`~crm_models.churn.durations_from_subscriptions` / ``_from_transactions`` list in
        ``attrs["crm_churn"]["non_covariates"]`` (ids, dates).
    formula:
        Instead of ``covariates``, a formula right-hand side (formulaic syntax, as lifelines),
        e.g. ``"MonthlyCharges + C(Contract) + SeniorCitizen:MonthlyCharges"``.
    penalizer, l1_ratio:
        Elastic-net penalty, passed to lifelines (``penalizer * ((1-l1_ratio)/2 ||b||^2 +
        l1_ratio ||b||_1)``, smoothed).  Default 0: plain maximum (partial) likelihood.
    strata:
        Cox only: column(s) whose levels each get their own baseline hazard.
    reference_levels:
        ``{column: level}``: the reference level of a categorical covariate (default: the
        first level in sorted order).
    drop_first:
        Drop the reference level's dummy (default True).
    max_levels:
        Text covariates with more levels than this are refused (ids, free text).
    alpha:
        1 - confidence level of the intervals (0.05: 95 % CIs).
    fit_options:
        Passed to lifelines' ``fit(fit_options=...)`` (e.g. ``{"step_size": 0.5}``).

    Attributes (after ``fit``)
    --------------------------
    fitter_: the fitted lifelines model, without the training data (lifelines keeps the
    durations, events, weights and per-row predictions on its fitters; they are dropped
    after ``fit``).  design_: :class:`DesignSpec`.  params_, standard_errors_, covariance_,
    log_likelihood_, aic_ (partial AIC for Cox; ``AIC_`` is the same under lifelines'
    name), concordance_ (Harrell's C on the training data, computed in ``fit``),
    ph_test_ (Cox only: the Schoenfeld-residual tests, computed in ``fit``), n_obs_,
    n_events_, max_duration_, duration_col_, event_col_, time_unit_ (of the training
    durations, from ``attrs["crm_churn"]``; None if unknown: predictions refuse durations
    recorded in another unit).

    ``save``/``load`` (:mod:`crm_models.base`) write the lifelines fitter's prediction state
    (coefficients, baseline tables, normalisation means, variance matrix, ...) as JSON and
    restore it into a fresh fitter of the same kind: the loaded model predicts exactly as
    the saved one with the same lifelines version (recorded in the file; another version
    loads with a warning). Formula designs are saved when they use no stateful transforms
    (``center()``, ``scale()``, splines: refused at save time).
    """

    _fitted_attribute = "fitter_"

    def __init__(
        self,
        kind: str = "cox",
        *,
        covariates: Sequence[str] | None = None,
        formula: str | None = None,
        penalizer: float = 0.0,
        l1_ratio: float = 0.0,
        strata: str | Sequence[str] | None = None,
        reference_levels: Mapping[str, Any] | None = None,
        drop_first: bool = True,
        max_levels: int = 50,
        alpha: float = 0.05,
        fit_options: Mapping[str, Any] | None = None,
    ):
        self.kind = kind
        self.covariates = covariates
        self.formula = formula
        self.penalizer = penalizer
        self.l1_ratio = l1_ratio
        self.strata = strata
        self.reference_levels = reference_levels
        self.drop_first = drop_first
        self.max_levels = max_levels
        self.alpha = alpha
        self.fit_options = fit_options

    def _check_settings(self) -> None:
        """Validate the constructor arguments (called first by ``fit``)."""
        kind = self.kind
        if kind not in KINDS:
            raise ModelSpecificationError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
        if self.covariates is not None and self.formula is not None:
            raise ModelSpecificationError("give covariates or formula, not both")
        if self.strata is not None and kind != "cox":
            raise ModelSpecificationError(f"strata are for the Cox model only (kind={kind!r})")
        if self.penalizer < 0 or not 0 <= self.l1_ratio <= 1:
            raise ModelSpecificationError("penalizer must be >= 0 and l1_ratio in [0, 1]")
        if not 0 < self.alpha < 1:
            raise ModelSpecificationError(f"alpha must be in (0, 1), got {self.alpha!r}")

    @property
    def _strata(self) -> list[str] | None:
        """``strata`` as a list (a single column may be given as a string)."""
        strata = self.strata
        return [strata] if isinstance(strata, str) else (None if strata is None else list(strata))

    # ------------------------------------------------------------------ fitting
    def _default_covariates(self, df: pd.DataFrame, duration_col: str, event_col: str) -> list[str]:
        meta = df.attrs.get("crm_churn", {}) if isinstance(df.attrs, dict) else {}
        skip = {duration_col, event_col, *(self._strata or []), *meta.get("non_covariates", [])}
        return [c for c in df.columns if c not in skip]

    def fit(self, df: pd.DataFrame, duration_col: str | None = None, event_col: str | None = None
            ) -> ChurnModel:
        """Fit the model; ``df`` holds the durations, the 0/1 event indicator and the covariates.

        ``duration_col`` / ``event_col`` default to the names recorded by the durations
        builders (``"duration"``, ``"event"``).  Raises :class:`CRMDataError` naming the column
        for negative (or, for AFT kinds, zero) durations, an event column that is not 0/1,
        missing covariate values, a constant or perfectly collinear covariate.
        """
        self._check_settings()
        meta = df.attrs.get("crm_churn", {}) if isinstance(df, pd.DataFrame) else {}
        duration_col = duration_col or meta.get("duration_col", "duration")
        event_col = event_col or meta.get("event_col", "event")
        check_columns(df, [duration_col, event_col, *(self._strata or [])])
        if len(df) == 0:
            raise CRMDataError("no rows to fit")
        T = check_durations(df[duration_col], duration_col, positive=self.kind != "cox")
        E = check_events(df[event_col], event_col)
        if E.sum() == 0:
            raise CRMDataError("no churn events (every row is censored): nothing to model", column=event_col)

        if self.formula is None:
            covariates = list(self.covariates) if self.covariates is not None else self._default_covariates(
                df, duration_col, event_col)
            clash = {duration_col, event_col, *(self._strata or [])} & set(covariates)
            if clash:
                raise CRMDataError("a column cannot be both a covariate and the duration, event or strata",
                                   column=sorted(clash)[0])
            spec, X = build_design(df, covariates, reference_levels=self.reference_levels,
                                   drop_first=self.drop_first, max_levels=self.max_levels)
        else:
            spec, X = build_design(df, formula=self.formula, reference_levels=self.reference_levels,
                                   max_levels=self.max_levels)
        check_design(X)
        reserved = {duration_col, event_col, *(self._strata or [])} & set(X.columns)
        if reserved:
            raise CRMDataError("a design column has the name of the duration, event or strata column",
                               column=sorted(reserved)[0])

        frame = X
        frame.index = pd.RangeIndex(len(frame))  # X is ours (built above): relabel, no copy
        frame[duration_col] = T
        frame[event_col] = E
        for s in self._strata or []:
            values = df[s]
            missing = values.isna().to_numpy()
            if missing.any():
                raise CRMDataError("missing values in a strata column", column=s)
            frame[s] = values.to_numpy()

        fitter = self._new_fitter()
        self._fit_lifelines(fitter, frame, duration_col, event_col)
        # what needs the training data is computed now: the model does not keep it
        concordance = float(fitter.concordance_index_)
        ph_test = None
        if self.kind == "cox":
            from lifelines.statistics import proportional_hazard_test

            try:  # a diagnostic: a failure here must not fail the fit
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    ph_test = proportional_hazard_test(fitter, frame, time_transform="all").summary
            except Exception as exc:  # noqa: BLE001 - lifelines raises several kinds here
                warnings.warn(f"the proportional-hazards test could not be computed: {exc}", UserWarning,
                              stacklevel=2)
        _drop_training_data(fitter)
        self.fitter_ = fitter
        self.design_: DesignSpec = spec
        self.duration_col_ = duration_col
        self.event_col_ = event_col
        self.n_obs_ = int(len(frame))
        self.n_events_ = int(E.sum())
        self.max_duration_ = float(T.max())
        self.time_unit_ = _time_unit(df)
        self.concordance_ = concordance
        self.ph_test_ = ph_test
        return self

    def _new_fitter(self) -> Any:
        cls = _fitter_class(self.kind)
        if self.kind == "cox":
            return cls(penalizer=self.penalizer, l1_ratio=self.l1_ratio, strata=self._strata,
                       alpha=self.alpha)
        return cls(penalizer=self.penalizer, l1_ratio=self.l1_ratio, alpha=self.alpha)

    def _fit_lifelines(self, fitter: Any, frame: pd.DataFrame, duration_col: str, event_col: str) -> None:
        from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError

        options = None if self.fit_options is None else dict(self.fit_options)
        try:
            fitter.fit(frame, duration_col=duration_col, event_col=event_col, fit_options=options)
        except LifelinesConvergenceError as exc:
            raise ConvergenceError(
                f"lifelines' {type(fitter).__name__} did not converge: {str(exc).strip().splitlines()[0]}. "
                f"Try penalizer=0.01, drop rare dummy levels or covariates nearly collinear with others, "
                f"or rescale large covariates") from exc

    # ------------------------------------------------------------------ fitted attributes
    @property
    def params_(self) -> pd.Series:
        """Coefficients as lifelines names them (Cox: by covariate; AFT: by (parameter, covariate))."""
        check_is_fitted(self)
        return self.fitter_.params_

    @property
    def standard_errors_(self) -> pd.Series:
        check_is_fitted(self)
        return self.fitter_.standard_errors_

    @property
    def covariance_(self) -> pd.DataFrame:
        """Covariance matrix of the estimates (lifelines' ``variance_matrix_``), as the CLV models name it."""
        check_is_fitted(self)
        return self.fitter_.variance_matrix_

    @property
    def log_likelihood_(self) -> float:
        """Log-likelihood at the estimate (the log *partial* likelihood for Cox)."""
        check_is_fitted(self)
        return float(self.fitter_.log_likelihood_)

    @property
    def aic_(self) -> float:
        """AIC = -2 LL + 2 k; for Cox the partial AIC (comparable only between Cox models)."""
        check_is_fitted(self)
        return float(self.fitter_.AIC_partial_ if self.kind == "cox" else self.fitter_.AIC_)

    @property
    def AIC_(self) -> float:  # noqa: N802 - lifelines' name
        """The same as :attr:`aic_`, under lifelines' name."""
        return self.aic_

    @property
    def summary(self) -> pd.DataFrame:
        """lifelines' coefficient table: coef, exp(coef) (hazard or time ratio), se, CIs, z, p."""
        check_is_fitted(self)
        return self.fitter_.summary

    @property
    def effects_(self) -> pd.DataFrame:
        """Tidy effect table: hazard ratios (Cox) or time ratios (AFT location parameter) with CIs.

        Columns: ``variable``, ``level``, ``reference`` (for dummies), ``effect`` ("hazard ratio"
        / "time ratio"), ``ratio``, ``lower``, ``upper`` (the ``1 - alpha`` CI of exp(coef)),
        ``p``.  Indexed by design term.
        """
        check_is_fitted(self)
        s = self.fitter_.summary
        ci = f"{100 * (1 - self.alpha):g}%"
        if self.kind == "cox":
            rows = s
            effect = "hazard ratio"
        else:
            loc = KINDS[self.kind][1]
            rows = s.loc[loc]
            rows = rows[rows.index != "Intercept"]
            effect = "time ratio"
        out = pd.DataFrame({
            "effect": effect,
            "ratio": rows["exp(coef)"].to_numpy(),
            "lower": rows[f"exp(coef) lower {ci}"].to_numpy(),
            "upper": rows[f"exp(coef) upper {ci}"].to_numpy(),
            "p": rows["p"].to_numpy(),
        }, index=pd.Index(list(rows.index), name="term"))
        out = out.reindex([c for c in self.design_.columns if c in out.index])
        return pd.concat([self.design_.terms.reindex(out.index), out], axis=1)

    def proportional_hazards_test(self, time_transform: str | list[str] = "rank") -> pd.DataFrame:
        """Schoenfeld-residual test of proportional hazards, per covariate (Cox only), as a table.

        lifelines' :func:`~lifelines.statistics.proportional_hazard_test` (Grambsch & Therneau
        1994) on the training data, computed by ``fit`` for every time transform (``"rank"``,
        ``"km"``, ``"identity"``, ``"log"``; a list of them or ``"all"`` gives one row per
        covariate and transform).  Columns: ``test_statistic``, ``p``, ``-log2(p)``,
        ``violated`` (p < alpha).  A small p means the covariate's effect changes over the
        customer's lifetime: consider stratifying on it or a time interaction.
        """
        check_is_fitted(self)
        if self.kind != "cox":
            raise ModelSpecificationError("the proportional-hazards test applies to kind='cox' only")
        if self.ph_test_ is None:
            raise ModelSpecificationError("the proportional-hazards test could not be computed when the "
                                          "model was fitted (see the warning fit gave)")
        transforms = [time_transform] if isinstance(time_transform, str) else list(time_transform)
        known = sorted(set(self.ph_test_.index.get_level_values(1)))
        if transforms == ["all"]:
            transforms = known
        unknown = [t for t in transforms if t not in known]
        if unknown:
            raise ModelSpecificationError(
                f"unknown time_transform {unknown[0]!r}; choose from {', '.join(known)} or 'all'")
        tab = self.ph_test_
        if len(transforms) == 1:
            out = tab.xs(transforms[0], level=1).copy()
        else:
            out = tab[tab.index.get_level_values(1).isin(transforms)].copy()
        out["violated"] = out["p"] < self.alpha
        out.index.name = "term" if out.index.nlevels == 1 else out.index.name
        return out

    # ------------------------------------------------------------------ predictions
    def design_matrix(self, df: pd.DataFrame) -> pd.DataFrame:
        """The design matrix of new data, encoded as at fit time (plus the strata columns)."""
        X = self._design(df)
        X.index = df.index
        return X

    def _design(self, df: pd.DataFrame) -> pd.DataFrame:
        """Design matrix with a RangeIndex (what is handed to lifelines for prediction)."""
        check_is_fitted(self)
        X = self.design_.transform(df, index=False)
        for s in self._strata or []:
            check_columns(df, [s])
            X[s] = df[s].to_numpy()
        return X

    def _check_time_unit(self, df: pd.DataFrame) -> None:
        """Refuse durations in another time unit than the training data's (when both record one)."""
        fitted, given = getattr(self, "time_unit_", None), _time_unit(df)
        if fitted is None or given is None or fitted == given:
            return
        raise CRMDataError(
            f"the model was fitted on durations in time_unit={fitted!r}, but these are in "
            f"time_unit={given!r}: the time already survived would be read in the wrong unit and every "
            f"prediction would be wrong. Build the durations with time_unit={fitted!r} (as for training), "
            "or refit the model",
            column=self.duration_col_)

    def _survived(self, df: pd.DataFrame, survived: Any) -> np.ndarray:
        self._check_time_unit(df)
        if survived is None:
            if self.duration_col_ not in df.columns:
                raise CRMDataError(
                    "the time each customer has already survived is needed: the duration column is absent; "
                    "pass survived= (a column name, an array, or 0 for new customers)",
                    column=self.duration_col_)
            return check_durations(df[self.duration_col_], self.duration_col_)
        if isinstance(survived, str):
            check_columns(df, [survived])
            return check_durations(df[survived], survived)
        arr = np.broadcast_to(np.asarray(survived, dtype=float), (len(df),)).copy()
        return check_durations(pd.Series(arr, index=df.index), "survived")

    def _predict_sf(self, X: pd.DataFrame, times: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Conditional survival, array (len(times), n), columns in the order of X's rows."""
        if not isinstance(X.index, pd.RangeIndex) or X.index.start != 0:
            X = X.reset_index(drop=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sf = self.fitter_.predict_survival_function(X, times=times, conditional_after=s)
        if self._strata:
            sf = sf.reindex(columns=range(len(X)))
        return sf.to_numpy()

    def _warn_beyond_baseline(self, s: np.ndarray, horizon: float) -> None:
        if self.kind != "cox":
            return
        beyond = int(np.sum(s + horizon > self.max_duration_))
        if beyond:
            warnings.warn(
                f"{beyond} customers' horizon reaches beyond the longest training duration "
                f"({self.max_duration_:g}); the Cox baseline hazard is unknown there and held flat, so their "
                f"churn risk is understated. A parametric kind (e.g. 'weibull') extrapolates.",
                UserWarning, stacklevel=3)

    def survival_function(self, df: pd.DataFrame, times: Sequence[float] | np.ndarray | None = None, *,
                          survived: Any = None) -> pd.DataFrame:
        """P(still a customer ``u`` time units from now | survived so far), for each ``u`` in ``times``.

        Returns a DataFrame indexed by ``times`` (time from now) with one column per row of
        ``df`` (lifelines' layout).  ``times`` default: 0 to the longest training duration
        in 100 steps.  ``survived``: the time already survived (default: the duration column;
        a column name, an array, or 0 for new customers).
        """
        check_is_fitted(self)
        s = self._survived(df, survived)
        if times is None:
            times = np.linspace(0.0, self.max_duration_, 101)
        times = np.atleast_1d(np.asarray(times, dtype=float))
        if np.any(~np.isfinite(times)) or np.any(times < 0):
            raise CRMDataError("times must be finite and >= 0")
        X = self._design(df)
        sf = self._predict_sf(X, times, s)
        return pd.DataFrame(sf, index=pd.Index(times, name="time"), columns=df.index)

    def churn_probability(self, df: pd.DataFrame, horizon: float, *, survived: Any = None) -> pd.Series:
        """P(churn within ``horizon`` | survived to the duration column), one value per row of ``df``.

        ``1 - S(s + horizon | x) / S(s | x)`` with ``s`` the time already survived (see
        :meth:`survival_function`).  Vectorised: a million customers score in about a second.
        """
        check_is_fitted(self)
        horizon = float(horizon)
        if not np.isfinite(horizon) or horizon < 0:
            raise CRMDataError(f"horizon must be a finite number >= 0, got {horizon!r}")
        s = self._survived(df, survived)
        self._warn_beyond_baseline(s, horizon)
        X = self._design(df)
        sf = self._predict_sf(X, np.array([horizon]), s)[0]
        p = np.clip(1.0 - sf, 0.0, 1.0)
        return pd.Series(p, index=df.index, name="churn_probability")

    def expected_remaining_lifetime(self, df: pd.DataFrame, max_time: float, *, survived: Any = None,
                                    n_grid: int = 201, chunk_size: int = 50_000) -> pd.Series:
        r"""Restricted mean residual lifetime :math:`\int_0^{\tau} S(u\mid s,x)\,du`, :math:`\tau` = max_time.

        The expected time still to come as a customer within the next ``max_time`` units
        (so it lies in [0, max_time]); trapezoid rule on ``n_grid`` equally spaced points,
        in chunks of ``chunk_size`` customers to bound memory.
        """
        check_is_fitted(self)
        max_time = float(max_time)
        if not np.isfinite(max_time) or max_time <= 0:
            raise CRMDataError(f"max_time must be a positive finite number, got {max_time!r}")
        if n_grid < 2:
            raise CRMDataError("n_grid must be at least 2")
        s = self._survived(df, survived)
        self._warn_beyond_baseline(s, max_time)
        X = self._design(df)
        grid = np.linspace(0.0, max_time, n_grid)
        out = np.empty(len(df))
        for a in range(0, len(df), chunk_size):
            sf = self._predict_sf(X.iloc[a:a + chunk_size], grid, s[a:a + chunk_size])
            out[a:a + chunk_size] = np.trapezoid(sf, grid, axis=0)
        return pd.Series(np.clip(out, 0.0, max_time), index=df.index, name="expected_remaining_lifetime")

    def risk_tiers(self, df: pd.DataFrame, horizon: float, *, thresholds: Sequence[float] = (0.2, 0.5),
                   labels: Sequence[str] = ("low", "medium", "high"),
                   quantiles: Sequence[float] | None = None,
                   survived: Any = None) -> pd.DataFrame:
        """Churn probability within ``horizon`` and a risk tier per customer.

        Tiers cut the probability at ``thresholds`` (absolute: "high" = above 50 % by
        default) or, with ``quantiles`` (e.g. ``(0.5, 0.9)``), at those quantiles of the
        scored customers (relative: "high" = the riskiest 10 %).  Returns ``churn_probability``,
        ``risk_tier`` (ordered categorical) and ``risk_rank`` (1 = riskiest).
        """
        p = self.churn_probability(df, horizon, survived=survived)
        cuts = np.quantile(p, quantiles) if quantiles is not None else np.asarray(thresholds, dtype=float)
        if len(labels) != len(cuts) + 1:
            raise ModelSpecificationError(f"need {len(cuts) + 1} labels for {len(cuts)} cut points")
        if np.any(np.diff(cuts) < 0):
            raise ModelSpecificationError("thresholds / quantiles must be increasing")
        codes = np.searchsorted(cuts, p.to_numpy(), side="right")
        tier = pd.Categorical.from_codes(codes, categories=list(labels), ordered=True)
        rank = p.rank(ascending=False, method="first").astype(int)
        return pd.DataFrame({"churn_probability": p, "risk_tier": tier, "risk_rank": rank}, index=df.index)


    # ------------------------------------------------------------------ persistence
    def _fitted_state(self) -> dict[str, Any]:
        import lifelines

        spec = self.design_
        return {
            "lifelines_version": lifelines.__version__,
            "fitter_class": type(self.fitter_).__name__,
            "fitter": _fitter_state(self.fitter_),
            "design": {"covariates": list(spec.covariates), "levels": dict(spec.levels),
                       "columns": list(spec.columns), "terms": spec.terms, "formula": spec.formula},
            "duration_col_": self.duration_col_, "event_col_": self.event_col_, "n_obs_": self.n_obs_,
            "n_events_": self.n_events_, "max_duration_": self.max_duration_, "time_unit_": self.time_unit_,
            "concordance_": self.concordance_, "ph_test_": self.ph_test_,
            "formula_check": _formula_probe(spec) if spec.formula is not None else None,
        }

    def _restore_fitted_state(self, state: dict[str, Any]) -> None:
        """A fresh lifelines fitter of the recorded class, with the saved prediction state."""
        import lifelines

        if state["lifelines_version"] != lifelines.__version__:
            warnings.warn(
                f"this ChurnModel was saved with lifelines {state['lifelines_version']} and is loaded with "
                f"lifelines {lifelines.__version__}; its predictions are lifelines' code on the saved state, "
                "so they may differ slightly (install the saving version for identical results)",
                UserWarning, stacklevel=3)
        if state["fitter_class"] != KINDS[self.kind][0]:
            raise CRMDataError(f"the file holds a {state['fitter_class']} for kind={self.kind!r}",
                               source="model file")
        d = state["design"]
        spec = DesignSpec(covariates=d["covariates"], levels=d["levels"], columns=d["columns"],
                          terms=d["terms"], formula=d["formula"])
        if spec.formula is not None:
            spec._formula_spec = _rebuild_formula_spec(spec)
            probe, expected = state["formula_check"]
            if not spec.transform(probe, index=False).equals(expected):
                raise CRMDataError("the saved formula design could not be rebuilt identically",
                                   source="model file")
        self.fitter_ = _restore_fitter(_fitter_class(self.kind), state["fitter"])
        self.design_ = spec
        for key in ("duration_col_", "event_col_", "n_obs_", "n_events_", "max_duration_", "time_unit_",
                    "concordance_", "ph_test_"):
            setattr(self, key, state[key])


#: lifelines fitter attributes that hold the training data (one value per row) or closures over
#: it; fit() drops them once the concordance and the PH test are computed
_TRAINING_ATTRIBUTES = ("durations", "event_observed", "weights", "entries", "entry", "_clusters",
                        "_predicted_partial_hazards_", "_predicted_median", "_neg_likelihood",
                        "_neg_likelihood_with_penalty_function", "_initial_point_dicts", "_model_matrix")


def _drop_training_data(fitter: Any) -> None:
    for obj in (fitter, fitter.__dict__.get("_model")):
        if obj is None:
            continue
        for name in _TRAINING_ATTRIBUTES:
            obj.__dict__.pop(name, None)


def _fitter_state(fitter: Any) -> dict[str, Any]:
    """The attributes of a (trimmed) lifelines fitter as JSON-encodable values."""
    from lifelines.utils import CensoringType, CovariateParameterMappings

    out: dict[str, Any] = {}
    for key, value in fitter.__dict__.items():
        if key in _TRAINING_ATTRIBUTES:
            continue
        if key == "_model":
            out[key] = {"class": type(value).__name__, "state": _fitter_state(value)}
        elif isinstance(value, CensoringType):
            out[key] = {"censoring_type": value.value}
        elif isinstance(value, CovariateParameterMappings):
            out[key] = {"mappings": {k: _mapping_state(v) for k, v in value.mappings.items()},
                        "force_intercept": value.force_intercept,
                        "force_no_intercept": value.force_no_intercept}
        else:
            out[key] = value
    return out


def _restore_fitter(cls: type, state: dict[str, Any]) -> Any:
    import lifelines.fitters.coxph_fitter as coxph
    from lifelines.utils import CensoringType, CovariateParameterMappings

    fitter = cls.__new__(cls)
    for key, value in state.items():
        if key == "_model":
            value = _restore_fitter(getattr(coxph, value["class"]), value["state"])
        elif key == "_censoring_type":
            value = CensoringType(value["censoring_type"])
        elif key == "regressors":
            mappings = CovariateParameterMappings.__new__(CovariateParameterMappings)
            mappings.mappings = {k: _restore_mapping(v) for k, v in value["mappings"].items()}
            mappings.force_intercept = value["force_intercept"]
            mappings.force_no_intercept = value["force_no_intercept"]
            value = mappings
        fitter.__dict__[key] = value
    return fitter


def _mapping_state(mapping: Any) -> Any:
    """A lifelines parameter -> covariates mapping: a list of columns, or a formula such as "1"
    (the ancillary parameter of the AFT kinds) without learnt state."""
    if isinstance(mapping, list):
        return list(mapping)
    if getattr(mapping, "transform_state", None) or getattr(mapping, "encoder_state", None):
        raise ModelSpecificationError(
            "cannot save a lifelines fitter whose parameters use a stateful formula")
    return {"formula": str(mapping.formula), "columns": list(mapping.column_names)}


def _restore_mapping(state: Any) -> Any:
    if isinstance(state, list):
        return state
    import formulaic

    spec = formulaic.ModelSpec.from_spec(formulaic.Formula(state["formula"]).get_model_matrix(
        pd.DataFrame(index=pd.RangeIndex(1))))
    if list(spec.column_names) != list(state["columns"]):
        raise CRMDataError(f"the saved lifelines formula {state['formula']!r} could not be rebuilt",
                           source="model file")
    return spec


def _formula_probe(spec: DesignSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small frame of the formula's variables and its design matrix (to check a rebuilt design).

    A formula with stateful transforms (``center``, ``scale``, splines) learnt values from the
    training data that cannot be rebuilt from the formula: refused.
    """
    state = getattr(spec._formula_spec, "transform_state", None)
    if state:
        raise ModelSpecificationError(
            f"cannot save a ChurnModel whose formula uses stateful transforms ({', '.join(state)}): "
            "compute those columns before fitting and use covariates= instead")
    probe = _probe_frame(spec)
    return probe, spec.transform(probe, index=False)


def _probe_frame(spec: DesignSpec) -> pd.DataFrame:
    n = max([2, *(len(v) for v in spec.levels.values())])
    cols = {}
    for i, col in enumerate(spec.covariates):
        if col in spec.levels:
            lev = spec.levels[col]
            cols[col] = pd.Series([lev[j % len(lev)] for j in range(n)], dtype=object)
        else:
            cols[col] = pd.Series(np.arange(n, dtype=float) * (i + 1.5) + 0.25)
    return pd.DataFrame(cols)


def _rebuild_formula_spec(spec: DesignSpec) -> Any:
    import formulaic

    from crm_models.churn.design import _categorise

    rhs = spec.formula.split("~", 1)[1] if "~" in spec.formula else spec.formula
    data = _categorise(_probe_frame(spec), spec.levels)
    return formulaic.model_matrix(rhs, data, na_action="raise").model_spec


def _time_unit(df: Any) -> str | None:
    """The time unit recorded by the durations builders (``attrs["crm_churn"]``), or None."""
    attrs = getattr(df, "attrs", None)
    meta = attrs.get("crm_churn") if isinstance(attrs, dict) else None
    unit = meta.get("time_unit") if isinstance(meta, dict) else None
    return None if unit is None else str(unit)


def fit_models(df: pd.DataFrame, duration_col: str | None = None, event_col: str | None = None,
               kinds: Sequence[str] = tuple(KINDS), *, errors: str = "raise",
               **model_kwargs: Any) -> dict[str, ChurnModel]:
    """Fit one :class:`ChurnModel` per kind with the same covariates; ``{kind: model}``.

    ``errors="skip"``: a kind that cannot be fitted (e.g. an AFT kind on zero durations, or
    no convergence) is left out with a warning saying why, instead of raising.
    """
    if errors not in ("raise", "skip"):
        raise ModelSpecificationError(f"errors must be 'raise' or 'skip', got {errors!r}")
    out = {}
    for kind in kinds:
        kw = dict(model_kwargs)
        if kind != "cox":
            kw.pop("strata", None)
        try:
            out[kind] = ChurnModel(kind, **kw).fit(df, duration_col, event_col)
        except (CRMDataError, ConvergenceError) as exc:
            if errors == "raise":
                raise
            warnings.warn(f"kind {kind!r} left out: {exc}", UserWarning, stacklevel=2)
    return out


def compare_models(models: Mapping[str, ChurnModel] | Sequence[ChurnModel]) -> pd.DataFrame:
    """Table of fitted models by AIC and concordance.

    AIC of the AFT kinds is on the full likelihood and comparable among them; Cox's is the
    partial AIC (comparable only with other Cox models), flagged in ``aic_type``.  Rows are
    sorted by AIC type (full first) then AIC; ``concordance`` (training C-index) is
    comparable across all kinds.
    """
    if not isinstance(models, Mapping):
        seq = list(models)
        kinds = [m.kind for m in seq]
        models = {(k if kinds.count(k) == 1 else f"{k}_{i + 1}"): m for i, (k, m) in enumerate(zip(kinds, seq,
                                                                                                   strict=True))}
    rows = []
    for name, m in models.items():
        check_is_fitted(m)
        rows.append({
            "model": name, "kind": m.kind, "n_params": int(len(m.params_)), "n_obs": m.n_obs_,
            "log_likelihood": m.log_likelihood_, "AIC": m.AIC_,
            "aic_type": "partial" if m.kind == "cox" else "full", "concordance": m.concordance_,
        })
    tab = pd.DataFrame(rows).set_index("model")
    tab["_o"] = (tab["aic_type"] == "partial").astype(int)
    tab = tab.sort_values(["_o", "AIC"]).drop(columns="_o")
    tab["delta_AIC"] = tab["AIC"] - tab.groupby("aic_type")["AIC"].transform("min")
    return tab
