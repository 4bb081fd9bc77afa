"""The engine of :func:`crm_models.csi.bootstrap.bootstrap` (the method is described there).

It works on a :class:`~crm_models.csi.estimation.PLSFit` and the item answers it was
estimated on, not on the model object, so that both :func:`crm_models.csi.bootstrap.bootstrap`
and the convenience :meth:`crm_models.csi.PLSPM.bootstrap` call it without an import cycle.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_models.csi import _kernel
from crm_models.csi._intervals import _bca, _table
from crm_models.csi._measurement import htmt_matrix
from crm_models.csi.estimation import PLSFit, interaction_scale, orient_interactions
from crm_models.errors import ModelSpecificationError

__all__ = ["BootstrapResult", "run_bootstrap", "SIGN_CHANGES", "KINDS", "_bca"]

SIGN_CHANGES = ("construct", "individual", "none")
KINDS = ("paths", "total_effects", "loadings", "weights", "r2", "htmt")


def _single_threaded_blas():
    """BLAS threads only slow down stacks of tiny matrix products; parallelism is per chunk."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


@dataclass
class BootstrapResult:
    """Bootstrap draws and summary tables of a fitted :class:`~crm_models.csi.pls.PLSPM`.

    Attributes
    ----------
    paths, total_effects, loadings, weights, r2, htmt:
        DataFrames indexed by parameter with columns ``original, mean, std_error, t_value,
        p_value, lower, upper`` (percentile interval) and ``bca_lower, bca_upper``.
    draws:
        ``{kind: DataFrame (successful resamples x parameters)}``.
    jackknife:
        ``{kind: DataFrame (leave-one-out fits x parameters)}`` when BCa intervals were
        computed (``bca=True``), else None; the BCa intervals of derived statistics (e.g.
        the specific indirect effects of :meth:`specific_effects`) are computed from it.
    n, n_failed, seed, sign_change, level:
        Requested resamples, resamples dropped (non-convergence or a degenerate resample,
        e.g. a constant item), seed, sign-change rule, confidence level.
    """

    n: int
    n_failed: int
    seed: int | None
    sign_change: str
    level: float
    tables: dict[str, pd.DataFrame]
    draws: dict[str, pd.DataFrame] = field(repr=False)
    jackknife: dict[str, pd.DataFrame] | None = field(default=None, repr=False)

    @property
    def paths(self) -> pd.DataFrame:
        return self.tables["paths"]

    @property
    def total_effects(self) -> pd.DataFrame:
        return self.tables["total_effects"]

    @property
    def loadings(self) -> pd.DataFrame:
        return self.tables["loadings"]

    @property
    def weights(self) -> pd.DataFrame:
        return self.tables["weights"]

    @property
    def r2(self) -> pd.DataFrame:
        return self.tables["r2"]

    @property
    def htmt(self) -> pd.DataFrame:
        return self.tables["htmt"]

    @property
    def summary(self) -> pd.DataFrame:
        """All tables stacked, indexed by (kind, parameter)."""
        return pd.concat(self.tables, names=["kind", "parameter"])

    def specific_effect(self, *chain: str) -> pd.Series:
        """Bootstrap statistics of the specific indirect effect along ``chain`` (``"IMAG", "SAT", "LOY"``).

        See :func:`crm_models.csi.mediation.specific_effect`.
        """
        from crm_models.csi.mediation import specific_effect

        return specific_effect(self, *chain)

    def specific_effects(self, source: str | None = None, target: str | None = None) -> pd.DataFrame:
        """All specific indirect effects (optionally from ``source`` / to ``target``).

        See :func:`crm_models.csi.mediation.specific_effects`.
        """
        from crm_models.csi.mediation import specific_effects

        return specific_effects(self, source=source, target=target)

    def mediation_table(self, interval: str = "percentile") -> pd.DataFrame:
        """Specific indirect effects with the direct effect and the mediation type.

        See :func:`crm_models.csi.mediation.mediation_table`.
        """
        from crm_models.csi.mediation import mediation_table

        return mediation_table(self, interval=interval)


