"""English and Chinese text of the segments report and figures: label helpers over the report catalogue.

The phrases (keys ``seg_*``) live in the gettext catalogues read by
:mod:`crm_models.report.i18n`; this module keeps the helpers that build labels from them;
:func:`t` looks one up (``lang`` = ``"en"`` or ``"zh"``); :func:`label` names a segment,
lifecycle stage, loyalty type, membership or value tier in the report language (names
without a phrase, e.g. a custom tier, are kept); :func:`column_labels` names table columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crm_models.report.i18n import has_key, translate

__all__ = ["t", "label", "labels", "column_label", "column_labels"]


KINDS = ("name", "stage", "loyalty", "tier", "value", "agg")


#: ``t(key, lang="en", **values)``: a segments phrase in ``lang`` (the shared
#: :func:`~crm_models.report.i18n.translate`, under the short name the report notebooks import)
t = translate


def _slug(name: object) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", str(name)).strip("_")


def label(kind: str, name: object, lang: str = "en") -> str:
    """A segment (``kind="name"``), lifecycle ``stage``, ``loyalty`` type, membership ``tier``
    or ``value`` tier in the report language; names without a phrase are kept."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    key = f"seg_{kind}_{_slug(name)}"
    return translate(key, lang) if lang != "en" and has_key(key) else str(name)


def labels(kind: str, names: Iterable[object], lang: str = "en") -> list[str]:
    return [label(kind, n, lang) for n in names]


def column_label(column: object, lang: str = "en") -> str:
    """Header of a report table column; a column without a phrase keeps its name."""
    key = f"seg_col_{column}"
    return translate(key, lang) if has_key(key) else str(column)


def column_labels(columns: Iterable[object], lang: str = "en") -> list[str]:
    return [column_label(c, lang) for c in columns]
