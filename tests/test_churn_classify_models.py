"""Churn classifiers (crm_models.churn.classification): sklearn conventions, IBM Telco, calibration,
recovery of known drivers, and the evaluation tables (crm_models.churn.evaluate)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.churn import simulate_churn_drivers
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from crm_models.churn.classification import calibration_comparison, churn_classifier, features_from_snapshot
from crm_models.churn.evaluate import importance_table
from crm_models.errors import CRMDataError


@pytest.fixture(autouse=True)
def _one_thread():
    """Gradient boosting's OpenMP threads fight over the shared cores: one thread is faster here."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def telco(shared_data):
    return features_from_snapshot(pd.read_csv(shared_data / "telco" / "telco_customer_churn.csv"))


@pytest.mark.slow
def test_real_sklearn_pipelines():
    X, y = simulate_churn_drivers(400, seed=3)
    for kind in ("hgb", "logit", RandomForestClassifier(n_estimators=10, random_state=0)):
        pipe = churn_classifier(kind, seed=1, max_iter=40)
        assert isinstance(pipe, Pipeline)
        fresh = clone(pipe)
        assert fresh.get_params().keys() == pipe.get_params().keys()
        fitted = fresh.fit(X, y)
        out = fitted[:-1].transform(X.head())
        assert isinstance(out, pd.DataFrame) and "plan_basic" in out.columns and "loyalty" in out.columns
        p = fitted.predict_proba(X)[:, 1]
        assert p.shape == (400,) and ((p >= 0) & (p <= 1)).all()
    # the same seed gives the same model
    a = churn_classifier("hgb", seed=5, max_iter=40).fit(X, y).predict_proba(X)
    b = churn_classifier("hgb", seed=5, max_iter=40).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert isinstance(churn_classifier("logit", calibration="sigmoid"), CalibratedClassifierCV)
    with pytest.raises(CRMDataError, match="kind"):
        churn_classifier("forest")


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "low", "high"), [("hgb", 0.83, 0.87), ("logit", 0.83, 0.855)])
def test_telco_cross_validated_auc(telco, kind, low, high):
    """Stratified 5-fold ROC-AUC on IBM Telco (7,043 customers).  Published results for this data
    with gradient boosting and logistic regression lie around 0.83-0.86 (the issue's range); measured
    here: hgb 0.846, logit 0.845."""
    X, y = telco
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    auc = cross_val_score(churn_classifier(kind, seed=0), X, y, cv=cv, scoring="roc_auc")
    assert low <= auc.mean() <= high, auc


@pytest.mark.slow
def test_calibration_improves_heldout_brier(telco):
    """Class-balanced models overstate churn; calibration on the training folds must not worsen the
    held-out Brier score (measured: 0.161 raw -> 0.135 isotonic / sigmoid on 3 folds)."""
    X, y = telco
    table = calibration_comparison(churn_classifier("logit"), X, y, n_splits=3, inner_cv=3, seed=0)
    folds = table[table["fold"] != "mean"]
    assert (folds["brier_isotonic"] <= folds["brier_raw"]).all()
    assert (folds["brier_sigmoid"] <= folds["brier_raw"]).all()
    mean = table.iloc[-1]
    assert mean["brier_sigmoid"] < mean["brier_raw"] - 0.01


@pytest.mark.parametrize("kind", ["hgb", "logit"])
def test_importance_recovers_true_drivers(kind):
    """Simulated snapshot with known drivers: permutation importance on held-out data ranks
    support_calls and loyalty (the two strong drivers) first, then plan; noise columns last."""
    X, y = simulate_churn_drivers(4000, seed=11)
    model = churn_classifier(kind, seed=0).fit(X.iloc[:3000], y.iloc[:3000])
    table = importance_table(model, X.iloc[3000:], y.iloc[3000:], n_repeats=5, seed=0)
    assert set(table["feature"].iloc[:2]) == {"support_calls", "loyalty"}
    assert table["feature"].iloc[2] == "plan"
    noise = table.set_index("feature").loc[["noise_1", "noise_2", "region"], "importance"]
    assert (noise.abs() < 0.01).all()
