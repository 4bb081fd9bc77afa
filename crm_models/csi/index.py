"""The 0-100 customer satisfaction index of each construct, and the importance-performance map.

ACSI / ECSI index (Fornell, Johnson, Anderson, Cha & Bryant 1996, "The American Customer
Satisfaction Index: nature, purpose, and findings", J. Marketing 60(4)):

* each item is rescaled to 0-100 from its answer scale: ``(x - min) / (max - min) * 100``;
* the construct's *unstandardised* outer weights (raw item units: the weights of a
  ``scaled=False`` fit, or standardised weights divided by the item standard deviations)
  are normalised to sum to 1;
* a respondent's index is the weighted sum of their rescaled items; the construct index is
  its mean.  Negative weights make the index meaningless (it could leave 0-100), so they
  raise :class:`~crm_models.errors.CRMDataError`.

Importance-performance map analysis (IPMA; Ringle & Sarstedt 2016, "Gain more insight from
your PLS-SEM results: the importance-performance map analysis", Industrial Management &
Data Systems 116(9)): for a target construct, each construct with a path to it gets
*performance* = its mean 0-100 score and *importance* = its unstandardised total effect on
the target, the total effect of the path coefficients re-estimated by OLS on the rescaled
(0-100) construct scores: one more point of performance raises the target by
``importance`` points.  Quadrants follow Martilla & James (1977) around the means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crm_models.base import check_is_fitted
from crm_models.csi import _kernel
from crm_models.csi.scale import AnswerScale, resolve_scale
from crm_models.errors import CRMDataError, ModelSpecificationError

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.csi.pls import PLSPM

__all__ = ["unstandardised_weights", "rescale_items", "csi_scores", "csi_index", "ipma",
           "positive_weight_constructs"]

Bound = float | str | Mapping[str, float]


def unstandardised_weights(model: PLSPM) -> pd.Series:
    """Outer weights in raw item units (``w`` if ``scaled=False``, else ``w / sd``)."""
    check_is_fitted(model)
    fit = model.estimation_
    w = model.outer_weights_
    return w / fit.item_sd if fit.scaled else w.copy()


def _bounds(items: Sequence[str], bound: float | Mapping[str, float]) -> np.ndarray:
    if isinstance(bound, Mapping):
        return np.array([float(bound[it]) for it in items])
    return np.full(len(items), float(bound))


def rescale_items(model: PLSPM, scale_min: Bound = 1, scale_max: Bound = 10,
                  data: pd.DataFrame | None = None) -> pd.DataFrame:
    """The fitted items rescaled to 0-100 from the answer scale (per-item bounds via dicts).

    ``"auto"`` for a bound uses the narrowest common scale (1-5, 1-7, 1-10, 0-10) holding the
    answers; a stated scale whose top lies above such a scale (stated 1-10, no answer above 7)
    gives a :class:`~crm_models.errors.CRMDataWarning` (see :mod:`crm_models.csi.scale`).
    ``attrs["scale"]`` records the scale used and the observed range. ``data``: the survey the
    model was fitted on, needed only when the model keeps no survey rows (see
    :meth:`~crm_models.csi.PLSPM.training_items`); the same holds for the functions below.
    """
    check_is_fitted(model)
    _refuse_interactions(model)
    items = model.spec.items
    answers = model.training_items(data)
    x = answers.to_numpy()
    scale = resolve_scale(x, items, scale_min, scale_max)
    lo = _bounds(items, scale.scale_min)
    hi = _bounds(items, scale.scale_max)
    if (hi <= lo).any():
        j = int(np.flatnonzero(hi <= lo)[0])
        raise CRMDataError(f"scale_max ({hi[j]:g}) must exceed scale_min ({lo[j]:g})", column=items[j])
    out_lo = x < lo - 1e-9
    out_hi = x > hi + 1e-9
    if out_lo.any() or out_hi.any():
        j = int(np.flatnonzero((out_lo | out_hi).any(0))[0])
        bad = (out_lo | out_hi)[:, j]
        raise CRMDataError(
            f"has answers outside the stated scale {lo[j]:g}-{hi[j]:g} (e.g. {x[bad, j][:3].tolist()}); "
            "pass the survey's real scale_min / scale_max", column=items[j])
    out = pd.DataFrame((x - lo) / (hi - lo) * 100.0, index=answers.index, columns=items)
    out.attrs["scale"] = _scale_attrs(scale)
    return out


def _scale_attrs(scale: AnswerScale) -> dict:
    return {"scale_min": scale.scale_min, "scale_max": scale.scale_max, "source": scale.source,
            "observed_min": scale.observed[0], "observed_max": scale.observed[1], "warning": scale.warning}


def _refuse_interactions(model: PLSPM) -> None:
    check_is_fitted(model)
    if model.estimation_.interactions:
        raise ModelSpecificationError(
            "the 0-100 index and the IPMA read answers on the survey scale, and the items of the "
            f"interaction construct(s) {list(model.estimation_.interactions)} are products: compute them "
            "on the model fitted without interactions")
    if getattr(model, "higher_order", None) and model.hoc_method == "two_stage":
        raise ModelSpecificationError(
            "the 0-100 index and the IPMA read answers on the survey scale, and the items of the "
            f"higher-order construct(s) {list(model.higher_order)} are construct scores: compute them on "
            "the model fitted without higher_order, or with hoc_method='repeated_indicators'")


def _normalised_weights(model: PLSPM, constructs: Sequence[str]) -> dict[str, pd.Series]:
    _refuse_interactions(model)
    w = unstandardised_weights(model)
    out = {}
    for lv in constructs:
        if lv not in model.spec.lvs:
            raise ModelSpecificationError(f"unknown construct {lv!r}; constructs: {list(model.spec.lvs)}")
        items = list(model.spec.blocks[model.spec.lvs.index(lv)])
        wl = w[items]
        neg = wl[wl < 0]
        if len(neg):
            raise CRMDataError(
                f"construct {lv!r} has negative outer weight(s) {neg.round(4).to_dict()}, so its 0-100 index "
                "is not defined (Fornell et al. 1996 need positive weights): check reverse-coded items, "
                "drop the item, or leave the construct out (constructs=...)", column=str(neg.index[0]))
        out[lv] = wl / wl.sum()
    return out


def csi_scores(model: PLSPM, scale_min: Bound = 1, scale_max: Bound = 10,
               constructs: Sequence[str] | None = None, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each respondent's 0-100 score on each construct (weighted rescaled items)."""
    constructs = list(model.spec.lvs if constructs is None else constructs)
    weights = _normalised_weights(model, constructs)
    resc = rescale_items(model, scale_min, scale_max, data=data)
    # a weighted mean of 0-100 values: clip the last-bit rounding
    out = pd.DataFrame({lv: np.clip(resc[w.index].to_numpy() @ w.to_numpy(), 0.0, 100.0)
                        for lv, w in weights.items()}, index=resc.index)
    out.attrs["scale"] = resc.attrs["scale"]
    return out


