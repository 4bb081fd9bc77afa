"""Time-invariant covariates of the Pareto/NBD and BG/NBD (crm_models.clv._covariates).

No published covariate fit on data we hold exists (CLVTools' apparel data ship only as an R
binary), so the checks are independent ones: the likelihood against the model without
covariates evaluated group by group (the old code path), simulation with known truth, a
numerical Hessian by another method (statsmodels' finite differences of the likelihood value),
and a pure-noise covariate on CDNOW.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.clv_covariates import (
    assert_profiles_match_plain,
    fit_quietly,
    simulate_bg_nbd,
    simulate_pareto_nbd,
)
from sklearn.base import clone

import crm_models as crm
from crm_models.clv import BetaGeoModel, ParetoNBDModel
from crm_models.errors import CRMDataError, ModelSpecificationError

PNBD_BASE = {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 12.0}
BG_BASE = {"r": 0.6, "alpha": 5.0, "a": 0.8, "b": 3.0}
GAMMA_P = {"web": 0.5, "score": -0.3}
GAMMA_D = {"web": -0.6, "score": 0.25}
COVS = ["web", "score"]
MODELS = {"paretonbd": (ParetoNBDModel, simulate_pareto_nbd, PNBD_BASE),
          "bgnbd": (BetaGeoModel, simulate_bg_nbd, BG_BASE)}


@pytest.fixture(scope="module")
def small():
    """2,000 simulated customers of each model (binary and continuous covariate)."""
    return {name: sim(2000, 3, base, GAMMA_P, GAMMA_D) for name, (_, sim, base) in MODELS.items()}


def _compressed(model, data, names):
    X = data[names].to_numpy(dtype=float)
    return model._compress_summary(data, "summary", require_repeat=True, **model._covariate_columns(X))


# ----------------------------------------------------------------------------- likelihood
@pytest.mark.parametrize("name", MODELS)
def test_an_all_zero_covariate_changes_nothing(name, small):
    cls, _, _ = MODELS[name]
    s = small[name].assign(zero=0.0)
    plain = fit_quietly(cls(), s)
    with pytest.warns(UserWarning, match="constant"):
        m = cls().fit(s, purchase_covariates=["zero"], dropout_covariates=["zero"])
    assert m.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-12, abs=1e-8)
    np.testing.assert_allclose(m.params_.iloc[:4].to_numpy(), plain.params_.to_numpy(), rtol=1e-8)
    assert list(m.params_.index[4:]) == ["purchase: zero", "dropout: zero"]
    assert np.all(m.params_.iloc[4:] == 0.0)
    # the base parameters keep their standard errors; the coefficients have none
    np.testing.assert_allclose(m.summary["std_error"].iloc[:4], plain.summary["std_error"], rtol=1e-5)
    assert m.summary["std_error"].iloc[4:].isna().all()
    pd.testing.assert_series_equal(m.prob_alive(s), plain.prob_alive(s), rtol=1e-12)


@pytest.mark.parametrize("name", MODELS)
def test_likelihood_with_a_binary_covariate_is_the_sum_of_the_groups_likelihoods(name, small):
    """Independent: the model without covariates (its own, compressed code path), evaluated in
    each group with that group's parameters, summed over the groups."""
    cls, _, _ = MODELS[name]
    s = small[name]
    m = cls()
    m._set_covariates(s, ["web"], ["web"], None)
    d = _compressed(m, s, ["web"])
    base = np.array([0.7, 6.0, 0.9, 4.0])
    for gamma in ([0.0, 0.0], [0.4, -0.7], [-1.1, 0.9]):
        params = np.concatenate([base, gamma])
        total = m._loglik_total(params, d, False)[0]
        reference = 0.0
        for g in (0.0, 1.0):
            rows = m._row_params(base, {"purchase": gamma[0] * g, "dropout": gamma[1] * g})
            plain = cls.from_params(**dict(zip(cls.param_names, map(float, rows), strict=True)))
            dg = plain._compress_summary(s[s["web"] == g], "summary", require_repeat=False)
            reference += plain._loglik_total(plain.params_.to_numpy(), dg, False)[0]
        assert total == pytest.approx(reference, rel=1e-11)


