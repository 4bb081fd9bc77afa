"""Scoring on Spark (mapInPandas) equals calling the same model on the pandas frame, to 1e-9."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from helpers.scoring import FixedWeibullChurn, simple_value

import crm_models as crm
import crm_models.spark.scoring as scoring
from crm_models.errors import CRMDataError, ModelSpecificationError
from crm_models.spark import compress_summary, rfm_summary, score_churn, score_clv, to_pandas_summary

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
END, CAL = "2024-12-31", "2024-06-30"


def bgnbd():
    """BG/NBD with the CDNOW parameters of Fader, Hardie & Lee (2005), not fitted here."""
    return crm.clv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)


def gamma_gamma():
    return crm.clv.GammaGammaModel.from_params(p=6.25, q=3.74, v=15.44)


@pytest.fixture(scope="module")
def transactions():
    tx, _ = crm.data.simulate.transactions(3000, seed=11)
    rng = np.random.default_rng(11)
    tx["channel"] = rng.choice(["web", "app", "store"], len(tx))
    tx["basket"] = rng.integers(1, 9, len(tx))
    return crm.data.load_transactions(tx, extra_columns=["channel", "basket"])


@pytest.fixture(scope="module")
def tx_sdf(spark, transactions):
    sdf = spark.createDataFrame(transactions).cache()
    yield sdf
    sdf.unpersist()


@pytest.fixture(scope="module")
def summaries(transactions, tx_sdf):
    """(pandas summary, Spark summary computed and cached once)."""
    s_sdf = rfm_summary(tx_sdf, END, time_unit="W", calibration_end=CAL).cache()
    return crm.data.rfm_summary(transactions, END, time_unit="W", calibration_end=CAL), s_sdf


def collect_sorted(sdf) -> pd.DataFrame:
    return to_pandas_summary(sdf)


def test_score_clv_equals_pandas(summaries, monkeypatch):
    s, s_sdf = summaries
    bg, gg = bgnbd(), gamma_gamma()
    # ship as a broadcast variable (as a large model would be) to cover that path too
    monkeypatch.setattr(scoring, "BROADCAST_ABOVE_BYTES", 0)
    got = collect_sorted(score_clv(s_sdf, bg, t=26, spend_model=gg, horizon=52, discount_rate=0.01,
                                   margin=0.3, value_function=simple_value))
    # the summary is untouched (Spark adds amounts in another order: 1e-12)
    pd.testing.assert_frame_equal(got[s.columns], s, check_exact=False, rtol=1e-12)
    np.testing.assert_allclose(got["prob_alive"], bg.prob_alive(s), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["expected_purchases"], bg.expected_purchases(s, 26), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["clv"], simple_value(bg, gg, s, 52, 0.01, 0.3), rtol=1e-9, atol=1e-12)
    assert got["prob_alive"].between(0, 1).all() and got["prob_alive"].std() > 0.05


def test_real_bgnbd_fitted_on_compressed_summary(summaries):
    clv = crm.clv
    s, s_sdf = summaries
    compressed = compress_summary(s_sdf)
    m = clv.BetaGeoModel().fit(compressed, weights="weight")
    m_full = clv.BetaGeoModel().fit(s)
    np.testing.assert_allclose(m.params_, m_full.params_, rtol=1e-6)
    np.testing.assert_allclose(m.log_likelihood_, m_full.log_likelihood_, rtol=1e-9)
    gg = clv.GammaGammaModel().fit(s)
    got = collect_sorted(score_clv(s_sdf, m, t=26, spend_model=gg, horizon=52, discount_rate=0.002,
                                   margin=0.3))
    np.testing.assert_allclose(got["prob_alive"], m.prob_alive(s), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["expected_purchases"], m.expected_purchases(s, 26), rtol=1e-9, atol=1e-12)
    expected_clv = clv.customer_lifetime_value(m, gg, s, 52, 0.002, margin=0.3)
    np.testing.assert_allclose(got["clv"], expected_clv, rtol=1e-9, atol=1e-9)
    assert got["clv"].sum() > 0


@pytest.fixture(scope="module")
def durations(spark, tx_sdf):
    tt = crm.data.scan_transactions(tx_sdf, extra_columns=["channel", "basket"], as_of="2030-01-01")
    d = crm.churn.durations_from_transactions(tt, END, time_unit="W", features=["channel", "basket"])
    return d, spark.createDataFrame(d).cache()


def by_customer(sdf) -> pd.DataFrame:
    return sdf.toPandas().sort_values("customer_id").reset_index(drop=True)


def test_score_churn_equals_pandas(durations):
    d, d_sdf = durations
    model = FixedWeibullChurn()
    got = by_customer(score_churn(d_sdf, model, horizon=13))
    expected = model.churn_probability(d.sort_values("customer_id").set_index("customer_id"), 13)
    np.testing.assert_allclose(got["churn_probability"], expected, rtol=1e-9, atol=1e-12)
    assert got["churn_probability"].between(0, 1).all() and got["churn_probability"].std() > 0.01


def test_real_churn_model(durations):
    d, d_sdf = durations
    model = crm.churn.ChurnModel(kind="weibull").fit(d)
    censored = d_sdf.where("event = 0")
    got = by_customer(score_churn(censored, model, horizon=13))
    censored_d = d[d["event"] == 0].sort_values("customer_id").set_index("customer_id")
    expected = model.churn_probability(censored_d, 13)
    np.testing.assert_allclose(got["churn_probability"], expected, rtol=1e-9, atol=1e-12)


def unpicklable():
    model = bgnbd()
    model.lock = threading.Lock()
    return model


def test_bad_models_and_frames_are_named(summaries, tx_sdf):
    _, s_sdf = summaries
    with pytest.raises(ModelSpecificationError, match="cannot be pickled"):
        score_clv(s_sdf, unpicklable())
    with pytest.raises(ModelSpecificationError, match="no method prob_alive"):
        score_clv(s_sdf, gamma_gamma(), t=4)
    with pytest.raises(ModelSpecificationError, match="horizon= and discount_rate="):
        score_clv(s_sdf, bgnbd(), spend_model=gamma_gamma(), value_function=simple_value)
    with pytest.raises(CRMDataError, match="'prob_alive'.*already exists"):
        score_clv(s_sdf.withColumn("prob_alive", s_sdf["T"]), bgnbd())
    with pytest.raises(CRMDataError, match="'frequency'.*missing column|missing column.*'frequency'"):
        score_clv(tx_sdf, bgnbd())
    with pytest.raises(ModelSpecificationError, match="no method churn_probability"):
        score_churn(s_sdf, bgnbd(), horizon=4)
    with pytest.raises(ModelSpecificationError, match="horizon"):
        score_churn(s_sdf, FixedWeibullChurn(), horizon=-1)
