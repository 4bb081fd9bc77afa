"""The overview report's sentences and tables, called as the notebook calls them."""

from __future__ import annotations

import pandas as pd
import pytest

import crm_models as crm
from crm_models.report.overview import sections, tables


@pytest.fixture(scope="module")
def data():
    return crm.report.load_overview_data(activity_freq="Q")


def test_key_figures_state_customers_and_the_top_20_share(data):
    text = sections.key_figures_markdown(data, "€", "en")
    kf = data.key_figures
    assert text.startswith("## Key figures") and f"**{kf['customers']:,}**" in text
    assert f"€{kf['revenue']:,.2f}" in text
    share = crm.segments.top_share(data.spend, 0.2)
    assert f"**{share:.0%}**" in text


def test_report_links_only_to_reports_in_the_run_folder(tmp_path):
    (tmp_path / "clv.html").write_text("<html></html>")
    folder = sections.report_folder(tmp_path)
    assert folder == tmp_path and sections.report_folder(tmp_path / "missing") is None
    assert sections.report_folder(None) is None
    assert "[clv.html](clv.html)" in sections.details_markdown("clv", tmp_path, folder, "en")
    assert "no csi.html in this run's folder yet" in sections.details_markdown("csi", tmp_path, folder, "en")
    assert sections.details_markdown("clv", None, None, "en") == ""


def test_area_numbers_are_those_of_the_area_reports(data):
    clv_data = crm.report.clv.load_report_data()
    bg, gg = crm.clv.BetaGeoModel().fit(clv_data.full), crm.clv.GammaGammaModel().fit(clv_data.full)
    equity = crm.clv.customer_lifetime_value(bg, gg, clv_data.full, 52, 0.0018, 0.3).sum()
    assert f"worth **{equity:,.2f}** in profit today" in sections.clv_markdown(data.summary)
    churn = sections.churn_markdown(None)
    assert "(median lifetime)" in churn and churn.startswith("### ")
    seg = sections.segments_markdown(data, "zh")
    assert "钻石会员 0" in seg
    areas = sections.areas_markdown(data, transactions_path="orders.csv")  # a user's data: no churn, no CSI
    heads = [line for line in areas.splitlines() if line.startswith("### ")]
    assert heads == [sections.clv_markdown(data.summary).splitlines()[0],
                     sections.segments_markdown(data).splitlines()[0]]


def test_distribution_panels_put_units_on_times_and_money():
    def plot():
        return None

    summary = pd.DataFrame()
    panels = sections.distribution_panels(plot, summary, "W", "€", "en")
    assert [p[2]["column"] for p in panels] == sections.SUMMARY_COLUMNS
    assert [p[2]["unit"] for p in panels] == ["", "weeks", "weeks", "€"]
    assert all(p[0] is plot and p[1] is summary for p in panels)


def test_tables(data):
    activity = tables.activity_table(data.activity, "€", "en")
    assert list(activity.data.index) == list(data.activity.index.strftime("%Y-%m"))
    html = activity.to_html()
    assert "active_customers" not in html and f"€{data.activity['revenue'].iloc[0]:,.2f}" in html
    stats = tables.summary_statistics_table(data.summary, "€", "en")
    assert list(stats.data.index) == sections.SUMMARY_COLUMNS
    assert f"€{data.summary['monetary_value'].mean():,.2f}" in stats.to_html()
