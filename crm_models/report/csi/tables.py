"""The CSI report's tables for readers: construct names, paths in words, headers in words.

Each function takes the model results and a language and returns a pandas ``Styler``
(see :func:`crm_models.report.tables.labelled`) ready to ``display`` in the report.
The result frames themselves are not modified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from crm_models.csi.quality import f_squared, measurement_quality
from crm_models.report.csi.messages import column_label, construct_label, construct_labels, path_label, word
from crm_models.report.tables import labelled

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.csi.bootstrap import BootstrapResult
    from crm_models.csi.pls import PLSPM

__all__ = ["FAIL_STYLE", "QUALITY_RULES", "quality_table", "paths_table", "hypotheses_table",
           "index_table", "ipma_table"]

#: Background of a cell that fails its rule of thumb.
FAIL_STYLE = "background-color: #f4c7c3"

#: The ``ok_*`` flag of :func:`measurement_quality` that judges each shown measure.
QUALITY_RULES = {
    "cronbach_alpha": "ok_alpha", "rho_a": "ok_rho_a", "rho_c": "ok_rho_c", "ave": "ok_ave",
    "eig_2nd": "ok_unidim", "max_htmt": "ok_htmt", "fornell_larcker": "fornell_larcker",
}

_QUALITY_COLUMNS = ["items", "cronbach_alpha", "rho_a", "rho_c", "dillon_goldstein_rho", "ave", "eig_1st",
                    "eig_2nd", "max_htmt", "fornell_larcker"]


def _names(model: PLSPM, lang: str, labels: dict[str, str] | None) -> dict[str, str]:
    return {**construct_labels(model.spec.lvs, lang), **(labels or {})}


def _headers(columns, lang: str) -> dict[object, str]:
    return {c: column_label(c, lang) for c in columns}


def quality_table(model: PLSPM, lang: str = "en", labels: dict[str, str] | None = None,
                  quality: pd.DataFrame | None = None) -> Styler:
    """Reliability and validity per construct; a cell is red where its rule of thumb fails.

    The ``ok_*`` flags of :func:`~crm_models.csi.quality.measurement_quality` colour the
    measure they judge instead of taking a column each, so the table fits a report page.
    """
    quality = measurement_quality(model) if quality is None else quality
    names = _names(model, lang, labels)
    shown = quality[[c for c in _QUALITY_COLUMNS if c in quality.columns]].copy()
    fails = pd.DataFrame(False, index=shown.index, columns=shown.columns)
    for measure, flag in QUALITY_RULES.items():
        if measure in shown and flag in quality:
            fails[measure] = quality[flag].map(lambda v: v is False or v is np.False_)
    shown["fornell_larcker"] = quality["fornell_larcker"].map(lambda v: word("bool", v, lang))
    styler = labelled(shown, _headers(shown.columns, lang), index=[names.get(i, i) for i in shown.index],
                      index_name=column_label("construct", lang), formats={"items": "{:d}"})
    return styler.apply(lambda _: np.where(fails.to_numpy(), FAIL_STYLE, ""), axis=None)


def paths_table(model: PLSPM, boot: BootstrapResult, lang: str = "en",
                labels: dict[str, str] | None = None) -> Styler:
    """Each structural path: estimate, bootstrap standard error, t, p, intervals, Cohen's f²."""
    names = _names(model, lang, labels)
    f2 = f_squared(model)[["f2", "size"]]
    table = boot.paths.join(f2).drop(columns=["mean"])
    table["size"] = table["size"].map(lambda v: word("size", v, lang))
    return labelled(table, _headers(table.columns, lang),
                    index=[path_label(k, lang, names) for k in table.index],
                    index_name=column_label("path", lang), formats={"p_value": "{:.2g}"})


def hypotheses_table(table: pd.DataFrame, lang: str = "en", labels: dict[str, str] | None = None) -> Styler:
    """The retention model's hypotheses (a :func:`~crm_models.csi.presets.hypothesis_table`)."""
    shown = table.copy()
    shown["path"] = shown["path"].map(lambda k: path_label(k, lang, labels))
    shown["supported"] = shown["supported"].map(lambda v: word("bool", v, lang))
    return labelled(shown, _headers(shown.columns, lang), index_name=None, formats={"p_value": "{:.2g}"},
                    wrap=["statement"])


def index_table(index: pd.DataFrame, lang: str = "en", labels: dict[str, str] | None = None) -> Styler:
    """The 0-100 index per construct with its standard error and number of items."""
    shown = index[["index", "std_error", "n_items"]]
    names = labels or {}
    return labelled(shown, _headers(shown.columns, lang),
                    index=[names.get(i) or construct_label(i, lang) for i in shown.index],
                    index_name=column_label("construct", lang), precision=1, formats={"n_items": "{:d}"})


def ipma_table(ipma: pd.DataFrame, lang: str = "en", labels: dict[str, str] | None = None) -> Styler:
    """Importance and performance of each driver, with what to do about it."""
    shown = ipma.copy()
    if "quadrant" in shown:
        shown["quadrant"] = shown["quadrant"].map(lambda v: word("quadrant", v, lang))
    names = labels or {}
    return labelled(shown, _headers(shown.columns, lang),
                    index=[names.get(i) or construct_label(i, lang) for i in shown.index],
                    index_name=column_label("construct", lang),
                    formats={"performance": "{:.1f}"})
