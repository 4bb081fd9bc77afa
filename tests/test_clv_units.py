"""CLV models remember the time unit and period of their training summary and refuse another one.

A BG/NBD fitted on weeks reads a daily summary's recency and T as weeks: on CDNOW the mean
expected purchases in the next 39 weeks drop from 0.70 to 0.13 without any error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crm_models as crm
from crm_models.clv.base import same_unit, summary_units
from crm_models.errors import CRMDataError


@pytest.fixture(scope="module")
def weekly(cdnow_transactions):
    return crm.data.rfm_summary(cdnow_transactions, observation_end="1997-09-30", period="D", time_unit="W")


@pytest.fixture(scope="module")
def daily(cdnow_transactions):
    return crm.data.rfm_summary(cdnow_transactions, observation_end="1997-09-30", period="D", time_unit="D")


@pytest.fixture(scope="module")
def bgnbd(weekly):
    return crm.clv.BetaGeoModel().fit(weekly)


def _no_attrs(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.attrs = {}
    return out


def test_the_fit_records_the_units(bgnbd, weekly):
    assert (bgnbd.time_unit_, bgnbd.period_) == ("W", "D")
    assert summary_units(weekly) == {"time_unit": "W", "period": "D"}
    hand = crm.clv.BetaGeoModel().fit(_no_attrs(weekly))
    assert hand.time_unit_ is None and hand.period_ is None


def test_a_weekly_model_refuses_a_daily_summary_everywhere(bgnbd, daily, weekly):
    msg = (r"BetaGeoModel was fitted on a summary with time_unit='W', period='D', but this one has "
           r"time_unit='D', period='D'.*crm.data.rfm_summary\(\.\.\., time_unit='W', period='D'\)")
    calls = [
        lambda s: bgnbd.expected_purchases(s, 39),
        lambda s: bgnbd.prob_alive(s),
        lambda s: bgnbd.expected_purchases_path(s, [13, 39]),
        lambda s: bgnbd.dert(s, 0.01),
        lambda s: crm.clv.customer_lifetime_value(bgnbd, 20.0, s, 52, 0.01),
        lambda s: crm.clv.discounted_expected_transactions(bgnbd, s, 52, 0.01),
        lambda s: crm.clv.customer_equity(bgnbd, None, s, 52, 0.01, n_draws=3),
        lambda s: crm.clv.frequency_histogram(bgnbd, s),
        lambda s: crm.report.clv.customer_table(bgnbd, None, s, 52, 0.01),
    ]
    for call in calls:
        with pytest.raises(CRMDataError, match=msg) as err:
            call(daily)
        assert err.value.column == "time_unit" and err.value.source == "summary"
    # the weekly summary: the predictions of a model that knows nothing about units
    blind = crm.clv.BetaGeoModel().fit(_no_attrs(weekly))
    got = bgnbd.expected_purchases(weekly, 39)
    np.testing.assert_allclose(got, blind.expected_purchases(weekly, 39), rtol=1e-12)
    assert got.mean() == pytest.approx(0.7015, abs=1e-4)
    # a frame without attrs cannot be checked: accepted (the trap the check closes on real summaries)
    assert bgnbd.expected_purchases(_no_attrs(daily), 39).mean() == pytest.approx(0.1254, abs=1e-4)


def test_holdout_functions_check_the_units(cdnow_transactions, weekly):
    def holdout(unit):
        return crm.data.rfm_summary(cdnow_transactions, observation_end="1998-06-30",
                                    calibration_end="1997-09-30", period="D", time_unit=unit)
    model = crm.clv.BetaGeoModel().fit(holdout("W"))
    errors = crm.clv.holdout_errors(model, holdout("W"))
    assert errors.loc["customer", "n"] == 2357
    with pytest.raises(CRMDataError, match="time_unit='D'"):
        crm.clv.holdout_errors(model, holdout("D"))
    with pytest.raises(CRMDataError, match="time_unit='D'"):
        crm.clv.holdout_by_frequency(model, holdout("D"))


def test_other_models_and_a_different_period(weekly, cdnow_transactions):
    by_week = crm.data.rfm_summary(cdnow_transactions, observation_end="1997-09-30", period="W",
                                   time_unit="W")
    for cls in (crm.clv.ParetoNBDModel, crm.clv.ModifiedBetaGeoModel):
        m = cls(penalizer=0.001).fit(weekly)
        assert (m.time_unit_, m.period_) == ("W", "D")
        with pytest.raises(CRMDataError, match="period='W'"):
            m.prob_alive(by_week)
    repeat = weekly[weekly["frequency"] > 0]
    gg = crm.clv.GammaGammaModel().fit(weekly)
    assert gg.period_ == "D" and not hasattr(gg, "time_unit_")
    daily_units = repeat.copy()
    daily_units.attrs = {**weekly.attrs, "time_unit": "D"}
    gg.expected_spend(daily_units)  # spend per purchase does not depend on the time unit
    with pytest.raises(CRMDataError, match=r"GammaGammaModel was fitted on a summary with period='D'"):
        gg.expected_spend(by_week)


def test_equal_units_by_length_and_models_without_units(weekly):
    assert same_unit("W", "7D") and same_unit("W", "W-SUN") and not same_unit("W", "D")
    assert same_unit("M", "M") and not same_unit("M", "30D")
    seven = weekly.copy()
    seven.attrs = {**weekly.attrs, "time_unit": "7D"}
    m = crm.clv.BetaGeoModel().fit(weekly)
    np.testing.assert_allclose(m.prob_alive(seven), m.prob_alive(weekly))
    fixed = crm.clv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    assert fixed.expected_purchases(seven, 39).notna().all()  # no training units: nothing to check


def test_sbg_checks_the_time_unit_of_durations():
    d = pd.DataFrame({"duration": [1, 2, 3, 3, 5, 8, 8, 8], "churned": [1, 1, 1, 0, 1, 0, 0, 0]})
    d.attrs["crm_churn"] = {"time_unit": "M"}
    m = crm.clv.ShiftedBetaGeoModel().fit(d)
    assert m.time_unit_ == "M"
    days = d.copy()
    days.attrs["crm_churn"] = {"time_unit": "D"}
    with pytest.raises(CRMDataError, match="time_unit='M'.*time_unit='D'"):
        m.dert(days, 0.01)
    assert m.dert(d, 0.01).iloc[3] > 0
    assert crm.clv.ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326]).time_unit_ is None
