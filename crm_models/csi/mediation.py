"""Mediation in PLS path models: specific indirect effects and the mediation type.

A *specific indirect effect* of ``X`` on ``Y`` through the mediators ``M_1, ..., M_k`` is the
product of the path coefficients along the chain ``X -> M_1 -> ... -> M_k -> Y``; the total
indirect effect of ``X`` on ``Y`` (``effects_["indirect"]``, from ``(I - B)^{-1} - I - B``) is
the sum of the specific indirect effects over all chains from ``X`` to ``Y`` (the series
``B^2 + B^3 + ...`` of a recursive model counts every directed path once).

Inference follows Preacher & Hayes (2008) and Nitzl, Roldan & Cepeda (2016): the specific
effect is computed in every bootstrap resample from that resample's path coefficients
(``BootstrapResult.draws["paths"]``), giving the bootstrap mean, standard error, t and p value,
the percentile interval and, when the bootstrap kept its jackknife fits (``bca=True``), the
BCa interval (Efron 1987, as for the other bootstrapped statistics).

Mediation type (Zhao, Lynch & Chen 2010, "Reconsidering Baron and Kenny", Journal of Consumer
Research 37; applied to PLS by Nitzl, Roldan & Cepeda 2016), from whether the bootstrap
intervals of the indirect effect ``a x b`` and of the direct effect ``c`` of ``X`` on ``Y``
exclude 0:

* indirect significant, direct not (or no direct path): ``"indirect-only"`` (full mediation);
* both significant with the same sign of ``a x b x c``: ``"complementary"`` (partial mediation);
* both significant with opposite signs: ``"competitive"``;
* direct significant, indirect not: ``"direct-only"`` (no mediation);
* neither: ``"no effect"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_models.csi._intervals import _table
from crm_models.errors import ModelSpecificationError

# a crm_models.csi.bootstrap.BootstrapResult (whose methods call this module, so not imported here)
BootstrapResult = Any

__all__ = ["MEDIATION_TYPES", "INTERVALS", "chains", "specific_effect", "specific_effects", "mediation_table",
           "mediation_type"]

MEDIATION_TYPES = ("indirect-only", "complementary", "competitive", "direct-only", "no effect")
INTERVALS = ("percentile", "bca")
_SEP = " -> "


def _edges(boot: BootstrapResult) -> tuple[list[str], dict[str, list[str]]]:
    """Constructs (in the model's order) and successors, read from the bootstrapped paths."""
    nodes: list[str] = []
    succ: dict[str, list[str]] = {}
    for label in boot.paths.index:
        src, tgt = label.split(_SEP)
        for v in (src, tgt):
            if v not in succ:
                succ[v] = []
                nodes.append(v)
        succ[src].append(tgt)
    return nodes, succ


def chains(boot: BootstrapResult, source: str | None = None,
           target: str | None = None) -> list[tuple[str, ...]]:
    """Every directed chain with at least one mediator (``(X, M_1, ..., Y)``), by source then length."""
    nodes, succ = _edges(boot)
    for name, value in (("source", source), ("target", target)):
        if value is not None and value not in succ:
            raise ModelSpecificationError(f"{name}={value!r} is not a construct of the model's paths {nodes}")
    out: list[tuple[str, ...]] = []

    def walk(chain: tuple[str, ...]) -> None:
        for nxt in succ[chain[-1]]:
            longer = (*chain, nxt)
            if len(longer) >= 3 and (target is None or nxt == target):
                out.append(longer)
            walk(longer)

    for start in nodes if source is None else [source]:
        walk((start,))
    order = {v: i for i, v in enumerate(nodes)}
    return sorted(out, key=lambda c: (order[c[0]], order[c[-1]], len(c), [order[v] for v in c]))


def _products(frame: pd.DataFrame, chain: tuple[str, ...]) -> np.ndarray:
    value = np.ones(len(frame))
    for a, b in zip(chain[:-1], chain[1:], strict=True):
        value = value * frame[f"{a}{_SEP}{b}"].to_numpy()
    return value


def _check_chain(boot: BootstrapResult, chain: tuple[str, ...]) -> None:
    if len(chain) < 3:
        raise ModelSpecificationError(
            "a specific indirect effect needs a source, at least one mediator and a target, "
            f"got {list(chain)}")
    have = set(boot.paths.index)
    for a, b in zip(chain[:-1], chain[1:], strict=True):
        if f"{a}{_SEP}{b}" not in have:
            raise ModelSpecificationError(
                f"the model has no path {a}{_SEP}{b}, so {_SEP.join(chain)} is not a chain of it; "
                f"its paths are {list(boot.paths.index)}")


def _effects_table(boot: BootstrapResult, found: list[tuple[str, ...]]) -> pd.DataFrame:
    labels = [_SEP.join(c) for c in found]
    cols = ["from", "via", "to", "original", "mean", "std_error", "t_value", "p_value", "lower", "upper"]
    if not found:
        return pd.DataFrame(columns=cols + (["bca_lower", "bca_upper"] if boot.jackknife else []),
                            index=pd.Index([], name="chain"))
    draws = np.column_stack([_products(boot.draws["paths"], c) for c in found])
    theta_frame = boot.paths["original"].to_frame().T
    theta = np.array([_products(theta_frame, c)[0] for c in found])
    jack = None
    if boot.jackknife is not None:
        jack = np.column_stack([_products(boot.jackknife["paths"], c) for c in found])
    stats = _table("specific_effects", draws, theta, jack, labels, boot.level)
    head = pd.DataFrame({"from": [c[0] for c in found], "via": [_SEP.join(c[1:-1]) for c in found],
                         "to": [c[-1] for c in found]}, index=labels)
    out = pd.concat([head, stats], axis=1)
    out.index.name = "chain"
    return out


def specific_effects(boot: BootstrapResult, source: str | None = None,
                     target: str | None = None) -> pd.DataFrame:
    """Bootstrap statistics of every specific indirect effect (optionally from ``source``, to ``target``).

    Parameters
    ----------
    boot:
        A :class:`~crm_models.csi.bootstrap.BootstrapResult` of the model.
    source, target:
        Restrict to chains starting / ending at these constructs.

    Returns
    -------
    DataFrame
        One row per chain (index ``"X -> M -> Y"``): ``from, via, to`` and the columns of the
        other bootstrap tables (``original`` = product of the estimated paths, ``mean``,
        ``std_error``, ``t_value``, ``p_value``, percentile ``lower, upper``; ``bca_lower,
        bca_upper`` when the bootstrap computed BCa intervals).
    """
    return _effects_table(boot, chains(boot, source, target))


def specific_effect(boot: BootstrapResult, *chain: str) -> pd.Series:
    """The row of :func:`specific_effects` for one chain: ``specific_effect(boot, "IMAG", "SAT", "LOY")``."""
    chain = tuple(chain)
    _check_chain(boot, chain)
    return _effects_table(boot, [chain]).iloc[0]


def mediation_type(indirect_significant: bool, direct_significant: bool, indirect: float,
                   direct: float) -> str:
    """Zhao, Lynch & Chen's (2010) mediation type from the significance of the two effects."""
    if indirect_significant:
        if not direct_significant:
            return "indirect-only"
        return "complementary" if indirect * direct > 0 else "competitive"
    return "direct-only" if direct_significant else "no effect"


def mediation_table(boot: BootstrapResult, interval: str = "percentile") -> pd.DataFrame:
    """Every specific indirect effect with the direct effect of its source on its target and the type.

    Parameters
    ----------
    boot:
        A :class:`~crm_models.csi.bootstrap.BootstrapResult` of the model.
    interval:
        ``"percentile"`` (default, as Hair et al. recommend) or ``"bca"`` (needs a bootstrap with
        ``bca=True``): the intervals whose exclusion of 0 makes an effect significant.

    Returns
    -------
    DataFrame
        :func:`specific_effects` plus ``direct_path`` (whether the model has a path from the
        chain's source to its target), ``direct`` (0 when it has none: the direct effect is
        then fixed at 0, so a significant indirect effect counts as indirect-only; add the path
        to test it), ``direct_lower, direct_upper`` (NaN without a direct path), ``indirect_significant``,
        ``direct_significant`` and ``type`` (one of :data:`MEDIATION_TYPES`).
    """
    if interval not in INTERVALS:
        raise ModelSpecificationError(f"interval={interval!r} is not one of {INTERVALS}")
    lo_col, hi_col = ("lower", "upper") if interval == "percentile" else ("bca_lower", "bca_upper")
    if interval == "bca" and boot.jackknife is None:
        raise ModelSpecificationError("interval='bca' needs a bootstrap run with bca=True")
    table = specific_effects(boot)
    direct, d_lo, d_hi, has = [], [], [], []
    for src, tgt in zip(table["from"], table["to"], strict=True):
        label = f"{src}{_SEP}{tgt}"
        has.append(label in boot.paths.index)
        if has[-1]:
            row = boot.paths.loc[label]
            direct.append(row["original"])
            d_lo.append(row[lo_col])
            d_hi.append(row[hi_col])
        else:
            direct.append(0.0)
            d_lo.append(np.nan)
            d_hi.append(np.nan)
    table["direct_path"] = np.array(has, dtype=bool)
    table["direct"] = direct
    table["direct_lower"] = d_lo
    table["direct_upper"] = d_hi
    ind_sig = (table[lo_col] > 0) | (table[hi_col] < 0)
    dir_sig = (table["direct_lower"] > 0) | (table["direct_upper"] < 0)
    table["indirect_significant"] = ind_sig.to_numpy(dtype=bool)
    table["direct_significant"] = dir_sig.to_numpy(dtype=bool)
    table["type"] = [mediation_type(i, d, x, y) for i, d, x, y in
                     zip(ind_sig, dir_sig, table["original"], table["direct"], strict=True)]
    return table
