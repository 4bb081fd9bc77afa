"""Measurement-quality formulas on item correlation matrices (no model objects here).

The formulas behind :mod:`crm_models.csi.quality` (which documents them with their
references), kept in a module of their own so that the model
(:mod:`crm_models.csi.pls`: its ``unidim_`` table) and the bootstrap (HTMT of every
resample) use them without importing :mod:`crm_models.csi.quality`, which takes the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.csi.spec import ModelSpec

__all__ = ["alpha_from_cor", "dg_rho_from_cor", "reliability_from_loadings", "rho_a_from_cor",
           "htmt_matrix", "unidimensionality_table"]


def alpha_from_cor(R: np.ndarray) -> float:
    """Standardised Cronbach's alpha ``p/(p-1) * (1 - p / sum(R))`` (1 for a single item)."""
    p = R.shape[0]
    return 1.0 if p < 2 else float(p / (p - 1) * (1 - p / R.sum()))


def reliability_from_loadings(lam: np.ndarray) -> float:
    """``(sum l)^2 / ((sum l)^2 + sum(1 - l^2))`` (composite reliability / Dillon-Goldstein rho)."""
    lam = np.asarray(lam, dtype=float)
    num = lam.sum() ** 2
    return float(num / (num + (1 - lam ** 2).sum()))


def dg_rho_from_cor(R: np.ndarray) -> float:
    """Dillon-Goldstein rho with the items' correlations with their first principal component."""
    if R.shape[0] < 2:
        return 1.0
    vals, vecs = np.linalg.eigh(R)
    return reliability_from_loadings(vecs[:, -1] * np.sqrt(vals[-1]))


def rho_a_from_cor(R: np.ndarray, w: np.ndarray) -> float:
    """Dijkstra-Henseler ``rho_A`` from the items' correlations and their standardised weights."""
    w = np.asarray(w, dtype=float)
    if w.size == 1:
        return 1.0
    w = w / np.sqrt(w @ R @ w)
    S0 = R - np.diag(np.diag(R))
    A0 = np.outer(w, w) - np.diag(w ** 2)
    return float((w @ w) ** 2 * (w @ S0 @ w) / (w @ A0 @ w))


def htmt_matrix(R: np.ndarray, slices: list[slice], absolute: bool = True) -> np.ndarray:
    """HTMT for all block pairs from an item correlation matrix ``R`` (..., p, p) (NaN diagonal).

    Block sums come from ``odm' R odm``: the heterotrait mean of blocks ``i, j`` is
    ``S_ij / (k_i k_j)``, the monotrait mean ``(S_ii - k_i) / (k_i (k_i - 1))`` (1 for a
    single-item block).
    """
    R = np.abs(R) if absolute else R
    L = len(slices)
    k = np.array([sl.stop - sl.start for sl in slices], dtype=float)
    odm = np.zeros((int(k.sum()), L))
    for j, sl in enumerate(slices):
        odm[sl, j] = 1.0
    S = odm.T @ R @ odm
    diag = np.diagonal(S, axis1=-2, axis2=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mono = np.where(k > 1, (diag - k) / (k * np.maximum(k - 1, 1)), 1.0)
        out = S / np.outer(k, k) / np.sqrt(mono[..., :, None] * mono[..., None, :])
    idx = np.arange(L)
    out[..., idx, idx] = np.nan
    return out


def unidimensionality_table(spec: ModelSpec, R: np.ndarray) -> pd.DataFrame:
    """plspm's unidimensionality table from the item correlations ``R`` (items in ``spec`` order).

    Columns mode, mvs, cronbach_alpha, dillon_goldstein_rho, eig_1st, eig_2nd. As in R plspm,
    alpha is the standardised alpha clipped at 0, rho uses the first principal component,
    single-item blocks get alpha = rho = eig_1st = 1, eig_2nd = 0; unlike plspm, formative
    (mode B) blocks get NaN (not 0) for alpha and rho.
    """
    rows = []
    for block, mode, sl in zip(spec.blocks, spec.modes, spec.slices, strict=True):
        if len(block) == 1:
            rows.append((mode, 1, 1.0, 1.0, 1.0, 0.0))
            continue
        Rb = R[sl, sl]
        vals, vecs = np.linalg.eigh(Rb)
        if mode == "A":
            p = len(block)
            alpha = max(p / (p - 1) * (1 - p / Rb.sum()), 0.0)
            rho = reliability_from_loadings(vecs[:, -1] * np.sqrt(vals[-1]))
        else:
            alpha = rho = np.nan
        rows.append((mode, len(block), alpha, rho, vals[-1], vals[-2]))
    return pd.DataFrame(rows, index=list(spec.lvs), columns=[
        "mode", "mvs", "cronbach_alpha", "dillon_goldstein_rho", "eig_1st", "eig_2nd"])
