"""The answer scale of a survey: checked against the answers, or inferred from them.

The 0-100 index rescales every answer from its scale, ``(x - min) / (max - min) * 100``,
so a wrong scale is a silently wrong index: a 1-7 Likert survey read as 1-10 puts a top
answer 7 at 66.7 instead of 100 (the sample survey's satisfaction index 44.9 instead of
67.4).  Answers *outside* the stated scale are refused (:func:`rescale_items`); this module
catches the other direction, answers that all fit a common narrower scale:

* :data:`COMMON_SCALES` are the Likert / rating scales of practice: 1-5, 1-7, 1-10, 0-10;
* the scale *fitting* the answers is the narrowest common scale containing their range;
* a stated scale whose top lies above the fitting scale's top (e.g. stated 1-10, every
  answer at most 7) gives a :class:`~crm_models.errors.CRMDataWarning` naming the items,
  the observed range and the fix (``scale_max=7``).  Only the top is compared: that nobody
  chose the lowest point (0 on a 0-10 scale) is common and not suspicious;
* ``"auto"`` for ``scale_min`` / ``scale_max`` uses the fitting scale (an error when the
  answers fit none of the common scales).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crm_models.base import check_is_fitted
from crm_models.errors import CRMDataError, CRMDataWarning

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.csi.pls import PLSPM

__all__ = ["COMMON_SCALES", "AUTO", "AnswerScale", "answer_scale", "fitting_scale", "resolve_scale"]

#: Common answer scales, narrowest first: (lowest, highest) answer.
COMMON_SCALES: tuple[tuple[float, float], ...] = ((1, 5), (1, 7), (1, 10), (0, 10))

#: The value of ``scale_min`` / ``scale_max`` that asks for the scale fitting the answers.
AUTO = "auto"

Bound = float | str | Mapping[str, float]


@dataclass
class AnswerScale:
    """The answer scale used for the 0-100 index and how it was chosen.

    ``scale_min`` / ``scale_max`` are what to pass on (numbers, or per-item dicts when
    per-item bounds were stated); ``source`` is ``"stated"`` or ``"inferred"``;
    ``stated`` the (min, max) asked for (``"auto"`` kept as given); ``observed`` the
    lowest and highest answer over the items; ``warning`` the text of the
    :class:`CRMDataWarning` (None when the stated scale fits the answers).
    """

    scale_min: float | dict[str, float]
    scale_max: float | dict[str, float]
    source: str
    stated: tuple[object, object]
    observed: tuple[float, float]
    items: list[str] = field(default_factory=list)
    warning: str | None = None

    @property
    def fitting(self) -> tuple[float, float] | None:
        """The narrowest common scale holding every answer (None if none does)."""
        return fitting_scale(*self.observed)

    @property
    def stated_label(self) -> str:
        """The stated scale as text: ``"1-10"``, ``"auto"`` or ``"per item"``."""
        lo, hi = self.stated
        if isinstance(lo, Mapping) or isinstance(hi, Mapping):
            return "per item"
        return "-".join(str(b) if isinstance(b, str) else f"{float(b):g}" for b in (lo, hi))

    def top_score(self, scale: tuple[float, float]) -> float:
        """The 0-100 score of the highest answer on ``scale`` = (min, max)."""
        return (self.observed[1] - scale[0]) / (scale[1] - scale[0]) * 100.0

    @property
    def label(self) -> str:
        """``"1-7"`` (or ``"per item"`` for per-item bounds)."""
        if isinstance(self.scale_min, dict) or isinstance(self.scale_max, dict):
            return "per item"
        return f"{self.scale_min:g}-{self.scale_max:g}"


def fitting_scale(lowest: float, highest: float) -> tuple[float, float] | None:
    """The narrowest of :data:`COMMON_SCALES` that contains answers from ``lowest`` to ``highest``."""
    for lo, hi in COMMON_SCALES:
        if lo <= lowest and highest <= hi:
            return float(lo), float(hi)
    return None


def _is_auto(bound: object) -> bool:
    return isinstance(bound, str) and bound.strip().lower() == AUTO


def _names(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return f"{shown}, ... ({len(items)} items)" if len(items) > limit else shown


def _mismatch(items: Sequence[str], lo: float, hi: float, omin: float, omax: float) -> str | None:
    """The warning text when the answers of ``items`` fit a common scale below the stated top."""
    fit = fitting_scale(omin, omax)
    if fit is None or not (lo <= fit[0] and fit[1] < hi):
        return None
    fix = f"scale_max={fit[1]:g}" + (f", scale_min={fit[0]:g}" if fit[0] != lo else "")
    return (f"the answers of {_names(list(items))} range from {omin:g} to {omax:g}, all within the common "
            f"{fit[0]:g}-{fit[1]:g} scale, but the stated scale is {lo:g}-{hi:g}: the 0-100 index would "
            f"treat the top answer {omax:g} as {(omax - lo) / (hi - lo) * 100:.1f} instead of 100. If the "
            f"survey's scale is {fit[0]:g}-{fit[1]:g}, pass {fix} (or scale_max='auto'); if it really is "
            f"{lo:g}-{hi:g}, nobody chose an answer above {omax:g}")


def _number(value: object, name: str) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        out = np.nan
    if not np.isfinite(out):
        raise CRMDataError(f"{name}={value!r} is not a number (nor 'auto'): give the lowest / highest "
                           "possible answer of the survey, e.g. scale_min=1, scale_max=7")
    return out


def _per_item(items: Sequence[str], bound: Mapping[str, float], name: str) -> np.ndarray:
    missing = [it for it in items if it not in bound]
    if missing:
        raise CRMDataError(f"{name} has no value for item(s) {missing}")
    return np.array([_number(bound[it], f"{name}[{it!r}]") for it in items])


def resolve_scale(values: np.ndarray, items: Sequence[str], scale_min: Bound = 1, scale_max: Bound = 10,
                  *, infer: bool = False, warn: bool = True) -> AnswerScale:
    """Check (or infer) the answer scale of the item matrix ``values`` (rows: respondents).

    Parameters
    ----------
    values:
        The answers, one column per item of ``items`` (NaN ignored).
    scale_min, scale_max:
        The stated lowest and highest possible answer: numbers, per-item dicts, or
        ``"auto"`` (the narrowest common scale containing the answers).
    infer:
        With numeric bounds: use the fitting common scale instead of the stated one when it
        lies inside it with a lower top (stated 1-10, answers 1-7: use 1-7); ``source`` is
        then ``"inferred"`` and ``warning`` still says why.  The CSI report does this.
    warn:
        Emit :class:`CRMDataWarning` when the stated scale does not fit the answers.

    Returns
    -------
    AnswerScale
        Answers outside a stated scale are left to :func:`~crm_models.csi.rescale_items`
        (which refuses them); here they make no warning.
    """
    x = np.asarray(values, dtype=float)
    items = list(items)
    observed = (float(np.nanmin(x)), float(np.nanmax(x))) if x.size else (np.nan, np.nan)
    stated = (scale_min, scale_max)
    if isinstance(scale_min, Mapping) or isinstance(scale_max, Mapping):
        if _is_auto(scale_min) or _is_auto(scale_max):
            raise CRMDataError("scale_min / scale_max: 'auto' cannot be combined with per-item bounds")
        lo = _per_item(items, scale_min, "scale_min") if isinstance(scale_min, Mapping) \
            else np.full(len(items), _number(scale_min, "scale_min"))
        hi = _per_item(items, scale_max, "scale_max") if isinstance(scale_max, Mapping) \
            else np.full(len(items), _number(scale_max, "scale_max"))
        texts = []
        for pair in dict.fromkeys(zip(lo.tolist(), hi.tolist(), strict=True)):
            cols = [j for j in range(len(items)) if (lo[j], hi[j]) == pair]
            block = x[:, cols]
            text = _mismatch([items[j] for j in cols], pair[0], pair[1], float(np.nanmin(block)),
                             float(np.nanmax(block)))
            if text:
                texts.append(text)
        out = AnswerScale(dict(zip(items, lo.tolist(), strict=True)),
                          dict(zip(items, hi.tolist(), strict=True)), "stated", stated, observed, items,
                          "; ".join(texts) or None)
    elif _is_auto(scale_min) or _is_auto(scale_max):
        fit = fitting_scale(*observed)
        if fit is None:
            raise CRMDataError(
                f"scale 'auto': the answers range from {observed[0]:g} to {observed[1]:g}, which fits none "
                f"of the common scales {', '.join(f'{a:g}-{b:g}' for a, b in COMMON_SCALES)}; pass the "
                "survey's scale_min and scale_max")
        lo = fit[0] if _is_auto(scale_min) else _number(scale_min, "scale_min")
        hi = fit[1] if _is_auto(scale_max) else _number(scale_max, "scale_max")
        out = AnswerScale(lo, hi, "inferred", stated, observed, items)
    else:
        lo, hi = _number(scale_min, "scale_min"), _number(scale_max, "scale_max")
        text = _mismatch(items, lo, hi, *observed)
        out = AnswerScale(lo, hi, "stated", stated, observed, items, text)
        if text and infer:
            fit = fitting_scale(*observed)
            out.scale_min, out.scale_max, out.source = fit[0], fit[1], "inferred"
    if out.warning and warn:
        warnings.warn(out.warning, CRMDataWarning, stacklevel=3)
    return out


def answer_scale(model: PLSPM, scale_min: Bound = 1, scale_max: Bound = 10, *, infer: bool = False,
                 warn: bool = True, data: pd.DataFrame | None = None) -> AnswerScale:
    """:func:`resolve_scale` on the answers a fitted :class:`~crm_models.csi.PLSPM` was estimated on.

    The CSI report calls it with ``infer=True`` and states the result (scale used, how it was
    chosen, observed range, warning) in its data section. ``data``: the survey the model was
    fitted on, needed only when the model keeps no survey rows
    (:meth:`~crm_models.csi.PLSPM.training_items`).
    """
    check_is_fitted(model)
    return resolve_scale(model.training_items(data).to_numpy(), model.spec.items, scale_min, scale_max,
                         infer=infer, warn=warn)
