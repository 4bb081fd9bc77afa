"""The sentences of the CSI report's data section: the answer scale and straight-lining.

Kept out of the notebook so that it holds no logic: which sentence applies depends on how
the scale was chosen (stated, ``"auto"``, inferred over a stated one) and on whether the
straight-liners were left out.
"""

from __future__ import annotations

import pandas as pd

from crm_models.csi.scale import AnswerScale
from crm_models.report.i18n import translate

__all__ = ["data_check_lines"]


def data_check_lines(scale: AnswerScale, careless: pd.DataFrame, excluded: bool, lang: str = "en"
                     ) -> list[str]:
    """Markdown sentences: the scale used and the observed range (with a warning when they
    disagree), and the number of straight-liners and what was done with them."""
    lo, hi = scale.observed
    lines = []
    stated = scale.stated
    numeric_stated = all(not isinstance(b, (str, dict)) for b in stated)
    if scale.source == "inferred" and numeric_stated:
        pct = scale.top_score((float(stated[0]), float(stated[1])))
        lines.append(translate("csi_scale_inferred", lang, used=scale.label, stated=scale.stated_label,
                               lo=lo, hi=hi, pct=pct))
    elif scale.source == "inferred":
        lines.append(translate("csi_scale_auto", lang, used=scale.label, lo=lo, hi=hi))
    else:
        lines.append(translate("csi_scale_stated", lang, used=scale.label, lo=lo, hi=hi))
        fit = scale.fitting
        if scale.warning and fit is not None:
            used = (scale.scale_min, scale.scale_max)
            pct = scale.top_score(used) if scale.label != "per item" else float("nan")
            lines.append("⚠ " + translate("csi_scale_warning", lang, used=scale.label, lo=lo, hi=hi, pct=pct,
                                         fit=f"{fit[0]:g}-{fit[1]:g}", fit_max=fit[1]))
    n = int(careless["straightliner"].sum())
    total = len(careless)
    if n == 0:
        lines.append(translate("csi_straight_none", lang))
    elif excluded:
        lines.append(translate("csi_straight_dropped", lang, n=n, total=total))
    else:
        lines.append("⚠ " + translate("csi_straight_kept", lang, n=n, total=total))
    return lines
