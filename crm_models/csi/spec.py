"""Model specification of a PLS path model: blocks, structural paths, measurement modes.

A :class:`ModelSpec` is built from the user's dictionaries and validated once:

* ``paths`` maps each target construct to the list of its predictors
  (``{"SAT": ["IMAG", "EXPE"]}``), or is an iterable of ``(source, target)`` pairs;
* ``blocks`` maps each construct to its manifest variables (survey items);
* ``modes`` maps constructs to ``"A"`` (reflective, correlation weights) or ``"B"``
  (formative, regression weights); unspecified constructs are mode A.

Constructs are put in a topological order of the structural model (ties broken by the
order of ``blocks``), so that the path matrix is lower triangular as in R plspm.
Problems raise :class:`~crm_models.errors.ModelSpecificationError` naming the construct or
item: a cycle in the paths, an item in two blocks, a construct without items or without
any path, a single-item block in mode B, an unknown mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from crm_models.errors import ModelSpecificationError

__all__ = ["ModelSpec", "build_spec"]

PathsLike = Mapping[str, Sequence[str] | str] | Iterable[tuple[str, str]]


@dataclass(frozen=True)
class ModelSpec:
    """A validated PLS path model.

    Attributes
    ----------
    lvs:
        Construct names in topological order.
    blocks:
        Items of each construct (same order as ``lvs``).
    modes:
        ``"A"`` or ``"B"`` per construct.
    path:
        ``(L, L)`` 0/1 matrix, ``path[i, j] = 1`` when construct ``j`` points to ``i``
        (strictly lower triangular).
    """

    lvs: tuple[str, ...]
    blocks: tuple[tuple[str, ...], ...]
    modes: tuple[str, ...]
    path: np.ndarray

    @property
    def items(self) -> list[str]:
        """All manifest variables, block after block."""
        return [it for block in self.blocks for it in block]

    @property
    def n_lvs(self) -> int:
        return len(self.lvs)

    @property
    def block_index(self) -> np.ndarray:
        """Index of the block of each item, shape ``(p,)``."""
        return np.repeat(np.arange(self.n_lvs), [len(b) for b in self.blocks])

    @property
    def slices(self) -> list[slice]:
        """Column slice of each block in the item order."""
        out, start = [], 0
        for block in self.blocks:
            out.append(slice(start, start + len(block)))
            start += len(block)
        return out

    @property
    def odm(self) -> np.ndarray:
        """Outer design matrix ``(p, L)``: 1 where item belongs to construct."""
        odm = np.zeros((len(self.items), self.n_lvs))
        odm[np.arange(len(self.items)), self.block_index] = 1.0
        return odm

    @property
    def endogenous(self) -> list[int]:
        """Indices of constructs with at least one predictor."""
        return [i for i in range(self.n_lvs) if self.path[i].any()]

    def predecessors(self, i: int) -> np.ndarray:
        return np.flatnonzero(self.path[i])

    def edges(self) -> list[tuple[str, str]]:
        """Structural paths ``(source, target)``, by target then source in construct order."""
        return [(self.lvs[j], self.lvs[i]) for i in range(self.n_lvs) for j in self.predecessors(i)]

    def as_paths(self) -> dict[str, list[str]]:
        """Paths back in the ``{target: [predictors]}`` form."""
        return {self.lvs[i]: [self.lvs[j] for j in self.predecessors(i)] for i in self.endogenous}


def _normalise_paths(paths: PathsLike) -> list[tuple[str, str]]:
    edges: list[tuple[str, str]] = []
    if isinstance(paths, Mapping):
        for target, preds in paths.items():
            if isinstance(preds, str):
                preds = [preds]
            if not isinstance(preds, Iterable):
                raise ModelSpecificationError(
                    f"paths[{target!r}] must be a list of predictor constructs, got {preds!r}")
            for src in preds:
                edges.append((str(src), str(target)))
    else:
        try:
            pairs = list(paths)
        except TypeError as exc:
            raise ModelSpecificationError(
                "paths must be a dict {target: [predictors]} or a list of (source, target) pairs") from exc
        for pair in pairs:
            if isinstance(pair, str) or len(pair) != 2:
                raise ModelSpecificationError(f"path {pair!r} is not a (source, target) pair")
            edges.append((str(pair[0]), str(pair[1])))
    if not edges:
        raise ModelSpecificationError("the structural model has no paths")
    for src, tgt in edges:
        if src == tgt:
            raise ModelSpecificationError(f"construct {src!r} cannot point to itself")
    return edges


def _find_cycle(nodes: list[str], edges: list[tuple[str, str]]) -> list[str] | None:
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for s, t in edges:
        succ[s].append(t)
    state = dict.fromkeys(nodes, 0)  # 0 new, 1 on stack, 2 done
    stack: list[str] = []

    def visit(u: str) -> list[str] | None:
        state[u] = 1
        stack.append(u)
        for v in succ[u]:
            if state[v] == 1:
                return stack[stack.index(v):] + [v]
            if state[v] == 0:
                found = visit(v)
                if found:
                    return found
        stack.pop()
        state[u] = 2
        return None

    for n in nodes:
        if state[n] == 0:
            cyc = visit(n)
            if cyc:
                return cyc
    return None


def build_spec(paths: PathsLike, blocks: Mapping[str, Sequence[str] | str],
               modes: Mapping[str, str] | Sequence[str] | None = None) -> ModelSpec:
    """Validate the user's model and return a :class:`ModelSpec` (constructs in topological order)."""
    if not isinstance(blocks, Mapping) or not blocks:
        raise ModelSpecificationError("blocks must be a non-empty dict {construct: [items]}")
    block_lists: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for lv, items in blocks.items():
        lv = str(lv)
        if isinstance(items, str):
            items = [items]
        items = [str(i) for i in items]
        if not items:
            raise ModelSpecificationError(f"block {lv!r} has no items")
        for it in items:
            if it in owner:
                where = "twice in block" if owner[it] == lv else f"in blocks {owner[it]!r} and"
                raise ModelSpecificationError(f"item {it!r} appears {where} {lv!r}; each item "
                                              "must measure exactly one construct")
            owner[it] = lv
        block_lists[lv] = items
    clash = sorted(set(owner) & set(block_lists))
    if clash:
        raise ModelSpecificationError(f"{clash[0]!r} is used both as a construct and as an item name")

    edges = _normalise_paths(paths)
    unknown = sorted({n for e in edges for n in e} - set(block_lists))
    if unknown:
        raise ModelSpecificationError(
            f"construct(s) {unknown} appear in paths but have no block of items; "
            f"known constructs: {list(block_lists)}")
    edges = list(dict.fromkeys(edges))  # drop duplicates, keep order
    order_hint = list(block_lists)
    linked = {n for e in edges for n in e}
    isolated = [lv for lv in order_hint if lv not in linked]
    if isolated:
        raise ModelSpecificationError(
            f"construct(s) {isolated} have no structural path; every construct must be linked "
            "to at least one other (PLS inner weights would be zero)")
    cycle = _find_cycle(order_hint, edges)
    if cycle:
        raise ModelSpecificationError("the paths contain a cycle: " + " -> ".join(cycle)
                                      + "; PLS path models must be recursive (acyclic)")

    # Kahn's topological sort, ties broken by the order of `blocks`
    preds = {n: {s for s, t in edges if t == n} for n in order_hint}
    done: list[str] = []
    remaining = list(order_hint)
    while remaining:
        for n in remaining:
            if preds[n] <= set(done):
                done.append(n)
                remaining.remove(n)
                break
    pos = {n: i for i, n in enumerate(done)}
    L = len(done)
    path = np.zeros((L, L), dtype=int)
    for s, t in edges:
        path[pos[t], pos[s]] = 1

    if modes is None:
        mode_map: dict[str, str] = {}
    elif isinstance(modes, Mapping):
        mode_map = {str(k): v for k, v in modes.items()}
        bad = sorted(set(mode_map) - set(block_lists))
        if bad:
            raise ModelSpecificationError(f"modes given for unknown construct(s) {bad}")
    else:
        modes = list(modes)
        if len(modes) != len(order_hint):
            raise ModelSpecificationError(
                f"modes has {len(modes)} entries for {len(order_hint)} blocks")
        mode_map = dict(zip(order_hint, modes, strict=True))
    mode_list = []
    for lv in done:
        m = str(mode_map.get(lv, "A")).upper()
        if m not in ("A", "B"):
            raise ModelSpecificationError(
                f"mode {mode_map.get(lv)!r} for construct {lv!r} is not 'A' (reflective) or 'B' (formative)")
        if m == "B" and len(block_lists[lv]) < 2:
            raise ModelSpecificationError(
                f"construct {lv!r} has a single item and cannot be estimated in mode B; "
                "use mode A (with one item both modes give the item itself)")
        mode_list.append(m)
    return ModelSpec(lvs=tuple(done), blocks=tuple(tuple(block_lists[lv]) for lv in done),
                     modes=tuple(mode_list), path=path)
