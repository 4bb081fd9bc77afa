"""The GGompertz/NBD death integral for many customers at once, on a shared time grid.

The likelihood of customer i needs (module notes of :mod:`crm_models.clv.ggomnbd`)

    I_i = int_{t_x}^{T} (alpha+y)^-(r+x) e^(by) D(y)^-(s+1) dy,   D(y) = beta + e^(by) - 1.

The integrand depends on the customer only through her frequency x (a few hundred distinct
values), and the limits t_x and T take few distinct values too (whole days).  So instead of a
quadrature per customer, the integrals of each distinct x over the pieces between consecutive
distinct time points are computed once, and every customer's integral is a difference of two
tail sums, S_x(t_x) - S_x(T) with S_x(t) = int_t^{t_max} (integrand):

* each piece is cut into sub-pieces of equal width in u = log(alpha + y), in which the power
  factor becomes exp(-(r+x-1) u); their number keeps the change of (r+x-1) u and of the Gompertz
  factor over one sub-piece below ``_MAX_SWING`` (so 6 Gauss-Legendre nodes give ~1e-13);
* the tail sums are accumulated in log space from the right (``logaddexp.accumulate``), and
  log I = log S(t_x) + log(1 - S(T)/S(t_x)): a sum of positive numbers and one subtraction,
  which loses accuracy only when [t_x, T] holds a tiny share of the tail;
* the gradient: d log S(t) / d theta is the integrand-weighted mean of d log f / d theta over
  (t, t_max), kept by the recursion M(q) = p(q) H(q) + (1 - p(q)) M(q+1) over the sub-pieces
  (p: the sub-piece's share of the tail; H: its own weighted mean); then
  d log I = (M(t_x) - rho M(T)) / (1 - rho), rho = S(T)/S(t_x).

The tests compare log I and its gradient with the per-customer quadrature of
:func:`crm_models.clv.ggomnbd._death_integral`, itself checked against ``scipy.integrate.quad``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from crm_models.clv._bgfamily import distinct_index, wsum

__all__ = ["DeathGrid", "GridData", "death_log_integral", "grid_loglik_total", "log_d"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(6)
_UNIT = (_NODES + 1.0) / 2.0          # nodes on (0, 1)
_LOG_HALF_W = np.log(_WEIGHTS / 2.0)
#: largest change of the log integrand's exponential factors over one sub-piece: with 6
#: Gauss-Legendre nodes the rule is then exact to ~1e-13 for exp(c v), |c| <= 2, on [0, 1]
_MAX_SWING = 2.0
#: sub-pieces per block of the running weighted means (the tail falls by at most ~4 per
#: sub-piece, so a block spans well under the ~700 of double precision's exponent range)
_BLOCK = 64


@dataclass(frozen=True)
class DeathGrid:
    """Rows arranged for :func:`death_log_integral` (independent of the parameters)."""

    x_u: np.ndarray      # distinct frequencies
    x_i: np.ndarray      # per row: position of its frequency
    points: np.ndarray   # distinct time points (t_x and T of all rows), ascending
    lo_i: np.ndarray     # per row: position of t_x among them
    hi_i: np.ndarray     # per row: position of T

    @classmethod
    def build(cls, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> DeathGrid:
        x_u, x_i = distinct_index(np.asarray(x, dtype=float))
        points, idx = distinct_index(np.concatenate([tx, T]).astype(float))
        n = len(tx)
        return cls(x_u=x_u, x_i=x_i, points=points, lo_i=idx[:n], hi_i=idx[n:])


def log_d(beta: float | np.ndarray, z: np.ndarray) -> np.ndarray:
    """log(beta + e^z - 1) for z >= 0 without overflow or cancellation."""
    z = np.asarray(z, dtype=float)
    small = z < 1.0
    zs = np.where(small, z, 0.0)
    zl = np.where(small, 1.0, z)
    return np.where(small, np.log(beta + np.expm1(zs)), zl + np.log1p((beta - 1.0) * np.exp(-zl)))


def death_log_integral(r: float, alpha: float, b: float, s: float, beta: float, grid: DeathGrid,
                       need_grad: bool) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray] | None]:
    """log I per row (-inf where t_x = T) and, with ``need_grad``, a function that takes
    weights per row and returns sum_i weight_i d log I_i / d(r, alpha, b, s, beta) (rows with
    t_x = T contribute nothing)."""
    pts = grid.points
    m1 = r + grid.x_u - 1.0                                      # exponent of the power factor, minus 1
    # ---- sub-pieces: equal steps in u = log(alpha + y) within each piece
    u_pts = np.log(alpha + pts)
    du = np.diff(u_pts)
    width = np.diff(pts)
    # |d/dy (by - (s+1) log D(y))| <= b (1 + (s+1) e^(by)/D(y)); e^(by)/D(y) is monotone between
    # 1/beta (y = 0) and 1, so its largest value on a piece is at the left end or 1
    e_left = np.exp(b * pts[:-1] - log_d(beta, b * pts[:-1]))
    gomp = b * (1.0 + (s + 1.0) * np.maximum(1.0, e_left))
    swing = np.maximum(float(np.max(np.abs(m1))) * du, gomp * width)
    n_sub = np.maximum(1, np.ceil(swing / _MAX_SWING)).astype(np.intp)
    first = np.concatenate([[0], np.cumsum(n_sub)])             # sub-piece index of each point
    piece = np.repeat(np.arange(len(du)), n_sub)
    step = du[piece] / n_sub[piece]
    start = u_pts[piece] + (np.arange(len(piece)) - first[piece]) * step
    u = start[:, None] + step[:, None] * _UNIT[None, :]          # sub-pieces x nodes
    # y from u without cancellation: y = t_j + (alpha + t_j) expm1(u - u_j)
    y = pts[piece][:, None] + (alpha + pts[piece])[:, None] * np.expm1(u - u_pts[piece][:, None])
    log_dy = log_d(beta, b * y)
    # log of integrand * dy/du * quadrature weight, without the power part -(r+x-1) u
    g = b * y - (s + 1.0) * log_dy + np.log(step)[:, None] + _LOG_HALF_W[None, :]
    terms = g[None, :, :] - m1[:, None, None] * u[None, :, :]   # x x sub-pieces x nodes
    top = terms.max(axis=2)
    # a piece too short to move log(alpha + y) (width below alpha * 1e-16) holds nothing
    top = np.where(np.isfinite(top), top, 0.0)
    share = np.exp(terms - top[:, :, None])
    total = share.sum(axis=2)
    with np.errstate(divide="ignore"):
        log_p = top + np.log(total)                             # log integral over each sub-piece
    # tail sums from the right, log S at every sub-piece start; S = 0 at the last point
    tail = np.logaddexp.accumulate(log_p[:, ::-1], axis=1)[:, ::-1]
    tail = np.concatenate([tail, np.full((len(m1), 1), -np.inf)], axis=1)
    xi = grid.x_i
    width_all = tail.shape[1]
    cell_lo = xi * width_all + first.take(grid.lo_i)            # (x, sub-piece) cell of t_x and of T
    cell_hi = xi * width_all + first.take(grid.hi_i)
    flat = tail.ravel()
    log_lo = flat.take(cell_lo)
    diff = flat.take(cell_hi)
    diff -= log_lo                                              # log(S(T) / S(t_x)) <= 0
    empty = grid.hi_i == grid.lo_i
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(empty | ~np.isfinite(log_lo), -np.inf, log_lo + np.log(-np.expm1(diff)))
    if not need_grad:
        return out, None
    share /= np.where(total > 0, total, 1.0)[:, :, None]       # empty sub-pieces: no weight
    # d log f / d theta at the nodes (x-free parts), then their weighted means per sub-piece
    e_by = np.exp(b * y - log_dy)                               # e^(by) / D(y)
    h = np.stack([-np.log(alpha + y), -np.exp(-u), y * (1.0 - (s + 1.0) * e_by), -log_dy,
                  -(s + 1.0) * np.exp(-log_dy)])               # 5 x sub-pieces x nodes
    H = np.einsum("xqn,kqn->xqk", share, h)                     # x x sub-pieces x 5
    H[:, :, 1] *= (m1 + 1.0)[:, None]                           # alpha: -(r+x)/(alpha+y)
    flat_m = _running_means(log_p, tail, H).reshape(-1, 5)
    n_cells = len(flat_m)

    def weighted_gradient(weights: np.ndarray) -> np.ndarray:
        """sum_i weights_i d log I_i / d theta: d log I = (M(t_x) - rho M(T)) / (1 - rho), summed
        per (x, sub-piece) cell first, so no rows x 5 array is formed."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            rho = np.exp(diff)
            c = weights / (1.0 - rho)
            c[empty | ~np.isfinite(c) | ~np.isfinite(log_lo)] = 0.0
        return (np.bincount(cell_lo, weights=c, minlength=n_cells) @ flat_m
                - np.bincount(cell_hi, weights=c * rho, minlength=n_cells) @ flat_m)

    return out, weighted_gradient