@pytest.mark.parametrize("name", MODELS)
def test_gradient_is_the_derivative_of_the_likelihood(name, small):
    cls, _, _ = MODELS[name]
    s = small[name]
    m = cls()
    m._set_covariates(s, ["score"], None, ["web"])   # one purchase and one constrained coefficient
    d = _compressed(m, s, m.covariate_names_)
    params = np.array([0.7, 6.0, 0.9, 4.0, 0.3, -0.2])
    _, grad = m._loglik_total(params, d, True)
    f = lambda p: m._loglik_total(p, d, False)[0]  # noqa: E731
    h = 1e-6 * np.maximum(1.0, np.abs(params))
    num = [(f(params + e) - f(params - e)) / (2 * e[i]) for i, e in enumerate(np.diag(h))]
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-4)


def _edge_rows(scores):
    """Rows on every edge of the Pareto/NBD likelihood: x = 0 (t_x = 0), t_x = T, and profiles
    with alpha_i == beta_i (web = score = 0 at the parameters below) or with one rate hundreds
    of times the other (w = (A - B)/(A + y) above 0.99 near y = 0)."""
    rng = np.random.default_rng(11)
    n = 240
    x = rng.integers(0, 5, n).astype(float)
    T = rng.integers(1, 40, n).astype(float)
    tx = np.where(x > 0, np.floor(rng.random(n) * T), 0.0)
    tx[(x > 0) & (np.arange(n) % 7 == 0)] = T[(x > 0) & (np.arange(n) % 7 == 0)]   # t_x = T
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "web": (np.arange(n) % 2).astype(float),
                         "score": np.asarray(scores, dtype=float)[np.arange(n) % len(scores)]})


@pytest.mark.parametrize("scores", [[0.0, 0.5, -1.0, 5.0], [0.0, 0.5, -1.0, 5.0, 8.0]],
                         ids=["w<0.999", "w>0.999"])
def test_pareto_nbd_shared_rows_equal_a_row_by_row_evaluation(scores):
    """The fit's fast path (G once per distinct (profile, x, y), series grouped by frequency)
    against the per-row formula evaluated one customer at a time (each row its own series, no
    sharing): value to 1e-12 relative, gradient to 1e-9.  beta_i = 4 e^score: score 5 gives
    w = 0.993 at y = 0 (the shared series), score 8 w = 0.9997 (per-element series)."""
    from crm_models.clv.paretonbd import _pnbd_rows
    s = _edge_rows(scores)
    m = ParetoNBDModel()
    m._set_covariates(s, ["web"], ["score"], None)
    d = _compressed(m, s, m.covariate_names_)
    params = np.array([0.7, 4.0, 0.9, 4.0, 0.4, -1.0])
    extra = m._prepared(d, m._covariate_prepare).extra
    assert m.covariate_names_ == ["web", "score"]
    web, score = (d.columns[f"__covariate__{j}"] for j in range(2))     # the predictors row by row
    rows = m._row_params(params[:4], {"purchase": web * params[4], "dropout": score * params[5]})
    assert np.any(rows[1] == rows[3]) and np.any(d.columns["frequency"] == 0)
    assert np.any((d.columns["recency"] == d.columns["T"]) & (d.columns["frequency"] > 0))
    ll, g = m._row_loglik_prepared(rows, d, extra, True)
    value_only, none = m._row_loglik_prepared(rows, d, extra, False)    # series without derivatives
    assert none is None
    np.testing.assert_allclose(value_only, ll, rtol=1e-13)
    c = d.columns
    for i in range(d.n_rows):
        one = slice(i, i + 1)
        ref_ll, ref_g = _pnbd_rows(float(rows[0]), rows[1][one], float(rows[2]), rows[3][one],
                                   c["frequency"][one], c["recency"][one], c["T"][one])
        assert ll[i] == pytest.approx(ref_ll[0], rel=1e-12, abs=1e-300), i
        np.testing.assert_allclose(g[i], ref_g[0], rtol=1e-9, atol=1e-12, err_msg=str(i))
    # and the totals the optimiser sees
    total, grad = m._loglik_total(params, d, True)
    assert total == pytest.approx(float(np.sum(d.weights * ll)), rel=1e-14)


def test_pareto_nbd_start_curvature_changes_the_path_not_the_optimum(small):
    """BFGS started from the curvature of the fit without covariates (ParetoNBDModel's
    start_curvature) against scipy's identity start: the same optimum (parameters to 1e-8
    relative, log-likelihood to 1e-12, standard errors to 1e-5) in fewer likelihood evaluations."""

    class IdentityStart(ParetoNBDModel):
        start_curvature = False

    counts = {}

    def fit(cls):
        m = cls()
        calls = []
        inner = m._loglik_total
        m._loglik_total = lambda *a: (calls.append(1), inner(*a))[1]
        fit_quietly(m, small["paretonbd"], purchase_covariates=COVS, dropout_covariates=COVS)
        counts[cls.__name__] = len(calls)
        del m._loglik_total
        return m

    fast, ref = fit(ParetoNBDModel), fit(IdentityStart)
    np.testing.assert_allclose(fast.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-8)
    assert fast.log_likelihood_ == pytest.approx(ref.log_likelihood_, rel=1e-12)
    np.testing.assert_allclose(fast.summary["std_error"], ref.summary["std_error"], rtol=1e-5)
    assert counts["ParetoNBDModel"] < counts["IdentityStart"] - 10, counts