# ----------------------------------------------------------------------------- statistics

@dataclass
class _Labels:
    paths: list[tuple[int, int]]
    total: list[tuple[int, int]]
    names: dict[str, list[str]]


def _labels(spec) -> _Labels:
    L = spec.n_lvs
    lvs = spec.lvs
    paths = [(i, j) for j in range(L) for i in range(j + 1, L) if spec.path[i, j]]
    reach = np.linalg.matrix_power(np.eye(L, dtype=int) + spec.path, L) > 0
    total = [(i, j) for j in range(L) for i in range(j + 1, L) if reach[i, j]]
    pairs = [(i, j) for i in range(L) for j in range(i + 1, L)]
    names = {
        "paths": [f"{lvs[j]} -> {lvs[i]}" for i, j in paths],
        "total_effects": [f"{lvs[j]} -> {lvs[i]}" for i, j in total],
        "loadings": list(spec.items),
        "weights": list(spec.items),
        "r2": [lvs[k] for k in spec.endogenous],
        "htmt": [f"{lvs[i]} <-> {lvs[j]}" for i, j in pairs],
    }
    return _Labels(paths=paths, total=total, names=names)


def _statistics(res: _kernel.KernelResult, C: np.ndarray, spec, labels: _Labels,
                ref_loadings: np.ndarray | None, sign_change: str, scaled: bool,
                consistent: bool = False, interactions: tuple[str, ...] = (),
                item_sd: np.ndarray | None = None, pairs: tuple[tuple[str, str], ...] = ()
                ) -> dict[str, np.ndarray]:
    odm = spec.odm
    if interactions:  # each draw's interaction constructs oriented like the product of their constructs
        res = orient_interactions(spec, interactions, pairs, res, C, item_sd)
    W, RL, xload = res.W, res.RL, res.xload
    if sign_change == "construct" and ref_loadings is not None:
        lb = xload * odm[None]
        lo = ref_loadings[None, :, None] * odm[None]
        flip = np.where(np.abs(lo - lb).sum(1) > np.abs(lo + lb).sum(1), -1.0, 1.0)  # (B, L)
        W = W * flip[:, None, :]
        xload = xload * flip[:, None, :]
        RL = RL * flip[:, :, None] * flip[:, None, :]
    sd = np.sqrt(np.diagonal(C, axis1=1, axis2=2))
    Rx = C / sd[:, :, None] / sd[:, None, :]
    loadings = (xload * odm).sum(-1)
    if consistent:  # PLSc in every draw: disattenuated correlations, consistent loadings
        _, RL, lam = _kernel.consistent(Rx, W if scaled else W * sd[:, :, None], RL, spec, keep=interactions)
        loadings = (lam * odm).sum(-1)
    P, r2 = _kernel.structural(RL, spec)
    if interactions:  # paths from interactions on the product scale (PLSFit.lv_scale), in each draw
        P = P / interaction_scale(spec, interactions, item_sd, (xload * odm).sum(-1))[:, None, :]
    T = _kernel.total_effects(P)
    pi = np.array(labels.paths)
    ti = np.array(labels.total)
    H = htmt_matrix(Rx, spec.slices)
    iu = np.triu_indices(spec.n_lvs, 1)
    return {
        "paths": P[:, pi[:, 0], pi[:, 1]],
        "total_effects": T[:, ti[:, 0], ti[:, 1]],
        "loadings": loadings,
        "weights": (W * odm).sum(-1),
        "r2": r2[:, spec.endogenous],
        "htmt": H[:, iu[0], iu[1]],
    }


def _covariances(R0: np.ndarray, Q: np.ndarray, counts: np.ndarray, scaled: bool) -> np.ndarray:
    n_rows = counts.sum(1, keepdims=True)
    p = R0.shape[1]
    m = counts @ R0 / n_rows
    M2 = (counts @ Q / n_rows).reshape(-1, p, p)
    C = M2 - m[:, :, None] * m[:, None, :]
    if scaled:
        sd = np.sqrt(np.clip(np.diagonal(C, axis1=1, axis2=2), 0, None))
        with np.errstate(invalid="ignore", divide="ignore"):
            C = C / sd[:, :, None] / sd[:, None, :]
    return C


