"""The churn report notebook on the bundled sample, and the helpers it relies on."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import crm_models as crm  # noqa: E402
from crm_models.churn import (  # noqa: E402
    ChurnModel,
    pick_segment,
    score_customers,
    value_by_tier,
)
from crm_models.errors import CRMDataError  # noqa: E402
from crm_models.plotting import churn as plots  # noqa: E402
from crm_models.report.churn import load_churn_data  # noqa: E402

pytestmark = pytest.mark.slow  # each test runs a report notebook


@pytest.fixture(scope="module")
def sample():
    return load_churn_data(None, "contractual")


def _markdown(nb) -> str:
    return "\n".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                     if c.cell_type == "code" for o in c.outputs)


def test_notebook_on_sample_subscriptions(run_notebook, sample):
    nb = run_notebook("churn", {"top_n": 5, "reference_levels": {"contract": "monthly"}, "periods": 12})
    text = _markdown(nb)
    assert "**2,000** customers, of whom **1,265** (63.2%) have churned" in text
    assert "Segments below: **contract**" in text
    # the strongest effect reported equals an independent fit of the same model
    d, _ = sample
    ref = ChurnModel("cox", reference_levels={"contract": "monthly"}).fit(d).effects_
    m = re.search(r"Strongest effect: \*\*(.+?)\*\*, hazard ratio \*\*([0-9.]+)\*\*", text)
    assert ref["p"].idxmin() == "contract_annual"
    assert m and m.group(1) == "contract: annual (vs monthly)"  # the term in words, not its code
    assert float(m.group(2)) == pytest.approx(ref.loc["contract_annual", "ratio"], abs=0.005)
    assert "The **5** current customers most likely to leave within 6 months" in text
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    # KM, forest, calibration, risk histogram, classifier comparison (reliability + gains), retention value
    assert len(images) == 6
    # who will churn next: the subscriptions backtested over cut-offs, a target list of 20
    assert "## Who will churn next: classifiers and the survival model compared" in text
    assert "Churn = the subscription is cancelled within 6 months (183 days) after the cut-off" in text
    assert "The 20 active customers with the highest expected profit" in text
    assert not [o for o in outputs if o.get("output_type") in ("error", "stream") and "Warning" in str(o)]


def test_load_churn_data_sample_and_telco(sample, shared_data):
    d, info = sample
    assert info["duration_col"] == "duration" and info["margin"] == "monthly_fee"
    assert info["observation_end"] == "2024-12-31" and len(d) == 2000
    telco, tinfo = load_churn_data(shared_data / "telco" / "telco_customer_churn.csv", "contractual",
                                   customer_id="customerID", duration_col="tenure", event_col="Churn",
                                   event_value="Yes", covariates=["Contract", "MonthlyCharges"])
    assert list(telco.columns) == ["customerID", "Contract", "MonthlyCharges", "tenure", "Churn"]
    assert telco["Churn"].sum() == 1869 and tinfo["margin"] == "MonthlyCharges"
    m = ChurnModel("cox").fit(telco, "tenure", "Churn")  # the id is not a covariate
    assert list(m.params_.index) == ["Contract_One year", "Contract_Two year", "MonthlyCharges"]


def test_load_churn_data_non_contractual():
    d, info = load_churn_data(None, "non-contractual", time_unit="W")
    assert info["setting"] == "non-contractual" and info["margin"] == "spend_per_period"
    assert "0.9 quantile" in info["description"]
    assert "spend_per_period" in d.attrs["crm_churn"]["non_covariates"]
    m = ChurnModel("weibull").fit(d)
    assert list(m.design_.covariates) == ["first_amount"]
    tx = crm.data.datasets.sample_transactions()
    one = d.iloc[0]
    own = tx[(tx["customer_id"] == one["customer_id"]) & (tx["date"] <= one["last_purchase"])]["amount"].sum()
    assert one["spend_per_period"] == pytest.approx(own / max(one["duration"], 1.0))
    with pytest.raises(CRMDataError, match="mode"):
        load_churn_data(None, "subscription")


def test_pick_segment_score_and_tiers(sample):
    d, _ = sample
    assert pick_segment(d, ["plan", "contract", "channel", "monthly_fee"]) == "contract"
    m = ChurnModel("weibull").fit(d)
    active = d[d["event"] == 0]
    scored = score_customers(m, active, 6, margin="monthly_fee", periods=12, keep=["customer_id"])
    assert scored["churn_probability"].is_monotonic_decreasing
    assert scored["risk_rank"].tolist() == list(range(1, len(active) + 1))
    assert (scored["expected_remaining_lifetime"] <= 12).all()
    tiers = value_by_tier(scored)
    assert tiers.loc["total", "customers"] == len(active)
    assert tiers.loc["total", "value"] == pytest.approx(scored["value"].sum())
    assert tiers.loc[["low", "medium", "high"], "share_of_value_at_risk"].sum() == pytest.approx(1)


def test_plots_return_axes_with_content(sample):
    import matplotlib.pyplot as plt

    d, _ = sample
    ax = plots.plot_km(d, segment="contract", time_unit="months")
    assert len([ln for ln in ax.get_lines() if ln.get_label() in ("annual", "monthly")]) == 2
    plt.close("all")
    m = ChurnModel("cox").fit(d)
    ax = plots.plot_effects(m)
    assert len(ax.get_yticklabels()) == len(m.effects_)
    assert "contract: monthly (vs annual)" in [t.get_text() for t in ax.get_yticklabels()]
    tab = crm.churn.retention_improvement(m, d[d["event"] == 0], "monthly_fee", 12, 0.01)
    ax = plots.plot_retention_value(tab)
    assert np.allclose([p.get_height() for p in ax.patches], tab["gain"])
    cal = crm.churn.calibration_table(m, d, 6)
    assert plots.plot_calibration(cal).get_xlabel() == "predicted churn"
    with pytest.warns(UserWarning, match="beyond the longest training duration"):
        p6 = m.churn_probability(d, 6)
    assert plots.plot_risk_distribution(p6, horizon=6) is not None
    plt.close("all")
    with pytest.raises(CRMDataError, match="too many curves"):
        plots.plot_km(d.assign(seg=np.arange(len(d)) % 12), segment="seg")
