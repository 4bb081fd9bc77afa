"""Gamma-Gamma spend model: the published CDNOW fit and lifetimes agreement."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers.clv import GG_REF, assert_close_to_published, fitted

import crm_models as crm

lifetimes = pytest.importorskip("lifetimes")


def test_reproduces_fader_hardie_lee_2005_jmr(cdnow_summary):
    gg = fitted("gg", cdnow_summary)
    assert_close_to_published(gg.params_, GG_REF)
    assert gg.n_obs_ == (cdnow_summary["frequency"] > 0).sum() == 946
    assert abs(gg.frequency_spend_correlation_) < 0.3  # the CDNOW check the paper reports


def test_agrees_with_lifetimes(cdnow_summary):
    gg = fitted("gg", cdnow_summary)
    s = cdnow_summary
    rep = s[s["frequency"] > 0]
    lf = lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    np.testing.assert_allclose(gg.params_.to_numpy(), lf.params_.to_numpy(), rtol=1e-4)
    lf.params_ = gg.params_.copy()
    np.testing.assert_allclose(gg.expected_spend(s).to_numpy(),
                               lf.conditional_expected_average_profit(s["frequency"], s["monetary_value"]),
                               rtol=1e-12)
    nll = lifetimes.GammaGammaFitter._negative_log_likelihood(
        np.log(gg.params_.to_numpy()), rep["frequency"].to_numpy(), rep["monetary_value"].to_numpy(),
        np.ones(len(rep)), 0.0)
    assert -nll * len(rep) == pytest.approx(gg.log_likelihood_, rel=1e-12)


def test_expected_spend_shrinks_towards_the_population_mean(cdnow_summary):
    gg = fitted("gg", cdnow_summary)
    s = cdnow_summary
    spend = gg.expected_spend(s)
    mean = gg.population_mean_spend()
    np.testing.assert_allclose(spend[s["frequency"] == 0], mean, rtol=1e-12)
    rep = s["frequency"] > 0
    own = s.loc[rep, "monetary_value"]
    same_side = (spend[rep] - mean) * (own - mean) >= -1e-12
    between = same_side & ((spend[rep] - own).abs() <= (mean - own).abs())
    assert between.all()


def test_warns_when_frequency_and_spend_are_correlated():
    # Gamma-Gamma data (p = 6, q = 4, v = 15) whose spend then grows with frequency
    rng = np.random.default_rng(3)
    x = rng.integers(1, 20, 2000)
    nu = rng.gamma(4.0, 1 / 15.0, 2000)
    mean_spend = rng.gamma(6.0 * x, 1.0 / (nu * x))
    s = pd.DataFrame({"frequency": x, "monetary_value": mean_spend * (1 + 0.3 * x)})
    with pytest.warns(crm.clv.SpendCorrelationWarning, match="correlated"):
        crm.clv.GammaGammaModel().fit(s)
    with warnings.catch_warnings():
        warnings.simplefilter("error", crm.clv.SpendCorrelationWarning)
        crm.clv.GammaGammaModel(correlation_threshold=1.0).fit(s)
    independent = s.assign(monetary_value=mean_spend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gg = crm.clv.GammaGammaModel().fit(independent)
    assert gg.params_["p"] == pytest.approx(6.0, rel=0.15)
