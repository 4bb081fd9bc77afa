"""Figures return their Axes and draw what they say; survey/model helpers of the notebook."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from crm_models import csi  # noqa: E402
from crm_models.errors import CRMDataError, ModelSpecificationError  # noqa: E402
from crm_models.plotting import csi as plots  # noqa: E402
from crm_models.report.csi import load_survey, messages  # noqa: E402


@pytest.fixture(scope="module")
def boot(sat_model):
    return sat_model.bootstrap(n=200, seed=0)


def test_path_diagram_labels(sat_model, boot):
    ax = plots.plot_path_diagram(sat_model, boot, labels=csi.CONSTRUCT_LABELS)
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("0.59***") for t in texts)  # VAL -> SAT
    assert any(t.startswith("-0.00ns") for t in texts)  # EXPE -> SAT
    assert any("R² = 0.71" in t for t in texts)
    assert len(ax.patches) == 6
    plt.close("all")
    assert plots.significance_stars(0.0004) == "***" and plots.significance_stars(0.2) == "ns"


def test_path_diagram_generic_layout():
    blocks = {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2"]}
    import numpy as np

    rng = np.random.default_rng(0)
    f = rng.normal(size=(80, 1))
    df = pd.DataFrame(f + rng.normal(size=(80, 6)), columns=sum(blocks.values(), []))
    m = csi.PLSPM({"B": ["A"], "C": ["A", "B"]}, blocks).fit(df)
    _, ax = plt.subplots()
    assert plots.plot_path_diagram(m, ax=ax) is ax
    plt.close("all")


def test_index_ipma_intervals(sat_model, boot):
    idx = csi.csi_index(sat_model, scale_min=0)
    ax = plots.plot_csi_index(idx)
    assert len(ax.patches) == 6 and ax.get_xlim() == (0, 100)
    ip = csi.ipma(sat_model, "LOY", scale_min=0)
    ax = plots.plot_ipma(ip)
    assert "Loyalty / repurchase intention" in ax.get_title() and len(ax.texts) >= len(ip)  # names, not codes
    ax = plots.plot_bootstrap_intervals(boot, "paths", interval="bca")
    ticks = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    expected = [messages.path_label(k) for k in boot.paths.index]  # paths in words, first row on top
    assert sorted(ticks, key=ticks.get, reverse=True) == expected
    ax = plots.plot_bootstrap_intervals(boot, "htmt")
    nobca = sat_model.bootstrap(n=20, seed=0, bca=False)
    with pytest.raises(ValueError, match="bca"):
        plots.plot_bootstrap_intervals(nobca, interval="bca")
    plt.close("all")


def test_load_survey_and_build_model(tmp_path, satisfaction):
    path = tmp_path / "s.csv"
    satisfaction.to_csv(path)  # with its row index, as R's write.csv
    df = load_survey(path)
    assert "Unnamed: 0" not in df.columns and len(df) == 250
    m = csi.build_model({"paths": {"SAT": ["VAL", "IMAG"], "LOY": ["SAT"]}}, df).fit(df)
    assert m.spec.blocks[m.spec.lvs.index("VAL")] == ("val1", "val2", "val3", "val4")
    m2 = csi.build_model({"paths": [("VAL", "SAT")], "blocks": {"VAL": ["val1", "val2"], "SAT": ["sat1"]},
                          "modes": {"VAL": "B"}}, df)
    assert m2.spec.modes == ("B", "A")
    with pytest.raises(CRMDataError, match=r"no items found for construct\(s\) \['NPS'\]"):
        csi.build_model({"paths": {"NPS": ["SAT"]}}, df)
    with pytest.raises(ModelSpecificationError, match="unknown model 'csi'"):
        csi.build_model("csi", df)
    sample = load_survey(None)
    assert {"customer_id", "sat1", "swc3"} <= set(sample.columns)


def test_messages_complete_in_both_languages(sat_model, boot):
    from crm_models.report.i18n import catalogue

    assert set(catalogue("en")) == set(catalogue("zh"))
    assert messages.t("csi_fig_index_title", "zh") == "各潜变量的顾客满意度指数"
    assert messages.construct_label("SAT", "zh") == "顾客满意"
    assert messages.construct_label("XYZ", "zh") == "XYZ"
    ax = plots.plot_bootstrap_intervals(boot, "paths", lang="zh")
    assert ax.get_xlabel() == "估计值" and "路径系数" in ax.get_title()
    ax = plots.plot_path_diagram(sat_model, lang="zh")
    assert "最小二乘" in ax.get_title()
    plt.close("all")