def _degenerate(C: np.ndarray, spec, C_ref: np.ndarray) -> np.ndarray:
    """Resamples where an item is (near) constant or a formative block is (near) singular."""
    var = np.diagonal(C, axis1=1, axis2=2)
    ref_var = np.diag(C_ref)
    bad = ~np.isfinite(C).all((1, 2)) | (var <= 1e-10 * ref_var).any(1)
    for j, sl in enumerate(spec.slices):
        if spec.modes[j] == "B":
            blk = np.where(bad[:, None, None], np.eye(sl.stop - sl.start), C[:, sl, sl])
            d = np.sqrt(np.diagonal(blk, axis1=1, axis2=2))
            ev = np.linalg.eigvalsh(blk / d[:, :, None] / d[:, None, :])
            bad |= ev[:, 0] < 1e-10
    return bad


def _augmented_covariances(raw: np.ndarray, idx: np.ndarray, augment: Callable, scaled: bool
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Covariances of the treated items, item sds and ``ok`` of the resamples ``raw[idx]`` after ``augment``.

    The resamples are augmented in batches of at most ~4 million values (memory)."""
    step = max(1, int(4e6 // max(1, idx.shape[1] * raw.shape[1] * 2)))
    Cs, oks = [], []
    for start in range(0, idx.shape[0], step):
        full, ok = augment(raw[idx[start:start + step]])
        X = full - full.mean(1, keepdims=True)
        Cs.append(np.swapaxes(X, 1, 2) @ X / X.shape[1])
        oks.append(ok)
    C, ok = np.concatenate(Cs), np.concatenate(oks)
    sd = np.sqrt(np.clip(np.diagonal(C, axis1=1, axis2=2), 0, None))
    if scaled:
        with np.errstate(invalid="ignore", divide="ignore"):
            C = C / sd[:, :, None] / sd[:, None, :]
    return C, sd, ok


def _run(fit: PLSFit, C: np.ndarray, n_eff: int, labels: _Labels, ref_loadings: np.ndarray | None,
         sign_change: str, item_sd: np.ndarray | None = None):
    spec = fit.spec
    bad = _degenerate(C, spec, fit.C)
    if bad.any():
        C = C.copy()
        C[bad] = fit.C
    res = _kernel.estimate(C, spec, n_eff, scheme=fit.scheme, tol=fit.tol, max_iter=int(fit.max_iter),
                           rule=fit.convergence)
    stats = _statistics(res, C, spec, labels, ref_loadings, sign_change, fit.scaled, fit.consistent,
                        fit.interactions, item_sd, fit.interaction_pairs)
    ok = res.converged & ~bad
    for v in stats.values():
        ok &= np.isfinite(v).all(1)
    return stats, ok


def run_bootstrap(fit: PLSFit, data: np.ndarray, n: int = 5000, seed: int | None = 0,
                  sign_change: str = "construct", level: float = 0.95, bca: bool = True, n_jobs: int = 1,
                  chunk_size: int = 1000, augment: Callable | None = None) -> BootstrapResult:
    """Bootstrap the fit ``fit`` on its item answers ``data`` (n x p, items in ``fit.spec`` order).

    ``data`` must be the answers the fit was estimated on (after the missing-value treatment);
    the arguments are those of :func:`crm_models.csi.bootstrap.bootstrap`. With ``augment``
    (a model with interactions, :meth:`crm_models.csi.moderation.InteractionDesign.augment`),
    ``data`` holds the survey items only and each resample's items are ``augment(data[idx])``:
    the interaction items are recomputed in every draw (and every jackknife fit).
    """
    if sign_change not in SIGN_CHANGES:
        raise ModelSpecificationError(f"sign_change={sign_change!r} is not one of {SIGN_CHANGES}")
    if int(n) != n or n < 2:
        raise ModelSpecificationError(f"n must be an integer >= 2, got {n!r}")
    if not 0 < level < 1:
        raise ModelSpecificationError(f"level must be between 0 and 1, got {level!r}")
    n = int(n)
    spec = fit.spec
    labels = _labels(spec)
    raw = np.asarray(data, dtype=float)
    N, p = raw.shape
    if augment is None:
        R0 = raw - raw.mean(0)
        Q = (R0[:, :, None] * R0[:, None, :]).reshape(N, p * p)
    ref_loadings = (fit.xload * spec.odm).sum(1)  # PLS loadings: the sign reference of every draw
    rule = sign_change if sign_change == "construct" else "none"

    # original estimates through the same statistics code (checks the batch path too)
    fit0 = _kernel.estimate(fit.C[None], spec, N, fit.scheme, fit.tol, int(fit.max_iter), fit.convergence)
    orig = _statistics(fit0, fit.C[None], spec, labels, None, "none", fit.scaled, fit.consistent,
                       fit.interactions, fit.item_sd[None], fit.interaction_pairs)
    theta = {k: v[0] for k, v in orig.items()}

    rng = np.random.default_rng(seed)
    chunk_size = max(1, int(chunk_size))
    sizes = [min(chunk_size, n - s) for s in range(0, n, chunk_size)]
    chunks = []
    for size in sizes:
        idx = rng.integers(0, N, size=(size, N))
        if augment is not None:
            chunks.append(idx)
            continue
        flat = (idx + N * np.arange(size)[:, None]).ravel()
        chunks.append(np.bincount(flat, minlength=size * N).reshape(size, N).astype(float))

    def work(chunk, n_eff=N):
        if augment is None:
            return _run(fit, _covariances(R0, Q, chunk, fit.scaled), n_eff, labels, ref_loadings, rule)
        C, sd, ok_aug = _augmented_covariances(raw, chunk, augment, fit.scaled)
        stats, ok = _run(fit, C, n_eff, labels, ref_loadings, rule, sd)
        return stats, ok & ok_aug

    with _single_threaded_blas():
        if n_jobs and n_jobs > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(max_workers=int(n_jobs)) as ex:
                results = list(ex.map(work, chunks))
        else:
            results = [work(c) for c in chunks]
        jack = None
        if bca and augment is None:
            counts = np.ones((N, N)) - np.eye(N)
            jstats, jok = work(counts, N - 1)
            jack = {k: v[jok] for k, v in jstats.items()}
        elif bca:  # leave-one-out index sets, in chunks
            step = max(1, min(chunk_size, N))
            parts = []
            for start in range(0, N, step):
                rows = np.arange(start, min(start + step, N))
                cols = np.arange(N - 1)
                parts.append(work(cols[None, :] + (cols[None, :] >= rows[:, None]), N - 1))
            jok = np.concatenate([q[1] for q in parts])
            jack = {k: np.concatenate([q[0][k] for q in parts])[jok] for k in KINDS}
    ok = np.concatenate([r[1] for r in results])
    draws = {k: np.concatenate([r[0][k] for r in results])[ok] for k in KINDS}
    if sign_change == "individual":
        for k in KINDS:
            s = np.sign(theta[k])
            draws[k] = np.abs(draws[k]) * s
            if jack is not None:
                jack[k] = np.abs(jack[k]) * s
    tables = {k: _table(k, draws[k], theta[k], None if jack is None else jack[k], labels.names[k], level)
              for k in KINDS}
    frames = {k: pd.DataFrame(draws[k], columns=labels.names[k]) for k in KINDS}
    jack_frames = None if jack is None else {k: pd.DataFrame(jack[k], columns=labels.names[k]) for k in KINDS}
    return BootstrapResult(n=n, n_failed=int((~ok).sum()), seed=seed, sign_change=sign_change, level=level,
                           tables=tables, draws=frames, jackknife=jack_frames)
