"""Higher-order constructs of a PLS path model: the stage-1 model and the stage-2 items.

The method and its sources are described in :mod:`crm_models.csi.higher_order` (this module
is what :class:`~crm_models.csi.PLSPM` and the bootstrap need, so that the model does not
import the functions that read a fitted model).

Names: the *dimensions* (lower-order constructs) of a higher-order construct (HOC) are
ordinary blocks of survey items. In the repeated-indicators model the HOC is measured by
copies of all its dimensions' items, named ``"{item}@{HOC}"``; in the two-stage model's
second stage the HOC is measured by one item per dimension, named like the dimension, whose
values are the dimension's stage-1 construct scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from crm_models.csi import _kernel
from crm_models.csi.estimation import PLSFit
from crm_models.csi.spec import ModelSpec, PathsLike, _normalise_paths, build_spec
from crm_models.errors import ConvergenceError, ModelSpecificationError

__all__ = ["HOC_METHODS", "HigherOrder", "HigherOrderDesign", "build_hoc_design", "repeated_name"]

HOC_METHODS = ("two_stage", "repeated_indicators")


def repeated_name(item: str, hoc: str) -> str:
    """Name of the copy of ``item`` that measures the higher-order construct ``hoc`` (repeated indicators)."""
    return f"{item}@{hoc}"


@dataclass(frozen=True)
class HigherOrder:
    """One higher-order construct ``name`` and its dimensions (lower-order constructs)."""

    name: str
    dimensions: tuple[str, ...]


@dataclass(frozen=True)
class HigherOrderDesign:
    """How the items of the model with higher-order constructs are computed from the survey items.

    Attributes
    ----------
    method:
        One of :data:`HOC_METHODS`.
    constructs:
        The higher-order constructs.
    base_items:
        The survey items (every block given, the dimensions' included), in the order
        :meth:`augment` expects them.
    stage1:
        ``"two_stage"``: the stage-1 model, the user's model with each HOC replaced by its
        dimensions (every antecedent of the HOC points to each dimension, each dimension to
        every outcome of the HOC), as seminr; ``"repeated_indicators"``: the model itself,
        each HOC measured by copies of all its dimensions' items, with a path from each
        dimension to its HOC.
    stage1_columns:
        Position in :attr:`base_items` of each item of ``stage1.items``.
    paths, blocks, modes:
        The model the full estimation runs on (before interactions are added): for
        ``"two_stage"`` the stage-2 model (dimensions dropped, each HOC measured by its
        dimensions' scores), for ``"repeated_indicators"`` the stage-1 model.
    scheme, tol, max_iter, rule:
        Settings of the stage-1 estimation (those of the full model).
    """

    method: str
    constructs: tuple[HigherOrder, ...]
    base_items: tuple[str, ...]
    stage1: ModelSpec
    stage1_columns: tuple[int, ...]
    paths: tuple[tuple[str, str], ...]
    blocks: dict[str, list[str]]
    modes: dict[str, str]
    scheme: str
    tol: float
    max_iter: int
    rule: str

    @property
    def items(self) -> list[str]:
        """The items of :attr:`blocks`, block after block (the order :meth:`augment` returns)."""
        return [it for items in self.blocks.values() for it in items]

    @property
    def dimensions(self) -> list[str]:
        return [d for h in self.constructs for d in h.dimensions]

    def columns_of(self, items: Sequence[str]) -> list[int]:
        """Position in :attr:`base_items` of each of the stage-1 ``items`` (a copy: of its original)."""
        where = dict(zip(self.stage1.items, self.stage1_columns, strict=True))
        return [where[it] for it in items]

    def stage1_scores(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, _kernel.KernelResult]:
        """Stage-1 construct scores (unit population variance) of a stack of samples.

        ``raw`` is ``(B, n, p0)`` answers to :attr:`base_items`; returns the ``(B, n, L1)``
        scores (``stage1.lvs`` order), ``(B,)`` False where the stage-1 fit failed, and the
        kernel result.
        """
        raw = np.asarray(raw, dtype=float)
        n = raw.shape[1]
        Z1 = raw[:, :, list(self.stage1_columns)]
        mean = Z1.mean(1, keepdims=True)
        sd = Z1.std(1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            Z1 = (Z1 - mean) / sd
        C1 = np.swapaxes(Z1, 1, 2) @ Z1 / n
        bad = ~np.isfinite(C1).all((1, 2))
        C1[bad] = np.eye(C1.shape[-1])
        res = _kernel.estimate(C1, self.stage1, n, scheme=self.scheme, tol=self.tol, max_iter=self.max_iter,
                               rule=self.rule)
        with np.errstate(invalid="ignore"):
            scores = np.where(bad[:, None, None], 0.0, Z1) @ res.W
        return scores, res.converged & ~bad, res

    def augment(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The items of :attr:`blocks` (:attr:`items` order) from the survey items, for a stack of samples.

        Parameters
        ----------
        raw:
            ``(B, n, p0)`` answers to :attr:`base_items`.

        Returns
        -------
        items, ok:
            ``(B, n, p)`` the items of :attr:`items`, and ``(B,)`` False where stage 1 did
            not converge (``"two_stage"``).
        """
        raw = np.asarray(raw, dtype=float)
        B, n, _ = raw.shape
        if self.method == "repeated_indicators":
            return raw[:, :, self.columns_of(self.items)], np.ones(B, dtype=bool)
        scores, ok, _ = self.stage1_scores(raw)
        lvs = list(self.stage1.lvs)
        pos = {it: k for k, it in enumerate(self.base_items)}
        dims = set(self.dimensions)
        out = np.empty((B, n, len(self.items)))
        for k, it in enumerate(self.items):
            out[:, :, k] = scores[:, :, lvs.index(it)] if it in dims else raw[:, :, pos[it]]
        return out, ok

    def first_stage(self, raw: np.ndarray) -> PLSFit:
        """The stage-1 fit on the survey answers ``raw`` (n x p0), as a :class:`PLSFit`."""
        raw = np.asarray(raw, dtype=float)
        n = raw.shape[0]
        _, ok, res = self.stage1_scores(raw[None])
        if not ok[0]:
            raise ConvergenceError("the stage-1 model of the higher-order constructs (their dimensions in "
                                   "its place) "
                                   "did not converge; try a larger max_iter or another scheme")
        values = raw[:, list(self.stage1_columns)]
        mean, sd = values.mean(0), values.std(0)
        X = (values - mean) / sd
        C = X.T @ X / n
        P, r2 = _kernel.structural(res.RL, self.stage1)
        return PLSFit(spec=self.stage1, scheme=self.scheme, scaled=True, tol=self.tol, max_iter=self.max_iter,
                      convergence=self.rule, n_obs=n, iterations=int(res.iterations[0]), item_mean=mean,
                      item_sd=sd, C=C, R=C, W=res.W[0], xload=res.xload[0], RL=res.RL[0], P=P[0], r2=r2[0])


def _parse(higher_order: Mapping[str, Sequence[str]], blocks: Mapping[str, list[str]]) -> list[HigherOrder]:
    if not isinstance(higher_order, Mapping) or not higher_order:
        raise ModelSpecificationError(
            "higher_order must be a non-empty dict {higher-order construct: [its dimensions]}, e.g. "
            f"{{'SAT': ['IMAG', 'VAL']}}; got {higher_order!r}")
    names = [str(h) for h in higher_order]
    all_items = {it for items in blocks.values() for it in items}
    parsed: list[HigherOrder] = []
    seen: dict[str, str] = {}
    for hoc, dims in higher_order.items():
        hoc = str(hoc)
        if isinstance(dims, str) or not isinstance(dims, Sequence):
            raise ModelSpecificationError(
                f"higher_order[{hoc!r}] must be a list of its dimensions (constructs), got {dims!r}")
        dims = [str(d) for d in dims]
        if hoc in blocks:
            raise ModelSpecificationError(
                f"higher-order construct {hoc!r} also has a block of items; a higher-order construct is "
                "measured through its dimensions: remove it from blocks, or give it another name")
        if hoc in all_items:
            raise ModelSpecificationError(f"higher-order construct name {hoc!r} is already an item name")
        if hoc in dims:
            raise ModelSpecificationError(
                f"higher-order construct {hoc!r} is listed as a dimension of itself")
        if len(set(dims)) != len(dims):
            raise ModelSpecificationError(f"higher_order[{hoc!r}] lists a dimension twice: {dims}")
        if len(dims) < 2:
            raise ModelSpecificationError(
                f"higher-order construct {hoc!r} has {len(dims)} dimension(s) {dims}; it needs at least 2 "
                "(with one dimension it is that construct itself)")
        nested = [d for d in dims if d in names]
        if nested:
            raise ModelSpecificationError(
                f"dimension(s) {nested} of {hoc!r} are higher-order constructs themselves; third-order "
                "models are not supported")
        unknown = [d for d in dims if d not in blocks]
        if unknown:
            raise ModelSpecificationError(
                f"dimension(s) {unknown} of higher-order construct {hoc!r} have no block of items; "
                f"the dimensions must be constructs of blocks: {list(blocks)}")
        for d in dims:
            if d in seen:
                raise ModelSpecificationError(
                    f"construct {d!r} is a dimension of both {seen[d]!r} and {hoc!r}; each dimension belongs "
                    "to one higher-order construct")
            seen[d] = hoc
            if d in all_items:
                raise ModelSpecificationError(
                    f"dimension {d!r} is also an item name; in stage 2 its scores are an item of {hoc!r} "
                    "under that name: rename the construct or the item")
        parsed.append(HigherOrder(name=hoc, dimensions=tuple(dims)))
    return parsed


def build_hoc_design(paths: PathsLike, blocks: Mapping[str, Sequence[str] | str],
                     modes: Mapping[str, str] | Sequence[str] | None,
                     higher_order: Mapping[str, Sequence[str]], method: str = "two_stage",
                     interactions: Sequence[str] = (), scheme: str = "centroid",
                     tol: float = 1e-10, max_iter: int = 300, rule: str = "max") -> HigherOrderDesign:
    """Validate the higher-order constructs of a model and return its :class:`HigherOrderDesign`.

    ``interactions`` are the names of interaction constructs (their paths are left out of
    stage 1, as the interaction items are built from the stage-2 model). Raises
    :class:`~crm_models.errors.ModelSpecificationError` for an unknown method, a dimension
    that is not a block, a HOC with fewer than two dimensions, a HOC that is a dimension of
    itself or of another HOC, a HOC name that is a block or an item, a dimension with
    structural paths of its own, or a HOC the paths do not use.
    """
    if method not in HOC_METHODS:
        raise ModelSpecificationError(f"hoc_method={method!r} is not one of {HOC_METHODS}")
    if not isinstance(blocks, Mapping) or not blocks:
        raise ModelSpecificationError("blocks must be a non-empty dict {construct: [items]}")
    base_blocks = {str(lv): [items] if isinstance(items, str) else [str(i) for i in items]
                   for lv, items in blocks.items()}
    hocs = _parse(higher_order, base_blocks)
    edges = _normalise_paths(paths)
    dims = {d: h.name for h in hocs for d in h.dimensions}
    for s, t in edges:
        for c in (s, t):
            if c in dims:
                raise ModelSpecificationError(
                    f"dimension {c!r} of higher-order construct {dims[c]!r} has a path of its own "
                    f"({s} -> {t}); "
                    f"its structural relations go through {dims[c]!r}: use {dims[c]!r} in paths")
    for h in hocs:
        if not any(h.name in e for e in edges):
            raise ModelSpecificationError(
                f"higher-order construct {h.name!r} is not used in the paths; add paths to or from it")
    if modes is not None and not isinstance(modes, Mapping):
        raise ModelSpecificationError("with higher_order give modes as a dict {construct: 'A' | 'B'}")
    mode_map = {str(k): str(v) for k, v in (modes or {}).items()}
    inters = set(map(str, interactions))

    known = set(base_blocks) | {h.name for h in hocs} | inters
    unknown = sorted({c for e in edges for c in e} - known)
    if unknown:
        raise ModelSpecificationError(
            f"construct(s) {unknown} appear in paths but have no block of items and are not higher-order "
            f"constructs; known constructs: {sorted(known)}")
    base_items = tuple(it for items in base_blocks.values() for it in items)
    pos = {it: k for k, it in enumerate(base_items)}
    plain = [e for e in edges if e[0] not in inters and e[1] not in inters]
    if method == "repeated_indicators":  # the HOC measured by copies of its dimensions' items
        blocks1 = dict(base_blocks)
        for h in hocs:
            blocks1[h.name] = [repeated_name(it, h.name) for d in h.dimensions for it in base_blocks[d]]
        taken = set(base_items) | set(base_blocks)
        clash = sorted({it for h in hocs for it in blocks1[h.name]} & taken)
        if clash:
            raise ModelSpecificationError(
                f"the repeated-indicator name {clash[0]!r} is already used; rename that item")
        edges1 = plain + [(d, h.name) for h in hocs for d in h.dimensions]
        stage1 = build_spec(edges1, blocks1, mode_map)
        origin = {repeated_name(it, h.name): it for h in hocs for d in h.dimensions for it in base_blocks[d]}
        columns = tuple(pos[origin.get(it, it)] for it in stage1.items)
        out_paths = tuple(edges1 + [e for e in edges if e not in plain])
        out_blocks, out_modes = blocks1, mode_map
    else:  # seminr's two-stage: in stage 1 each HOC is replaced by its dimensions
        members = {h.name: list(h.dimensions) for h in hocs}
        edges1 = list(dict.fromkeys((a, b) for s, t in plain for a in members.get(s, [s])
                                    for b in members.get(t, [t])))
        stage1 = build_spec(edges1, base_blocks, {lv: m for lv, m in mode_map.items() if lv in base_blocks})
        columns = tuple(pos[it] for it in stage1.items)
        out_blocks = {lv: items for lv, items in base_blocks.items() if lv not in dims}
        for h in hocs:
            out_blocks[h.name] = list(h.dimensions)
        out_paths = tuple(edges)
        out_modes = {lv: m for lv, m in mode_map.items() if lv not in dims}
    return HigherOrderDesign(method=method, constructs=tuple(hocs), base_items=base_items, stage1=stage1,
                             stage1_columns=columns, paths=out_paths, blocks=out_blocks, modes=out_modes,
                             scheme=scheme, tol=float(tol), max_iter=int(max_iter), rule=rule)
