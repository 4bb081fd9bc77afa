"""The overview report as a management summary: the key numbers of the CLV, churn, CSI and
segments reports (computed with their defaults on the same data) and links to the
reports of the same run."""

from __future__ import annotations

import re

import pytest
from test_i18n_notebooks import check_clean

import crm_models as crm

pytestmark = pytest.mark.slow  # each test runs the overview notebook


def _markdown(nb) -> str:
    return "\n".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                     if c.cell_type == "code" for o in c.outputs)


def test_overview_summarises_and_links_the_reports_of_the_run(run_notebook, tmp_path):
    from lifelines import KaplanMeierFitter

    run = tmp_path / "run"  # the notebook runs in tmp_path: a relative report_dir is found from there
    run.mkdir()
    for name in ("clv", "churn"):
        (run / f"{name}.html").write_text("<html></html>")
    nb = run_notebook("overview", {"activity_freq": "Q", "report_dir": "run"})
    check_clean(nb)
    text = _markdown(nb)
    heads = [line for line in text.splitlines() if line.startswith("#")]
    assert heads[:3] == ["# Customer base overview", "## Key figures", "## The reports at a glance"]
    # links only to the reports that exist in the run's folder
    assert "Details: [clv.html](clv.html)" in text and "Details: [churn.html](churn.html)" in text
    assert "(no csi.html in this run's folder yet)" in text
    assert "(no segments.html in this run's folder yet)" in text and "[segments.html]" not in text
    # customer equity as the CLV report computes it (its own data loader and defaults)
    data = crm.report.clv.load_report_data()
    bg, gg = crm.clv.BetaGeoModel().fit(data.full), crm.clv.GammaGammaModel().fit(data.full)
    equity = crm.clv.customer_lifetime_value(bg, gg, data.full, 52, 0.0018, 0.3).sum()
    assert f"worth **{equity:,.2f}** in profit today" in text
    # median subscription lifetime: lifelines' Kaplan-Meier on the bundled subscriptions
    subs, _ = crm.report.churn.load_churn_data(None, "contractual")
    median = KaplanMeierFitter().fit(subs["duration"], subs["event"]).median_survival_time_
    assert f"leave within **{median:.1f} months** (median lifetime)" in text
    # satisfaction index of the CSI report's default model
    survey = crm.report.csi.load_survey()
    pls = crm.csi.build_model("ecsi", survey, scheme="centroid", scaled=False).fit(survey)
    sat = crm.csi.csi_index(pls, skip_negative=True).loc["SAT", "index"]
    assert f"Satisfaction index **{sat:.1f}** out of 100" in text
    # share of revenue from the top 20 % of customers, counted directly
    spend = crm.data.datasets.sample_transactions().groupby("customer_id")["amount"].sum()
    top = spend.sort_values(ascending=False).head(len(spend) // 5).sum() / spend.sum()
    m = re.search(r"top 20 % of customers \(by spend\) bring \*\*(\d+)%\*\*", text)
    assert m and int(m.group(1)) == round(100 * top)


def test_overview_reads_a_1_to_7_survey_on_its_own_scale(tmp_path):
    """A 1-7 survey (no answer above 7) read on the default 1-10 scale would give an index far too
    low; the overview infers the common scale as the CSI report does, and says so."""
    import numpy as np

    from crm_models.report.overview import sections

    survey = crm.data.datasets.sample_survey()
    items = [c for c in survey.columns if c != "customer_id"]
    survey[items] = np.round(1 + (survey[items] - 1) * 6 / 9).astype(int)
    path = tmp_path / "survey7.csv"
    survey.to_csv(path, index=False)
    text = sections.csi_markdown(str(path))
    pls = crm.csi.build_model("ecsi", survey, scheme="centroid", scaled=False).fit(survey)
    on_7 = crm.csi.csi_index(pls, scale_min=1, scale_max=7, skip_negative=True).loc["SAT", "index"]
    assert f"Satisfaction index **{on_7:.1f}** out of 100" in text
    assert "answer scale 1-7, inferred from the answers as in the CSI report" in text
    with pytest.warns(crm.errors.CRMDataWarning):  # the stated 1-10 would give a much lower index
        on_10 = crm.csi.csi_index(pls, scale_min=1, scale_max=10, skip_negative=True).loc["SAT", "index"]
    assert on_10 < on_7 - 15