# ----------------------------------------------------------------------------- known truth
def _z(m, truth):
    est = m.summary.loc[[f"purchase: {k}" for k in COVS] + [f"dropout: {k}" for k in COVS]]
    return (est["estimate"] - np.array(truth)) / est["std_error"]


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_simulated_coefficients_are_recovered(name):
    cls, sim, base = MODELS[name]
    s = sim(5000, 10, base, GAMMA_P, GAMMA_D)
    m = fit_quietly(cls(), s, purchase_covariates=COVS, dropout_covariates=COVS)
    z = _z(m, list(GAMMA_P.values()) + list(GAMMA_D.values()))
    assert np.all(np.abs(z) < 3.5), z   # 4 coefficients at 3.5 SE: a false alarm 1 time in 500
    assert np.all(np.isfinite(m.summary["std_error"]))


@pytest.mark.slow
def test_constrained_covariate_recovers_a_shared_effect():
    """BG/NBD: the same coefficient 0.4 on the purchase and the dropout process."""
    s = simulate_bg_nbd(5000, 5, BG_BASE, {"web": 0.4}, {"web": 0.4})
    m = fit_quietly(BetaGeoModel(), s, constrained_covariates=["web"])
    row = m.summary.loc["constrained: web"]
    assert row["lower_95"] < 0.4 < row["upper_95"], row
    free = fit_quietly(BetaGeoModel(), s, purchase_covariates=["web"], dropout_covariates=["web"])
    # one parameter less: the likelihood-ratio statistic is small when the constraint is true
    assert 0 <= 2 * (free.log_likelihood_ - m.log_likelihood_) < 6.6


@pytest.mark.slow
def test_penalty_shrinks_the_coefficients_monotonically(small):
    s = small["bgnbd"]
    sizes, bases = [], []
    for lam in (0.0, 0.01, 0.1, 1.0):
        m = fit_quietly(BetaGeoModel(covariate_penalty=lam), s, purchase_covariates=COVS,
                        dropout_covariates=COVS)
        sizes.append(np.abs(m.params_.iloc[4:].to_numpy()))
        bases.append(m.summary.iloc[:4])
    sizes = np.array(sizes)
    assert np.all(np.diff(np.linalg.norm(sizes, axis=1)) < 0)
    assert np.linalg.norm(sizes[-1]) < 0.3 * np.linalg.norm(sizes[0])
    for b in bases:  # the base parameters stay estimable (finite, positive, with SEs)
        assert np.all(np.isfinite(b.to_numpy())) and np.all(b["estimate"] > 0)


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_standard_errors_agree_with_a_numerical_hessian(name, small):
    """statsmodels' finite-difference Hessian of the log-likelihood value (not our gradient)."""
    numdiff = pytest.importorskip("statsmodels.tools.numdiff")
    cls, _, _ = MODELS[name]
    s = small[name].iloc[:1000]
    m = fit_quietly(cls(), s, purchase_covariates=COVS, dropout_covariates=["web"])
    d = _compressed(m, s, COVS)
    theta = np.concatenate([np.log(m.params_.iloc[:4]), m.params_.iloc[4:]])
    H = numdiff.approx_hess3(theta, lambda th: -m._loglik_total(m._from_theta(th), d, False)[0])
    se = np.sqrt(np.diag(np.linalg.inv(H)))[4:]
    np.testing.assert_allclose(m.summary["std_error"].iloc[4:].to_numpy(), se, rtol=0.10)


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_interval_coverage_over_seeds_is_sane(name):
    cls, sim, base = MODELS[name]
    truth = list(GAMMA_P.values()) + list(GAMMA_D.values())
    covered = []
    for seed in range(20, 24):
        s = sim(2500, seed, base, GAMMA_P, GAMMA_D)
        covered.extend(np.abs(_z(fit_quietly(cls(), s, purchase_covariates=COVS, dropout_covariates=COVS),
                                 truth)) < 1.96)
    assert np.mean(covered) >= 0.75, covered    # nominal 95 % of 16: P(fewer than 12) < 1 %


