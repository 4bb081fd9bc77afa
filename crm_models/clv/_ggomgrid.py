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
  which loses accuracy only when [t_x, T] holds a tiny share of the tail; rows whose interval
  holds under 0.1 % of it (rare at day resolution, common with continuous times) are computed
  with the per-customer rule (:func:`_death_integral`) instead;
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

__all__ = ["DeathGrid", "GridData", "death_log_integral", "grid_loglik_total", "log_d", "log_d_rel"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(6)
_UNIT = (_NODES + 1.0) / 2.0          # nodes on (0, 1)
_LOG_HALF_W = np.log(_WEIGHTS / 2.0)
#: largest change of the log integrand's exponential factors over one sub-piece: with 6
#: Gauss-Legendre nodes the rule is then exact to ~1e-13 for exp(c v), |c| <= 2, on [0, 1]
_MAX_SWING = 2.0
#: sub-pieces per block of the running weighted means (the tail falls by at most ~4 per
#: sub-piece, so a block spans well under the ~700 of double precision's exponent range)
_BLOCK = 64
#: largest grid (distinct frequencies x sub-pieces x nodes) before the per-customer rule is used
_MAX_ELEMENTS = 20_000_000
#: S(T) / S(t_x) above 0.999: the interval holds under 0.1 % of its tail, and the difference of
#: the two tail sums would lose three digits; such rows take the per-customer rule
_LOG_RHO_MAX = float(np.log(0.999))


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


# ---------------------------------------------------------------- the per-customer rule
def _geometric_rule(panels: int, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes in (0, 1) and weights of Gauss-Legendre on [0, 2^-K], [2^-K, 2^-K+1], ..., [1/2, 1]."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    edges = np.concatenate([[0.0], 2.0 ** -np.arange(panels, -1, -1, dtype=float)])
    lo, hi = edges[:-1, None], edges[1:, None]
    v = (lo + (hi - lo) * (x[None, :] + 1) / 2).ravel()
    wt = ((hi - lo) / 2 * w[None, :]).ravel()
    return v, wt


_V, _W = _geometric_rule(40, 10)
_LOG_W = np.log(_W)
_CHUNK = 1 << 21  # elements (rows x nodes) per block, about 16 MB per temporary


def node_blocks(lo: np.ndarray, hi: np.ndarray):
    """The per-customer rule's nodes, in blocks of at most ``_CHUNK`` elements: for the rows with
    lo < hi, yields (rows, lengths hi - lo, nodes y = lo + length * _V as rows x nodes)."""
    step = max(1, _CHUNK // len(_V))
    for start in range(0, lo.size, step):
        idx = np.arange(start, min(start + step, lo.size))
        length = hi[idx] - lo[idx]
        pos = length > 0
        if pos.any():
            idx, length = idx[pos], length[pos]
            yield idx, length, lo[idx, None] + length[:, None] * _V[None, :]


def _death_integral(r: float, alpha: float | np.ndarray, b: float, s: float, beta: float | np.ndarray,
                    x: np.ndarray, tx: np.ndarray, T: np.ndarray,
                    grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """log int_{t_x}^T (alpha+y)^-(r+x) e^(by) D(y)^-(s+1) dy, D(y) = beta + e^(by) - 1, per row,
    and with ``grad`` its derivatives (rows x 5): the averages of d log f over the nodes weighted
    by their share of the integral.  ``alpha`` and ``beta`` are numbers or one value per row
    (models with covariates)."""
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), x.shape)
    beta = np.broadcast_to(np.asarray(beta, dtype=float), x.shape)
    out = np.full(x.shape, -np.inf)
    d_out = np.zeros((x.size, 5)) if grad else None
    for idx, length, y in node_blocks(tx, T):
        rx = r + x[idx, None]
        a_i, b_i = alpha[idx, None], beta[idx, None]
        log_ay = np.log(a_i + y)
        log_dy = log_d(b_i, b * y)
        terms = -rx * log_ay + b * y - (s + 1.0) * log_dy + _LOG_W[None, :]
        top = terms.max(axis=1, keepdims=True)
        share = np.exp(terms - top)
        total = share.sum(axis=1, keepdims=True)
        out[idx] = top[:, 0] + np.log(total[:, 0]) + np.log(length)
        if grad:
            share /= total
            inv_d = np.exp(-log_dy)
            d_out[idx, 0] = -(share * log_ay).sum(axis=1)
            d_out[idx, 1] = -(share * rx / (a_i + y)).sum(axis=1)
            d_out[idx, 2] = (share * y * (1.0 - (s + 1.0) * np.exp(b * y - log_dy))).sum(axis=1)
            d_out[idx, 3] = -(share * log_dy).sum(axis=1)
            d_out[idx, 4] = -(s + 1.0) * (share * inv_d).sum(axis=1)
    return out, d_out



def log_d(beta: float | np.ndarray, z: np.ndarray) -> np.ndarray:
    """log(beta + e^z - 1) for z >= 0 without overflow or cancellation."""
    z = np.asarray(z, dtype=float)
    small = z < 1.0
    zs = np.where(small, z, 0.0)
    zl = np.where(small, 1.0, z)
    return np.where(small, np.log(beta + np.expm1(zs)), zl + np.log1p((beta - 1.0) * np.exp(-zl)))


def log_d_rel(beta: float, z: np.ndarray) -> np.ndarray:
    """log(D / beta) = log(1 + (e^z - 1)/beta) for z >= 0, without the cancellation of
    log D - log beta (which costs s log(beta) digits once multiplied by a large s)."""
    z = np.asarray(z, dtype=float)
    small = z < 30.0
    zs = np.where(small, z, 0.0)
    zl = np.where(small, 30.0, z)
    return np.where(small, np.log1p(np.expm1(zs) / beta),
                    zl - np.log(beta) + np.log1p((beta - 1.0) * np.exp(-zl)))


GradientFn = Callable[[np.ndarray | None], np.ndarray]


def death_log_integral(r: float, alpha: float, b: float, s: float, beta: float, grid: DeathGrid,
                       need_grad: bool) -> tuple[np.ndarray, GradientFn | None]:
    """J = log(beta^s I) per row (-inf where t_x = T) and, with ``need_grad``, a function that
    takes weights per row and returns sum_i weight_i d J_i / d(r, alpha, b, s, beta) (rows with
    t_x = T contribute nothing).

    beta^s is taken inside the integral, as (D(y)/beta)^-s, so that a large s does not cost
    digits: the death term is log b + log s + J."""
    pts = grid.points
    m1 = r + grid.x_u - 1.0                                      # exponent of the power factor, minus 1
    # ---- sub-pieces: equal steps in u = log(alpha + y) within each piece
    u_pts = np.log(alpha + pts)
    du = np.diff(u_pts)
    width = np.diff(pts)
    # |d/dy (by - (s+1) log D(y))| <= b (1 + (s+1) e^(by)/D(y)); e^(by)/D(y) is monotone in y
    # (from 1/beta at y = 0 towards 1), so its largest value on a piece is at one of its ends
    e_end = np.exp(b * pts - log_d(beta, b * pts))
    gomp = b * (1.0 + (s + 1.0) * np.maximum(e_end[:-1], e_end[1:]))
    swing = np.maximum(float(np.max(np.abs(m1))) * du, gomp * width)
    n_sub = np.maximum(1, np.ceil(swing / _MAX_SWING)).astype(np.intp)
    if int(n_sub.sum()) * len(m1) * len(_UNIT) > _MAX_ELEMENTS:  # e.g. an extreme b s: per customer
        return _per_customer(r, alpha, b, s, beta, grid, need_grad)
    first = np.concatenate([[0], np.cumsum(n_sub)])             # sub-piece index of each point
    piece = np.repeat(np.arange(len(du)), n_sub)
    step = du[piece] / n_sub[piece]
    start = u_pts[piece] + (np.arange(len(piece)) - first[piece]) * step
    u = start[:, None] + step[:, None] * _UNIT[None, :]          # sub-pieces x nodes
    # y from u without cancellation: y = t_j + (alpha + t_j) expm1(u - u_j)
    y = pts[piece][:, None] + (alpha + pts[piece])[:, None] * np.expm1(u - u_pts[piece][:, None])
    log_rel = log_d_rel(beta, b * y)                           # log(D(y) / beta)
    log_dy = log_rel + np.log(beta)
    # log of beta^s * integrand * dy/du * quadrature weight, without the power part -(r+x-1) u
    g = b * y - log_dy - s * log_rel + np.log(step)[:, None] + _LOG_HALF_W[None, :]
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
    # an interval holding a tiny share of its tail (S(T) / S(t_x) close to 1: a short gap before
    # a long tail, as with continuous times) loses digits in the subtraction: the per-customer
    # rule takes those rows
    near = np.flatnonzero(~empty & np.isfinite(log_lo) & (diff > _LOG_RHO_MAX))
    d_near = None
    if len(near):
        xn = grid.x_u.take(xi.take(near))
        out[near], d_near = _death_integral(r, alpha, b, s, beta, xn, pts.take(grid.lo_i.take(near)),
                                            pts.take(grid.hi_i.take(near)), need_grad)
        out[near] += s * np.log(beta)                           # log I -> log(beta^s I)
        if d_near is not None:
            d_near[:, 3] += np.log(beta)
            d_near[:, 4] += s / beta
    if not need_grad:
        return out, None
    share /= np.where(total > 0, total, 1.0)[:, :, None]       # empty sub-pieces: no weight
    # d log f / d theta at the nodes (x-free parts), then their weighted means per sub-piece
    e_by = np.exp(b * y - log_dy)                               # e^(by) / D(y)
    h = np.stack([-np.log(alpha + y), -np.exp(-u), y * (1.0 - (s + 1.0) * e_by), -log_rel,
                  np.exp(-log_dy) * (s * np.expm1(b * y) / beta - 1.0)])  # 5 x sub-pieces x nodes
    H = np.einsum("xqn,kqn->xqk", share, h)                     # x x sub-pieces x 5
    H[:, :, 1] *= (m1 + 1.0)[:, None]                           # alpha: -(r+x)/(alpha+y)
    flat_m = _running_means(log_p, tail, H).reshape(-1, 5)
    n_cells = len(flat_m)

    def weighted_gradient(weights: np.ndarray | None) -> np.ndarray:
        """sum_i weights_i d log I_i / d theta: d log I = (M(t_x) - rho M(T)) / (1 - rho), summed
        per (x, sub-piece) cell first, so no rows x 5 array is formed.  ``weights=None``: the
        per-row derivatives themselves (rows x 5)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            rho = np.exp(diff)
            c = (1.0 if weights is None else weights) / (1.0 - rho)
            c = np.broadcast_to(c, rho.shape).copy()
            c[empty | ~np.isfinite(c) | ~np.isfinite(log_lo)] = 0.0
            c[near] = 0.0
        if weights is None:
            out = c[:, None] * (flat_m[cell_lo] - rho[:, None] * flat_m[cell_hi])
            if d_near is not None:
                out[near] = d_near
            return out
        total = (np.bincount(cell_lo, weights=c, minlength=n_cells) @ flat_m
                 - np.bincount(cell_hi, weights=c * rho, minlength=n_cells) @ flat_m)
        if d_near is not None:
            total = total + weights[near] @ d_near
        return total

    return out, weighted_gradient


def _per_customer(r: float, alpha: float, b: float, s: float, beta: float, grid: DeathGrid,
                  need_grad: bool) -> tuple[np.ndarray, GradientFn | None]:
    """:func:`death_log_integral` by the per-customer rule (:func:`_death_integral`)."""
    x = grid.x_u.take(grid.x_i)
    out, d_rows = _death_integral(r, alpha, b, s, beta, x, grid.points.take(grid.lo_i),
                                  grid.points.take(grid.hi_i), need_grad)
    out = out + s * np.log(beta)                                # log I -> log(beta^s I)
    if not need_grad:
        return out, None
    d_rows = np.where(np.isfinite(d_rows), d_rows, 0.0)
    d_rows[:, 3] += np.log(beta)
    d_rows[:, 4] += s / beta
    d_rows[~np.isfinite(out)] = 0.0
    return out, lambda weights: d_rows if weights is None else weights @ d_rows


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
    rel_T_u = log_d_rel(beta, b * g.T_u)                       # log(D(T) / beta)
    log_dT_u = rel_T_u + np.log(beta)
    m = (r + xu).take(xi)
    lT = lT_u.take(Ti)
    alive = (-s * rel_T_u).take(Ti) - m * lT
    dead = np.log(b) + np.log(s) + log_i
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
        -wsum(wa, rel_T_u.take(Ti)),
        wsum(wa, (s * np.expm1(b * g.T_u) / beta * np.exp(-log_dT_u)).take(Ti)),
    ])
    grad += d_log_i(wd)
    Wd = float(wd.sum())
    grad += Wd * np.array([0.0, 0.0, 1.0 / b, 1.0 / s, 0.0])
    return total, grad