def _running_means(log_p: np.ndarray, tail: np.ndarray, H: np.ndarray) -> np.ndarray:
    """M(q) = sum_{j >= q} P_j H_j / sum_{j >= q} P_j for every sub-piece start q (x x Q+1 x 5,
    0 at the end), with log P_j = ``log_p`` and log of the tail sums ``tail``.

    Block by block from the right: inside a block the sums are cumulative sums scaled by the
    block's first (largest) tail value, and the block's right end carries over with the factor
    S(q1)/S(q) = exp(tail(q1) - tail(q)).
    """
    n_x, n_q = log_p.shape
    M = np.zeros((n_x, n_q + 1, H.shape[2]))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for q1 in range(n_q, 0, -_BLOCK):
            q0 = max(0, q1 - _BLOCK)
            ref = tail[:, q0]
            ref = np.where(np.isfinite(ref), ref, 0.0)[:, None]
            part = np.exp(log_p[:, q0:q1] - ref)[:, :, None] * H[:, q0:q1]
            part = np.cumsum(part[:, ::-1], axis=1)[:, ::-1]
            here = tail[:, q0:q1]
            block = (part * np.exp(ref - here)[:, :, None]
                     + np.exp(tail[:, q1, None] - here)[:, :, None] * M[:, q1, None, :])
            M[:, q0:q1] = np.where(np.isfinite(here)[:, :, None], block, 0.0)
    return M


