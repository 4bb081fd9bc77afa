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
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from crm_models.csi.spec import ModelSpec

__all__ = ["PLSFit"]

_ARRAYS = ("item_mean", "item_sd", "C", "R", "W", "xload", "RL", "P", "r2")


@dataclass(frozen=True, eq=False)
class PLSFit:
    """The fitted state of a PLS path model (arrays are read-only).

    Attributes
    ----------
    spec:
        The validated model (constructs in topological order).
    scheme, scaled, tol, max_iter, convergence:
        The settings the weights were estimated with (a bootstrap re-runs them);
        ``convergence`` is the stopping rule (``"max"`` or ``"plspm"``, see
        :class:`~crm_models.csi.PLSPM`).
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
        ``(L, L)`` construct correlations, ``(L, L)`` path coefficients (row = target),
        ``(L,)`` R^2 (0 for exogenous constructs).
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

    def __post_init__(self) -> None:
        for name in _ARRAYS:
            arr = np.array(getattr(self, name), dtype=float)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    # ------------------------------------------------------------------ derived quantities
    @property
    def weights(self) -> np.ndarray:
        """``(p,)`` outer weight of each item on its own construct."""
        return (self.W * self.spec.odm).sum(1)

    @property
    def loadings(self) -> np.ndarray:
        """``(p,)`` loading: correlation of each item with its own construct."""
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
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "spec"}
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
        spec = ModelSpec(lvs=tuple(s["lvs"]), blocks=tuple(tuple(b) for b in s["blocks"]),
                         modes=tuple(s["modes"]), path=np.asarray(s["path"], dtype=int))
        return cls(spec=spec, scheme=str(state.pop("scheme")), scaled=bool(state.pop("scaled")),
                   tol=float(state.pop("tol")), max_iter=int(state.pop("max_iter")),
                   n_obs=int(state.pop("n_obs")), iterations=int(state.pop("iterations")),
                   convergence=convergence,
                   **{k: np.asarray(v, dtype=float) for k, v in state.items()})
