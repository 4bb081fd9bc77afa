"""Bad input gets a CRMDataError naming the customers, never a NaN or an optimiser traceback."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import crm_models as crm
from crm_models.errors import CRMDataError, ModelSpecificationError, NotFittedError

MODELS = [crm.clv.BetaGeoModel, crm.clv.ParetoNBDModel, crm.clv.ModifiedBetaGeoModel]


def _summary(**overrides):
    base = pd.DataFrame(
        {"frequency": [2, 0, 5, 1, 0], "recency": [10.0, 0.0, 30.0, 4.0, 0.0],
         "T": [40.0, 35.0, 39.0, 20.0, 12.0]},
        index=pd.Index(["c1", "c2", "c3", "c4", "c5"], name="customer_id"))
    for col, (cid, value) in overrides.items():
        base[col] = base[col].astype(float)
        base.loc[cid, col] = value
    return base


@pytest.mark.parametrize("model", MODELS)
def test_negative_values_name_the_customer(model):
    with pytest.raises(CRMDataError, match=r"negative.*c3"):
        model().fit(_summary(T=("c3", -1.0)))


@pytest.mark.parametrize("model", MODELS)
def test_recency_after_T_names_the_customer(model):
    with pytest.raises(CRMDataError, match=r"recency.*exceeds T.*c4"):
        model().fit(_summary(recency=("c4", 25.0)))


@pytest.mark.parametrize("model", MODELS)
def test_recency_without_repeat_purchase_names_the_customer(model):
    with pytest.raises(CRMDataError, match=r"frequency is 0.*c5"):
        model().fit(_summary(recency=("c5", 3.0)))


@pytest.mark.parametrize("model", MODELS)
def test_no_repeat_buyers_is_explained(model):
    s = pd.DataFrame({"frequency": [0, 0, 0], "recency": [0.0, 0.0, 0.0], "T": [5.0, 6.0, 7.0]})
    with pytest.raises(CRMDataError, match="none of the 3 customers made a repeat purchase"):
        model().fit(s)


def test_missing_and_non_numeric_values():
    with pytest.raises(CRMDataError, match="column 'T'.*missing column"):
        crm.clv.BetaGeoModel().fit(_summary().drop(columns="T"))
    with pytest.raises(CRMDataError, match=r"missing, non-numeric.*c2"):
        crm.clv.BetaGeoModel().fit(_summary(T=("c2", np.nan)))
    with pytest.raises(CRMDataError, match=r"whole number.*c1"):
        crm.clv.BetaGeoModel().fit(_summary(frequency=("c1", 1.5)))
    with pytest.raises(CRMDataError, match="empty"):
        crm.clv.BetaGeoModel().fit(_summary().iloc[:0])
    with pytest.raises(CRMDataError, match="expected a DataFrame"):
        crm.clv.BetaGeoModel().fit(np.zeros((3, 3)))


def test_predictions_validate_too():
    m = crm.clv.BetaGeoModel.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4)
    with pytest.raises(CRMDataError, match="c4"):
        m.expected_purchases(_summary(recency=("c4", 25.0)), 10)
    with pytest.raises(ModelSpecificationError, match="t must be"):
        m.expected_purchases(_summary(), -1)
    with pytest.raises(ModelSpecificationError, match="one value per customer"):
        m.expected_purchases(_summary(), [1.0, 2.0])


def test_predicting_before_fitting():
    with pytest.raises(NotFittedError, match="fit"):
        crm.clv.ParetoNBDModel().prob_alive(_summary())


def test_bad_model_arguments():
    with pytest.raises(ModelSpecificationError, match="penalizer"):
        crm.clv.BetaGeoModel(penalizer=-1).fit(_summary())
    with pytest.raises(ModelSpecificationError, match="missing alpha"):
        crm.clv.BetaGeoModel.from_params(r=1.0, a=1.0, b=1.0)
    with pytest.raises(ModelSpecificationError, match="positive"):
        crm.clv.BetaGeoModel.from_params(r=1.0, alpha=-1.0, a=1.0, b=1.0)


def test_gamma_gamma_needs_positive_spend():
    s = _summary().assign(monetary_value=[20.0, 0.0, 0.0, 15.0, 0.0])
    with pytest.raises(CRMDataError, match=r"monetary_value must be > 0.*c3"):
        crm.clv.GammaGammaModel().fit(s)
    with pytest.raises(CRMDataError, match="monetary_value"):
        crm.clv.GammaGammaModel().fit(_summary())


def test_bgbb_checks_its_data():
    d = pd.DataFrame({"frequency": [2, 1, 0], "recency": [1, 3, 0], "T": [6, 6, 6]}, index=["a", "b", "c"])
    with pytest.raises(CRMDataError, match=r"smaller than frequency.*a"):
        crm.clv.BetaGeoBetaBinomModel().fit(d)
    with pytest.raises(CRMDataError, match="whole number"):
        crm.clv.BetaGeoBetaBinomModel().fit(d.assign(recency=[2.5, 3, 0]))


def test_sbg_checks_its_data():
    with pytest.raises(CRMDataError, match="must not increase"):
        crm.clv.ShiftedBetaGeoModel().fit([1000, 600, 700])
    with pytest.raises(CRMDataError, match="nobody cancelled"):
        crm.clv.ShiftedBetaGeoModel().fit([1000, 1000, 1000])
    with pytest.raises(CRMDataError, match="at least 1 period"):
        crm.clv.ShiftedBetaGeoModel().fit(pd.DataFrame({"duration": [0, 3], "churned": [True, False]}))


def test_degenerate_data_warns_instead_of_returning_nan():
    """Everyone bought again exactly at the end: the dropout process is not identified."""
    s = pd.DataFrame({"frequency": [1] * 50 + [0] * 50, "recency": [10.0] * 50 + [0.0] * 50,
                      "T": [10.0] * 100})
    with pytest.warns(crm.clv.ConvergenceWarning) as caught:
        m = crm.clv.BetaGeoModel().fit(s)
    assert any("not identified" in str(w.message) for w in caught)
    assert np.all(np.isfinite(m.params_))
    assert np.all(np.isfinite(m.expected_purchases(s, 10)))
    # a small penalizer gives finite, identified estimates
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", crm.clv.ConvergenceWarning)
        pen = crm.clv.BetaGeoModel(penalizer=0.01).fit(s)
    assert np.all(pen.params_ < 1e3)
