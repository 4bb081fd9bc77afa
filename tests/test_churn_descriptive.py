"""Kaplan-Meier, median lifetime, log-rank and retention tables, checked against lifelines and by hand."""

from __future__ import annotations

import lifelines
import numpy as np
import pandas as pd
import pytest
from helpers.churn import load_telco
from lifelines.statistics import logrank_test, multivariate_logrank_test

from crm_models.churn import km_table, logrank, median_lifetime, pairwise_logrank, retention_table
from crm_models.errors import CRMDataError


@pytest.fixture(scope="module")
def telco(shared_data):
    return load_telco(shared_data)


def km_by_hand(T: np.ndarray, E: np.ndarray) -> pd.Series:
    """Product-limit estimate at each distinct time, written out."""
    times = np.unique(T)
    s, out = 1.0, {}
    for t in times:
        n = np.sum(T >= t)
        d = np.sum((T == t) & (E == 1))
        s *= 1 - d / n
        out[t] = s
    return pd.Series(out)


def test_km_by_segment_matches_product_limit_and_lifelines(telco):
    tab = km_table(telco, "tenure", "Churn", segment="Contract")
    assert list(tab["segment"].unique()) == ["Month-to-month", "One year", "Two year"]
    for level, g in tab.groupby("segment"):
        sub = telco[telco["Contract"] == level]
        ref = km_by_hand(sub["tenure"].to_numpy(), sub["Churn"].to_numpy())
        got = g.set_index("time")["survival"]
        np.testing.assert_allclose(got.loc[ref.index].to_numpy(), ref.to_numpy(), rtol=1e-12)
        kmf = lifelines.KaplanMeierFitter().fit(sub["tenure"], sub["Churn"])
        band = kmf.confidence_interval_survival_function_
        np.testing.assert_allclose(g["lower"].to_numpy(), band.iloc[:, 0].to_numpy())
        # at-risk counts: customers with tenure >= t
        at_risk = g.set_index("time")["at_risk"]
        for t in ref.index[:5]:
            assert at_risk.loc[t] == (sub["tenure"] >= t).sum()
    assert (tab["lower"] <= tab["survival"]).all() and (tab["survival"] <= tab["upper"]).all()


def test_median_lifetime_equals_lifelines(telco):
    med = median_lifetime(telco, "tenure", "Churn", segment="InternetService")
    for level, row in med.iterrows():
        sub = telco[telco["InternetService"] == level]
        kmf = lifelines.KaplanMeierFitter().fit(sub["tenure"], sub["Churn"])
        assert row["median"] == kmf.median_survival_time_
        assert row["n"] == len(sub) and row["churned"] == sub["Churn"].sum()
    # fiber-optic customers churn fastest: the only segment whose curve gets below one half
    assert np.isfinite(med.loc["Fiber optic", "median"]) and np.isinf(med.loc["No", "median"])
    # the whole base: the median by hand is the first time S <= 0.5
    overall = median_lifetime(telco, "tenure", "Churn")
    ref = km_by_hand(telco["tenure"].to_numpy(), telco["Churn"].to_numpy())
    below = ref[ref <= 0.5]
    assert overall["median"].iloc[0] == (below.index[0] if len(below) else np.inf)


def test_logrank_statistic_equals_lifelines_and_by_hand(telco):
    res = logrank(telco, "tenure", "Churn", segment="Contract")
    ref = multivariate_logrank_test(telco["tenure"], telco["Contract"], telco["Churn"])
    assert res["test_statistic"] == pytest.approx(ref.test_statistic, rel=1e-12)
    assert res["degrees_of_freedom"] == 2 and res["p"] < 1e-100

    two = telco[telco["Contract"] != "Two year"]
    res2 = logrank(two, "tenure", "Churn", segment="Contract")
    a, b = two[two["Contract"] == "Month-to-month"], two[two["Contract"] == "One year"]
    ref2 = logrank_test(a["tenure"], b["tenure"], a["Churn"], b["Churn"])
    assert res2["test_statistic"] == pytest.approx(ref2.test_statistic, rel=1e-12)
    # by hand: (O - E)^2 / V for group a over the distinct event times
    T, E = two["tenure"].to_numpy(), two["Churn"].to_numpy()
    ga = (two["Contract"] == "Month-to-month").to_numpy()
    o_e, v = 0.0, 0.0
    for t in np.unique(T[E == 1]):
        n, n1 = np.sum(T >= t), np.sum((T >= t) & ga)
        d, d1 = np.sum((T == t) & (E == 1)), np.sum((T == t) & (E == 1) & ga)
        o_e += d1 - d * n1 / n
        v += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1) if n > 1 else 0.0
    assert res2["test_statistic"] == pytest.approx(o_e**2 / v, rel=1e-10)


def test_pairwise_logrank_with_holm(telco):
    tab = pairwise_logrank(telco, "tenure", "Churn", segment="PaymentMethod")
    assert len(tab) == 6
    row = tab.iloc[0]
    a = telco[telco["PaymentMethod"] == row["segment_a"]]
    b = telco[telco["PaymentMethod"] == row["segment_b"]]
    ref = logrank_test(a["tenure"], b["tenure"], a["Churn"], b["Churn"])
    assert row["test_statistic"] == pytest.approx(ref.test_statistic)
    # Holm: sorted adjusted p are the running max of (m - rank) * p
    p = np.sort(tab["p"].to_numpy())
    expected = np.minimum(np.maximum.accumulate((6 - np.arange(6)) * p), 1)
    np.testing.assert_allclose(np.sort(tab["p_adjusted"].to_numpy()), expected)
    bonf = pairwise_logrank(telco, "tenure", "Churn", segment="PaymentMethod", adjust="bonferroni")
    np.testing.assert_allclose(bonf["p_adjusted"], np.minimum(bonf["p"] * 6, 1))


def test_retention_table(telco):
    tab = retention_table(telco, [1, 12, 24, 100], "tenure", "Churn", segment="Contract")
    assert list(tab.columns) == [1.0, 12.0, 24.0, 100.0]
    sub = telco[telco["Contract"] == "Month-to-month"]
    ref = km_by_hand(sub["tenure"].to_numpy(), sub["Churn"].to_numpy())
    assert tab.loc["Month-to-month", 12.0] == pytest.approx(ref[ref.index <= 12].iloc[-1])
    assert tab[100.0].isna().all()  # beyond 72 months: not estimated
    assert (tab[12.0] >= tab[24.0]).all()
    long = retention_table(telco, [12], "tenure", "Churn", segment="Contract", ci=True)
    assert ((long["lower"] <= long["retention"]) & (long["retention"] <= long["upper"])).all()


def test_bad_input():
    d = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 0, 1, 0], "seg": ["a", "b", None, "a"]})
    with pytest.raises(CRMDataError, match="missing segment labels") as err:
        km_table(d, "t", "e", segment="seg")
    assert err.value.column == "seg"
    with pytest.raises(CRMDataError, match="negative durations"):
        km_table(d.assign(t=[-1.0, 2, 3, 4]), "t", "e")
    with pytest.raises(CRMDataError, match="0 or 1"):
        median_lifetime(d.assign(e=[1, 0, 3, 0]), "t", "e")
    with pytest.raises(CRMDataError, match="at least two segments"):
        logrank(d.assign(seg="a"), "t", "e", segment="seg")
