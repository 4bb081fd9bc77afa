"""Known truth: data simulated from the BG/NBD and Gamma-Gamma models (crm_models.data.simulate)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crm_models as crm

TRUTH_BG = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 3.0}  # simulate.transactions defaults (weeks)
TRUTH_GG = {"p": 4.0, "q": 3.0, "v": 30.0}


@pytest.fixture(scope="module")
def simulated():
    tx, truth = crm.data.simulate.transactions(6000, seed=11)
    s = crm.data.rfm_summary(tx, "2024-12-31", period="D", time_unit="W")
    return s, truth.loc[s.index]


def test_estimates_are_within_their_standard_errors_of_the_truth(simulated):
    s, _ = simulated
    bg = crm.clv.BetaGeoModel().fit(s)
    z = (bg.params_ - pd.Series(TRUTH_BG)) / bg.summary["std_error"]
    assert np.all(np.abs(z) < 3), z
    gg = crm.clv.GammaGammaModel().fit(s)
    z = (gg.params_ - pd.Series(TRUTH_GG)) / gg.summary["std_error"]
    assert np.all(np.abs(z) < 3), z


def test_prob_alive_is_calibrated_against_who_is_really_alive(simulated):
    s, truth = simulated
    p = crm.clv.BetaGeoModel().fit(s).prob_alive(s)
    alive = truth["alive"].astype(float)
    assert p.mean() == pytest.approx(alive.mean(), abs=0.02)
    groups = pd.qcut(p, 4, duplicates="drop")
    by_group = pd.DataFrame({"p": p, "alive": alive}).groupby(groups, observed=True).mean()
    assert np.all(np.abs(by_group["p"] - by_group["alive"]) < 0.04), by_group
    # and it separates the living from the dead
    assert p[truth["alive"]].mean() > p[~truth["alive"]].mean() + 0.4


def test_expected_spend_tracks_the_true_mean_spend(simulated):
    s, truth = simulated
    gg = crm.clv.GammaGammaModel().fit(s)
    rep = s["frequency"] >= 3
    spend = gg.expected_spend(s)[rep]
    true_mean = truth.loc[rep, "mean_spend"]
    raw = s.loc[rep, "monetary_value"]
    # shrinkage towards the population mean beats the customer's own average
    assert np.mean((spend - true_mean) ** 2) < np.mean((raw - true_mean) ** 2)
