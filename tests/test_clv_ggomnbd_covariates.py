"""Time-invariant covariates of the GGompertz/NBD (CLVTools ``ggomnbd`` static covariates).

alpha_i = alpha exp(-gamma_p'x_i), beta_i = beta exp(-gamma_d'x_i).  Independent checks as for
the Pareto/NBD and BG/NBD (tests/test_clv_covariates.py): the model without covariates (its own
code path) group by group, central differences of the likelihood value, and simulation with
known truth (tests/helpers/clv_covariates.simulate_ggompertz_nbd).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.clv_covariates import assert_profiles_match_plain, fit_quietly, simulate_ggompertz_nbd

import crm_models as crm
from crm_models.clv import GGompertzNBDModel
from crm_models.errors import CRMDataError, ModelSpecificationError

BASE = {"r": 1.0, "alpha": 2.0, "b": 0.2, "s": 1.2, "beta": 3.0}


@pytest.fixture(scope="module")
def small():
    """1,000 simulated customers (binary covariate web, continuous score)."""
    return simulate_ggompertz_nbd(1000, 3, BASE, {"web": 0.4, "score": -0.2}, {"web": -0.5, "score": 0.3})


def _compressed(model, data, names):
    X = data[names].to_numpy(dtype=float)
    return model._compress_summary(data, "summary", require_repeat=True, **model._covariate_columns(X))


def test_likelihood_with_a_binary_covariate_is_the_sum_of_the_groups_likelihoods(small):
    """Independent: the model without covariates (scalar parameters, compressed rows), evaluated
    in each group with that group's alpha_i, beta_i, summed over the groups."""
    m = GGompertzNBDModel()
    m._set_covariates(small, ["web"], ["web"], None)
    d = _compressed(m, small, ["web"])
    base = np.array([0.9, 2.5, 0.3, 1.0, 2.0])
    for gamma in ([0.0, 0.0], [0.4, -0.7], [-1.1, 0.9]):
        total = m._loglik_total(np.concatenate([base, gamma]), d, False)[0]
        reference = 0.0
        for g in (0.0, 1.0):
            rows = m._row_params(base, {"purchase": gamma[0] * g, "dropout": gamma[1] * g})
            plain = GGompertzNBDModel.from_params(**dict(zip(GGompertzNBDModel.param_names,
                                                             map(float, rows), strict=True)))
            dg = plain._compress_summary(small[small["web"] == g], "summary", require_repeat=False)
            reference += plain._loglik_total(plain.params_.to_numpy(), dg, False)[0]
        assert total == pytest.approx(reference, rel=1e-10)
    # alpha and beta enter as CLVTools has them: a dropout coefficient divides beta
    rows = m._row_params(base, {"purchase": 0.4, "dropout": -0.7})
    np.testing.assert_allclose([float(v) for v in rows], base * [1, np.exp(-0.4), 1, 1, np.exp(0.7)])


def test_gradient_is_the_derivative_of_the_likelihood(small):
    m = GGompertzNBDModel()
    m._set_covariates(small, ["score"], ["web"], None)
    d = _compressed(m, small, m.covariate_names_)
    params = np.array([0.9, 2.5, 0.3, 1.0, 2.0, 0.3, -0.4])
    _, grad = m._loglik_total(params, d, True)
    f = lambda p: m._loglik_total(p, d, False)[0]  # noqa: E731
    h = 1e-5 * np.maximum(1.0, np.abs(params))
    num = [(f(params + e) - f(params - e)) / (2 * e[i]) for i, e in enumerate(np.diag(h))]
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-5)
    # a constrained coefficient: the sum of its purchase and dropout derivatives
    c = GGompertzNBDModel()
    c._set_covariates(small, None, None, ["web"])
    dc = _compressed(c, small, ["web"])
    _, gc = c._loglik_total(np.concatenate([params[:5], [0.2]]), dc, True)
    free = GGompertzNBDModel()
    free._set_covariates(small, ["web"], ["web"], None)
    _, gf = free._loglik_total(np.concatenate([params[:5], [0.2, 0.2]]), dc, True)
    assert gc[5] == pytest.approx(gf[5] + gf[6], rel=1e-10)


@pytest.mark.slow
def test_an_all_zero_covariate_changes_nothing(small):
    s = small.assign(zero=0.0)
    plain = fit_quietly(GGompertzNBDModel(penalizer=0.001), s)   # a light penalty keeps s, beta finite here
    with pytest.warns(UserWarning, match="constant"):
        m = GGompertzNBDModel(penalizer=0.001).fit(s, purchase_covariates=["zero"],
                                                   dropout_covariates=["zero"])
    assert m.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-12, abs=1e-8)
    np.testing.assert_allclose(m.params_.iloc[:5].to_numpy(), plain.params_.to_numpy(), rtol=1e-8)
    assert list(m.params_.index[5:]) == ["purchase: zero", "dropout: zero"]
    assert np.all(m.params_.iloc[5:] == 0.0)
    np.testing.assert_allclose(m.summary["std_error"].iloc[:5], plain.summary["std_error"], rtol=1e-5)
    assert m.summary["std_error"].iloc[5:].isna().all()
    pd.testing.assert_series_equal(m.prob_alive(s), plain.prob_alive(s), rtol=1e-12)


@pytest.mark.slow
def test_simulated_coefficients_are_recovered():
    """3,000 customers with known truth: purchase +0.4, dropout -0.5 on a binary covariate."""
    s = simulate_ggompertz_nbd(3000, 1, BASE, {"web": 0.4}, {"web": -0.5})
    m = fit_quietly(GGompertzNBDModel(), s, purchase_covariates=["web"], dropout_covariates=["web"])
    est = m.summary.loc[["purchase: web", "dropout: web"]]
    z = (est["estimate"] - np.array([0.4, -0.5])) / est["std_error"]
    assert np.all(np.abs(z) < 3), z
    assert np.all(np.isfinite(m.summary["std_error"]))
    truth = np.array(list(BASE.values()))
    zb = (m.params_.iloc[:5].to_numpy() - truth) / m.summary["std_error"].iloc[:5].to_numpy()
    assert np.all(np.abs(zb) < 3), zb


@pytest.mark.slow
def test_predictions_use_each_customers_parameters_and_survive_save_load(small, tmp_path):
    m = fit_quietly(GGompertzNBDModel(covariate_penalty=0.001), small, purchase_covariates=["web"],
             dropout_covariates=["web"])
    s = small.iloc[:200]
    assert_profiles_match_plain(m, s, GGompertzNBDModel)
    assert m.expected_purchases_new_customer(10, covariates={"web": 1}) > \
        m.expected_purchases_new_customer(10, covariates={"web": 0})
    with pytest.raises(CRMDataError, match="web"):
        m.prob_alive(s.drop(columns="web"))
    with pytest.raises(CRMDataError, match="profile"):
        m.expected_purchases_new_customer(10)
    with pytest.raises(ModelSpecificationError, match="covariates"):
        m.simulate(10, 5.0)
    same = crm.load_model(m.save(tmp_path / "m.json"))
    assert same.purchase_covariates_ == ["web"] and same.dropout_covariates_ == ["web"]
    pd.testing.assert_frame_equal(same.summary, m.summary, check_exact=True)
    pd.testing.assert_series_equal(same.prob_alive(s), m.prob_alive(s), check_exact=True)
    assert repr(same) == "GGompertzNBDModel(covariate_penalty=0.001)"
    again = fit_quietly(m, small)      # refitting without covariates forgets them
    assert again.covariate_names_ == [] and len(again.params_) == 5
