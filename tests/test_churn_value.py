"""Survival-based customer value and retention improvements, against closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.churn import simulate_weibull

from crm_models.churn import ChurnModel, retention_improvement, survival_value
from crm_models.errors import CRMDataError


@pytest.fixture(scope="module")
def fitted():
    d = simulate_weibull(3000, seed=21)
    m = ChurnModel("weibull").fit(d)
    active = d[d["event"] == 0].iloc[:200].assign(fee=lambda x: 10 + 5 * x["x2"])
    return m, active


def weibull_conditional(m, df, u):
    """S(s + u | x) / S(s | x) from the fitted parameters, written out."""
    p = m.params_
    lam = np.exp(p[("lambda_", "Intercept")] + p[("lambda_", "x1")] * df["x1"].to_numpy()
                 + p[("lambda_", "x2")] * df["x2"].to_numpy())
    rho = np.exp(p[("rho_", "Intercept")])
    s = df["duration"].to_numpy()
    return np.exp(-((s + u) / lam) ** rho + (s / lam) ** rho)


def test_value_equals_discounted_survival_sum(fitted):
    m, active = fitted
    v = survival_value(m, active, "fee", periods=24, discount_rate=0.01)
    fee = active["fee"].to_numpy()
    expected = sum(fee * weibull_conditional(m, active, k) / 1.01**k for k in range(1, 25))
    np.testing.assert_allclose(v["value"].to_numpy(), expected, rtol=1e-10)
    retained = active["fee"].to_numpy() * sum(1 / 1.01**k for k in range(1, 25))
    np.testing.assert_allclose(v["value_if_retained"], retained)
    np.testing.assert_allclose(v["value_at_risk"], retained - expected, rtol=1e-8)
    np.testing.assert_allclose(v["churn_probability"], 1 - weibull_conditional(m, active, 24), atol=1e-12)
    assert ((v["expected_periods"] >= 0) & (v["expected_periods"] <= 24)).all()


def test_value_timing_and_period_length(fitted):
    m, active = fitted
    start = survival_value(m, active, 10.0, periods=4, discount_rate=0.02, timing="start", period_length=3)
    expected = 10 * sum(weibull_conditional(m, active, 3 * k) / 1.02**k for k in range(0, 4))
    np.testing.assert_allclose(start["value"].to_numpy(), expected, rtol=1e-10)


def test_retention_improvement_is_the_hazard_scaled(fitted):
    m, active = fitted
    tab = retention_improvement(m, active, "fee", 12, 0.01, improvements=(0.0, 0.1, 0.5, 1.0))
    fee = active["fee"].to_numpy()
    base = sum(fee * weibull_conditional(m, active, k) / 1.01**k for k in range(1, 13)).sum()
    # hazard x 0.9: S^0.9
    improved = sum(fee * weibull_conditional(m, active, k) ** 0.9 / 1.01**k for k in range(1, 13)).sum()
    assert tab.loc[0, "gain"] == pytest.approx(0, abs=1e-9)
    assert tab.loc[1, "value_base"] == pytest.approx(base, rel=1e-10)
    assert tab.loc[1, "value_improved"] == pytest.approx(improved, rel=1e-10)
    # no hazard at all: everyone stays, the value is the value if retained
    assert tab.loc[3, "value_improved"] == pytest.approx(fee.sum() * sum(1 / 1.01**k for k in range(1, 13)))
    assert tab.loc[3, "churners_improved"] == pytest.approx(0)
    assert tab["gain"].is_monotonic_increasing and tab["churners_avoided"].is_monotonic_increasing
    assert tab.loc[1, "gain_per_targeted"] == pytest.approx(tab.loc[1, "gain"] / len(active))


def test_hazard_scaling_equals_a_shifted_weibull_scale(fitted):
    """For a Weibull, hazard x c is the scale lambda x c^(-1/rho): an independent route."""
    m, active = fitted
    c = 0.8
    rho = np.exp(m.params_[("rho_", "Intercept")])
    shifted = ChurnModel("weibull")
    shifted.__dict__.update(m.__dict__)
    import copy

    shifted.fitter_ = copy.deepcopy(m.fitter_)
    shifted.fitter_.params_[("lambda_", "Intercept")] += -np.log(c) / rho
    v_shift = survival_value(shifted, active, "fee", 12, 0.01)["value"].sum()
    tab = retention_improvement(m, active, "fee", 12, 0.01, improvements=(1 - c,))
    assert tab.loc[0, "value_improved"] == pytest.approx(v_shift, rel=1e-9)


def test_targeting_only_changes_the_targeted(fitted):
    m, active = fitted
    risky = (m.churn_probability(active, 12) > 0.5).to_numpy()
    tab = retention_improvement(m, active, "fee", 12, 0.01, improvements=(0.2,), target=risky)
    only = retention_improvement(m, active[risky], "fee", 12, 0.01, improvements=(0.2,))
    assert tab.loc[0, "gain"] == pytest.approx(only.loc[0, "gain"], rel=1e-10)
    assert tab.loc[0, "customers_targeted"] == risky.sum()


def test_value_bad_input(fitted):
    m, active = fitted
    with pytest.raises(CRMDataError, match="margin column not found"):
        survival_value(m, active, "nope", 12, 0.01)
    with pytest.raises(CRMDataError, match="missing or non-numeric margins") as err:
        survival_value(m, active.assign(fee=np.where(active.index == active.index[0], np.nan, 1.0)), "fee",
                       12, 0.01)
    assert err.value.column == "fee"
    with pytest.raises(CRMDataError, match="periods"):
        survival_value(m, active, 1.0, 0, 0.01)
    with pytest.raises(CRMDataError, match="improvements"):
        retention_improvement(m, active, 1.0, 12, 0.01, improvements=(1.5,))
    with pytest.raises(CRMDataError, match="target"):
        retention_improvement(m, active, 1.0, 12, 0.01, target=[True])
    assert isinstance(survival_value(m, active, 1.0, 3, 0.0), pd.DataFrame)
