"""Figure labels never overlap: the path diagrams and importance-performance maps of the
ECSI, ACSI and retention models, in English and Chinese, measured as drawn (pixel boxes)."""

from __future__ import annotations

import re
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import crm_models as crm  # noqa: E402
from crm_models.plotting import csi as plots  # noqa: E402
from crm_models.plotting.labels import overlapping_texts, place_label, renderer_of  # noqa: E402


@pytest.fixture(scope="module")
def survey():
    return crm.report.csi.load_survey(None)


@pytest.fixture(scope="module")
def fitted(survey):
    out = {}
    for model in ("ecsi", "acsi", "retention"):
        pls = crm.csi.build_model(model, survey).fit(survey)
        out[model] = (pls, pls.bootstrap(n=50, seed=0))
    return out


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _quiet():
    # without a CJK font the Chinese glyphs are missing; their boxes are still measured
    warnings.filterwarnings("ignore", message="Glyph .* missing from font")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("model", ["ecsi", "acsi", "retention"])
def test_path_diagram_labels_do_not_overlap(fitted, model, lang):
    _quiet()
    pls, boot = fitted[model]
    fig, ax = plt.subplots(figsize=(11, 6.5))
    plots.plot_path_diagram(pls, boot, ax=ax, lang=lang)
    coefficients = [t for t in ax.texts if re.fullmatch(r"-?\d\.\d\d(\*+|ns)", t.get_text())]
    assert len(coefficients) == len(pls.summary)  # one label per path, all drawn
    assert overlapping_texts(fig) == []
    # construct names, not codes, in the boxes
    names = " ".join(t.get_text() for t in ax.texts)
    assert "Satisfaction" in names if lang == "en" else "顾客满意" in names
    assert "SAT" not in names.split()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("model", ["ecsi", "acsi", "retention"])
def test_ipma_labels_do_not_overlap(fitted, model, lang):
    _quiet()
    pls, _ = fitted[model]
    target = "SAT" if model != "retention" else "LOY"
    imp = crm.csi.ipma(pls, target=target)
    fig, ax = plt.subplots(figsize=(7, 5))
    plots.plot_ipma(imp, ax=ax, lang=lang)
    assert overlapping_texts(fig) == []
    shown = {t.get_text() for t in ax.texts}
    expected = {crm.report.csi.messages.construct_label(i, lang) for i in imp.index}
    assert expected <= shown


def test_crowded_points_are_pushed_apart():
    """Four drivers at almost the same spot: their labels still end up apart."""
    import pandas as pd

    imp = pd.DataFrame({"importance": [0.30, 0.301, 0.302, 0.303], "performance": [66.0, 66.1, 66.05, 66.12],
                        "total_effect_std": [0.3] * 4, "quadrant": ["low priority"] * 4},
                       index=["IMAG", "EXPE", "QUAL", "VAL"])
    imp.attrs["target"] = "SAT"
    fig, ax = plt.subplots(figsize=(7, 5))
    plots.plot_ipma(imp, ax=ax, lang="en")
    assert overlapping_texts(fig) == []
    assert len(ax.texts) == 5  # four names and the hint


def test_overlap_check_sees_overlapping_labels():
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "0.17**")
    ax.text(0.5, 0.5, "0.33***")
    ax.text(0.1, 0.1, "apart")
    assert overlapping_texts(fig) == [("0.17**", "0.33***")]


def test_place_label_takes_the_first_free_position():
    fig, ax = plt.subplots()
    renderer = renderer_of(fig)
    taken = []
    first = place_label(lambda y: ax.text(0.5, y, "label"), [0.5, 0.5, 0.8], taken, renderer)
    second = place_label(lambda y: ax.text(0.5, y, "label"), [0.5, 0.5, 0.8], taken, renderer)
    assert first.get_position()[1] == 0.5 and second.get_position()[1] == 0.8
    assert len(ax.texts) == 2 and len(taken) == 2
