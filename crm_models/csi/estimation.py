"""The numbers one PLS-PM fit leaves behind, as one public, immutable object.

:class:`PLSFit` is what :meth:`crm_models.csi.PLSPM.fit` learns (``model.estimation_``) and
what everything computed *after* the fit reads: the result tables of the model, the
measurement quality (:mod:`crm_models.csi.quality`), the bootstrap
(:mod:`crm_models.csi.bootstrap`), the 0-100 index (:mod:`crm_models.csi.index`), and the
saved model file.  It holds no survey rows: the items enter only through their means,
standard deviations and covariance matrix, which is all PLS-PM depends on (see
:mod:`crm_models.csi._kernel`).

Notation (``n`` respondents, ``p`` items, ``L`` constructs in the topological order of
``spec.lvs``; the items in ``spec.items`` order):

* treated items ``X = (x - item_mean) / item_sd`` when ``scaled``, else ``x - item_mean``
  (``item_sd`` the population standard deviation);
* ``C = X'X / n`` (p x p) and ``R`` the item correlation matrix;
* ``W`` (p x L) outer weights, construct scores ``Y = X W`` (unit population variance);
* ``xload`` (p x L) item-construct correlations (cross-loadings), ``RL = cor(Y)`` (L x L);
* ``P`` (L x L) path coefficients (row = target) and ``r2`` (L,) (0 for exogenous constructs).

Interaction constructs (moderation, :mod:`crm_models.csi.moderation`) are not standardised:
their score is on the scale of the product of the two constructs, ``lv_scale`` times the
unit-variance score, and the paths *from* them in ``P`` are the standardised ones divided by
``lv_scale`` (as seminr: ``lv_scale`` = the loading-weighted mean standard deviation of the
interaction's items, the standard deviation of the product term for a two-stage interaction).

With ``consistent=True`` (consistent PLS, Dijkstra & Henseler 2015) ``P`` and ``r2`` are
estimated from the disattenuated construct correlations :attr:`PLSFit.construct_correlations`
(``RL`` stays the correlation of the scores) and :attr:`PLSFit.loadings` are the consistent
loadings; see :func:`crm_models.csi._kernel.consistent`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any

import numpy as np

from crm_models.csi import _kernel
from crm_models.csi.spec import ModelSpec

__all__ = ["PLSFit", "interaction_scale", "orient_interactions"]

_ARRAYS = ("item_mean", "item_sd", "C", "R", "W", "xload", "RL", "P", "r2")


def interaction_scale(spec: ModelSpec, interactions: tuple[str, ...], item_sd: np.ndarray,
                      loadings: np.ndarray) -> np.ndarray:
    """``(B, L)`` scale of the construct scores (see :attr:`PLSFit.lv_scale`) for a stack of fits.

    ``item_sd`` and ``loadings`` are ``(B, p)`` (items in ``spec.items`` order).
    """
    B = item_sd.shape[0]
    scale = np.ones((B, spec.n_lvs))
    for name in interactions:
        j = spec.lvs.index(name)
        sl = spec.slices[j]
        a = np.abs(loadings[:, sl])
        scale[:, j] = (item_sd[:, sl] * a).sum(1) / a.sum(1)
    return scale


def orient_interactions(spec: ModelSpec, interactions: tuple[str, ...], pairs: tuple[tuple[str, str], ...],
                        res: _kernel.KernelResult, C: np.ndarray, item_sd: np.ndarray
                        ) -> _kernel.KernelResult:
    """Orient each multi-item interaction construct like the product of its two constructs' scores.

    The sign of a construct is arbitrary and the usual rule (most items load positively) means
    nothing for product items, so an interaction whose score correlated negatively with
    ``Y_focal * Y_moderator`` would report an interaction path of the wrong sign (and bootstrap
    draws would flip between the two). With standardised items ``z`` and product items
    ``p_ab = z_a z_b`` (or their residuals on the first-order items, which leaves the covariance
    with the interaction score unchanged), ``Y_focal Y_moderator = sum_ab w_a w_b p_ab``, so
    ``cov(Y_int, Y_focal Y_moderator) = sum_ab w_a w_b sd_ab C[ab, :] w_int``: the construct is
    reversed where that is negative. A single-item (two-stage) interaction is the product itself.
    ``res``, ``C`` (standardised item covariances) and ``item_sd`` are stacks (``B`` fits).
    """
    B = C.shape[0]
    flip = np.ones((B, spec.n_lvs))
    lvs = list(spec.lvs)
    for name, (focal, moderator) in zip(interactions, pairs, strict=True):
        j, jf, jm = lvs.index(name), lvs.index(focal), lvs.index(moderator)
        sl, sf, sm = spec.slices[j], spec.slices[jf], spec.slices[jm]
        if sl.stop - sl.start < 2:
            continue
        coef = (res.W[:, sf, jf][:, :, None] * res.W[:, sm, jm][:, None, :]).reshape(B, -1) * item_sd[:, sl]
        cov = np.einsum("ba,bak,bk->b", coef, C[:, sl, sl], res.W[:, sl, j])
        flip[:, j] = np.where(cov < 0, -1.0, 1.0)
    if (flip == 1).all():
        return res
    return _kernel.KernelResult(W=res.W * flip[:, None, :], converged=res.converged,
                                iterations=res.iterations, CW=res.CW * flip[:, None, :],
                                RL=res.RL * flip[:, :, None] * flip[:, None, :],
                                xload=res.xload * flip[:, None, :])


@dataclass(frozen=True, eq=False)
class PLSFit:
    """The fitted state of a PLS path model (arrays are read-only).

    Attributes
    ----------
    spec:
        The validated model (constructs in topological order).
    first_stage:
        With higher-order constructs estimated in two stages
        (:mod:`crm_models.csi.higher_order`), the stage-1 fit whose construct scores of the
        dimensions are the stage-2 items of the higher-order constructs; else None.
    interactions, interaction_pairs:
        Names of the interaction constructs (not standardised, see :attr:`lv_scale`) and the
        ``(focal, moderator)`` constructs of each.
    scheme, scaled, tol, max_iter, convergence, consistent:
        The settings the weights were estimated with (a bootstrap re-runs them);
        ``convergence`` is the stopping rule (``"max"`` or ``"plspm"``, see
        :class:`~crm_models.csi.PLSPM`); ``consistent``: PLSc correction of the reflective
        constructs.
    n_obs:
        Respondents used.
    iterations:
        Weight updates until convergence.
    item_mean, item_sd:
        ``(p,)`` mean and population standard deviation of each item (after the
        missing-value treatment).
    C, R:
        ``(p, p)`` covariance of the treated items, and the items' correlation matrix.
    W, xload:
        ``(p, L)`` outer weights (scores ``Y = X W``) and item-construct correlations.
    RL, P, r2:
        ``(L, L)`` construct score correlations, ``(L, L)`` path coefficients (row = target),
        ``(L,)`` R^2 (0 for exogenous constructs); with ``consistent`` the paths and R^2 are
        those of the disattenuated correlations.
    """

    spec: ModelSpec
    scheme: str
    scaled: bool
    tol: float
    max_iter: int
    n_obs: int
    iterations: int
    item_mean: np.ndarray
    item_sd: np.ndarray
    C: np.ndarray
    R: np.ndarray
    W: np.ndarray
    xload: np.ndarray
    RL: np.ndarray
    P: np.ndarray
    r2: np.ndarray
    convergence: str = "max"
    consistent: bool = False
    interactions: tuple[str, ...] = ()
    interaction_pairs: tuple[tuple[str, str], ...] = ()
    first_stage: PLSFit | None = None

    def __post_init__(self) -> None:
        for name in _ARRAYS:
            arr = np.array(getattr(self, name), dtype=float)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "interactions", tuple(str(i) for i in self.interactions))
        pairs = tuple((str(f), str(m)) for f, m in self.interaction_pairs)
        object.__setattr__(self, "interaction_pairs", pairs)

    # ------------------------------------------------------------------ derived quantities
    @property
    def weights(self) -> np.ndarray:
        """``(p,)`` outer weight of each item on its own construct."""
        return (self.W * self.spec.odm).sum(1)

    @property
    def lv_scale(self) -> np.ndarray:
        """``(L,)`` standard deviation of each construct's score on its items' scale (1 but interactions).

        For an interaction construct ``sum_i sd_i |l_i| / sum_i |l_i|`` over its items (``sd_i``
        the item's population standard deviation, ``l_i`` its loading): seminr's scale of an
        interaction term; for a single-item (two-stage) interaction the item's standard deviation.
        """
        return interaction_scale(self.spec, self.interactions, self.item_sd[None],
                                 (self.xload * self.spec.odm).sum(1)[None])[0]

    @property
    def standardised_weights(self) -> np.ndarray:
        """``(p, L)`` outer weights of the standardised items (``W`` times the item sds if not ``scaled``)."""
        return self.W if self.scaled else self.W * self.item_sd[:, None]

    @cached_property
    def _plsc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rho, RLc, lam = _kernel.consistent(self.R[None], self.standardised_weights[None], self.RL[None],
                                           self.spec, keep=self.interactions)
        return rho[0], RLc[0], (lam[0] * self.spec.odm).sum(1)

    @property
    def rho_a(self) -> np.ndarray:
        """``(L,)`` Dijkstra-Henseler rho_A of each construct (1 for mode B and single-item blocks)."""
        return self._plsc[0]

    @property
    def construct_correlations(self) -> np.ndarray:
        """``(L, L)`` the construct correlations the paths are estimated from.

        ``RL`` (the score correlations), or with ``consistent`` the disattenuated
        ``RL_ij / sqrt(rho_A_i rho_A_j)`` (diagonal 1).
        """
        return self._plsc[1] if self.consistent else self.RL

    @property
    def loadings(self) -> np.ndarray:
        """``(p,)`` loading of each item on its own construct.

        The item-score correlation, or with ``consistent`` the consistent loading
        ``w sqrt(rho_A) / (w'w)`` of the reflective blocks' items (Dijkstra & Henseler 2015).
        """
        if self.consistent:
            return self._plsc[2]
        return (self.xload * self.spec.odm).sum(1)

    @property
    def gof(self) -> float:
        """Goodness of fit ``sqrt(mean communality x mean R^2)`` (Tenenhaus et al. 2004).

        Communalities of blocks with more than one item, R^2 of endogenous constructs (as
        plspm's ``get_gof``); NaN when every block has a single item.
        """
        spec = self.spec
        comm = self.loadings ** 2
        multi = np.bincount(spec.block_index)[spec.block_index] > 1
        if not multi.any():
            return float("nan")
        return float(np.sqrt(comm[multi].mean() * self.r2[spec.endogenous].mean()))

    def treat(self, values: np.ndarray) -> np.ndarray:
        """Centre (and standardise when ``scaled``) item answers with the *fitted* means and sds."""
        X = np.asarray(values, dtype=float) - self.item_mean
        if self.scaled:
            X = X / self.item_sd
        return X

    def scores(self, values: np.ndarray) -> np.ndarray:
        """Construct scores ``treat(values) @ W`` of answers ``values`` (n x p, items in spec order)."""
        return self.treat(values) @ self.W

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """Plain numbers and arrays (for a saved model file); :meth:`from_dict` inverts it."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)
                               if f.name not in ("spec", "first_stage")}
        if self.first_stage is not None:
            out["first_stage"] = self.first_stage.to_dict()
        spec = self.spec
        out["spec"] = {"lvs": list(spec.lvs), "blocks": [list(b) for b in spec.blocks],
                       "modes": list(spec.modes), "path": np.asarray(spec.path)}
        return out

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> PLSFit:
        """Rebuild a :class:`PLSFit` from :meth:`to_dict`'s output."""
        state = dict(state)
        s = state.pop("spec")
        convergence = str(state.pop("convergence", "plspm"))  # files saved before the rule existed
        consistent = bool(state.pop("consistent", False))
        interactions = tuple(state.pop("interactions", ()))
        pairs = tuple(tuple(p) for p in state.pop("interaction_pairs", ()))
        first = state.pop("first_stage", None)
        spec = ModelSpec(lvs=tuple(s["lvs"]), blocks=tuple(tuple(b) for b in s["blocks"]),
                         modes=tuple(s["modes"]), path=np.asarray(s["path"], dtype=int))
        return cls(spec=spec, scheme=str(state.pop("scheme")), scaled=bool(state.pop("scaled")),
                   tol=float(state.pop("tol")), max_iter=int(state.pop("max_iter")),
                   n_obs=int(state.pop("n_obs")), iterations=int(state.pop("iterations")),
                   convergence=convergence, consistent=consistent, interactions=interactions,
                   interaction_pairs=pairs, first_stage=None if first is None else cls.from_dict(first),
                   **{k: np.asarray(v, dtype=float) for k, v in state.items()})
