"""The segments report's tables, sentences and key figures, called as the notebook calls them."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.display import Markdown

import crm_models as crm
from crm_models.data.datasets import sample_survey, sample_transactions
from crm_models.report.segments import sections, tables

THRESHOLDS = {"diamond": 10000, "platinum": 3000, "gold": 300}


@pytest.fixture(scope="module")
def sample():
    data = crm.report.segments.load_segment_inputs()
    return data, sections.analyse(data, sections.load_survey(None, None), k_range=[2, 3])


def test_load_survey_reads_through_the_csi_loader(tmp_path):
    assert sections.load_survey(None, None).equals(sample_survey())
    assert sections.load_survey("orders.csv", None) is None  # no bundled survey for a user's data
    path = tmp_path / "survey.csv"
    sample_survey().head(20).to_csv(path, index=False)
    got = sections.load_survey("orders.csv", str(path))
    assert len(got) == 20 and got.attrs["source"] == str(path)
    pd.testing.assert_frame_equal(got, sample_survey().head(20), check_dtype=False)


def test_summary_record_on_the_bundled_sample(sample):
    data, res = sample
    got = sections.summary_record(data, res)
    tx = sample_transactions()
    table = crm.segments.rfm_table(tx, "2024-12-31")
    seg = crm.segments.rfm_segments(table)
    assert got["customers"] == 3000
    assert got["segments"] == {str(k): int(v) for k, v in seg["segment"].value_counts(sort=False).items()}
    assert got["pareto_customer_share"] == pytest.approx(
        crm.segments.pareto_point(table["monetary"])["customer_share"], abs=1e-6)
    lm = crm.segments.loyalty_matrix(sample_survey().set_index("customer_id")[["loy1", "loy2", "loy3"]],
                                     crm.segments.repeat_purchase_rate(tx, "2024-12-31"))
    assert got["loyalty"] == {str(k): int(v) for k, v in lm.value_counts().items()}
    tiers = crm.segments.membership_tiers(tx, "2024-12-31")
    assert got["tiers"] == {str(k): int(v) for k, v in tiers["tier"].value_counts().items()}
    assert got["evaluations"] == 7 and got["k"] in (2, 3)
    assert 0 < got["retention_rate"] < 1


def test_summary_record_on_a_users_csv(cdnow_transactions, tmp_path):
    path = tmp_path / "cdnow.csv"
    cdnow_transactions.rename(columns={"customer_id": "id", "amount": "dollars"}).to_csv(path, index=False)
    data = crm.report.segments.load_segment_inputs(str(path), customer_id="id", amount="dollars",
                                                   observation_end="1998-06-30", thresholds={"gold": 100},
                                                   retention_period_days=180)
    res = sections.analyse(data, sections.load_survey(str(path), None), k_range=[2, 3])
    got = sections.summary_record(data, res)
    assert got["customers"] == 2357
    assert got["loyalty"] is None  # no survey for a user's data
    assert got["evaluations"] == 4  # 1997-12-31, then every 60 days to 1998-06-30
    d = cdnow_transactions["date"]
    # retention from the 180 days to 1998-01-01 into the 180 days to 1998-06-30
    prev = set(cdnow_transactions.loc[(d > "1997-07-05") & (d <= "1998-01-01"), "customer_id"])
    last = set(cdnow_transactions.loc[d > "1998-01-01", "customer_id"])
    assert got["retention_rate"] == pytest.approx(len(prev & last) / len(prev), abs=1e-6)
    assert res.migration is not None
    (note,) = tables.loyalty_or_note(res.loyalty, "en")
    assert isinstance(note, Markdown)


def test_sentences(sample):
    data, res = sample
    kf = sections.key_figures_markdown(data, res, thresholds=THRESHOLDS, value_shares=[0.2, 0.5],
                                       at_risk_after=180,
                                       lost_after=365, retention_uplift=0.05, lang="zh")
    assert kf.startswith("## ") and "钻石会员 0、铂金会员 4、黄金会员 265、普通会员 2,731" in kf
    assert f"**{res.retention_rate:.1%}**" in kf
    assert sections.tier_order(THRESHOLDS) == ["diamond", "platinum", "gold", "ordinary"]
    assert f"{res.pareto['customer_share']:.0%}" in sections.value_markdown(res, [0.2, 0.5], "en")
    assert "10,000" in sections.membership_markdown(THRESHOLDS, 365, 60, "en")
    assert f"{res.retention_rate:.1%}" in sections.retention_markdown(data, res, 365, 0.05, "en")


def test_tables_show_words_and_the_numbers(sample):
    data, res = sample
    seg = tables.segments_table(res.segment_summary, "", "zh")
    assert "冠军客户" in seg.to_html() and "champions" not in seg.to_html()
    assert seg.data["customers"].sum() == 3000
    stages = tables.stages_table(res.stage_counts, "en")
    assert stages.data["customers"].sum() == 3000 and stages.data["share"].sum() == pytest.approx(1)
    members = tables.membership_table(data.membership_tiers, THRESHOLDS, "en")
    assert list(members.data["members"]) == [0, 4, 265, 2731]
    (loyalty,) = tables.loyalty_or_note(res.loyalty, "en")
    assert loyalty.data["customers"].sum() == len(res.loyalty)
    assert len(tables.tier_changes_table(res.tier_changes, "en").data) == 7
    assert tables.clusters_table(res.clusters, "€", "en").data["customers"].sum() == 3000
    assert f"{res.retention_rate:.1%}" in tables.uplift_table(res.uplift, "", "en").to_html()
    assert "€" in tables.value_tiers_table(res.tier_summary, "€", "en").to_html()
    counts = tables.counts_frame(pd.Series({"a": 3, "b": None}), "n")
    assert list(counts["n"]) == [3, 0] and list(counts["share"]) == [1.0, 0.0]
