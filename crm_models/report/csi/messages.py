"""English and Chinese text of the CSI report and figures: label helpers over the report catalogue.

The phrases (keys ``csi_*``) live in the gettext catalogues read by
:mod:`crm_models.report.i18n`; this module keeps the helpers that build labels from them;
:func:`t` looks one up (``lang`` = ``"en"`` or ``"zh"``), :func:`construct_label` names a
construct in the report language.
"""

from __future__ import annotations

from crm_models.report.i18n import has_key, translate

__all__ = ["t", "construct_label", "construct_labels", "path_label", "column_label", "word"]


#: ``t(key, lang="en", **values)``: a CSI phrase in ``lang`` (the shared
#: :func:`~crm_models.report.i18n.translate`, under the short name the report notebooks import)
t = translate


def construct_label(lv: str, lang: str = "en") -> str:
    """Readable name of a construct code (``SAT`` -> Satisfaction / 顾客满意); unknown codes unchanged."""
    key = f"csi_construct_{lv}"
    return translate(key, lang) if has_key(key) else lv


def construct_labels(lvs, lang: str = "en") -> dict[str, str]:
    """``{code: label}`` for the constructs ``lvs``."""
    return {lv: construct_label(lv, lang) for lv in lvs}


def path_label(key: str, lang: str = "en", labels: dict[str, str] | None = None) -> str:
    """A path code as words: ``"VAL -> SAT"`` -> ``Perceived value → Satisfaction`` (``<->``: ↔).

    ``labels`` maps construct codes to names (default: :func:`construct_label` in ``lang``);
    text that is not a path code is returned unchanged.
    """
    for sep, arrow in ((" <-> ", " ↔ "), (" -> ", " → ")):
        if sep in str(key):
            source, target = (part.strip() for part in str(key).split(sep, 1))
            names = [(labels or {}).get(code) or construct_label(code, lang) for code in (source, target)]
            return arrow.join(names)
    return str(key)


def column_label(column: object, lang: str = "en") -> str:
    """Header of a CSI table column (``std_error`` -> standard error / 标准误).

    Raises ``KeyError`` for a column without a phrase, so that no code reaches a report.
    """
    return translate(f"csi_col_{column}", lang)


def word(kind: str, value: object, lang: str = "en") -> str:
    """A cell value in words: ``word("size", "medium", "zh")`` -> 中; booleans -> yes / no.

    ``kind`` is ``"size"``, ``"quadrant"``, ``"missing"``, ``"scheme"`` or ``"bool"``; values
    without a phrase (and missing values) are returned as text unchanged / empty.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if kind == "bool" or isinstance(value, bool):
        return translate("csi_yes" if bool(value) else "csi_no", lang)
    key = f"csi_{kind}_{value}"
    return translate(key, lang) if has_key(key) else str(value)
