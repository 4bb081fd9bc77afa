"""Held-out evaluation: split, concordance, IPCW Brier score, calibration."""

from __future__ import annotations

import lifelines
import numpy as np
import pandas as pd
import pytest
from helpers.churn import simulate_weibull

from crm_models.churn import (
    ChurnModel,
    brier_score,
    calibration_table,
    censoring_survival,
    concordance_index,
    integrated_brier_score,
    train_test_split,
)
from crm_models.errors import CRMDataError


@pytest.fixture(scope="module")
def split():
    d = simulate_weibull(4000, seed=11)
    return train_test_split(d, 0.3, seed=5)


@pytest.fixture(scope="module")
def models(split):
    train, _ = split
    return {k: ChurnModel(k).fit(train) for k in ("cox", "weibull")}


def test_split_is_seeded_disjoint_and_stratified():
    d = simulate_weibull(1000, seed=3)
    a_tr, a_te = train_test_split(d, 0.25, seed=1)
    b_tr, b_te = train_test_split(d, 0.25, seed=1)
    assert a_te.index.equals(b_te.index) and len(a_te) == 250
    assert not set(a_tr.index) & set(a_te.index) and len(a_tr) + len(a_te) == 1000
    c_tr, c_te = train_test_split(d, 0.25, seed=2)
    assert not c_te.index.equals(a_te.index)
    s_tr, s_te = train_test_split(d, 0.2, seed=1, stratify="event")
    assert s_te["event"].sum() == round(0.2 * d["event"].sum())
    with pytest.raises(CRMDataError):
        train_test_split(d, 1.5)


def test_heldout_concordance_equals_lifelines(models, split):
    train, test = split
    cox, wb = models["cox"], models["weibull"]
    ph = cox.fitter_.predict_partial_hazard(test[["x1", "x2"]])
    assert concordance_index(cox, test) == pytest.approx(
        lifelines.utils.concordance_index(test["duration"], -ph, test["event"]), abs=1e-12)
    med = wb.fitter_.predict_median(test[["x1", "x2"]])
    assert concordance_index(wb, test) == pytest.approx(
        lifelines.utils.concordance_index(test["duration"], med, test["event"]), abs=1e-12)
    # on the training data it is lifelines' own training concordance
    assert concordance_index(cox, train) == pytest.approx(cox.concordance_, abs=1e-12)
    assert concordance_index(wb, train) == pytest.approx(wb.concordance_, abs=1e-12)
    assert 0.6 < concordance_index(wb, test) < 0.8


def test_censoring_km_by_hand():
    T = np.array([1.0, 2, 2, 3, 4, 5])
    E = np.array([1, 0, 1, 0, 1, 0])
    t, G = censoring_survival(T, E)
    # censorings at 2 (1 of 5 at risk), 3 (1 of 3), 5 (1 of 1)
    g = pd.Series(G, index=t)
    assert g.loc[2.0] == pytest.approx(4 / 5)
    assert g.loc[3.0] == pytest.approx(4 / 5 * 2 / 3)
    assert g.loc[4.0] == pytest.approx(4 / 5 * 2 / 3)
    assert g.loc[5.0] == 0


def test_brier_without_censoring_is_the_plain_brier_score():
    d = simulate_weibull(3000, seed=4, censor_max=1e9)  # no censoring
    assert d["event"].all()
    m = ChurnModel("weibull").fit(d.iloc[:2000])
    test = d.iloc[2000:]
    times = np.array([5.0, 15.0, 30.0])
    bs = brier_score(m, test, times)
    S = m.survival_function(test, times, survived=0).to_numpy()
    alive = test["duration"].to_numpy()[None, :] > times[:, None]
    np.testing.assert_allclose(bs["brier"].to_numpy(), ((alive - S) ** 2).mean(axis=1), rtol=1e-12)


def test_brier_ipcw_small_example_by_hand():
    """Five customers, one time point, the weights written out (Graf et al. 1999, eq. 6)."""
    train = simulate_weibull(500, seed=9)
    m = ChurnModel("weibull").fit(train)
    test = pd.DataFrame({"x1": [0.0, 0.5, -1, 1, 0], "x2": [0.0, 1, 0, 1, 1],
                         "duration": [2.0, 3, 6, 8, 9], "event": [1, 0, 1, 0, 1]})
    t = 5.0
    S = m.survival_function(test, [t], survived=0).to_numpy()[0]
    # censoring KM on the test rows: censored at 3 (3 of 4 at risk left) and at 8 (1 of 2)
    G_before = {2.0: 1.0, 6.0: 0.75}
    G_t = 0.75
    expected = (S[0] ** 2 / G_before[2.0]            # churned at 2 <= 5
                + 0.0                                 # censored at 3 before 5: weight 0
                + (1 - S[2]) ** 2 / G_t               # still there at 5
                + (1 - S[3]) ** 2 / G_t
                + (1 - S[4]) ** 2 / G_t) / 5
    assert brier_score(m, test, [t])["brier"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_integrated_brier_beats_kaplan_meier(models, split):
    _, test = split
    ibs = integrated_brier_score(models["weibull"], test)
    assert 0 < ibs["ibs"] < ibs["ibs_km"] < 0.25
    times = np.linspace(2, 30, 15)
    bs = brier_score(models["weibull"], test, times)
    ibs_grid = integrated_brier_score(models["weibull"], test, times)["ibs"]
    assert ibs_manual(bs, times) == pytest.approx(ibs_grid)


def ibs_manual(bs: pd.DataFrame, times: np.ndarray) -> float:
    total = sum((bs["brier"].iloc[i] + bs["brier"].iloc[i + 1]) / 2 * (times[i + 1] - times[i])
                for i in range(len(times) - 1))
    return total / (times[-1] - times[0])


def test_calibration_of_the_true_model_family(models, split):
    _, test = split
    cal = calibration_table(models["weibull"], test, 10)
    assert len(cal) == 10 and cal["n"].sum() == len(test)
    assert cal["predicted"].is_monotonic_increasing
    assert (cal["difference"].abs() < 0.1).all()
    # one decile's observed value recomputed with lifelines
    pred = models["weibull"].churn_probability(test, 10, survived=0)
    top = pred.rank(method="first") > pred.size * 0.9
    kmf = lifelines.KaplanMeierFitter().fit(test.loc[top, "duration"], test.loc[top, "event"])
    assert cal.loc[10, "observed"] == pytest.approx(1 - kmf.survival_function_at_times(10).iloc[0])


def test_metric_bad_input(models, split):
    _, test = split
    with pytest.raises(CRMDataError, match="no uncensored customers left"):
        brier_score(models["cox"], test, [1e6])
    with pytest.raises(CRMDataError, match="0 or 1"):
        concordance_index(models["cox"], test.assign(event=2))
    with pytest.raises(CRMDataError, match="horizon"):
        calibration_table(models["cox"], test, 0)


def test_stratified_cox_concordance_is_within_strata():
    d = simulate_weibull(1500, seed=13)
    d["region"] = np.random.default_rng(13).choice(["north", "south"], size=len(d))
    m = ChurnModel("cox", covariates=["x1", "x2"], strata="region").fit(d)
    # on the training data: lifelines' own stratified training concordance
    assert concordance_index(m, d) == pytest.approx(m.concordance_, abs=1e-12)
