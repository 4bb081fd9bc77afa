"""Batched PLS-PM kernel: Lohmoeller's iterative algorithm on covariance matrices.

Every quantity of the PLS path model with modes A/B and the centroid, factorial and path
weighting schemes depends on the data only through the (population) covariance matrix
``C = X'X / n`` of the treated manifest variables ``X`` (centred, and standardised when
``scaled``).  Writing the algorithm on ``C`` lets one call estimate a whole stack of
``B`` data sets at once (3-D arrays ``(B, p, p)``), which is what makes the bootstrap fast.

The steps follow R plspm (``get_weights``, ``get_scores``) exactly, so that results agree
to rounding error:

1. initial outer weights: 1 for each item of its block, scaled so the block sum has unit
   (population) variance;
2. outer estimate ``Y = X W`` standardised (plspm multiplies the standardised scores by
   ``sqrt((n-1)/n)`` again, which rescales the next weights by ``(n-1)/n``; we keep that
   factor because the convergence test compares unnormalised weights);
3. inner weights ``E``: centroid ``sign(cor(Y))``, factorial ``cor(Y)``, or path
   (regression coefficients of a construct on its predecessors, correlations with its
   successors), on adjacent constructs only;
4. inner estimate ``Z = Y E``; new weights mode A ``w_j = X_j' z_j / n`` (``= C_{j.} W D E``),
   mode B ``w_j = (X_j' X_j)^{-1} X_j' z_j``;
5. stop when the change of the weights is below ``tol``: ``rule="max"`` (the default of
   :class:`~crm_models.csi.PLSPM`) ``max |(|w_old| - |w_new|)| < tol``, ``rule="plspm"``
   plspm's ``sum((|w_old| - |w_new|)^2) < tol``; finally scale each construct's weights
   to a unit-variance score and fix signs so that the majority of a block's items
   correlate positively with their construct.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crm_models.csi.spec import ModelSpec

__all__ = ["KernelResult", "estimate", "inner_weights", "structural", "consistent", "RULES"]

RULES = ("max", "plspm")


@dataclass
class KernelResult:
    """Outputs for a stack of ``B`` data sets."""

    W: np.ndarray          # (B, p, L) outer weights, unit-variance scores, sign fixed
    converged: np.ndarray  # (B,) bool
    iterations: np.ndarray  # (B,) int, number of weight updates
    CW: np.ndarray         # (B, p, L) covariances item x construct
    RL: np.ndarray         # (B, L, L) construct correlations
    xload: np.ndarray      # (B, p, L) correlations item x construct (cross-loadings)


def inner_weights(R: np.ndarray, path: np.ndarray, scheme: str) -> np.ndarray:
    """Inner weight matrices ``E`` (B, L, L) from the construct correlations ``R`` (B, L, L)."""
    adj = (path + path.T) > 0
    if scheme == "centroid":
        return np.sign(R) * adj
    if scheme == "factorial":
        return R * adj
    if scheme == "path":
        E = np.zeros_like(R)
        L = path.shape[0]
        for k in range(L):
            preds = np.flatnonzero(path[k])
            if preds.size:
                Rpp = R[:, preds[:, None], preds[None, :]]
                Rpk = R[:, preds, k]
                E[:, preds, k] = np.linalg.solve(Rpp, Rpk[..., None])[..., 0]
            succ = np.flatnonzero(path[:, k])
            if succ.size:
                E[:, succ, k] = R[:, k, succ]
        return E
    raise ValueError(f"unknown scheme {scheme!r}")


def _cov_to_cor(M: np.ndarray) -> np.ndarray:
    s = np.sqrt(np.diagonal(M, axis1=-2, axis2=-1))
    return M / s[..., :, None] / s[..., None, :]


def estimate(C: np.ndarray, spec: ModelSpec, n: int, scheme: str = "centroid",
             tol: float = 1e-6, max_iter: int = 100, rule: str = "plspm") -> KernelResult:
    """Run the PLS-PM iterations for each covariance matrix in ``C`` (B, p, p).

    ``rule`` is the stopping rule on the change of the absolute weights ``d = |w_old| - |w_new|``:
    ``"max"`` stops when ``max|d| < tol``, ``"plspm"`` when ``sum(d^2) < tol`` (R plspm).
    """
    if rule not in RULES:
        raise ValueError(f"unknown convergence rule {rule!r}")
    C = np.asarray(C, dtype=float)
    if C.ndim == 2:
        C = C[None]
    B = C.shape[0]
    odm = spec.odm
    L = spec.n_lvs
    shrink = (n - 1) / n
    slices = spec.slices
    mode_b = [j for j in range(L) if spec.modes[j] == "B"]
    # plspm: W = ODM diag(1 / sd(X ODM)), population sd
    var0 = ((C @ odm) * odm).sum(1)
    W = odm[None] / np.sqrt(var0)[:, None, :]
    w_old = W.sum(-1)
    converged = np.zeros(B, dtype=bool)
    iterations = np.full(B, max_iter, dtype=int)
    for it in range(1, max_iter + 1):
        CW = C @ W
        WCW = np.swapaxes(W, 1, 2) @ CW
        s = np.sqrt(np.diagonal(WCW, axis1=1, axis2=2))
        R = WCW / s[:, :, None] / s[:, None, :]
        E = inner_weights(R, spec.path, scheme)
        M = (CW * (shrink / s)[:, None, :]) @ E
        Wn = M * odm
        for j in mode_b:
            sl = slices[j]
            Wn[:, sl, j] = np.linalg.solve(C[:, sl, sl], M[:, sl, j][..., None])[..., 0]
        w_new = Wn.sum(-1)
        d = np.abs(w_old) - np.abs(w_new)
        dif = np.abs(d).max(-1) if rule == "max" else (d ** 2).sum(-1)
        active = ~converged
        W = np.where(active[:, None, None], Wn, W)
        w_old = np.where(active[:, None], w_new, w_old)
        newly = active & (dif < tol)
        iterations[newly] = it
        converged |= newly
        if converged.all():
            break
    # unit (population) variance scores
    CW = C @ W
    var = (CW * W).sum(1)
    W = W / np.sqrt(var)[:, None, :]
    CW = CW / np.sqrt(var)[:, None, :]
    sd_x = np.sqrt(np.diagonal(C, axis1=1, axis2=2))
    xload = CW / sd_x[:, :, None]
    # sign ambiguity (plspm get_scores): majority of the block's loadings positive
    block_sign = (np.sign(xload) * odm).sum(1)
    flip = np.where(np.sign(block_sign) <= 0, -1.0, 1.0)
    W = W * flip[:, None, :]
    CW = CW * flip[:, None, :]
    xload = xload * flip[:, None, :]
    RL = np.swapaxes(W, 1, 2) @ CW
    return KernelResult(W=W, converged=converged, iterations=iterations, CW=CW, RL=RL, xload=xload)


def structural(RL: np.ndarray, spec: ModelSpec) -> tuple[np.ndarray, np.ndarray]:
    """Path coefficients (B, L, L) (row = target) and R^2 (B, L) by OLS on standardised scores."""
    B, L, _ = RL.shape
    P = np.zeros((B, L, L))
    r2 = np.zeros((B, L))
    for k in spec.endogenous:
        preds = spec.predecessors(k)
        Rpp = RL[:, preds[:, None], preds[None, :]]
        Rpk = RL[:, preds, k]
        beta = np.linalg.solve(Rpp, Rpk[..., None])[..., 0]
        P[:, k, preds] = beta
        r2[:, k] = (beta * Rpk).sum(-1)
    return P, r2


def consistent(R: np.ndarray, W: np.ndarray, RL: np.ndarray, spec: ModelSpec, keep: Sequence[str] = ()
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consistent PLS (PLSc, Dijkstra & Henseler 2015) for a stack of fits.

    Parameters
    ----------
    R:
        ``(B, p, p)`` item correlation matrices.
    W:
        ``(B, p, L)`` outer weights *of the standardised items* with unit-variance scores
        (``w' R w = 1``; multiply raw-unit weights by the item sds).
    RL:
        ``(B, L, L)`` construct score correlations.
    keep:
        Constructs left uncorrected (``rho_A = 1``, PLS loadings): the interaction
        constructs, as seminr does (their items are products of items, not reflective
        measures of one factor).

    Returns
    -------
    rho_a, RLc, lam:
        ``(B, L)`` rho_A per construct, ``(B, L, L)`` disattenuated construct correlations and
        ``(B, p, L)`` consistent loadings (non-zero on the item's own construct only).

    Notes
    -----
    For a reflective (mode A) block with weights ``w``, ``S`` its item correlations,

    * ``rho_A = (w'w)^2 w'(S - diag S)w / w'(ww' - diag(ww'))w``  (invariant to the scale of w),
    * consistent loadings ``lambda = w sqrt(rho_A) / (w'w)`` (with ``w' S w = 1``),
    * ``corr(eta_i, eta_j) = r_ij / sqrt(rho_A_i rho_A_j)`` (disattenuation; diagonal 1).

    Formative (mode B) and single-item blocks keep ``rho_A = 1`` and their PLS loadings are
    replaced by nothing here: ``lam`` holds ``R W`` (the item-score correlations) for them.
    """
    odm = spec.odm
    B = R.shape[0]
    L = spec.n_lvs
    rho = np.ones((B, L))
    lam = (R @ W) * odm  # item-score correlations: the PLS loadings
    for j, sl in enumerate(spec.slices):
        if spec.modes[j] != "A" or sl.stop - sl.start < 2 or spec.lvs[j] in keep:
            continue
        S = R[:, sl, sl]
        w = W[:, sl, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            w = w / np.sqrt(np.einsum("bi,bij,bj->b", w, S, w))[:, None]  # w' S w = 1
        ww = (w * w).sum(-1)
        num = 1.0 - (w * w * np.diagonal(S, axis1=1, axis2=2)).sum(-1)
        den = ww ** 2 - (w ** 4).sum(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            rho[:, j] = ww ** 2 * num / den
            lam[:, sl, j] = w * (np.sqrt(rho[:, j]) / ww)[:, None]
    with np.errstate(invalid="ignore"):
        s = np.sqrt(rho)
    RLc = RL / s[:, :, None] / s[:, None, :]
    idx = np.arange(L)
    RLc[:, idx, idx] = 1.0
    return rho, RLc, lam


def total_effects(P: np.ndarray) -> np.ndarray:
    """Total effects ``(I - P)^{-1} - I`` of a recursive path matrix (row = target)."""
    L = P.shape[-1]
    eye = np.eye(L)
    return np.linalg.inv(eye - P) - eye
