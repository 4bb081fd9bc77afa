"""Shifted-beta-geometric: Fader & Hardie (2007) regular and high-end retention data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.clv import SBG_HIGH_END, SBG_REGULAR

import crm_models as crm

PAPER = {"regular": (0.704, 1.182, SBG_REGULAR), "high_end": (0.668, 3.806, SBG_HIGH_END)}


def _counts(series):
    return np.round(np.asarray(series) * 10)  # per cent of a 1,000-customer cohort


@pytest.mark.parametrize("segment", ["regular", "high_end"])
def test_fit_on_years_1_to_7_reproduces_the_paper(segment):
    gamma, delta, series = PAPER[segment]
    m = crm.clv.ShiftedBetaGeoModel().fit(_counts(series)[:8])
    assert m.params_["gamma"] == pytest.approx(gamma, abs=5e-4)
    assert m.params_["delta"] == pytest.approx(delta, abs=5e-4)
    assert m.n_obs_ == 1000


@pytest.mark.parametrize("segment", ["regular", "high_end"])
def test_projection_of_years_8_to_12_tracks_the_actuals(segment):
    _, _, series = PAPER[segment]
    m = crm.clv.ShiftedBetaGeoModel().fit(_counts(series)[:8])
    proj = m.project(12, cohort_size=100.0)
    actual = np.asarray(series, dtype=float)
    assert proj.index.tolist() == list(range(13))
    # in-sample and the 5-year-ahead projection within 2 points of the data (the paper's Figure)
    assert np.max(np.abs(proj.to_numpy() - actual)) < 2.0
    # the projection is the sBG survival function S(t) = B(gamma, delta+t)/B(gamma, delta)
    g, d = m.params_
    S = np.cumprod(np.r_[1.0, (d + np.arange(12)) / (g + d + np.arange(12))])
    np.testing.assert_allclose(proj.to_numpy(), 100 * S, rtol=1e-12)


def test_per_customer_durations_give_the_same_fit():
    counts = _counts(SBG_REGULAR)[:8]
    lost = counts[:-1] - counts[1:]
    rows = [(t + 1, True) for t, k in enumerate(lost) for _ in range(int(k))]
    rows += [(7, False)] * int(counts[-1])
    df = pd.DataFrame(rows, columns=["duration", "churned"])
    a = crm.clv.ShiftedBetaGeoModel().fit(counts)
    b = crm.clv.ShiftedBetaGeoModel().fit(df)
    np.testing.assert_allclose(b.params_.to_numpy(), a.params_.to_numpy(), rtol=1e-8)
    assert b.log_likelihood_ == pytest.approx(a.log_likelihood_, rel=1e-12)


def test_retention_rates_rise_with_tenure():
    m = crm.clv.ShiftedBetaGeoModel().fit(_counts(SBG_REGULAR)[:8])
    r = m.retention_rate(np.arange(1, 13))
    assert np.all(np.diff(r) > 0)
    np.testing.assert_allclose(r, m.survival(np.arange(1, 13)) / m.survival(np.arange(0, 12)), rtol=1e-12)
    assert m.churn_probability(np.arange(1, 2000)).sum() + m.survival(1999) == pytest.approx(1.0)


def test_del_and_derl_are_the_limits_of_discounted_sums():
    m = crm.clv.ShiftedBetaGeoModel().fit(_counts(SBG_HIGH_END)[:8])
    d = 0.10
    t = np.arange(0, 3000)
    S = m.survival(t)
    assert m.discounted_expected_lifetime(d) == pytest.approx((S / (1 + d) ** t).sum(), rel=1e-10)
    for k in (1, 4, 7):
        future = np.arange(k + 1, 3000)
        direct = (m.survival(future) / m.survival(k) / (1 + d) ** (future - k - 1)).sum()
        assert m.derl(k, d) == pytest.approx(direct, rel=1e-10)
    df = pd.DataFrame({"duration": [1, 4, 4, 7], "churned": [False, False, True, False]})
    np.testing.assert_allclose(m.dert(df, d).to_numpy(), [m.derl(1, d), m.derl(4, d), 0.0, m.derl(7, d)])
