"""A churn model fitted on durations in months refuses durations in days (and vice versa)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.churn import simulate_weibull

import crm_models as crm
from crm_models.errors import CRMDataError


def _subscriptions(n: int = 300, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    stop = start + pd.to_timedelta(rng.exponential(400, n).round() + 1, unit="D")
    end = stop.where(stop < pd.Timestamp("2022-12-31"))
    return pd.DataFrame({"customer": np.arange(n), "start": start, "end": end,
                         "plan": rng.integers(0, 2, n)})


def test_a_monthly_model_refuses_daily_durations():
    subs = _subscriptions()
    months = crm.churn.durations_from_subscriptions(subs, "customer", "start", "end", "2022-12-31",
                                                    features=["plan"], time_unit="M")
    days = crm.churn.durations_from_subscriptions(subs, "customer", "start", "end", "2022-12-31",
                                                  features=["plan"], time_unit="D")
    m = crm.churn.ChurnModel("weibull").fit(months)
    assert m.time_unit_ == "M"
    p = m.churn_probability(months, 3)
    assert p.between(0, 1).all()
    msg = r"fitted on durations in time_unit='M', but these are in time_unit='D'.*time_unit='M'"
    for call in (lambda d: m.churn_probability(d, 3), lambda d: m.survival_function(d, [1, 2]),
                 lambda d: m.expected_remaining_lifetime(d, 12), lambda d: m.risk_tiers(d, 3)):
        with pytest.raises(CRMDataError, match=msg):
            call(days)
    # without attrs (a frame made by hand) nothing can be checked: read in the model's unit
    bare = days.copy()
    bare.attrs = {}
    assert (m.churn_probability(bare, 3) < p).mean() > 0.9  # days read as months: far too low


def test_models_fitted_without_a_unit_accept_any_frame():
    d = simulate_weibull(400, seed=3)
    m = crm.churn.ChurnModel("weibull").fit(d)
    assert m.time_unit_ is None
    tagged = d.copy()
    tagged.attrs["crm_churn"] = {"time_unit": "D"}
    np.testing.assert_allclose(m.churn_probability(tagged, 5), m.churn_probability(d, 5))
