"""Covariate fits against R CLVTools on its own apparel data.

CLVTools' vignette fits the apparel data (600 customers of one cohort, 104 weeks of estimation)
with the static covariates Gender and Channel on both processes.  The customer summary and the
fits were recorded from CLVTools 0.12.1 (tests/data/clvtools_apparel_staticcov.json says
where).  The likelihoods must agree to 1e-5 relative (ours may only be higher: a better
optimum of the same function), the well-identified estimates and standard errors to a few
per mille: the Pareto/NBD likelihood is flat in beta, so the optimiser's stopping rule moves
the last digits.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_models.clv import BetaGeoModel, GGompertzNBDModel, ParetoNBDModel

DATA = json.loads((Path(__file__).parent / "data" / "clvtools_apparel_staticcov.json").read_text())
REF = DATA["reference"]

# CLVTools' names -> ours
_NAMES = {"life.": "dropout: ", "trans.": "purchase: ", "constr.": "constrained: "}


def _ours(name: str) -> str:
    for theirs, mine in _NAMES.items():
        if name.startswith(theirs):
            return mine + name[len(theirs):]
    return name


@pytest.fixture(scope="module")
def apparel() -> pd.DataFrame:
    return pd.DataFrame(
        {"frequency": DATA["frequency"], "recency": np.asarray(DATA["recency_days"]) / 7.0,
         "T": float(DATA["T_weeks"]), "Gender": DATA["Gender"], "Channel": DATA["Channel"]},
        index=pd.Index(DATA["customer_id"], name="customer_id"))


def _fit(model, data, ref):
    cov = ref["covariates"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BG/NBD and GGompertz run off to a boundary, as in R
        return model.fit(data, purchase_covariates=cov.get("purchase"),
                         dropout_covariates=cov.get("dropout"),
                         constrained_covariates=cov.get("constrained"))


def _check_loglik(model, ref):
    assert model.log_likelihood_ == pytest.approx(ref["logLik"], rel=1e-5)
    assert model.log_likelihood_ >= ref["logLik"] - 1e-6


@pytest.mark.parametrize("case", ["pnbd", "pnbd_constrained"])
def test_pareto_nbd_with_covariates_reproduces_clvtools(apparel, case):
    ref = REF[case]
    m = _fit(ParetoNBDModel(), apparel, ref)
    _check_loglik(m, ref)
    for name, value in ref["coefficients"].items():
        tol = 0.01 if name == "beta" else 0.003  # beta: the flat direction
        assert m.params_[_ours(name)] == pytest.approx(value, rel=tol, abs=1e-3), name
    for name, se in ref["se"].items():
        assert m.summary.loc[_ours(name), "std_error"] == pytest.approx(se, rel=0.02), name
    # the answer an analyst reads: online customers (Channel = 1) buy more and leave sooner
    assert m.params_["purchase: Channel"] > 0
    assert m.summary.loc["purchase: Channel", "lower_95"] > 0


def test_l2_penalty_is_clvtools_reg_lambda(apparel):
    """CLVTools adds reg.lambda * sum(gamma^2) to the mean negative log-likelihood; so does
    ``covariate_penalty``.  (Its reported standard errors for a penalised fit use another
    scaling of the Hessian and are not compared.)"""
    ref = REF["pnbd_regularized_lambda10"]
    m = ParetoNBDModel(covariate_penalty=ref["lambda"])
    m = _fit(m, apparel, ref)
    for name, value in ref["coefficients"].items():
        if name in ("r", "alpha", "s", "beta"):
            assert m.params_[name] == pytest.approx(value, rel=0.01), name
        else:
            assert m.params_[_ours(name)] == pytest.approx(value, abs=5e-5), name


@pytest.mark.parametrize(("model", "case"), [(BetaGeoModel, "bgnbd"), (GGompertzNBDModel, "ggomnbd")])
def test_boundary_fits_agree_with_clvtools(apparel, model, case):
    """On these data BG/NBD's dropout heterogeneity and GGompertz's b run off to a boundary in
    CLVTools too (a, b in the thousands; b near 0, where GGompertz/NBD becomes Pareto/NBD).
    The likelihood still agrees, and so do the purchase-process coefficients."""
    ref = REF[case]
    m = _fit(model(), apparel, ref)
    _check_loglik(m, ref)
    for name in ("trans.Gender", "trans.Channel", "r", "alpha"):
        assert m.params_[_ours(name)] == pytest.approx(ref["coefficients"][name], rel=0.005), name
    if case == "ggomnbd":  # the Pareto/NBD's optimum, as CLVTools finds
        assert m.log_likelihood_ == pytest.approx(REF["pnbd"]["logLik"], rel=1e-6)
        assert m.params_["b"] < 1e-4


def test_predictions_follow_each_customers_covariates(apparel):
    """P(alive) of three customers from CLVTools' fitted object (pnbd_staticcov_mle.csv of the
    same source): Id 1 (Gender 0, Channel 0), 10 (1, 0) and 101 (1, 1)."""
    m = _fit(ParetoNBDModel(), apparel, REF["pnbd"])
    p = m.prob_alive(apparel.loc[["1", "10", "101"]])
    np.testing.assert_allclose(np.asarray(p), [0.94786413345444, 0.986052889819999, 0.373339405816014],
                               rtol=2e-3)