# ----------------------------------------------------------------------------- CDNOW
@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_a_pure_noise_covariate_on_cdnow_changes_little(name, cdnow_summary):
    cls, _, _ = MODELS[name]
    s = cdnow_summary.copy()
    s["noise"] = np.random.default_rng(7).normal(size=len(s))
    plain = fit_quietly(cls(), s)
    m = fit_quietly(cls(), s, purchase_covariates=["noise"], dropout_covariates=["noise"])
    assert 0 <= m.log_likelihood_ - plain.log_likelihood_ < 3.0   # chi2(2)/2 at 95 %
    ci = m.summary.iloc[4:]
    assert np.all((ci["lower_95"] < 0) & (ci["upper_95"] > 0)), ci


# ----------------------------------------------------------------------------- predictions, API
@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_predictions_use_each_customers_parameters(name, small):
    cls, _, _ = MODELS[name]
    s = small[name].iloc[:300]
    m = fit_quietly(cls(), small[name], purchase_covariates=["web"], dropout_covariates=["web"])
    assert_profiles_match_plain(m, s, cls)
    # a positive purchase effect: the web customers buy more
    assert m.expected_purchases_new_customer(10, covariates={"web": 1}) > \
        m.expected_purchases_new_customer(10, covariates={"web": 0})
    assert m.prob_alive(s).index.equals(s.index)
    # a horizon per customer goes with the customer
    t = np.linspace(1.0, 30.0, len(s))
    per = m.expected_purchases(s, t)
    for i in (0, 7, 150):
        assert per.iloc[i] == m.expected_purchases(s.iloc[[i]], t[i]).iloc[0]
    # the value functions built on the model's internals refuse covariate models plainly
    with pytest.raises(ModelSpecificationError, match="covariates"):
        crm.clv.discounted_expected_transactions(m, s.iloc[:20], 20, 0.01)


@pytest.mark.parametrize("name", MODELS)
def test_missing_or_bad_covariates_are_refused(name, small):
    cls, _, _ = MODELS[name]
    s = small[name]
    m = fit_quietly(cls(), s, purchase_covariates=["web"], dropout_covariates=["score"])
    with pytest.raises(CRMDataError, match="score"):
        m.prob_alive(s.drop(columns="score"))
    with pytest.raises(CRMDataError, match="profile"):
        m.expected_purchases_new_customer(10)
    with pytest.raises(CRMDataError, match="score"):
        m.expected_purchases_new_customer(10, covariates={"web": 1})
    with pytest.raises(CRMDataError, match="get_dummies"):
        cls().fit(s.assign(channel=np.where(s["web"] > 0, "web", "shop")), purchase_covariates=["channel"])
    with pytest.raises(CRMDataError, match="collinear"):
        cls().fit(s.assign(shop=1.0 - s["web"]), purchase_covariates=["web", "shop"])
    with pytest.raises(CRMDataError, match="missing"):
        cls().fit(s, purchase_covariates=["nope"])
    with pytest.raises(ModelSpecificationError, match="constrained"):
        cls().fit(s, purchase_covariates=["web"], constrained_covariates=["web"])
    with pytest.raises(ModelSpecificationError, match="covariate_penalty"):
        cls(covariate_penalty=-1).fit(s, purchase_covariates=["web"])
    with pytest.raises(ModelSpecificationError, match="without covariates"):
        fit_quietly(cls(), s).expected_purchases_new_customer(10, covariates={"web": 1})


@pytest.mark.parametrize("name", MODELS)
def test_save_load_clone_and_refit(name, small, tmp_path):
    cls, _, _ = MODELS[name]
    s = small[name]
    m = fit_quietly(cls(covariate_penalty=0.001), s, purchase_covariates=["web"], dropout_covariates=["web"])
    same = crm.load_model(m.save(tmp_path / "m.json"))
    assert same.purchase_covariates_ == ["web"] and same.dropout_covariates_ == ["web"]
    pd.testing.assert_frame_equal(same.summary, m.summary, check_exact=True)
    few = s.iloc[:200]
    pd.testing.assert_series_equal(same.prob_alive(few), m.prob_alive(few), check_exact=True)
    pd.testing.assert_series_equal(same.dert(few, 0.01), m.dert(few, 0.01), check_exact=True)
    assert repr(same) == f"{cls.__name__}(covariate_penalty=0.001)"
    fresh = clone(m)
    assert not fresh.is_fitted and fresh.get_params() == m.get_params()
    again = fit_quietly(m, s)      # refitting without covariates forgets them
    assert again.covariate_names_ == [] and len(again.params_) == 4
