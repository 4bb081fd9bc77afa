"""Pareto/NBD: Poisson purchases with exponential lifetimes, gamma heterogeneity in both.

Schmittlein, Morrison & Colombo (1987), "Counting your customers: who are they and what will
they do next?", Management Science 33(1); likelihood as in Fader & Hardie (2005), "A note on
deriving the Pareto/NBD model and related expressions"; DERT from Fader, Hardie & Lee (2005),
"RFM and CLV: using iso-value curves for customer base analysis", J. Marketing Research 42(4).

lambda ~ Gamma(r, alpha) (purchase rate), mu ~ Gamma(s, beta) (dropout rate):

    L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [ (alpha+T)^-(r+x) (beta+T)^-s + s I ],
    I = int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau

**Numerical stability.**  The usual closed form writes I with Gauss hypergeometric
functions 2F1(r+s+x, b; r+s+x+1; z) times powers that overflow for customers with hundreds
of purchases (lifetimes, BTYD and CLVTools all evaluate it in linear space).  Here
I = G(t_x) - G(T) with G(y) = int_y^inf, and with (A, p) the larger of the two rates and its
exponent, (B, q) the other:

    G(y) = (A+y)^-p (B+y)^(1-q) / (p+q-1) * 2F1(1, p; p+q; (A-B)/(A+y))

(Pfaff's transformation of the classical form).  The series 2F1(1, p; p+q; w) has positive
terms decreasing at least like w^n and lies in [1, 1/(1-w)], so log G is computed without
overflow for any frequency, and log I = log G(t_x) + log(1 - exp(log G(T) - log G(t_x))).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, special

from crm_models.clv._bgfamily import wsum
from crm_models.clv._covariates import CovariateMixin
from crm_models.clv._data import Compressed
from crm_models.clv._special import log1mexp, log_hyp2f1_unit, log_hyp2f1_unit_grad, log_hyp2f1_unit_quad, phi
from crm_models.clv.base import SummaryModel, check_time, discount_to_continuous

__all__ = ["ParetoNBDModel"]


# above this w the series needs more than ~3,700 terms (37 / (1 - w)); quadrature costs the same
# for any w.  It happens when one rate parameter is much larger than the other, e.g. when the
# fit runs towards the boundary s, beta -> inf (homogeneous dropout, see ParetoNBDModel)
_QUAD_ABOVE = 0.99


def _log_unit(p: np.ndarray, c: np.ndarray, w: np.ndarray, grad: bool,
              groups: tuple[np.ndarray, int] | None) -> tuple[np.ndarray, ...]:
    """log 2F1(1, p; c; w) (and its p, c, w derivatives): series below w = 0.99, quadrature above."""
    near = w > _QUAD_ABOVE
    if not near.any():
        if grad:
            return log_hyp2f1_unit_grad(p, c, w, groups=groups)
        return log_hyp2f1_unit(p, c, w, groups=groups), None, None, None
    out = [np.empty(w.shape) for _ in range(4 if grad else 1)]
    far = ~near
    if far.any():
        sub = None if groups is None else (groups[0][far], groups[1])
        vals = (log_hyp2f1_unit_grad(p[far], c[far], w[far], groups=sub) if grad
                else (log_hyp2f1_unit(p[far], c[far], w[far], groups=sub),))
        for o, v in zip(out, vals, strict=True):
            o[far] = v
    for o, v in zip(out, log_hyp2f1_unit_quad(p[near], c[near], w[near], want_grad=grad), strict=True):
        o[near] = v
    return tuple(out) if grad else (out[0], None, None, None)


def _log_g(r: float, alpha: float, s: float, beta: float, x: np.ndarray, y: np.ndarray, grad: bool = False,
           groups: tuple[np.ndarray, int] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """log G(y) = log int_y^inf (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau for flat arrays x, y.

    With ``grad`` also its derivatives with respect to (r, alpha, s, beta), shape (n, 4).
    ``groups``: the index of each element's frequency among the distinct ones, and their
    number (the series coefficients depend on the frequency only).
    """
    swap = alpha < beta
    if not swap:
        A, B, p, q = alpha, beta, r + x, np.full(x.shape, s + 1.0)
    else:
        A, B, p, q = beta, alpha, np.full(x.shape, s + 1.0), r + x
    w = (A - B) / (A + y)
    log_s, s_p, s_c, s_w = _log_unit(p, p + q, w, grad, groups)
    log_ay, log_by = np.log(A + y), np.log(B + y)
    log_g = -p * log_ay + (1.0 - q) * log_by - np.log(p + q - 1.0) + log_s
    if not grad:
        return log_g, None
    # derivatives of log G(y) with respect to A, B, p, q
    d_A = -p / (A + y) + s_w * (B + y) / (A + y) ** 2
    d_B = (1.0 - q) / (B + y) - s_w / (A + y)
    d_p = -log_ay - 1.0 / (p + q - 1.0) + s_p + s_c
    d_q = -log_by - 1.0 / (p + q - 1.0) + s_c
    # map to (r, alpha, s, beta)
    return log_g, np.column_stack([d_q, d_B, d_p, d_A] if swap else [d_p, d_A, d_q, d_B])


def _log_integral(r: float, alpha: float, s: float, beta: float, x, tx, T,
                  grad: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """log int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau (-inf when t_x = T).

    With ``grad`` also its derivatives with respect to (r, alpha, s, beta), shape (n, 4).
    """
    x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T)))
    n = tx.size
    xx = np.concatenate([x.ravel(), x.ravel()])
    log_g, dg = _log_g(r, alpha, s, beta, xx, np.concatenate([tx.ravel(), T.ravel()]), grad)
    lg_tx, lg_T = log_g[:n].reshape(x.shape), log_g[n:].reshape(x.shape)
    u = np.minimum(lg_T - lg_tx, 0.0)
    log_i = lg_tx + log1mexp(u)
    if not grad:
        return log_i
    ratio = np.exp(u).ravel()[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        d_log_i = (dg[:n] - ratio * dg[n:]) / (1.0 - ratio)
    d_log_i = np.where(np.isfinite(d_log_i), d_log_i, 0.0)
    return log_i, d_log_i


def _log_g_rows(r: float, alpha: np.ndarray, s: float, beta: np.ndarray, x: np.ndarray,
                y: np.ndarray,
                x_group: tuple[np.ndarray, int] | None = None,
                grad: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`_log_g` with one (alpha, beta) per element (models with covariates), and its
    derivatives with respect to (r, alpha, s, beta) per element, shape (n, 4).

    The same representation, with the larger of the two rates chosen element by element.
    ``x_group``: the index of each element's frequency among the distinct ones and their
    number, when known; the series coefficients depend on (frequency, which rate is larger)
    only, so the elements are grouped by that pair without sorting.  Without ``grad`` the
    derivatives are None (and the series is summed without them).
    """
    swap = alpha < beta
    A, B = np.where(swap, beta, alpha), np.where(swap, alpha, beta)
    p, q = np.where(swap, s + 1.0, r + x), np.where(swap, r + x, s + 1.0)
    w = (A - B) / (A + y)
    groups = None
    if x_group is not None:
        gid = x_group[0] * 2 + swap
        used = np.bincount(gid, minlength=2 * x_group[1]) > 0
        groups = ((np.cumsum(used) - 1)[gid], int(used.sum()))
    if not grad:
        log_s = log_hyp2f1_unit(p, p + q, w, groups=groups)
        return -p * np.log(A + y) + (1.0 - q) * np.log(B + y) - np.log(p + q - 1.0) + log_s, None
    log_s, s_p, s_c, s_w = log_hyp2f1_unit_grad(p, p + q, w, groups=groups)
    log_ay, log_by = np.log(A + y), np.log(B + y)
    log_g = -p * log_ay + (1.0 - q) * log_by - np.log(p + q - 1.0) + log_s
    d_A = -p / (A + y) + s_w * (B + y) / (A + y) ** 2
    d_B = (1.0 - q) / (B + y) - s_w / (A + y)
    d_p = -log_ay - 1.0 / (p + q - 1.0) + s_p + s_c
    d_q = -log_by - 1.0 / (p + q - 1.0) + s_c
    return log_g, np.column_stack([np.where(swap, d_q, d_p), np.where(swap, d_B, d_A),
                                   np.where(swap, d_p, d_q), np.where(swap, d_A, d_B)])


def _pnbd_rows(r: float, alpha: np.ndarray, s: float, beta: np.ndarray, x: np.ndarray, tx: np.ndarray,
               T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-likelihood with per-row alpha, beta and its gradient w.r.t. (r, alpha_i, s, beta_i).

    The formula of :meth:`ParetoNBDModel._loglik` / ``_loglik_grad`` evaluated element by
    element (used by the fit with covariates).
    """
    n = len(x)
    alpha, beta = np.broadcast_to(alpha, (n,)).astype(float), np.broadcast_to(beta, (n,)).astype(float)
    log_g, dg = _log_g_rows(r, np.concatenate([alpha, alpha]), s, np.concatenate([beta, beta]),
                            np.concatenate([x, x]), np.concatenate([tx, T]))
    return _pnbd_rows_from_g(r, alpha, s, beta, x, T, log_g[:n], log_g[n:], dg[:n], dg[n:],
                             special.gammaln(r + x), special.digamma(r + x))


def _pnbd_rows_shared(r: float, alpha: np.ndarray, s: float, beta: np.ndarray, x: np.ndarray, T: np.ndarray,
                      e: PNBDRowData, need_grad: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`_pnbd_rows` with G(y) evaluated once per distinct (covariate profile, x, y).

    Rows of one covariate profile share (alpha_i, beta_i), so G(t_x) and G(T) depend on a row
    only through (profile, x, y): every customer with x = 0 has t_x = 0, and customers of one
    profile share their T.  ``e`` (:class:`PNBDRowData`) lists the distinct triples; G and its
    gradient are evaluated on them (with the per-frequency grouping of the series) and gathered
    back to the rows, as are the gamma functions of r + x (per distinct frequency).  Equal to
    :func:`_pnbd_rows` (tests/test_clv_covariates.py).  Without ``need_grad`` the gradient is
    None and the series are summed without the derivative terms.
    """
    n = len(x)
    alpha, beta = np.broadcast_to(alpha, (n,)).astype(float), np.broadcast_to(beta, (n,)).astype(float)
    log_g, dg = _log_g_rows(r, alpha[e.rep], s, beta[e.rep], e.x, e.y, x_group=(e.x_group, e.n_x),
                            grad=need_grad)
    lgam = special.gammaln(r + e.x_u).take(e.row_x)
    if not need_grad:
        return _pnbd_rows_from_g(r, alpha, s, beta, x, T, log_g.take(e.row_tx), log_g.take(e.row_T), None,
                                 None, lgam, None)
    return _pnbd_rows_from_g(r, alpha, s, beta, x, T, log_g.take(e.row_tx), log_g.take(e.row_T),
                             dg.take(e.row_tx, axis=0), dg.take(e.row_T, axis=0), lgam,
                             special.digamma(r + e.x_u).take(e.row_x))


def _pnbd_rows_from_g(r: float, alpha: np.ndarray, s: float, beta: np.ndarray, x: np.ndarray, T: np.ndarray,
                      lg_tx: np.ndarray, lg_T: np.ndarray, dg_tx: np.ndarray | None, dg_T: np.ndarray | None,
                      lgam: np.ndarray, dgam: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """The per-row log-likelihood and gradient from log G(t_x), log G(T) and their gradients
    (None: the value only), with lgam = log Gamma(r + x) and dgam = digamma(r + x)."""
    u = np.minimum(lg_T - lg_tx, 0.0)
    log_i = lg_tx + log1mexp(u)
    A1 = lgam - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    A2 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    A3 = np.log(s) + log_i
    lse = np.logaddexp(A2, A3)
    if dg_tx is None or dg_T is None or dgam is None:
        return A1 + lse, None
    ratio = np.exp(u)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        d_log_i = (dg_tx - ratio * dg_T) / (1.0 - ratio)
    d_log_i = np.where(np.isfinite(d_log_i), d_log_i, 0.0)
    w3 = np.exp(A3 - lse)[:, None]
    one = np.ones_like(x)
    d_a1 = np.column_stack([dgam - special.digamma(r) + np.log(alpha), r / alpha,
                            np.log(beta), s / beta])
    d_a2 = np.column_stack([-np.log(alpha + T), -(r + x) / (alpha + T), -np.log(beta + T) * one,
                            -s / (beta + T)])
    d_a3 = d_log_i + np.array([0.0, 0.0, 1.0 / s, 0.0])
    return A1 + lse, d_a1 + (1.0 - w3) * d_a2 + w3 * d_a3


@dataclass(frozen=True)
class PNBDRowData:
    """The distinct (covariate profile, frequency, time) elements of a fit with covariates.

    ``rep``: a row of each element (its alpha_i, beta_i); ``x``, ``y``: its frequency and time;
    ``x_group``: index of its frequency among the ``n_x`` distinct ones; ``row_tx``, ``row_T``:
    per row, the element of (profile, x, t_x) and of (profile, x, T).
    """

    rep: np.ndarray
    x: np.ndarray
    y: np.ndarray
    x_group: np.ndarray
    n_x: int
    row_tx: np.ndarray
    row_T: np.ndarray
    x_u: np.ndarray      # the distinct frequencies, and each row's index among them
    row_x: np.ndarray

    @classmethod
    def build(cls, d: Compressed, profile: np.ndarray) -> PNBDRowData:
        x, tx, T = d.columns["frequency"], d.columns["recency"], d.columns["T"]
        n = len(x)
        x_u, x_i = np.unique(x, return_inverse=True)
        y_u, y_i = np.unique(np.concatenate([tx, T]), return_inverse=True)
        # (profile, x) first, then with y: the keys stay far below 2**63 for any number of rows
        _, px = np.unique(np.asarray(profile, dtype=np.int64) * len(x_u) + x_i, return_inverse=True)
        key = np.tile(px.astype(np.int64), 2) * len(y_u) + y_i
        keys, first, elem = np.unique(key, return_index=True, return_inverse=True)
        rep = (first % n).astype(np.intp)
        return cls(rep=rep, x=x[rep], y=y_u[keys % len(y_u)], x_group=x_i[rep].astype(np.intp), n_x=len(x_u),
                   row_tx=elem[:n].astype(np.intp), row_T=elem[n:].astype(np.intp), x_u=x_u,
                   row_x=x_i.astype(np.intp))


@dataclass(frozen=True)
class PNBDData:
    """Compressed Pareto/NBD rows arranged for fast likelihood evaluation.

    G(y) (and the alive term) depend on a row only through (x, y) with y = t_x or T, and on
    real data the distinct (frequency, time) pairs are far fewer than the rows (times are
    whole periods: a few hundred distinct values, frequencies a few hundred): the
    hypergeometric series are evaluated once per pair and gathered by index.
    """

    x_u: np.ndarray        # distinct frequencies and their total weights (gamma terms)
    w_u: np.ndarray
    pair_x: np.ndarray     # distinct (x, y) pairs: frequency index into x_u, and y
    pair_y: np.ndarray
    row_tx: np.ndarray     # per row: pair of (x, t_x) and of (x, T)
    row_T: np.ndarray
    w: np.ndarray

    @classmethod
    def build(cls, d: Compressed) -> PNBDData:
        x, tx, T, w = d.columns["frequency"], d.columns["recency"], d.columns["T"], d.weights
        x_u, x_i = np.unique(x, return_inverse=True)
        w_u = np.bincount(x_i, weights=w, minlength=len(x_u))
        y_u, y_i = np.unique(np.concatenate([tx, T]), return_inverse=True)
        key = np.concatenate([x_i, x_i]).astype(np.int64) * len(y_u) + y_i
        keys, pair = np.unique(key, return_inverse=True)
        n = len(x)
        return cls(x_u=x_u, w_u=w_u, pair_x=(keys // len(y_u)).astype(np.intp), pair_y=y_u[keys % len(y_u)],
                   row_tx=pair[:n].astype(np.intp), row_T=pair[n:].astype(np.intp), w=w)


def _pnbd_loglik_total(params: np.ndarray, g: PNBDData, need_grad: bool) -> tuple[float, np.ndarray | None]:
    """Total weighted Pareto/NBD log-likelihood and its gradient w.r.t. (r, alpha, s, beta).

    Per row  ll = A1(x) + log(e^A2 + e^A3), A2 = -(r+x) log(alpha+T) - s log(beta+T),
    A3 = log s + log(G(t_x) - G(T)).  Since s G(y) e^A1 / L is the weight of each end of the
    integral, the gradient of the A3 branch is
    [s G(t_x) dlog G(t_x) - s G(T) dlog G(T)] / (e^A2 + e^A3) (+ its share / s for s): per row
    only weights, summed per (x, y) pair and dotted with the per-pair derivatives.
    """
    r, alpha, s, beta = (float(v) for v in params)
    gl, dg = special.gammaln, special.digamma
    xu, wu = g.x_u, g.w_u
    W = float(wu.sum())
    px = xu[g.pair_x]
    py = g.pair_y
    log_g, d_log_g = _log_g(r, alpha, s, beta, px, py, need_grad, groups=(g.pair_x, len(xu)))
    log_ay, log_by = np.log(alpha + py), np.log(beta + py)
    a2_pair = -(r + px) * log_ay - s * log_by
    # A1 is added inside each row's log-likelihood, which is then summed pairwise (np.sum):
    # large sums of opposite signs would make the value noisy at the 1e-14 level, and BFGS's
    # line search then stalls near the optimum
    a1_pair = (gl(r + xu) - gl(r) + r * np.log(alpha) + s * np.log(beta))[g.pair_x]
    lg_tx = log_g.take(g.row_tx)
    lg_T = log_g.take(g.row_T)
    a2 = a2_pair.take(g.row_T)
    em1 = np.expm1(np.minimum(lg_T - lg_tx, 0.0))    # G(T)/G(t_x) - 1, in [-1, 0]
    log_s = np.log(s)
    with np.errstate(divide="ignore"):               # t_x = T: no integral branch (-inf)
        a3 = np.log(-em1)                            # log(1 - G(T)/G(t_x)); absolute error ~1e-16
    a3 += lg_tx + log_s
    lse = np.logaddexp(a2, a3)
    total = float(np.sum(g.w * (lse + a1_pair.take(g.row_T))))
    if not need_grad:
        return total, None
    n_pairs = len(py)
    w2 = np.exp(a2 - lse)                            # P(alive)
    q_tx = np.exp(lg_tx + log_s - lse)               # s G(t_x) / (e^A2 + e^A3)
    q_T = q_tx * (1.0 + em1)                         # s G(T) / (e^A2 + e^A3)
    c_alive = np.bincount(g.row_T, weights=g.w * w2, minlength=n_pairs)
    c_end = (np.bincount(g.row_tx, weights=g.w * q_tx, minlength=n_pairs)
             - np.bincount(g.row_T, weights=g.w * q_T, minlength=n_pairs))
    d_a2 = np.column_stack([-log_ay, -(r + px) / (alpha + py), -log_by, -s / (beta + py)])
    grad = c_alive @ d_a2 + c_end @ d_log_g
    grad += [float(np.dot(wu, dg(r + xu))) + W * (np.log(alpha) - dg(r)), W * r / alpha, W * np.log(beta),
             W * s / beta]
    grad[2] += (W - wsum(g.w, w2)) / s
    return total, grad


def _growth(s: float, u: np.ndarray) -> np.ndarray:
    """[1 - (1+u)^-(s-1)] / (s-1), with its limit log(1+u) at s = 1."""
    lu = np.log1p(u)
    if abs(s - 1.0) < 1e-12:
        return lu
    return -np.expm1(-(s - 1.0) * lu) / (s - 1.0)


class ParetoNBDModel(CovariateMixin, SummaryModel):
    """Pareto/NBD model fitted by maximum likelihood (log-space likelihood, see module notes).

    Parameters
    ----------
    penalizer:
        L2 penalty on the base parameters (r, alpha, s, beta) added to the mean negative
        log-likelihood.
    covariate_penalty:
        L2 penalty ``covariate_penalty * sum(gamma**2)`` on the covariate coefficients, added
        to the mean negative log-likelihood per customer (does not touch the base parameters).

    Notes
    -----
    **Time-invariant covariates** (``fit(..., purchase_covariates=, dropout_covariates=,
    constrained_covariates=)``), the parameterisation of R CLVTools (Bachmann, Meierer &
    Naef, "The Role of Time-Varying Contextual Factors in Latent Attrition Models for
    Customer Base Analysis", Marketing Science 2021; Meierer et al., CLVTools):

        alpha_i = alpha exp(-gamma_p' x_i),   beta_i = beta exp(-gamma_d' x_i),

    so lambda_i ~ Gamma(r, alpha_i) and mu_i ~ Gamma(s, beta_i): a positive purchase
    coefficient raises the mean purchase rate r/alpha_i by the factor exp(gamma_p), a positive
    dropout coefficient raises the mean dropout rate s/beta_i by exp(gamma_d).  A constrained
    covariate has one coefficient in both.  The likelihood of customer i is the model's
    likelihood with (r, alpha_i, s, beta_i); predictions use each customer's parameters
    (see :mod:`crm_models.clv._covariates`).
    """

    param_names = ("r", "alpha", "s", "beta")

    #: s and beta beyond this together: the gamma mixing of the dropout rates has collapsed
    RUNAWAY = 1e4

    def _runaway(self, params: np.ndarray) -> str | None:
        """s and beta growing together without bound (s/beta fixed): no dropout heterogeneity left.

        The likelihood then rises towards the limit of one exponential dropout rate mu = s/beta
        for every customer and has no maximum; on data whose lifetimes have an increasing hazard
        (e.g. GGompertz/NBD data) the fit would chase it for minutes.
        """
        s, beta = float(params[2]), float(params[3])
        if s > self.RUNAWAY and beta > self.RUNAWAY:
            return (f"no maximum of the likelihood: s and beta grow without bound together (s = {s:.3g}, "
                    f"beta = {beta:.3g}, dropout rate s/beta = {s / beta:.3g} for everyone), i.e. the "
                    "customers' dropout rates do not differ, or dropout rises with age. Fit a model for "
                    "that instead: GGompertzNBDModel (dropout changing with age) or BetaGeoModel")
        return None
    analytic_gradient = True
    covariate_links = {"alpha": ("purchase", -1), "beta": ("dropout", -1)}
    start_curvature = True

    def _row_loglik(self, rows, columns, need_grad):
        r, alpha, s, beta = rows
        return _pnbd_rows(float(r), alpha, float(s), beta, columns["frequency"], columns["recency"],
                          columns["T"])

    def _covariate_extra(self, d: Compressed, profile: np.ndarray) -> PNBDRowData:
        return PNBDRowData.build(d, profile)

    def _row_loglik_prepared(self, rows, d, extra, need_grad):
        r, alpha, s, beta = rows
        return _pnbd_rows_shared(float(r), alpha, float(s), beta, d.columns["frequency"], d.columns["T"],
                                 extra, need_grad)

    def _initial_params(self, d: Compressed) -> np.ndarray:
        x, T = d.columns["frequency"], d.columns["T"]
        mean_T = max(np.average(T, weights=d.weights), 1e-12)
        rate = np.average(x, weights=d.weights) / mean_T
        return np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, mean_T])

    # -------------------------------------------------------------- likelihood
    @staticmethod
    def _parts(params, x, tx, T):
        r, alpha, s, beta = params
        A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        A2 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        A3 = np.log(s) + _log_integral(r, alpha, s, beta, x, tx, T)
        return A1, A2, A3

    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        A1, A2, A3 = self._parts(params, d.columns["frequency"], d.columns["recency"], d.columns["T"])
        return A1 + np.logaddexp(A2, A3)

    def _loglik_total(self, params: np.ndarray, d: Compressed,
                      need_grad: bool) -> tuple[float, np.ndarray | None]:
        if self._has_covariates():
            return self._covariate_loglik_total(params, d, need_grad)
        # series once per distinct (frequency, time) pair, value and gradient in one pass
        return _pnbd_loglik_total(params, self._prepared(d, PNBDData.build), need_grad)

    def _loglik_grad(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        r, alpha, s, beta = params
        x, tx, T = d.columns["frequency"], d.columns["recency"], d.columns["T"]
        A2 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        log_i, d_log_i = _log_integral(r, alpha, s, beta, x, tx, T, grad=True)
        A3 = np.log(s) + log_i
        w3 = np.exp(A3 - np.logaddexp(A2, A3))[:, None]
        one = np.ones_like(x)
        d_a1 = np.column_stack([special.digamma(r + x) - special.digamma(r) + np.log(alpha), r / alpha * one,
                                np.log(beta) * one, s / beta * one])
        d_a2 = np.column_stack([-np.log(alpha + T), -(r + x) / (alpha + T), -np.log(beta + T),
                                -s / (beta + T)])
        d_a3 = d_log_i + np.array([0.0, 0.0, 1.0 / s, 0.0])
        return d_a1 + (1.0 - w3) * d_a2 + w3 * d_a3

    # -------------------------------------------------------------- predictions
    def _p_alive(self, frequency, recency, T):
        _, A2, A3 = self._parts(self._fitted_params(), frequency, recency, T)
        return np.exp(A2 - np.logaddexp(A2, A3))

    def prob_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive at T | x, t_x, T) = (alive term) / (alive term + s I)."""
        if self._has_covariates():
            return self._by_profile(summary, "prob_alive")
        return self._per_customer(summary, self._p_alive, "prob_alive")

    def _expected_if_alive(self, frequency, T, t):
        r, alpha, s, beta = self._fitted_params()
        return (r + frequency) * (beta + T) / (alpha + T) * _growth(s, t / (beta + T))

    def _cond_expected(self, frequency, recency, T, t):
        return self._expected_if_alive(frequency, T, t) * self._p_alive(frequency, recency, T)

    def expected_purchases(self, summary: pd.DataFrame, t: float | np.ndarray) -> pd.Series:
        """Expected repeat purchases in (T, T+t] given each customer's history:

        (r+x)(beta+T)/((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive).
        """
        if self._has_covariates():
            return self._by_profile(summary, "expected_purchases", t, per_row=True)
        return self._per_customer(summary, self._cond_expected, "expected_purchases", t=t)

    def expected_purchases_new_customer(self, t: float | np.ndarray, covariates=None) -> float | np.ndarray:
        """E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)].

        A model with covariates needs the new customer's ``covariates`` (a dict or Series
        {name: value}, or a one-row DataFrame).
        """
        if self._has_covariates() or covariates is not None:
            return self._new_customer("expected_purchases_new_customer", covariates, t)
        r, alpha, s, beta = self._fitted_params()
        out = r * beta / alpha * _growth(s, check_time(t) / beta)
        return float(out) if np.ndim(out) == 0 else out

    def probability_of_n_purchases(self, t: float | np.ndarray, n: int | np.ndarray,
                                   covariates=None) -> float | np.ndarray:
        """P(X(t) = n) for a new customer (with covariates: of the given ``covariates`` profile).

        = NBD(n; r, alpha, t) (beta/(beta+t))^s  (alive throughout)
          + int_0^t NBD(n; r, alpha, y) s beta^s (beta+y)^-(s+1) dy  (died at y),
        the second term by adaptive quadrature (vectorised over t and n).
        """
        if self._has_covariates() or covariates is not None:
            return self._new_customer("probability_of_n_purchases", covariates, t, n)
        r, alpha, s, beta = self._fitted_params()
        t = check_time(t)
        n = np.asarray(n, dtype=float)
        t, n = np.broadcast_arrays(t, n)
        tf, nf = t.ravel().astype(float), n.ravel().astype(float)

        def log_nbd(y):
            return (special.gammaln(r + nf) - special.gammaln(r) - special.gammaln(nf + 1)
                    + r * np.log(alpha / (alpha + y)) + special.xlogy(nf, y / (alpha + y)))

        alive = np.exp(log_nbd(tf) + s * np.log(beta / (beta + tf)))

        def integrand(u):  # y = u * t on [0, 1]
            y = u * tf
            with np.errstate(divide="ignore"):
                return tf * np.exp(log_nbd(y) + np.log(s) + s * np.log(beta) - (s + 1) * np.log(beta + y))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            died, _ = integrate.quad_vec(integrand, 0.0, 1.0, epsabs=1e-13, epsrel=1e-11, limit=400)
        out = (alive + died).reshape(t.shape)
        return float(out) if np.ndim(out) == 0 else out

    def _dert(self, frequency, recency, T, delta):
        r, alpha, s, beta = self._fitted_params()
        return (self._p_alive(frequency, recency, T) * (r + frequency) / (alpha + T)
                * phi(s, delta * (beta + T)) / delta)

    def dert(self, summary: pd.DataFrame, discount_rate: float) -> pd.Series:
        """Discounted expected residual transactions (Fader, Hardie & Lee 2005, JMR, eq. 2).

        DERT = P(alive) (r+x)/(alpha+T) (beta+T)^s delta^(s-1) U(s, s; delta (beta+T)),
        continuous discounting at delta = log(1 + discount_rate) per time unit.
        """
        if self._has_covariates():
            return self._by_profile(summary, "dert", discount_rate)
        delta = discount_to_continuous(discount_rate)
        return self._per_customer(summary, lambda **c: self._dert(**c, delta=delta), "dert")