@dataclass(frozen=True)
class GridData:
    """A fit's compressed rows for :func:`grid_loglik_total`."""

    grid: DeathGrid
    w: np.ndarray        # row weights
    w_u: np.ndarray      # total weight per distinct frequency
    T_u: np.ndarray      # distinct T and each row's position among them
    T_i: np.ndarray

    @classmethod
    def build(cls, d) -> GridData:
        x, tx, T = d.columns["frequency"], d.columns["recency"], d.columns["T"]
        grid = DeathGrid.build(x, tx, T)
        T_u, T_i = distinct_index(T)
        w = np.asarray(d.weights, dtype=float)
        return cls(grid=grid, w=w, w_u=np.bincount(grid.x_i, weights=w, minlength=len(grid.x_u)),
                   T_u=T_u, T_i=T_i)


def grid_loglik_total(params: np.ndarray, g: GridData, need_grad: bool) -> tuple[float, np.ndarray | None]:
    """Total weighted GGompertz/NBD log-likelihood and its gradient in (r, alpha, b, s, beta).

    Per row ll = a1(x) + log(e^alive + e^dead) (module notes of :mod:`crm_models.clv.ggomnbd`),
    a1 per distinct frequency, the alive term per distinct T, the death term from
    :func:`death_log_integral`.
    """
    r, alpha, b, s, beta = (float(v) for v in params)
    xu, xi, Ti = g.grid.x_u, g.grid.x_i, g.T_i
    log_i, d_log_i = death_log_integral(r, alpha, b, s, beta, g.grid, need_grad)
    a1_u = special.gammaln(r + xu) - special.gammaln(r) + r * np.log(alpha)
    lT_u = np.log(alpha + g.T_u)
    log_dT_u = log_d(beta, b * g.T_u)
    m = (r + xu).take(xi)
    lT = lT_u.take(Ti)
    alive = (s * (np.log(beta) - log_dT_u)).take(Ti) - m * lT
    dead = np.log(b) + np.log(s) + s * np.log(beta) + log_i
    lse = np.logaddexp(alive, dead)
    ll = a1_u.take(xi) + lse
    ll *= g.w
    total = float(np.sum(ll))
    if not need_grad:
        return total, None
    W = float(g.w.sum())
    wd = np.exp(dead - lse)                                     # share of the death term (0 if none)
    wa = g.w * (1.0 - wd)
    wd *= g.w
    inv_T = (1.0 / (alpha + g.T_u)).take(Ti)
    e_bT_u = np.exp(b * g.T_u - log_dT_u)                       # e^(bT) / D(T)
    grad = np.array([
        float(np.dot(g.w_u, special.digamma(r + xu))) + W * (np.log(alpha) - special.digamma(r))
        - wsum(wa, lT),
        W * r / alpha - wsum(wa * m, inv_T),
        -s * wsum(wa, (g.T_u * e_bT_u).take(Ti)),
        wsum(wa, (np.log(beta) - log_dT_u).take(Ti)),
        wsum(wa, (s / beta - s * np.exp(-log_dT_u)).take(Ti)),
    ])
    grad += d_log_i(wd)
    Wd = float(wd.sum())
    grad += Wd * np.array([0.0, 0.0, 1.0 / b, 1.0 / s + np.log(beta), s / beta])
    return total, grad
