"""Time-invariant covariates for the CLV models (as R CLVTools' ``SetStaticCovariates``).

A model with covariates gives every customer i her own values of some of its positive
parameters, a base value times ``exp(+/- gamma' x_i)``, with x_i the customer's covariates
(numeric columns of the summary frame):

* the **purchase** process: ``purchase_covariates`` with coefficients gamma_p;
* the **dropout** process: ``dropout_covariates`` with coefficients gamma_d;
* **constrained** covariates: one coefficient shared by both processes (gamma_p = gamma_d).

Each model says which parameter belongs to which process and with which sign
(``covariate_links``), e.g. the Pareto/NBD ``{"alpha": ("purchase", -1), "beta": ("dropout", -1)}``:
alpha_i = alpha exp(-gamma_p' x_i), beta_i = beta exp(-gamma_d' x_i).  It also supplies the
per-row log-likelihood as a function of per-row parameters and its gradient with respect to
them (``_row_loglik``); everything else is here, shared by all models:

* the **likelihood** with covariates: per-row parameters from the linear predictors
  eta_p = X_p gamma, eta_d = X_d gamma, the model's per-row log-likelihood, and the gradient by
  the chain rule, d ll_i / d eta = sign * (d ll_i / d theta_i) * theta_i;
* the coefficients are the trailing, unconstrained parameters of the fitting engine
  (:class:`crm_models.clv.base.MLEModel`), so standard errors come from the same Hessian;
  they may be penalised by ``covariate_penalty * sum(gamma**2)`` added to the mean negative
  log-likelihood per customer, which leaves the base parameters (and ``penalizer``) alone;
* **predictions**: customers with the same linear predictors share their parameters, so each
  prediction is the model without covariates evaluated once per distinct covariate profile
  (exactly the existing code path, with that profile's parameters).

Customers with identical (frequency, recency, T, covariates) are merged into one weighted row,
as without covariates.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from crm_models.base import check_is_fitted
from crm_models.clv._data import Compressed, compress, resolve_weights
from crm_models.errors import CRMDataError, ModelSpecificationError, describe_rows

__all__ = ["CovariateMixin", "Profiles", "covariate_matrix"]

_PREFIX = "__covariate__"
_KINDS = ("purchase", "dropout", "constrained")


def covariate_matrix(data: Any, names: Sequence[str], what: str = "summary") -> np.ndarray:
    """The named covariate columns of ``data`` as a float matrix (rows x names).

    Raises :class:`CRMDataError` for a missing column, a non-numeric column (strings,
    categories: encode them first, e.g. ``pandas.get_dummies(df, columns=[...], drop_first=True,
    dtype=float)``) or missing / infinite values.
    """
    if not isinstance(data, pd.DataFrame):
        raise CRMDataError(f"expected a DataFrame with the covariate columns {', '.join(names)}, "
                           f"got {type(data).__name__}", source=what)
    out = np.empty((len(data), len(names)))
    for j, name in enumerate(names):
        if name not in data.columns:
            raise CRMDataError(
                "covariate column missing: the model was fitted with covariates "
                f"({', '.join(names)}), so every summary it predicts for needs them as columns",
                source=what, column=name)
        col = data[name]
        if pd.api.types.is_bool_dtype(col.dtype):
            col = col.astype(float)
        if not pd.api.types.is_numeric_dtype(col.dtype):
            raise CRMDataError(
                f"covariates must be numeric, this column is {col.dtype}; encode a categorical "
                f"covariate as 0/1 columns first, e.g. pandas.get_dummies(df, columns=[{name!r}], "
                "drop_first=True, dtype=float), and pass the new column names",
                source=what, column=name)
        values = col.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            raise CRMDataError(f"missing or infinite covariate values for customers "
                               f"{describe_rows(data.index[bad], col[bad].tolist())}; fill or drop them",
                               source=what, column=name)
        out[:, j] = values
    return out


def _check_design(X: np.ndarray, names: Sequence[str], what: str) -> None:
    """Warn about constant columns, refuse perfectly collinear ones (not identifiable)."""
    if len(X) == 0:
        return
    spread = X.max(axis=0) - X.min(axis=0)
    const = [n for n, s in zip(names, spread, strict=True) if s == 0]
    if const:
        warnings.warn(
            f"covariate(s) {', '.join(const)} are constant in the {what}: a constant shifts the base "
            "parameters only, so the coefficient is not identified (an all-zero column: it stays at 0 "
            "and has no standard error); drop the column", UserWarning, stacklevel=4)
    keep = [j for j, s in enumerate(spread) if s > 0]
    if len(keep) < 2:
        return
    Z = X[:, keep] - X[:, keep].mean(axis=0)
    Z /= np.sqrt((Z**2).sum(axis=0))
    rank = np.linalg.matrix_rank(Z, tol=1e-9 * np.sqrt(len(Z)))
    if rank < len(keep):
        raise CRMDataError(
            f"the covariates {', '.join(names[j] for j in keep)} are perfectly collinear (one is a "
            "linear combination of the others and the constant, e.g. all dummies of one categorical "
            "variable): their coefficients are not identified. Drop one (pandas.get_dummies(..., "
            "drop_first=True) drops a reference level)", source=what)


@dataclass(frozen=True)
class Profiles:
    """The distinct covariate profiles of a fit's compressed rows (built once per fit).

    ``Xp``, ``Xd``: the purchase and dropout designs per profile (see ``_designs``);
    ``profile``: each row's profile; ``weights``: the customers per profile; ``extra``: the
    model's own per-fit data.  The linear predictors are computed per profile and gathered, and
    the gradient summed per profile first: no matrix product over all rows (a BLAS call
    that size starts threads that keep spinning and slow the element-wise work that follows).
    """

    Xp: np.ndarray
    Xd: np.ndarray
    profile: np.ndarray
    weights: np.ndarray
    extra: Any

    def etas(self, gamma: np.ndarray) -> dict[str, np.ndarray]:
        """Per row: eta_p = X_p gamma and eta_d = X_d gamma."""
        return {"purchase": (self.Xp * gamma).sum(axis=1).take(self.profile),
                "dropout": (self.Xd * gamma).sum(axis=1).take(self.profile)}

    def gradient(self, d_eta_p: np.ndarray, d_eta_d: np.ndarray) -> np.ndarray:
        """X_p' d_eta_p + X_d' d_eta_d for per-row derivatives with respect to the predictors."""
        n = len(self.Xp)
        per_p = np.bincount(self.profile, weights=d_eta_p, minlength=n)
        per_d = np.bincount(self.profile, weights=d_eta_d, minlength=n)
        return (self.Xp * per_p[:, None]).sum(axis=0) + (self.Xd * per_d[:, None]).sum(axis=0)


class CovariateMixin:
    """Time-invariant covariates for a :class:`~crm_models.clv.base.SummaryModel` (see module doc).

    The model class sets ``covariate_links`` and implements ``_row_loglik(row_params, columns,
    need_grad)``; the mixin gives it the constructor (``penalizer``, ``covariate_penalty``) and
    ``fit`` with the covariate arguments; its ``_loglik_total`` delegates to
    :meth:`_covariate_loglik_total` when :meth:`_has_covariates`.
    """

    #: parameter name -> (process, sign): theta_i = theta * exp(sign * eta_process_i)
    covariate_links: ClassVar[dict[str, tuple[str, int]]] = {}
    #: start BFGS from the curvature of the fit without covariates (:meth:`_initial_inverse_hessian`)
    start_curvature: ClassVar[bool] = False

    def __init__(self, penalizer: float = 0.0, covariate_penalty: float = 0.0) -> None:
        self.penalizer = penalizer
        self.covariate_penalty = covariate_penalty

    def fit(self, summary: pd.DataFrame, weights: str | np.ndarray | None = None,
            purchase_covariates: list[str] | None = None, dropout_covariates: list[str] | None = None,
            constrained_covariates: list[str] | None = None):
        """Fit on a summary with columns frequency, recency, T (one row per customer).

        ``weights`` (optional column name or array): number of customers each row stands
        for.  ``purchase_covariates`` / ``dropout_covariates`` / ``constrained_covariates``:
        numeric columns of ``summary`` acting on the purchase process, the dropout process, or
        both with one coefficient (the model's class notes); their coefficients appear in
        ``params_`` and ``summary`` as "purchase: name", "dropout: name", "constrained: name".
        Returns the fitted model.
        """
        w = resolve_weights(summary, weights)
        self._fit_with_covariates(summary, w, purchase_covariates, dropout_covariates, constrained_covariates)
        return self

    # ------------------------------------------------------------------ specification
    def _has_covariates(self) -> bool:
        return bool(getattr(self, "covariate_names_", None))

    def _coefficient_labels(self) -> list[str]:
        return [f"{kind}: {name}" for kind in _KINDS for name in getattr(self, f"{kind}_covariates_", [])]

    def _param_labels(self) -> list[str]:
        return list(self.param_names) + self._coefficient_labels()

    def _n_linear(self) -> int:
        return len(self._coefficient_labels())

    def _linear_penalty(self) -> float:
        return float(self.covariate_penalty)

    def _check_settings(self) -> None:
        super()._check_settings()  # type: ignore[misc]
        lam = self.covariate_penalty
        if isinstance(lam, bool) or not isinstance(lam, (int, float, np.integer, np.floating)) \
                or not np.isfinite(lam) or lam < 0:
            raise ModelSpecificationError(f"covariate_penalty must be a finite number >= 0, got {lam!r}")

    def _set_covariates(self, data: pd.DataFrame, purchase: Sequence[str] | None,
                        dropout: Sequence[str] | None,
                        constrained: Sequence[str] | None) -> np.ndarray:
        """Validate the covariate lists, record them (``purchase_covariates_`` ...) and return the
        matrix of the distinct covariate columns (``covariate_names_`` order)."""
        lists = {}
        for kind, given in zip(_KINDS, (purchase, dropout, constrained), strict=True):
            if given is None:
                given = []
            if isinstance(given, str):
                given = [given]
            given = list(given)
            if not all(isinstance(n, str) and n for n in given):
                raise ModelSpecificationError(
                    f"{kind}_covariates must be a list of column names, got {given!r}")
            if len(set(given)) != len(given):
                raise ModelSpecificationError(f"{kind}_covariates names a column twice: {given!r}")
            lists[kind] = given
        both = set(lists["constrained"]) & (set(lists["purchase"]) | set(lists["dropout"]))
        if both:
            raise ModelSpecificationError(
                f"{', '.join(sorted(both))}: a constrained covariate has one coefficient for both processes; "
                "do not list it among the purchase or dropout covariates as well")
        names = list(dict.fromkeys(lists["purchase"] + lists["dropout"] + lists["constrained"]))
        taken = set(getattr(self, "summary_columns", ())) & set(names)
        if taken:
            raise ModelSpecificationError(f"{', '.join(sorted(taken))} is a column of the model itself, "
                                          "not a "
                                          "covariate")
        X = covariate_matrix(data, names, "summary")
        _check_design(X, names, "summary")
        for kind in _KINDS:
            setattr(self, f"{kind}_covariates_", lists[kind])
        self.covariate_names_ = names
        return X

    def _clear_covariates(self) -> None:
        for kind in _KINDS:
            setattr(self, f"{kind}_covariates_", [])
        self.covariate_names_ = []

    def _covariate_columns(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Covariates as extra columns of the compressed data (identical rows merge)."""
        return {f"{_PREFIX}{j}": X[:, j] for j in range(X.shape[1])}

    def _designs(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(X_p, X_d): per-coefficient design matrices of the purchase and dropout predictors.

        Column k of X_p is the covariate of coefficient k when that coefficient acts on the
        purchase process (purchase or constrained), else 0; likewise X_d; so
        eta_p = X_p gamma and eta_d = X_d gamma.
        """
        pos = {n: j for j, n in enumerate(self.covariate_names_)}
        cols_p, cols_d = [], []
        zero = np.zeros(len(X))
        for kind in _KINDS:
            for name in getattr(self, f"{kind}_covariates_"):
                x = X[:, pos[name]]
                cols_p.append(x if kind in ("purchase", "constrained") else zero)
                cols_d.append(x if kind in ("dropout", "constrained") else zero)
        return np.column_stack(cols_p), np.column_stack(cols_d)

    # ------------------------------------------------------------------ likelihood
    def _row_params(self, base: np.ndarray, eta: Mapping[str, np.ndarray]) -> list[Any]:
        out: list[Any] = []
        for name, value in zip(self.param_names, base, strict=True):
            link = self.covariate_links.get(name)
            out.append(value if link is None else value * np.exp(link[1] * eta[link[0]]))
        return out

    def _covariate_loglik_total(self, params: np.ndarray, d: Compressed,
                                need_grad: bool) -> tuple[float, np.ndarray | None]:
        """Total weighted log-likelihood with covariates and its gradient (base parameters on
        their natural scale, then the coefficients)."""
        k0 = len(self.param_names)
        base, gamma = params[:k0], params[k0:]
        prof = self._prepared(d, self._covariate_prepare)
        eta = prof.etas(gamma)
        rows = self._row_params(base, eta)
        ll, g = self._row_loglik_prepared(rows, d, prof.extra, need_grad)
        total = float(np.sum(d.weights * ll))
        if not need_grad:
            return total, None
        w = d.weights
        grad_base = np.empty(k0)
        d_eta = {"purchase": np.zeros(len(w)), "dropout": np.zeros(len(w))}
        for j, name in enumerate(self.param_names):
            link = self.covariate_links.get(name)
            if link is None:
                grad_base[j] = float(np.sum(w * g[:, j]))
            else:
                dv = w * g[:, j] * rows[j]        # d ll / d log theta_i, weighted
                grad_base[j] = float(dv.sum()) / base[j]
                d_eta[link[0]] += link[1] * dv
        return total, np.concatenate([grad_base, prof.gradient(d_eta["purchase"], d_eta["dropout"])])

    def _row_loglik(self, rows: list[Any], columns: dict[str, np.ndarray],
                    need_grad: bool) -> tuple[np.ndarray, np.ndarray | None]:  # pragma: no cover
        raise NotImplementedError

    def _covariate_prepare(self, d: Compressed) -> Profiles:
        """Per-fit precomputation: the distinct covariate profiles with their designs, and
        whatever the model's :meth:`_row_loglik_prepared` needs (:meth:`_covariate_extra`)."""
        X = np.column_stack([d.columns[f"{_PREFIX}{j}"] for j in range(len(self.covariate_names_))])
        c = compress({str(j): X[:, j] for j in range(X.shape[1])})
        Xu = np.column_stack([c.columns[str(j)] for j in range(X.shape[1])])
        Xp, Xd = self._designs(Xu)
        profile = np.asarray(c.inverse, dtype=np.intp)
        return Profiles(Xp=Xp, Xd=Xd, profile=profile,
                        weights=np.bincount(profile, weights=d.weights, minlength=len(Xu)),
                        extra=self._covariate_extra(d, profile))

    def _covariate_extra(self, d: Compressed, profile: np.ndarray) -> Any:
        """Model-specific per-fit data for :meth:`_row_loglik_prepared` (None: none needed)."""
        return None

    def _row_loglik_prepared(self, rows: list[Any], d: Compressed, extra: Any,
                             need_grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`_row_loglik` on the compressed rows; a model may use its per-fit ``extra``
        (see :meth:`_covariate_extra`) to share work between rows."""
        return self._row_loglik(rows, d.columns, need_grad)

    def _covariate_start(self, data: pd.DataFrame, weights: np.ndarray | None) -> np.ndarray | None:
        """Starting base parameters: the fit of the same model without covariates."""
        settings = self.get_params(deep=False)
        settings.pop("covariate_penalty", None)
        plain = type(self)(**settings)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                plain.fit(data, weights=weights)
        except Exception:  # noqa: BLE001 - a start value only; the covariate fit reports its own failure
            return None
        if self.start_curvature:
            self._start_cov = plain._cov_theta
        return plain.params_.to_numpy()

    def _initial_theta(self, d: Compressed) -> np.ndarray:
        """Start from the fit without covariates (coefficients 0) when there is one."""
        start = self.__dict__.get("_start_params")
        if start is None:
            return super()._initial_theta(d)  # type: ignore[misc]
        return np.concatenate([np.log(start), np.zeros(self._n_linear())])

    def _initial_inverse_hessian(self, d: Compressed) -> np.ndarray | None:
        """BFGS's first inverse-Hessian estimate at the start (the fit without covariates, gamma = 0).

        At gamma = 0 customer i's log-likelihood is the plain model's at its own log-parameters
        phi_i = theta_base + C_i gamma (row j of C_i: sign_j times the design row of parameter
        j's process, see ``covariate_links``).  Taking every customer's curvature in phi equal
        to the plain model's mean Hessian H (known from its fit) gives

            H_start = [[H, H E[C]], [E[C]' H, sum_jl H_jl E[c_j c_l']]] (+ 2 covariate_penalty
            on the coefficients),

        with E over the customers (weighted): a Gauss-Newton-like guess that costs no extra
        likelihood evaluation and puts BFGS's first steps on the right scale (identity: far
        too long in gamma, and dozens of line searches).  Only the path changes; the optimum
        and the Hessian of the standard errors are computed as before.  None (identity) when
        the plain fit has no covariance or the guess is not positive definite.
        """
        cov = self.__dict__.get("_start_cov")
        if cov is None or not np.all(np.isfinite(cov)):
            return None
        k0 = len(self.param_names)
        try:
            H = np.linalg.inv(cov) / d.total_weight
        except np.linalg.LinAlgError:
            return None
        prof = self._prepared(d, self._covariate_prepare)
        Xp, Xd = prof.Xp, prof.Xd
        designs = {"purchase": Xp, "dropout": Xd}
        w = prof.weights / d.total_weight
        links = [self.covariate_links.get(name) for name in self.param_names]
        mean_c = np.array([np.zeros(Xp.shape[1]) if link is None else link[1] * (w @ designs[link[0]])
                           for link in links])                    # E[C], k0 x n_linear
        second = {(a, b): designs[a].T @ (w[:, None] * designs[b]) for a in designs for b in designs}
        k1 = Xp.shape[1]
        H_gg = np.zeros((k1, k1))
        for j, lj in enumerate(links):
            for l, ll in enumerate(links):
                if lj is not None and ll is not None:
                    H_gg += H[j, l] * lj[1] * ll[1] * second[(lj[0], ll[0])]
        H_bg = H @ mean_c
        full = np.block([[H, H_bg], [H_bg.T, H_gg + 2.0 * self._linear_penalty() * np.eye(k1)]])
        dead = np.diag(full)[k0:] <= 0.0       # a coefficient the data do not touch (all-zero column)
        if dead.any():
            idx = k0 + np.nonzero(dead)[0]
            full[idx, :] = 0.0
            full[:, idx] = 0.0
            full[idx, idx] = 1.0
        try:
            np.linalg.cholesky(full)
            inverse = np.linalg.inv(full)
        except np.linalg.LinAlgError:
            return None
        return (inverse + inverse.T) / 2.0 if np.all(np.isfinite(inverse)) else None

    def _fit_with_covariates(self, summary: pd.DataFrame, weights: np.ndarray | None,
                             purchase: Sequence[str] | None, dropout: Sequence[str] | None,
                             constrained: Sequence[str] | None) -> None:
        """The common body of ``fit``: validate, compress (with the covariates), optimise."""
        self._check_settings()
        self._clear_covariates()
        extra: dict[str, np.ndarray] = {}
        if any(v is not None and len(v) > 0 for v in (purchase, dropout, constrained)):
            X = self._set_covariates(summary, purchase, dropout, constrained)
            extra = self._covariate_columns(X)
            self._start_params = self._covariate_start(summary, weights)
        try:
            d = self._compress_summary(summary, "summary", require_repeat=True, weights=weights, **extra)
            self._fit_compressed(d)
        except BaseException:
            self._clear_covariates()
            raise
        finally:
            self.__dict__.pop("_start_params", None)
            self.__dict__.pop("_start_cov", None)
        self._remember_units(summary)

    # ------------------------------------------------------------------ predictions
    def expected_purchases_path(self, summary: pd.DataFrame, times: Any) -> pd.DataFrame:
        """Conditional expected purchases for several horizons (see the model without covariates)."""
        check_is_fitted(self)
        if self._has_covariates():
            return self._by_profile(summary, "expected_purchases_path", times)
        return super().expected_purchases_path(summary, times)  # type: ignore[misc]

    def _fitted_params(self) -> np.ndarray:
        check_is_fitted(self)
        if self._has_covariates():
            raise ModelSpecificationError(
                f"{type(self).__name__} was fitted with covariates; this function does not take them yet "
                "(use prob_alive, expected_purchases, expected_purchases_path or dert, which give each "
                "customer her own parameters)")
        return self.params_.to_numpy()

    def _profile_model(self, eta_p: float, eta_d: float) -> Any:
        """The model without covariates with the parameters of one covariate profile."""
        base = self.params_.to_numpy()[:len(self.param_names)]
        rows = self._row_params(base, {"purchase": eta_p, "dropout": eta_d})
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._clear_covariates()
        clone._set_params(np.array([float(v) for v in rows]))
        return clone

    def _etas(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gamma = self.params_.to_numpy()[len(self.param_names):]
        Xp, Xd = self._designs(X)
        return Xp @ gamma, Xd @ gamma

    def _by_profile(self, data: pd.DataFrame, method: str, *args: Any, per_row: bool = False) -> Any:
        """``method`` per customer, evaluated by the plain model once per covariate profile.

        ``per_row``: the first argument may be one value per customer (e.g. the horizon t of
        ``expected_purchases``) and is split with the customers.
        """
        X = covariate_matrix(data, self.covariate_names_, "summary")
        eta_p, eta_d = self._etas(X)
        c = compress({"p": eta_p, "d": eta_d})
        order = np.argsort(c.inverse, kind="stable")
        bounds = np.searchsorted(c.inverse[order], np.arange(c.n_rows + 1))
        parts = []
        for k in range(c.n_rows):
            idx = order[bounds[k]:bounds[k + 1]]
            model = self._profile_model(c.columns["p"][k], c.columns["d"][k])
            call = list(args)
            if per_row and np.ndim(call[0]) == 1 and len(call[0]) == len(data):
                call[0] = np.asarray(call[0])[idx]
            parts.append(getattr(model, method)(data.iloc[idx], *call))
        out = pd.concat(parts).iloc[np.argsort(order, kind="stable")]
        out.index = data.index
        return out

    def _profile_eta(self, covariates: Any) -> tuple[float, float]:
        """The linear predictors of one covariate profile (dict, Series or one-row frame)."""
        if covariates is None:
            raise CRMDataError(
                f"this model was fitted with covariates ({', '.join(self.covariate_names_)}): pass the new "
                "customer's profile, e.g. covariates={"
                + ", ".join(f"{n!r}: 0.0" for n in self.covariate_names_)
                + "}", source="covariates")
        frame = covariates if isinstance(covariates, pd.DataFrame) else pd.DataFrame([dict(covariates)])
        if len(frame) != 1:
            raise CRMDataError(f"one covariate profile expected, got {len(frame)} rows", source="covariates")
        eta_p, eta_d = self._etas(covariate_matrix(frame, self.covariate_names_, "covariates"))
        return float(eta_p[0]), float(eta_d[0])

    def _new_customer(self, method: str, covariates: Any, *args: Any) -> Any:
        if not self._has_covariates():
            if covariates is not None:
                raise ModelSpecificationError(f"{type(self).__name__} was fitted without covariates; "
                                              "do not pass a covariate profile")
            return None
        return getattr(self._profile_model(*self._profile_eta(covariates)), method)(*args)
