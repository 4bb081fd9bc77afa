import numpy as np
import pandas as pd
import pytest

import crm_models as crm
from crm_models.data import datasets, simulate


def test_committed_samples_equal_a_fresh_generation(tmp_path):
    written = datasets.write_samples(tmp_path)
    for path in written:
        committed = datasets.DATA_DIR / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{committed} differs: run `make data`"


def test_transactions_recover_bgnbd_and_gamma_gamma_truth():
    """An independent fitter (lifetimes) recovers the generating parameters."""
    lifetimes = pytest.importorskip("lifetimes")
    tx, truth = simulate.transactions(20000, r=0.5, alpha=5.0, a=0.8, b=3.0, seed=1)
    s = crm.data.rfm_summary(crm.data.load_transactions(tx), "2024-12-31", time_unit="W")
    bg = lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    np.testing.assert_allclose(bg.params_[["r", "alpha", "a", "b"]].to_numpy(),
                               [0.5, 5.0, 0.8, 3.0], rtol=0.1)
    rep = s[s["frequency"] > 0]
    gg = lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    np.testing.assert_allclose(gg.params_[["p", "q", "v"]].to_numpy(), [4.0, 3.0, 30.0], rtol=0.1)
    assert truth["n_purchases"].sum() == len(tx)


def test_transactions_are_seeded():
    a, _ = simulate.transactions(200, seed=3)
    b, _ = simulate.transactions(200, seed=3)
    c, _ = simulate.transactions(200, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_survey_latent_structure_matches_truth():
    items, truth = simulate.survey(20000, scale=None, seed=5)
    eta = truth["scores"]
    assert np.allclose(eta.std(), 1.0, atol=0.03)
    # regression of SAT on its predictors recovers the standardised paths
    preds = list(truth["paths"]["SAT"])
    coef, *_ = np.linalg.lstsq(eta[preds].to_numpy(), eta["SAT"].to_numpy(), rcond=None)
    np.testing.assert_allclose(coef, list(truth["paths"]["SAT"].values()), atol=0.03)
    # items load on their construct with the given loading
    assert np.corrcoef(items["sat1"], eta["SAT"])[0, 1] == pytest.approx(0.85, abs=0.02)


def test_survey_on_a_1_to_10_scale():
    items, truth = simulate.survey(300, seed=1)
    assert items.to_numpy().min() >= 1 and items.to_numpy().max() <= 10
    assert list(truth["blocks"]["LOY"]) == ["loy1", "loy2", "loy3"]


def test_survey_rejects_cyclic_paths():
    with pytest.raises(crm.ModelSpecificationError, match="cycle"):
        simulate.survey(10, paths={"A": {"B": 0.3}, "B": {"A": 0.3}}, block_sizes={"A": 2, "B": 2})


def test_subscriptions_recover_weibull_truth_with_lifelines():
    from lifelines import WeibullAFTFitter

    table, truth = simulate.subscriptions(8000, seed=11)
    end = pd.Timestamp(truth["observation_end"])
    X = pd.DataFrame({
        "plan_standard": (table["plan"] == "standard") * 1.0,
        "plan_premium": (table["plan"] == "premium") * 1.0,
        "contract_annual": (table["contract"] == "annual") * 1.0,
        "monthly_fee": table["monthly_fee"],
        "support_tickets": table["support_tickets"] * 1.0,
        "channel_store": (table["channel"] == "store") * 1.0,
        "channel_partner": (table["channel"] == "partner") * 1.0,
    })
    X["duration"] = (table["cancel_date"].fillna(end) - table["signup_date"]).dt.days
    X["event"] = table["cancel_date"].notna().astype(int)
    fit = WeibullAFTFitter().fit(X, "duration", "event")
    est = fit.params_["lambda_"]
    ci = fit.confidence_intervals_
    for name, value in truth["coefs"].items():
        key = "Intercept" if name == "intercept" else name
        lo = ci.loc[("lambda_", key)].iloc[0]
        hi = ci.loc[("lambda_", key)].iloc[1]
        assert lo - 0.02 <= value <= hi + 0.02, (name, value, est[key])
    assert np.exp(fit.params_[("rho_", "Intercept")]) == pytest.approx(truth["rho"], rel=0.08)


def test_sample_loaders():
    tx = datasets.sample_transactions()
    assert list(tx.columns) == ["customer_id", "date", "amount"]
    assert tx["date"].max() <= pd.Timestamp(datasets.SAMPLE_OBSERVATION_END)
    survey = datasets.sample_survey()
    assert set(survey["customer_id"]) <= set(tx["customer_id"])
    subs = datasets.sample_subscriptions()
    assert pd.api.types.is_datetime64_any_dtype(subs["cancel_date"])
    assert 0.2 < subs["cancel_date"].isna().mean() < 0.8
