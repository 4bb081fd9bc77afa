"""The interaction constructs of a moderated PLS path model: their items, for a stack of samples.

The method and its sources are described in :mod:`crm_models.csi.moderation` (the public
functions live there; this module is what :class:`~crm_models.csi.PLSPM` and the bootstrap
need, so that the model does not import the functions that read a fitted model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from crm_models.csi import _kernel
from crm_models.csi.spec import ModelSpec, PathsLike, _normalise_paths, build_spec
from crm_models.errors import ModelSpecificationError

__all__ = ["INTERACTION_METHODS", "Interaction", "InteractionDesign", "build_design"]

INTERACTION_METHODS = ("two_stage", "product_indicator", "orthogonal")


@dataclass(frozen=True)
class Interaction:
    """One interaction construct ``name`` = ``focal`` x ``moderator`` and its item names."""

    name: str
    focal: str
    moderator: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class InteractionDesign:
    """How the items of the interaction constructs are computed from the other items.

    Attributes
    ----------
    method:
        One of :data:`INTERACTION_METHODS`.
    interactions:
        The interaction constructs.
    base_items:
        The items read from the survey (every block but the interactions), in the order
        :meth:`augment` expects them.
    spec:
        The full model (with the interaction constructs).
    stage1:
        The model without the interaction constructs (two-stage approach only).
    scheme, tol, max_iter, rule:
        Settings of the stage-1 estimation (those of the full model).
    """

    method: str
    interactions: tuple[Interaction, ...]
    base_items: tuple[str, ...]
    spec: ModelSpec
    stage1: ModelSpec | None
    scheme: str
    tol: float
    max_iter: int
    rule: str

    def augment(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All items of the full model from the survey items, for a stack of samples.

        Parameters
        ----------
        raw:
            ``(B, n, p0)`` answers to :attr:`base_items` (``B`` samples, e.g. bootstrap
            resamples, of ``n`` respondents).

        Returns
        -------
        items, ok:
            ``(B, n, p)`` the items of ``spec.items`` (survey items and interaction items),
            and ``(B,)`` False where stage 1 did not converge (two-stage only).
        """
        raw = np.asarray(raw, dtype=float)
        B, n, _ = raw.shape
        pos = {it: k for k, it in enumerate(self.base_items)}
        mean = raw.mean(1, keepdims=True)
        sd = raw.std(1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            Z = (raw - mean) / sd
        ok = np.ones(B, dtype=bool)
        values: dict[str, np.ndarray] = {}
        if self.method == "two_stage":
            assert self.stage1 is not None
            cols = [pos[it] for it in self.stage1.items]
            Z1 = Z[:, :, cols]
            C1 = np.swapaxes(Z1, 1, 2) @ Z1 / n
            bad = ~np.isfinite(C1).all((1, 2))
            C1[bad] = np.eye(len(cols))
            res = _kernel.estimate(C1, self.stage1, n, scheme=self.scheme, tol=self.tol,
                                   max_iter=self.max_iter, rule=self.rule)
            ok = res.converged & ~bad
            scores = Z1 @ res.W  # unit population variance
            lvs = list(self.stage1.lvs)
            for inter in self.interactions:
                a, b = lvs.index(inter.focal), lvs.index(inter.moderator)
                values[inter.items[0]] = scores[:, :, a] * scores[:, :, b]
        else:
            blocks = dict(zip(self.spec.lvs, self.spec.blocks, strict=True))
            for inter in self.interactions:
                ia = [pos[it] for it in blocks[inter.focal]]
                ib = [pos[it] for it in blocks[inter.moderator]]
                ZA, ZB = Z[:, :, ia], Z[:, :, ib]
                prod = (ZA[:, :, :, None] * ZB[:, :, None, :]).reshape(B, n, len(ia) * len(ib))
                if self.method == "orthogonal":
                    D = np.concatenate([np.ones((B, n, 1)), ZA, ZB], axis=2)
                    DtD = np.swapaxes(D, 1, 2) @ D
                    good = np.isfinite(DtD).all((1, 2))
                    DtD[~good] = np.eye(DtD.shape[-1])
                    coef = np.linalg.solve(DtD, np.swapaxes(D, 1, 2) @ prod)
                    prod = prod - D @ coef
                    ok &= good
                for k, name in enumerate(inter.items):
                    values[name] = prod[:, :, k]
        out = np.empty((B, n, len(self.spec.items)))
        for k, it in enumerate(self.spec.items):
            out[:, :, k] = values[it] if it in values else raw[:, :, pos[it]]
        return out, ok


def _interaction_items(method: str, name: str, a_items: Sequence[str], b_items: Sequence[str]
                       ) -> tuple[str, ...]:
    if method == "two_stage":
        return (f"{name}_intxn",)  # seminr's name of the single item
    return tuple(f"{ia}*{ib}" for ia in a_items for ib in b_items)


def build_design(paths: PathsLike, blocks: Mapping[str, Sequence[str] | str],
                 modes: Mapping[str, str] | Sequence[str] | None, interactions: Mapping[str, Sequence[str]],
                 method: str = "two_stage", scheme: str = "centroid", tol: float = 1e-10,
                 max_iter: int = 300, rule: str = "max") -> InteractionDesign:
    """Validate the interactions of a model and return its :class:`InteractionDesign`.

    Raises :class:`~crm_models.errors.ModelSpecificationError` for an unknown method, an
    interaction of an unknown construct or of a construct with itself, an interaction name
    that is already a construct or item, or that the paths do not use as a predictor, or
    an interaction used as a target.
    """
    if method not in INTERACTION_METHODS:
        raise ModelSpecificationError(f"interaction_method={method!r} is not one of {INTERACTION_METHODS}")
    if not isinstance(interactions, Mapping) or not interactions:
        raise ModelSpecificationError(
            "interactions must be a non-empty dict {name: (focal construct, moderator construct)}, "
            f"e.g. {{'IMAG*EXPE': ('IMAG', 'EXPE')}}; got {interactions!r}")
    if not isinstance(blocks, Mapping) or not blocks:
        raise ModelSpecificationError("blocks must be a non-empty dict {construct: [items]}")
    base_blocks = {str(lv): [items] if isinstance(items, str) else [str(i) for i in items]
                   for lv, items in blocks.items()}
    all_items = {it for items in base_blocks.values() for it in items}
    parsed: list[Interaction] = []
    for name, pair in interactions.items():
        name = str(name)
        if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ModelSpecificationError(
                f"interactions[{name!r}] must be a pair (focal construct, moderator construct), got {pair!r}")
        focal, moderator = str(pair[0]), str(pair[1])
        unknown = [c for c in (focal, moderator) if c not in base_blocks]
        if unknown:
            raise ModelSpecificationError(
                f"interaction {name!r} uses construct(s) {unknown} that have no block of items; "
                f"known constructs: {list(base_blocks)} (an interaction of interactions is not supported)")
        if focal == moderator:
            raise ModelSpecificationError(
                f"interaction {name!r} multiplies construct {focal!r} with itself; a quadratic effect is "
                "not a moderation: give two different constructs")
        if name in base_blocks or name in all_items:
            raise ModelSpecificationError(
                f"interaction name {name!r} is already a construct or an item; choose another name")
        items = _interaction_items(method, name, base_blocks[focal], base_blocks[moderator])
        clash = sorted(set(items) & (all_items | set(base_blocks)))
        if clash:
            raise ModelSpecificationError(
                f"the item name {clash[0]!r} of interaction {name!r} is already used in the blocks; "
                "rename that item")
        parsed.append(Interaction(name=name, focal=focal, moderator=moderator, items=items))
    names = {i.name for i in parsed}
    edges = _normalise_paths(paths)
    for inter in parsed:
        if any(t == inter.name for _, t in edges):
            raise ModelSpecificationError(
                f"interaction {inter.name!r} is a target in the paths; an interaction term can only "
                "predict other constructs")
        if not any(s == inter.name for s, _ in edges):
            raise ModelSpecificationError(
                f"interaction {inter.name!r} is not used in the paths; add it as a predictor, e.g. "
                f"{{target: [{inter.focal!r}, {inter.moderator!r}, {inter.name!r}]}}")
    full_blocks: dict[str, list[str]] = dict(base_blocks)
    full_blocks.update({i.name: list(i.items) for i in parsed})
    if modes is not None and not isinstance(modes, Mapping):
        raise ModelSpecificationError("with interactions give modes as a dict {construct: 'A' | 'B'}")
    mode_map = dict(modes or {})
    given = sorted(set(map(str, mode_map)) & names)
    if given:
        raise ModelSpecificationError(f"interaction(s) {given} take mode A; do not give them a mode")
    spec = build_spec(edges, full_blocks, mode_map)
    stage1 = None
    if method == "two_stage":
        stage1 = build_spec([e for e in edges if e[0] not in names], base_blocks, mode_map)
    base_items = tuple(it for items in base_blocks.values() for it in items)
    return InteractionDesign(method=method, interactions=tuple(parsed), base_items=base_items, spec=spec,
                             stage1=stage1, scheme=scheme, tol=float(tol), max_iter=int(max_iter), rule=rule)
