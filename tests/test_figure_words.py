"""Figures speak the report's language: every title, axis label, tick label, legend entry and
annotation of the CSI, churn and overview figures is free of codes, and in Chinese free of
English words other than names, statistics and the values of the user's own data."""

from __future__ import annotations

import re
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import crm_models as crm  # noqa: E402
from crm_models.plotting import churn as churn_plots  # noqa: E402
from crm_models.plotting import csi as csi_plots  # noqa: E402
from crm_models.plotting import overview as overview_plots  # noqa: E402
from crm_models.plotting.labels import renderer_of  # noqa: E402
from crm_models.report.i18n import unit_name  # noqa: E402
from crm_models.report.wording import ALLOWED_LATIN, code_tokens, english_words  # noqa: E402


def figure_texts(fig) -> str:
    """Every piece of text a reader sees in ``fig``."""
    fig.draw(renderer_of(fig))
    parts = []
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        parts += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            parts += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    return "\n".join(p for p in parts if p)


@pytest.fixture(scope="module")
def churn_fit():
    d, info = crm.report.churn.load_churn_data(None, "contractual")
    cm = crm.churn.ChurnModel("cox").fit(d, info["duration_col"], info["event_col"])
    words = set()
    for col in d.select_dtypes(exclude="number").columns:
        for value in d[col].dropna().astype(str).unique()[:50]:
            words.update(re.findall(r"[A-Za-z]+", value))
    words.update(w for c in d.columns for w in re.findall(r"[A-Za-z]+", str(c)))
    return d, info, cm, words


def _figures(lang, churn_fit):
    d, info, cm, _ = churn_fit
    survey = crm.report.csi.load_survey(None)
    pls = crm.csi.build_model("ecsi", survey).fit(survey)
    boot = pls.bootstrap(n=30, seed=0)
    draw = {
        "path diagram": lambda ax: csi_plots.plot_path_diagram(pls, boot, ax=ax, lang=lang),
        "csi index": lambda ax: csi_plots.plot_csi_index(crm.csi.csi_index(pls, skip_negative=True), ax=ax,
                                                         lang=lang),
        "ipma": lambda ax: csi_plots.plot_ipma(crm.csi.ipma(pls, target="SAT"), ax=ax, lang=lang),
        "htmt": lambda ax: csi_plots.plot_bootstrap_intervals(boot, "htmt", ax=ax, lang=lang),
        "paths": lambda ax: csi_plots.plot_bootstrap_intervals(boot, "paths", "bca", ax=ax, lang=lang),
        "effects": lambda ax: churn_plots.plot_effects(cm, ax=ax, lang=lang),
        "km": lambda ax: churn_plots.plot_km(d, "duration", "event", "contract", ax=ax,
                                             time_unit=unit_name("M", lang), lang=lang),
    }
    data = crm.report.load_overview_data(None)
    draw["revenue"] = lambda ax: overview_plots.plot_revenue(data.activity, ax=ax, currency="¥", lang=lang)
    draw["new vs repeat"] = lambda ax: overview_plots.plot_new_vs_repeat(data.activity, ax=ax, lang=lang)
    draw["monetary value"] = lambda ax: overview_plots.plot_summary_distribution(
        data.summary, "monetary_value", ax=ax, unit="¥", lang=lang)
    return draw


@pytest.mark.slow  # over 3 s
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figures_show_words_not_codes(churn_fit, lang):
    warnings.filterwarnings("ignore", message="Glyph .* missing from font")
    problems = {}
    for name, draw in _figures(lang, churn_fit).items():
        fig, ax = plt.subplots(figsize=(9, 6))
        draw(ax)
        text = figure_texts(fig)
        found = code_tokens(text)
        if lang == "zh":
            found += english_words(text, ALLOWED_LATIN | churn_fit[3])
        if found:
            problems[name] = found
        plt.close("all")
    assert problems == {}