def positive_weight_constructs(model: PLSPM) -> list[str]:
    """Constructs whose unstandardised outer weights are all non-negative (index defined)."""
    w = unstandardised_weights(model)
    return [lv for lv, block in zip(model.spec.lvs, model.spec.blocks, strict=True)
            if (w[list(block)] >= 0).all()]


def csi_index(model: PLSPM, scale_min: Bound = 1, scale_max: Bound = 10,
              constructs: Sequence[str] | None = None, skip_negative: bool = False,
              data: pd.DataFrame | None = None) -> pd.DataFrame:
    """The 0-100 index per construct: ``index``, ``std_error`` (of the mean), ``n_items``, ``weights``.

    With ``skip_negative=True`` constructs with a negative weight are left out (listed in
    ``attrs["skipped"]``) instead of raising.
    """
    chosen = list(model.spec.lvs if constructs is None else constructs)
    skipped: list[str] = []
    if skip_negative:
        ok = set(positive_weight_constructs(model))
        skipped = [lv for lv in chosen if lv not in ok]
        chosen = [lv for lv in chosen if lv in ok]
    scores = csi_scores(model, scale_min, scale_max, chosen, data=data)
    weights = _normalised_weights(model, list(scores.columns))
    n = len(scores)
    out = pd.DataFrame({
        "index": scores.mean(),
        "std_error": scores.std(ddof=1) / np.sqrt(n),
        "n_items": [len(weights[lv]) for lv in scores.columns],
        "weights": [weights[lv].round(4).to_dict() for lv in scores.columns],
    }, index=pd.Index(list(scores.columns)))
    out.attrs["skipped"] = skipped
    out.attrs["scale"] = scores.attrs["scale"]
    return out


def ipma(model: PLSPM, target: str, scale_min: Bound = 1, scale_max: Bound = 10,
         data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Importance-performance map of the constructs with a path to ``target``.

    Columns: ``importance`` (unstandardised total effect on the target, in 0-100 points per
    point), ``performance`` (mean 0-100 score), ``total_effect_std`` (standardised total
    effect of the PLS fit), ``quadrant``.  Rows are sorted by importance.
    """
    check_is_fitted(model)
    spec = model.spec
    if target not in spec.lvs:
        raise ModelSpecificationError(f"unknown target construct {target!r}; constructs: {list(spec.lvs)}")
    t = spec.lvs.index(target)
    L = spec.n_lvs
    reach = np.linalg.matrix_power(np.eye(L, dtype=int) + spec.path, L) > 0
    drivers = [j for j in range(L) if j != t and reach[t, j]]
    if not drivers:
        raise ModelSpecificationError(f"no construct has a path to {target!r}; IPMA needs a target with "
                                      "predecessors (e.g. the satisfaction or loyalty construct)")
    # every construct on a path to the target reaches it, so its predecessors are drivers too
    involved = [spec.lvs[k] for k in sorted(drivers + [t])]
    scores = csi_scores(model, scale_min, scale_max, constructs=involved, data=data)
    Y = scores.to_numpy()
    col = {lv: i for i, lv in enumerate(scores.columns)}
    B = np.zeros((L, L))
    n = len(Y)
    for k in spec.endogenous:
        if spec.lvs[k] not in col:
            continue
        preds = spec.predecessors(k)
        D = np.column_stack([np.ones(n)] + [Y[:, col[spec.lvs[j]]] for j in preds])
        beta, *_ = np.linalg.lstsq(D, Y[:, col[spec.lvs[k]]], rcond=None)
        B[k, preds] = beta[1:]
    T = _kernel.total_effects(B[None])[0]
    Tstd = _kernel.total_effects(model.path_coefficients_.to_numpy()[None])[0]
    rows = {spec.lvs[j]: (T[t, j], scores[spec.lvs[j]].mean(), Tstd[t, j]) for j in drivers}
    out = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["importance", "performance", "total_effect_std"])
    imp_hi = out["importance"] >= out["importance"].mean()
    perf_hi = out["performance"] >= out["performance"].mean()
    out["quadrant"] = np.select(
        [imp_hi & ~perf_hi, imp_hi & perf_hi, ~imp_hi & ~perf_hi],
        ["concentrate here", "keep up the good work", "low priority"], "possible overkill")
    out.attrs["target"] = target
    out.attrs["scale"] = scores.attrs["scale"]
    out.attrs["target_performance"] = float(scores[target].mean())
    return out.sort_values("importance", ascending=False)
