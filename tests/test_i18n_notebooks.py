"""Every report notebook renders in Chinese: no missing CJK glyphs, Chinese headings, the
same numbers as the models give, and nothing but the report in what the HTML shows."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow  # each test runs a report notebook


def _outputs(nb, *, shown_only: bool = False):
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if shown_only and "remove_cell" in cell.metadata.get("tags", []):
            continue
        yield from cell.outputs


def markdown(nb) -> str:
    return "\n".join(str(o.get("data", {}).get("text/markdown", "")) for o in _outputs(nb))


def headings(nb) -> list[str]:
    return [line.lstrip("# ").strip() for line in markdown(nb).splitlines() if line.startswith("#")]


def check_clean(nb) -> None:
    """No missing glyphs, and nothing in the HTML but markdown, tables and figures."""
    streams = "".join(o.get("text", "") for o in _outputs(nb) if o.get("output_type") == "stream")
    assert "missing from font" not in streams
    shown = list(_outputs(nb, shown_only=True))
    assert not [o for o in shown if o.get("output_type") == "error"]
    # stdout would be printed in the report (stderr is dropped by the runner)
    assert [o["text"] for o in shown if o.get("output_type") == "stream" and o.get("name") == "stdout"] == []
    # a bare repr (e.g. "<Axes: ...>", a Series) is not report content
    displayed = [o for o in shown if o.get("output_type") in ("display_data", "execute_result")]
    bare = [o["data"]["text/plain"] for o in displayed if set(o.get("data", {})) == {"text/plain"}]
    assert bare == []
    # every table number formatted on purpose: no pandas default of six decimals (49.980000)
    html = "".join(o.get("data", {}).get("text/html", "") for o in displayed)
    assert re.findall(r">\s*-?[\d,]*\.\d{3}000\s*</td>", html) == []


def test_clv_in_chinese(run_notebook):
    import crm_models as crm
    from crm_models.report.i18n import money

    nb = run_notebook("clv", {"lang": "zh", "n_draws": 10})
    check_clean(nb)
    heads = headings(nb)
    assert heads[:2] == ["客户终身价值：谁会再次购买，客户群值多少", "关键指标"]  # key figures first
    assert {"模型估计结果", "哪些客户仍然活跃？", "客户资产"} <= set(heads)
    # the customer equity stated in the key figures is the model's
    data = crm.report.clv.load_report_data()
    m, gg = crm.clv.BetaGeoModel().fit(data.full), crm.clv.GammaGammaModel().fit(data.full)
    equity = crm.clv.customer_lifetime_value(m, gg, data.full, 52, 0.0018, 0.3).sum()
    assert f"**客户资产：{money(equity)}**" in markdown(nb)
    assert "**3,000** 位客户" in markdown(nb)


def test_churn_in_chinese(run_notebook):
    from lifelines import KaplanMeierFitter

    import crm_models as crm

    nb = run_notebook("churn", {"lang": "zh", "top_n": 5, "periods": 12})
    check_clean(nb)
    heads = headings(nb)
    assert heads[:2] == ["客户流失：谁会离开、何时离开、为什么离开，以及留住他们值多少", "关键指标"]
    assert {"客户为什么离开？流失的驱动因素", "风险价值", "提高留存值多少钱？"} <= set(heads)
    text = markdown(nb)
    assert "**2,000** 位客户，其中 **1,265** 位（63.2%）已流失，**735** 位仍是客户。" in text
    # the median lifetime in the key figures is lifelines' Kaplan-Meier median
    d, _ = crm.report.churn.load_churn_data(None, "contractual")
    median = KaplanMeierFitter().fit(d["duration"], d["event"]).median_survival_time_
    assert f"一半的客户在 **{median:.1f} 个月**内离开" in text
    assert "contract：monthly（相对于 annual）" in text  # the strongest driver, named for readers


def test_segments_in_chinese(run_notebook):
    import pandas as pd

    from crm_models.data.datasets import sample_transactions

    nb = run_notebook("segments", {"lang": "zh", "k_range": [2, 3]})
    check_clean(nb)
    heads = headings(nb)
    assert heads[:2] == ["客户细分、忠诚度与会员等级", "关键指标"]
    assert {"RFM 细分", "价值分层与 80/20 法则", "忠诚矩阵：态度 × 行为", "会员等级", "聚类"} <= set(heads)
    text = markdown(nb)
    # retention in the key figures: last year's buyers who bought again this year, counted directly
    tx = sample_transactions()
    end, year = pd.Timestamp("2024-12-31"), pd.Timedelta(days=365)
    before = set(tx.loc[(tx["date"] > end - 2 * year) & (tx["date"] <= end - year), "customer_id"])
    after = set(tx.loc[tx["date"] > end - year, "customer_id"])
    assert f"有 **{len(before & after) / len(before):.1%}** 在下一个周期再次购买" in text
    assert "钻石会员 0、铂金会员 4、黄金会员 265、普通会员 2,731" in text
    # segment names in the tables are Chinese
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "冠军客户" in html and "champions" not in html
