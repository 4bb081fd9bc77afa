"""The CSI report notebook runs on the bundled sample survey and on the plspm satisfaction data."""

from __future__ import annotations

import re

import numpy as np
import pytest

from crm_models.data import datasets

pytestmark = pytest.mark.slow  # each test runs a report notebook


def _outputs(nb) -> tuple[str, int]:
    texts, images = [], 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            images += "image/png" in data
            texts.append(data.get("text/markdown", "") + data.get("text/html", "") + out.get("text", ""))
    return "\n".join(texts), images


def test_csi_notebook_on_sample_survey_retention_model_in_chinese(run_notebook):
    nb = run_notebook("csi", {"model": "retention", "n_boot": 200, "target": "LOY", "lang": "zh"})
    text, images = _outputs(nb)
    assert images >= 5  # path diagram, HTMT, index, IPMA, intervals
    assert "**600** 位受访者" in text and "拟合优度 GoF = **" in text
    gof = float(re.search(r"GoF = \*\*([0-9.]+)\*\*", text).group(1))
    assert 0.2 < gof < 0.9
    assert "顾客保持模型假设" in text
    streams = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert "missing from font" not in streams
    for h in ("H1", "H2", "H3", "H4"):
        assert h in text
    assert "感知价值正向影响顾客满意" in text
    assert "对 **顾客忠诚 / 重购意向** 影响最大的杠杆是" in text


def test_csi_notebook_reproduces_plspm_gof(run_notebook, shared_data):
    nb = run_notebook("csi", {"survey_path": str(shared_data / "ecsi" / "satisfaction.csv"), "model": "ecsi",
                              "n_boot": 200, "scale_min": 0, "scale_max": 10})
    text, _ = _outputs(nb)
    assert "**250** respondents" in text and "The strongest lever for **Satisfaction**" in text
    assert "GoF = **0.610**" in text  # R plspm: 0.609741624338411
    assert "0.589" in text  # VAL -> SAT path


def test_csi_notebook_states_the_scale_and_leaves_out_straightliners(run_notebook, tmp_path):
    """A 1-7 survey run with the default 1-10 scale: the report infers 1-7 and says so; six
    injected straight-liners are counted and, with exclude_straightliners=True, left out."""
    survey = datasets.sample_survey()
    items = [c for c in survey.columns if c != "customer_id"]
    survey[items] = np.round(1 + (survey[items] - 1) * 6 / 9).astype(int)
    survey.loc[survey.index[:6], items] = 4
    path = tmp_path / "likert7.csv"
    survey.to_csv(path, index=False)
    nb = run_notebook("csi", {"survey_path": str(path), "n_boot": 50, "exclude_straightliners": True})
    text, _ = _outputs(nb)
    assert "Answer scale: **1-7**, inferred from the answers: they range from 2 to 7" in text
    assert "a top answer 7 would count as 66.7 instead of 100" in text
    assert "**6** of 600 respondents gave the same answer to every item and were **left out**" in text
    # the key figures themselves: tests/test_report_csi_sections.py (summary_record)
    assert "**594** respondents" in text
