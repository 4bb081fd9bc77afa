"""One maximum-likelihood engine shared by every CLV model.

Each model supplies its per-row log-likelihood (and, where practical, its analytic
gradient); this module does the rest, identically for all of them:

* **log-parameterisation**: all parameters are positive, so the optimiser works on
  theta = log(params), unconstrained;
* **compressed data**: the rows handed to the likelihood are the *distinct* sufficient
  statistics with integer weights (see :mod:`crm_models.clv._data`), so the cost of a
  likelihood evaluation does not grow with the number of customers;
* **optimiser**: BFGS on the mean negative log-likelihood per customer (scale-free
  tolerances), then Newton steps with the Hessian to polish the optimum; a failure raises
  :class:`~crm_models.errors.ConvergenceError` with advice instead of returning NaN, and an
  estimate running off to 0 or infinity (a flat likelihood) raises a
  :class:`ConvergenceWarning`;
* **standard errors**: the inverse Hessian of the total negative log-likelihood in
  theta, mapped to the natural scale by the delta method
  (SE(p) = p * SE(log p)); 95% intervals are Wald intervals on the log scale,
  exp(log p -/+ 1.96 SE(log p)), so they stay positive;
* **penalizer**: an optional L2 penalty ``penalizer * sum(params**2)`` added to the mean
  negative log-likelihood (the convention of the Python ``lifetimes`` package, so the same
  value gives the same fit);
* **information criteria**: AIC = 2k - 2 LL, BIC = k log(N) - 2 LL, N = number of customers.

Everything is deterministic: no random starts, no seed needed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, stats

from crm_models.base import Estimator, check_is_fitted
from crm_models.clv._data import Compressed, check_summary, compress, resolve_weights
from crm_models.data.summary import period_length_in
from crm_models.errors import ConvergenceError, CRMDataError, ModelSpecificationError

__all__ = ["MLEModel", "ConvergenceWarning", "summary_units", "same_unit"]

_Z95 = float(stats.norm.ppf(0.975))


class ConvergenceWarning(UserWarning):
    """The fit finished but something about it deserves attention (flat likelihood, SEs)."""


def summary_units(data: Any) -> dict[str, str | None]:
    """The ``time_unit`` and ``period`` a summary records in ``attrs`` (None when it does not).

    :func:`crm_models.data.rfm_summary` sets both; durations built by the churn module carry
    their ``time_unit`` in ``attrs["crm_churn"]``.  A frame made by hand has neither.
    """
    attrs = getattr(data, "attrs", None)
    attrs = attrs if isinstance(attrs, dict) else {}
    churn = attrs.get("crm_churn") if isinstance(attrs.get("crm_churn"), dict) else {}
    unit = attrs.get("time_unit") or churn.get("time_unit")
    period = attrs.get("period")
    return {"time_unit": None if unit is None else str(unit),
            "period": None if period is None else str(period)}


def same_unit(a: str, b: str) -> bool:
    """``a`` and ``b`` name the same time unit ("W" and "7D" do; calendar units only by name)."""
    if a == b:
        return True
    try:
        return bool(np.isclose(period_length_in(a, b), 1.0))
    except CRMDataError:
        return False


def _num_grad(f: Callable[[np.ndarray], float], theta: np.ndarray, rel_step: float = 1e-6) -> np.ndarray:
    g = np.empty_like(theta)
    for i in range(len(theta)):
        h = rel_step * max(1.0, abs(theta[i]))
        e = np.zeros_like(theta)
        e[i] = h
        g[i] = (f(theta + e) - f(theta - e)) / (2 * h)
    return g


def _num_hessian_from_grad(g: Callable[[np.ndarray], np.ndarray], theta: np.ndarray,
                           step: float = 1e-5) -> np.ndarray:
    k = len(theta)
    H = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = step
        H[:, j] = (g(theta + e) - g(theta - e)) / (2 * step)
    return (H + H.T) / 2


def _num_hessian(f: Callable[[np.ndarray], float], theta: np.ndarray, step: float = 1e-4) -> np.ndarray:
    k = len(theta)
    H = np.empty((k, k))
    f0 = f(theta)
    eye = np.eye(k) * step
    fp = [f(theta + eye[i]) for i in range(k)]
    fm = [f(theta - eye[i]) for i in range(k)]
    for i in range(k):
        H[i, i] = (fp[i] - 2 * f0 + fm[i]) / step**2
        for j in range(i + 1, k):
            fpp = f(theta + eye[i] + eye[j])
            fpm = f(theta + eye[i] - eye[j])
            fmp = f(theta - eye[i] + eye[j])
            fmm = f(theta - eye[i] - eye[j])
            H[i, j] = H[j, i] = (fpp - fpm - fmp + fmm) / (4 * step**2)
    return H


class MLEModel(Estimator):
    """Base class: log-parameterised maximum likelihood on compressed sufficient statistics.

    Subclasses set ``param_names`` and implement ``_loglik`` (per distinct row) and
    ``_initial_params``; optionally ``_loglik_grad`` (per-row gradient with respect to the
    natural parameters), which makes fitting faster and the Hessian more accurate.

    Fitted attributes: ``params_`` (Series), ``log_likelihood_``, ``aic_``, ``bic_``,
    ``n_obs_`` (customers), ``n_distinct_`` (distinct rows the likelihood was evaluated on),
    ``covariance_`` (natural scale) and the ``summary`` table; ``time_unit_`` and
    ``period_``: the units the training summary recorded (None if it recorded none), which
    every prediction's summary must share.

    Follows :mod:`crm_models.base`: the constructor stores its arguments (validated by
    ``fit``), :func:`~crm_models.base.check_is_fitted` tells whether it is fitted, and
    ``save``/``load`` keep the fitted state (parameters, covariance, units) exactly.
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    analytic_gradient: ClassVar[bool] = False  # True when _loglik_grad is implemented
    #: the units of the training data a prediction's data must share (see ``_check_units``)
    unit_keys: ClassVar[tuple[str, ...]] = ("time_unit", "period")

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def _check_settings(self) -> None:
        """Validate the constructor arguments (called first by ``fit``)."""
        penalizer = self.penalizer
        if isinstance(penalizer, bool) or not isinstance(penalizer, (int, float, np.integer, np.floating)) \
                or not np.isfinite(penalizer) or penalizer < 0:
            raise ModelSpecificationError(f"penalizer must be a finite number >= 0, got {penalizer!r}")

    # ----------------------------------------------------------------- model interface
    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _loglik_grad(self, params: np.ndarray, d: Compressed) -> np.ndarray | None:
        """Per-row gradient (rows x params) w.r.t. the natural parameters, or None."""
        return None

    def _initial_params(self, d: Compressed) -> np.ndarray:
        return np.ones(len(self.param_names))

    def _initial_theta(self, d: Compressed) -> np.ndarray:
        """Starting point of the optimiser: log of ``_initial_params``, 0 for coefficients."""
        return np.concatenate([np.log(self._initial_params(d)), np.zeros(self._n_linear())])

    def _initial_inverse_hessian(self, d: Compressed) -> np.ndarray | None:
        """BFGS's first inverse-Hessian estimate at the start (None: scipy's identity)."""
        return None

    # ----------------------------------------------------------------- parameter layout
    # The first parameters are positive and optimised on the log scale; models with
    # covariates append unconstrained coefficients (optimised as they are, penalised by
    # ``_linear_penalty``).  Without covariates every parameter is positive.
    def _param_labels(self) -> list[str]:
        """Names of all fitted parameters (the base parameters, then any coefficients)."""
        return list(self.param_names)

    def _n_linear(self) -> int:
        """Number of trailing unconstrained parameters (covariate coefficients)."""
        return 0

    def _linear_penalty(self) -> float:
        """L2 weight on the unconstrained parameters (added to the mean negative LL)."""
        return 0.0

    def _runaway(self, params: np.ndarray) -> str | None:
        """A plain-words reason when accepted iterates run off to a boundary where no maximum
        exists (checked after every optimiser iteration); None to go on."""
        return None

    def _stop_if_runaway(self, theta: np.ndarray) -> None:
        with np.errstate(over="ignore"):
            why = self._runaway(self._from_theta(np.asarray(theta, dtype=float)))
        if why:
            raise ConvergenceError(f"{type(self).__name__}: {why}")

    def _from_theta(self, theta: np.ndarray) -> np.ndarray:
        k0 = len(theta) - self._n_linear()
        return np.concatenate([np.exp(theta[:k0]), theta[k0:]])

    def _theta_jacobian(self, params: np.ndarray) -> np.ndarray:
        """d params / d theta (diagonal): the parameter itself on the log scale, 1 otherwise."""
        k0 = len(params) - self._n_linear()
        return np.concatenate([params[:k0], np.ones(len(params) - k0)])

    def _loglik_total(self, params: np.ndarray, d: Compressed,
                      need_grad: bool) -> tuple[float, np.ndarray | None]:
        """Weighted total log-likelihood and, with ``need_grad``, its gradient with respect to
        the natural parameters (None when there is no analytic gradient).

        The default sums the per-row ``_loglik`` / ``_loglik_grad``; models whose special
        functions depend on few distinct values override it to evaluate them once per value
        and to share the work between the value and the gradient.
        """
        total = float(np.dot(d.weights, self._loglik(params, d)))
        if not need_grad:
            return total, None
        rows = self._loglik_grad(params, d)
        return total, (None if rows is None else d.weights @ rows)

    def _prepared(self, d: Compressed, build: Callable[[Compressed], Any]) -> Any:
        """Per-data precomputation (sort orders, distinct values), built once per fit."""
        cache = self.__dict__.get("_prep_cache")
        if cache is None or cache[0] is not d:
            cache = (d, build(d))
            self._prep_cache = cache
        return cache[1]

    # ----------------------------------------------------------------- objective
    def _evaluate(self, theta: np.ndarray, d: Compressed, need_grad: bool) -> tuple[float, np.ndarray | None]:
        """Mean penalised negative log-likelihood at theta = log(params), and its gradient in
        theta when asked for (and analytic).  The last evaluation is cached, so an optimiser
        asking for the value and then the gradient at the same point pays once."""
        theta = np.asarray(theta, dtype=float)
        cache = self.__dict__.get("_eval_cache")
        if (cache is not None and cache[0] is d and np.array_equal(cache[1], theta)
                and (cache[3] is not None or not need_grad)):
            return cache[2], cache[3]
        params = self._from_theta(theta)
        k0 = len(params) - self._n_linear()
        with np.errstate(all="ignore"):
            total, g = self._loglik_total(params, d, need_grad and self.analytic_gradient)
            lam = self._linear_penalty()
            penalty = self.penalizer * float(np.sum(params[:k0]**2)) + lam * float(np.sum(params[k0:]**2))
            value = -total / d.total_weight + penalty
            grad = None
            if g is not None:
                pen_grad = np.concatenate([2 * self.penalizer * params[:k0]**2, 2 * lam * params[k0:]])
                grad = -g / d.total_weight * self._theta_jacobian(params) + pen_grad
                grad = np.where(np.isfinite(grad), grad, 0.0)
        value = value if np.isfinite(value) else np.inf
        self._eval_cache = (d, theta.copy(), value, grad)
        return value, grad

    def _objective(self, theta: np.ndarray, d: Compressed) -> float:
        return self._evaluate(theta, d, False)[0]

    def _gradient(self, theta: np.ndarray, d: Compressed) -> np.ndarray:
        if not self.analytic_gradient:
            return _num_grad(lambda th: self._objective(th, d), theta)
        return self._evaluate(theta, d, True)[1]

    def _value_and_gradient(self, theta: np.ndarray, d: Compressed) -> tuple[float, np.ndarray]:
        if not self.analytic_gradient:
            return self._objective(theta, d), self._gradient(theta, d)
        return self._evaluate(theta, d, True)

    def _hessian(self, theta: np.ndarray, d: Compressed) -> np.ndarray:
        """Hessian of the mean penalised objective with respect to theta."""
        if self.analytic_gradient:
            return _num_hessian_from_grad(lambda th: self._gradient(th, d), theta)
        return _num_hessian(lambda th: self._objective(th, d), theta)

    # ----------------------------------------------------------------- fitting
    def _optimise(self, d: Compressed) -> tuple[np.ndarray, np.ndarray | None]:
        name = type(self).__name__
        start = self._initial_theta(d)
        f = lambda th: self._objective(th, d)  # noqa: E731
        g = lambda th: self._gradient(th, d)  # noqa: E731
        if not np.isfinite(f(start)):
            start = np.zeros(len(start))
        if not np.isfinite(f(start)):
            raise ConvergenceError(f"{name}: the log-likelihood is not finite at the starting values; "
                                   "check the data (e.g. times in a sensible unit such as weeks)")
        best = None
        h0 = self._initial_inverse_hessian(d)
        for method in ("BFGS", "Nelder-Mead", "BFGS"):
            x0 = start if best is None else best.x
            # BFGS to |grad| < 1e-7 only: below that its value-based line search cannot tell
            # points apart (the objective changes by ~1e-16 relative) and it can spend dozens
            # of evaluations without progress; the Newton polish below takes it to 1e-9
            opts = {"gtol": 1e-7, "maxiter": 2000} if method == "BFGS" else \
                {"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000, "maxfev": 40000}
            if method == "BFGS" and best is None and h0 is not None:
                opts["hess_inv0"] = h0
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                if method == "BFGS":  # value and gradient in one pass
                    res = optimize.minimize(lambda th: self._value_and_gradient(th, d), x0, jac=True,
                                            method=method, options=opts, callback=self._stop_if_runaway)
                else:
                    res = optimize.minimize(f, x0, method=method, options=opts,
                                            callback=self._stop_if_runaway)
            if best is None or (np.isfinite(res.fun) and res.fun <= best.fun):
                best = res
            if np.all(np.isfinite(best.x)) and np.isfinite(best.fun) and \
                    np.max(np.abs(g(best.x))) < 1e-6:
                break
        theta = best.x
        if not (np.all(np.isfinite(theta)) and np.isfinite(best.fun)):
            raise ConvergenceError(
                f"{name} did not converge ({best.message}); the log-likelihood became non-finite. "
                "Try a small penalizer (e.g. penalizer=0.001) or check the summary for outliers")
        # Newton polish with the Hessian unless the quasi-Newton optimum is already tight
        H_last = None
        grad = g(theta)
        for _ in range(4):
            if np.max(np.abs(grad)) < 1e-9:
                break
            H = self._hessian(theta, d)
            H_last = None
            try:
                np.linalg.cholesky(H)
                step = np.linalg.solve(H, grad)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            cand = theta - step
            if f(cand) <= f(theta) + 1e-13 * max(1.0, abs(f(theta))):
                theta = cand
                grad = g(theta)
                if np.max(np.abs(step)) < 1e-5:  # the Hessian barely changes over such a step
                    H_last = H
                    break
            else:
                break
        if np.max(np.abs(grad)) > 1e-4:
            raise ConvergenceError(
                f"{name} did not converge: the gradient at the last iterate is {np.max(np.abs(grad)):.2g} "
                f"({best.message}). Try a small penalizer (e.g. penalizer=0.001), or check the data")
        return theta, H_last

    def _fit_compressed(self, d: Compressed) -> MLEModel:
        """Fit on validated, compressed data and set every fitted attribute."""
        try:
            theta, H_mean = self._optimise(d)
            params = self._from_theta(theta)
            with np.errstate(all="ignore"):
                log_likelihood = self._loglik_total(params, d, False)[0]
            H_total = (H_mean if H_mean is not None else self._hessian(theta, d)) * d.total_weight
        finally:  # the caches hold references to the data: do not keep them on the model
            self.__dict__.pop("_eval_cache", None)
            self.__dict__.pop("_prep_cache", None)
        self._set_params(params)
        self.n_obs_ = d.total_weight
        self.n_distinct_ = d.n_rows
        self.log_likelihood_ = float(log_likelihood)
        k = len(params)
        self.aic_ = 2 * k - 2 * self.log_likelihood_
        self.bic_ = k * np.log(self.n_obs_) - 2 * self.log_likelihood_
        cov_theta = np.full((k, k), np.nan)
        # a parameter the likelihood does not depend on at all (a constant covariate's
        # coefficient) has an exactly zero Hessian row: it gets no standard error, the others do
        live = ~np.all(H_total == 0, axis=0)
        if not live.any():
            live[:] = True
        try:
            H_live = H_total[np.ix_(live, live)]
            np.linalg.cholesky(H_live)
            cov_theta[np.ix_(live, live)] = np.linalg.inv(H_live)
        except np.linalg.LinAlgError:
            warnings.warn(f"{type(self).__name__}: the Hessian at the optimum is not positive definite, "
                          "so standard errors are not available (NaN); the likelihood is flat in some "
                          "direction - consider a small penalizer", ConvergenceWarning, stacklevel=3)
        self._cov_theta = cov_theta
        labels = self._param_labels()
        jac = self._theta_jacobian(params)
        self.covariance_ = pd.DataFrame(cov_theta * np.outer(jac, jac), index=labels, columns=labels)
        se_log = np.sqrt(np.diag(cov_theta))
        k0 = k - self._n_linear()  # the identification check is about the positive parameters
        flat = [n for n, th, se in zip(labels[:k0], theta[:k0], se_log[:k0], strict=True)
                if abs(th) > 14 or se > 2.35]
        if flat:
            warnings.warn(
                f"{type(self).__name__}: {', '.join(flat)} "
                f"(estimate {', '.join(f'{params[labels.index(n)]:.3g}' for n in flat)}) "
                "is not identified by the data: the likelihood barely changes in that direction, so the "
                "estimate runs off towards 0 or infinity or its 95% interval spans more than a factor "
                "of 10,000. Predictions may still be usable; a small penalizer (e.g. penalizer=0.001) "
                "keeps the estimates finite", ConvergenceWarning, stacklevel=3)
        return self

    def _set_params(self, params: np.ndarray) -> None:
        self.params_ = pd.Series(np.asarray(params, dtype=float), index=self._param_labels(),
                                 name="estimate")

    @classmethod
    def from_params(cls, **params: float) -> MLEModel:
        """A model with given parameter values (no fit): for scenarios, simulation and checks."""
        missing = [p for p in cls.param_names if p not in params]
        extra = [p for p in params if p not in cls.param_names]
        if missing or extra:
            raise ModelSpecificationError(
                f"{cls.__name__} takes parameters {', '.join(cls.param_names)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(extra)}" if extra else ""))
        values = np.array([float(params[p]) for p in cls.param_names])
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise ModelSpecificationError(
                f"{cls.__name__} parameters must be positive and finite, got {params}")
        model = cls()
        model._set_params(values)
        k = len(values)
        model._cov_theta = np.full((k, k), np.nan)
        model.covariance_ = pd.DataFrame(model._cov_theta, index=list(cls.param_names),
                                         columns=list(cls.param_names))
        model.log_likelihood_ = np.nan
        model.n_obs_ = np.nan
        model.aic_ = model.bic_ = np.nan
        return model

    # ----------------------------------------------------------------- units
    def _remember_units(self, data: Any) -> None:
        """Record the training data's units as ``time_unit_`` / ``period_`` (None: unknown)."""
        units = summary_units(data)
        for key in self.unit_keys:
            setattr(self, f"{key}_", units[key])

    def _check_units(self, data: Any, what: str = "summary") -> None:
        """Refuse data in another unit than the training data (both must record theirs).

        A model fitted on weeks reads a daily summary's recency, T and horizon as weeks: every
        prediction is silently wrong.  Frames without ``attrs`` (made by hand) cannot be checked
        and are accepted, as is everything for a model fitted on such a frame.
        """
        given = summary_units(data)
        wrong = [k for k in self.unit_keys
                 if getattr(self, f"{k}_", None) is not None and given[k] is not None
                 and not same_unit(getattr(self, f"{k}_"), given[k])]
        if not wrong:
            return
        fitted = ", ".join(f"{k}={getattr(self, f'{k}_')!r}" for k in self.unit_keys
                           if getattr(self, f"{k}_", None) is not None)
        here = ", ".join(f"{k}={given[k]!r}" for k in self.unit_keys if given[k] is not None)
        fix = ", ".join(f"{k}={getattr(self, f'{k}_')!r}" for k in self.unit_keys
                        if getattr(self, f"{k}_", None) is not None)
        raise CRMDataError(
            f"{type(self).__name__} was fitted on a summary with {fitted}, but this one has {here}: its "
            "times (and the horizon) would be read in the wrong unit and every prediction would be wrong. "
            f"Summarise the data like the training data, crm.data.rfm_summary(..., {fix}), or refit the "
            "model on this summary", source=what, column=wrong[0])

    # ----------------------------------------------------------------- results
    def _fitted_params(self) -> np.ndarray:
        """The fitted parameter values as an array (raises NotFittedError before ``fit``)."""
        check_is_fitted(self)
        return self.params_.to_numpy()

    # ----------------------------------------------------------------- persistence
    def _fitted_state(self) -> dict[str, Any]:
        state = super()._fitted_state()
        state["_cov_theta"] = self._cov_theta  # covariance on the log scale (summary, sampling)
        return state

    @property
    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals (log-scale Wald, back-transformed;
        covariate coefficients: plain Wald intervals, estimate -/+ 1.96 SE)."""
        check_is_fitted(self)
        params = self.params_.to_numpy()
        se_log = np.sqrt(np.diag(self._cov_theta))
        k0 = len(params) - self._n_linear()
        pos, lin = params[:k0], params[k0:]
        with np.errstate(over="ignore"):  # an unidentified parameter's interval runs to inf
            spread = np.exp(_Z95 * se_log[:k0])
        return pd.DataFrame(
            {
                "estimate": params,
                "std_error": np.concatenate([pos * se_log[:k0], se_log[k0:]]),
                "lower_95": np.concatenate([pos / spread, lin - _Z95 * se_log[k0:]]),
                "upper_95": np.concatenate([pos * spread, lin + _Z95 * se_log[k0:]]),
            },
            index=pd.Index(self._param_labels(), name="parameter"),
        )

    def sample_params(self, n: int, seed: int | None = 0) -> pd.DataFrame:
        """Draws from the asymptotic distribution of the estimates (normal on the log scale;
        covariate coefficients normal on their own scale).

        Used for parametric-bootstrap intervals of derived quantities (e.g. customer equity).
        """
        check_is_fitted(self)
        params = self.params_.to_numpy()
        if not np.all(np.isfinite(self._cov_theta)):
            raise ConvergenceError(f"{type(self).__name__}: no covariance matrix (fit the model on data, "
                                   "with a positive-definite Hessian) to sample parameters from")
        rng = np.random.default_rng(seed)
        k0 = len(params) - self._n_linear()
        theta = np.concatenate([np.log(params[:k0]), params[k0:]])
        draws = rng.multivariate_normal(theta, self._cov_theta, size=n, method="cholesky")
        draws[:, :k0] = np.exp(draws[:, :k0])
        return pd.DataFrame(draws, columns=self._param_labels())

    def _with_params(self, params: np.ndarray) -> MLEModel:
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._set_params(params)
        return clone


class SummaryModel(MLEModel):
    """A model fitted on an RFM summary (frequency, recency, T) with per-customer predictions."""

    summary_columns: ClassVar[tuple[str, ...]] = ("frequency", "recency", "T")

    def _fit_summary(self, summary: pd.DataFrame, weights: str | np.ndarray | None):
        """The common fit: settings checked, distinct rows with their weights, likelihood
        maximised, time unit remembered; returns self."""
        self._check_settings()
        w = resolve_weights(summary, weights)
        self._fit_compressed(self._compress_summary(summary, "summary", require_repeat=True, weights=w))
        self._remember_units(summary)
        return self

    def _compress_summary(self, data: pd.DataFrame, what: str, require_repeat: bool,
                          weights: np.ndarray | None = None, **extra: Any) -> Compressed:
        cols = check_summary(data, what, columns=self.summary_columns, require_repeat=require_repeat)
        cols.update(extra)
        return compress(cols, weights)

    def _prediction_rows(self, data: pd.DataFrame, **extra: Any) -> Compressed:
        """The distinct rows of a summary to predict for, after checking its units: every
        prediction of a summary model goes through here."""
        self._check_units(data)
        return self._compress_summary(data, "summary", require_repeat=False, **extra)

    discrete_time: ClassVar[bool] = False

    def expected_purchases_path(self, summary: pd.DataFrame, times: Any) -> pd.DataFrame:
        """Conditional expected purchases in (T, T+t] for several horizons t at once.

        Returns a DataFrame with one row per customer and one column per horizon (vectorised:
        the model is evaluated once on the distinct rows for all horizons).
        """
        check_is_fitted(self)
        times = check_time(np.atleast_1d(np.asarray(times, dtype=float)), "times")
        if self.discrete_time and np.any(times != np.round(times)):
            raise ModelSpecificationError(
                "this model counts whole transaction opportunities; use integer times")
        c = self._prediction_rows(summary)
        broad = {k: v[:, None] for k, v in c.columns.items()}
        with np.errstate(all="ignore"):
            vals = self._cond_expected(**broad, t=times[None, :])
        return pd.DataFrame(c.expand(np.broadcast_to(vals, (c.n_rows, len(times)))), index=summary.index,
                            columns=pd.Index(times, name="t"))

    def _per_customer(self, data: pd.DataFrame, func: Callable[..., np.ndarray], name: str,
                      **extra: Any) -> pd.Series:
        """Evaluate ``func(**distinct_columns)`` once per distinct row; a Series on data.index."""
        check_is_fitted(self)
        n = len(data) if isinstance(data, pd.DataFrame) else 0
        arrays = {k: _per_row(v, n, k) for k, v in extra.items()}
        c = self._prediction_rows(data, **arrays)
        with np.errstate(all="ignore"):
            values = np.asarray(func(**c.columns), dtype=float)
        return pd.Series(c.expand(values), index=data.index, name=name)


def _per_row(value: Any, n: int, name: str) -> np.ndarray:
    """A scalar or per-customer argument (e.g. the horizon t) as an array of length n."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ModelSpecificationError(f"{name} must be a number or one value per customer ({n}), "
                                      f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ModelSpecificationError(f"{name} must be finite and >= 0")
    return arr


def check_time(t: Any, name: str = "t") -> np.ndarray:
    """A non-negative time (or array of times)."""
    arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ModelSpecificationError(f"{name} must be finite and >= 0, got {t!r}")
    return arr


def discount_to_continuous(discount_rate: float) -> float:
    """Per-period discount rate d -> continuous rate delta = log(1 + d)."""
    if not np.isfinite(discount_rate) or discount_rate <= 0:
        raise ModelSpecificationError(
            f"discount_rate must be a positive number per period, got {discount_rate!r}")
    return float(np.log1p(discount_rate))
