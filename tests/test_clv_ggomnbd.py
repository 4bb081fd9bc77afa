"""GGompertz/NBD (Bemmaor & Glady 2012): quadrature against scipy's quad per customer, the
Pareto/NBD limit on CDNOW, and recovery of a known truth from simulated customers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers.clv import PNBD_LL, fitted, random_summary
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

import crm_models as crm
from crm_models.clv.base import ConvergenceWarning, _num_grad
from crm_models.clv.ggomnbd import GGompertzNBDModel
from crm_models.errors import CRMDataError

# (r, alpha, b, s, beta): CDNOW-like with b small, the simulation truth, a hump-shaped
# lifetime density (beta > 1 + s) and a steep Gompertz hazard
POINTS = [(0.55, 10.58, 0.0002, 0.6, 0.0026), (0.8, 2.0, 0.2, 1.2, 3.0), (2.0, 1.0, 0.05, 0.3, 50.0),
          (0.5, 3.0, 1.0, 2.0, 0.01)]
CUSTOMERS = [(0, 0.0, 39.0), (3, 20.0, 39.0), (300, 38.0, 39.0), (50, 10.0, 400.0), (1, 0.5, 1.0),
             (7, 39.0, 39.0)]
# CLVTools' estimate on CDNOW (its tests) and Bemmaor & Glady (2012) Table 2
CLVTOOLS = {"r": 0.55313, "alpha": 10.5758, "LL": -9594.9762}


def _model(p) -> GGompertzNBDModel:
    return GGompertzNBDModel.from_params(**dict(zip(GGompertzNBDModel.param_names, p, strict=True)))


def _quad(f, lo, hi, scale):
    """scipy's adaptive quadrature with break points where the integrand decays."""
    pts = [q for q in lo + scale * np.array([1.0, 10.0, 100.0, 1000.0]) if q < hi]
    val, _ = integrate.quad(f, lo, hi, points=pts or None, epsabs=0, epsrel=1e-13, limit=1000)
    return val


def _reference(p, x, tx, T, t, delta):
    """Per customer, by quad: log-likelihood, P(alive), E[X(T, T+t)], DERT and E[X(t)] (new)."""
    with np.errstate(over="ignore"):  # e^(by) overflows to inf far out, where the integrands are 0
        return _reference_values(p, x, tx, T, t, delta)


def _reference_values(p, x, tx, T, t, delta):
    r, alpha, b, s, beta = p
    D = lambda y: beta + np.expm1(b * y)  # noqa: E731
    c = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    l1 = c - (r + x) * np.log(alpha + T) + s * (np.log(beta) - np.log(D(T)))
    log_f = lambda y: -(r + x) * np.log(alpha + y) + b * y - (s + 1) * np.log(D(y))  # noqa: E731
    ref = log_f(tx)
    if T > tx:
        i = _quad(lambda y: np.exp(log_f(y) - ref), tx, T, (alpha + tx) / (r + x + 1))
        ll = np.logaddexp(l1, c + np.log(b * s) + s * np.log(beta) + ref + np.log(i))
    else:
        ll = l1
    p_alive = np.exp(l1 - ll)
    res = lambda u: (D(T) / D(T + u)) ** s  # noqa: E731 - residual survival given alive at T
    e_cond = p_alive * (r + x) / (alpha + T) * _quad(res, 0.0, t, 1.0 / (b * (s + 1)))
    dert = p_alive * (r + x) / (alpha + T) * integrate.quad(
        lambda u: np.exp(-delta * u) * res(u), 0.0, np.inf, epsabs=0, epsrel=1e-12, limit=1000)[0]
    e_new = r / alpha * _quad(lambda u: (beta / D(u)) ** s, 0.0, t, 1.0 / (b * (s + 1)))
    return ll, p_alive, e_cond, dert, e_new


@pytest.mark.parametrize("p", POINTS)
def test_every_quantity_agrees_with_adaptive_quadrature_per_customer(p):
    m = _model(p)
    s = pd.DataFrame(CUSTOMERS, columns=["frequency", "recency", "T"])
    t, rate = 26.0, 0.01
    d = m._compress_summary(s, "summary", require_repeat=True)
    ours_ll = pd.Series(d.expand(m._loglik(np.array(p), d)))
    ours = [ours_ll, m.prob_alive(s), m.expected_purchases(s, t), m.dert(s, rate)]
    new = m.expected_purchases_new_customer(t)
    for i, (x, tx, T) in enumerate(CUSTOMERS):
        ref = _reference(p, x, tx, T, t, np.log1p(rate))
        for what, a, b in zip(["loglik", "prob_alive", "expected", "dert"], [o.iloc[i] for o in ours], ref,
                              strict=False):
            assert a == pytest.approx(b, rel=1e-8, abs=1e-300), (what, x, tx, T)
        assert new == pytest.approx(ref[4], rel=1e-8)


@pytest.mark.parametrize("p", POINTS)
def test_grid_sum_equals_the_per_customer_quadrature(p):
    """The fit's likelihood (every death integral from one quadrature on the shared time grid,
    ``_ggomgrid``) against the per-customer quadrature (checked against quad above) summed with
    the weights, value and gradient: the extreme customers above, ties and random customers."""
    m = _model(p)
    extreme = pd.DataFrame(CUSTOMERS, columns=["frequency", "recency", "T"])
    s = pd.concat([extreme, random_summary(300, seed=4), extreme.iloc[:3]], ignore_index=True)
    d = m._compress_summary(s, "summary", require_repeat=True)
    params = np.array(p)
    total, grad = m._loglik_total(params, d, True)
    assert total == pytest.approx(float(np.dot(d.weights, m._loglik(params, d))), rel=1e-11)
    np.testing.assert_allclose(grad, d.weights @ m._loglik_grad(params, d), rtol=1e-8)


def test_grid_falls_back_to_the_per_customer_rule(monkeypatch):
    """Past the grid's size limit (an extreme b s) every row takes the per-customer rule, with
    the same value and gradient; a huge s (no heterogeneity in the Gompertz scale, where s and
    beta run off together) leaves the likelihood smooth: beta^s is taken inside the integral."""
    import crm_models.clv._ggomgrid as grid
    p = POINTS[1]
    m = _model(p)
    d = m._compress_summary(random_summary(200, seed=5), "summary", require_repeat=True)
    params = np.array(p)
    total, grad = m._loglik_total(params, d, True)
    monkeypatch.setattr(grid, "_MAX_ELEMENTS", 0)
    m2 = _model(p)
    total2, grad2 = m2._loglik_total(params, d, True)
    assert total2 == pytest.approx(total, rel=1e-11)
    np.testing.assert_allclose(grad2, grad, rtol=1e-8)
    monkeypatch.undo()
    huge = np.array([0.75, 1.33, 0.098, 5e6, 9e6])   # s, beta -> infinity together
    steps = [m._loglik_total(huge * np.array([1, 1, 1, 1 + k * 1e-9, 1]), d, False)[0] for k in range(4)]
    assert np.ptp(np.diff(steps)) < 1e-9 * abs(steps[0]) * 1e-3


def test_gradient_is_the_derivative_of_the_likelihood():
    m = GGompertzNBDModel()
    d = m._compress_summary(random_summary(200, seed=3), "summary", require_repeat=True)
    for p in POINTS:
        theta = np.log(p)
        np.testing.assert_allclose(m._gradient(theta, d), _num_grad(lambda th: m._objective(th, d), theta),
                                   rtol=1e-6, atol=1e-9)


@pytest.mark.slow  # over 3 s: about 10 s for the fit
def test_cdnow_fit_is_the_pareto_nbd_limit(cdnow_summary):
    """b and beta are not identified on CDNOW (b -> 0, the Pareto/NBD): the LL and r, alpha are."""
    with pytest.warns(ConvergenceWarning, match="not identified"):
        m = GGompertzNBDModel().fit(cdnow_summary)
    pnbd = fitted("paretonbd", cdnow_summary)
    assert m.log_likelihood_ == pytest.approx(pnbd.log_likelihood_, abs=0.01)
    assert m.log_likelihood_ == pytest.approx(CLVTOOLS["LL"], abs=0.01)
    assert m.log_likelihood_ == pytest.approx(PNBD_LL, abs=0.01)  # Bemmaor & Glady: -9594.98
    for name in ("r", "alpha"):
        assert m.params_[name] == pytest.approx(pnbd.params_[name], rel=1e-3)
        assert m.params_[name] == pytest.approx(CLVTOOLS[name], rel=1e-3)
    # the Pareto/NBD's beta is the limit of beta / b
    assert m.params_["beta"] / m.params_["b"] == pytest.approx(pnbd.params_["beta"], rel=1e-3)
    np.testing.assert_allclose(m.prob_alive(cdnow_summary), pnbd.prob_alive(cdnow_summary), rtol=1e-5)
    np.testing.assert_allclose(m.expected_purchases(cdnow_summary, 39.0),
                               pnbd.expected_purchases(cdnow_summary, 39.0), rtol=1e-4)


TRUTH = {"r": 0.8, "alpha": 2.0, "b": 0.2, "s": 1.2, "beta": 3.0}


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    T = np.round(np.random.default_rng(1).uniform(6, 18, 3000))
    return GGompertzNBDModel.from_params(**TRUTH).simulate(3000, T=T, holdout=6.0, seed=3)


def test_simulate_is_reproducible_and_consistent(simulated):
    again = GGompertzNBDModel.from_params(**TRUTH).simulate(3000, T=simulated["T"].to_numpy(), holdout=6.0,
                                                             seed=3)
    pd.testing.assert_frame_equal(simulated, again)
    assert np.all(simulated["recency"] <= np.minimum(simulated["lifetime"], simulated["T"]))
    assert np.all((simulated["frequency"] == 0) == (simulated["recency"] == 0))
    assert np.all(simulated.loc[~simulated["alive"], "frequency_holdout"] == 0)


@pytest.mark.slow  # over 3 s: a 5-parameter fit by quadrature
def test_known_truth_is_recovered(simulated):
    m = GGompertzNBDModel().fit(simulated[["frequency", "recency", "T"]])
    table = m.summary
    for name, value in TRUTH.items():
        assert table.loc[name, "lower_95"] <= value <= table.loc[name, "upper_95"], (name, table)
    p = m.prob_alive(simulated)
    assert p.mean() == pytest.approx(simulated["alive"].mean(), rel=0.05)
    # the holdout total of 3,000 customers is noisy (the true model itself predicts 867 for the 920
    # simulated purchases, -5.8 %): the fitted model against the true one within 5 %, against
    # the simulated purchases within 12 % (about 2.5 standard deviations of the total)
    e = m.expected_purchases(simulated, 6.0).sum()
    truth = GGompertzNBDModel.from_params(**TRUTH).expected_purchases(simulated, 6.0).sum()
    assert e == pytest.approx(truth, rel=0.05)
    assert e == pytest.approx(simulated["frequency_holdout"].sum(), rel=0.12)


@pytest.mark.slow  # over 3 s: 60,000 customers
def test_conditional_expectation_uses_the_bayesian_rate_update():
    """With the true parameters, against 60,000 simulated customers: among those really alive at T
    the mean purchase rate per frequency is (r+x)/(alpha+T) (a shape-only update, (r+x)/alpha,
    would be 7 times larger here) and the mean of min(tau - T, t) is int_0^t S(u | T) du; the
    expected holdout purchases match the customers' true expected purchases."""
    r, alpha = TRUTH["r"], TRUTH["alpha"]
    m = GGompertzNBDModel.from_params(**TRUTH)
    T, h = 12.0, 6.0
    sim = m.simulate(60_000, T=T, holdout=h, seed=7)
    alive = sim[sim["alive"]]
    for x in range(4):
        rate = alive.loc[alive["frequency"] == x, "lambda"].mean()
        assert rate == pytest.approx((r + x) / (alpha + T), rel=0.05), x
    residual = np.minimum(alive["lifetime"] - T, h).mean()
    assert residual == pytest.approx(float(m._residual_life(np.array(T), np.array(h))), rel=0.02)
    assert m.prob_alive(sim).mean() == pytest.approx(sim["alive"].mean(), rel=0.02)
    latent = sim["lambda"] * np.clip(np.minimum(sim["lifetime"], T + h) - T, 0.0, None)
    assert m.expected_purchases(sim, h).sum() == pytest.approx(latent.sum(), rel=0.03)
    # the new-customer curve against the simulated purchases of the first 12 periods
    assert m.expected_purchases_new_customer(T) == pytest.approx(sim["frequency"].mean(), rel=0.03)


@pytest.mark.parametrize("p", POINTS[1:])
def test_pmf_sums_to_one_and_matches_the_mean(p):
    m = _model(p)
    n = np.arange(0, 400)
    pmf = m.probability_of_n_purchases(10.0, n)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-8)
    assert (n * pmf).sum() == pytest.approx(m.expected_purchases_new_customer(10.0), rel=1e-7)


def test_dert_is_the_limit_of_the_discounted_horizon_sum():
    m = _model(POINTS[1])
    sub = pd.DataFrame(CUSTOMERS[:5], columns=["frequency", "recency", "T"])
    d = 0.01
    delta = np.log1p(d)

    def midpoint_sum(h, horizon=300.0):  # S(u | T) < e^-50 beyond
        grid = np.arange(0, horizon + h / 2, h)
        E = m.expected_purchases_path(sub, grid).to_numpy()
        w = np.exp(-delta * (grid[1:] - h / 2))
        return (np.diff(E, axis=1) * w).sum(axis=1)

    s1, s2 = midpoint_sum(0.1), midpoint_sum(0.05)
    np.testing.assert_allclose((4 * s2 - s1) / 3, m.dert(sub, d).to_numpy(), rtol=1e-6)


@st.composite
def customers(draw, n=6):
    T = np.array(draw(st.lists(st.floats(0.0, 3650.0), min_size=n, max_size=n)))
    x = np.array(draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n)))
    share = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    rec = np.where(x > 0, share * T, 0.0)
    return pd.DataFrame({"frequency": x, "recency": rec, "T": T})


# CDNOW-like in days, and a steep Gompertz hazard
PROPERTY_MODELS = [_model((0.55, 10.58 * 7, 0.001, 0.6, 0.1)), _model((0.8, 2.0, 0.2, 1.2, 3.0))]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(s=customers(), which=st.sampled_from([0, 1]))
def test_probabilities_and_expectations_are_valid(s, which):
    m = PROPERTY_MODELS[which]
    p = m.prob_alive(s).to_numpy()
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    E = m.expected_purchases_path(s, [30.0, 365.0, 3650.0]).to_numpy()
    assert np.all(np.isfinite(E)) and np.all(E >= 0)
    assert np.all(np.diff(E, axis=1) >= -1e-9 * (1 + E[:, 1:]))
    d = m.dert(s, 0.0003).to_numpy()
    assert np.all(np.isfinite(d)) and np.all(d >= 0)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(x=st.integers(1, 200), T=st.floats(1.0, 400.0), which=st.sampled_from([0, 1]))
def test_prob_alive_rises_with_recency(x, T, which):
    m = PROPERTY_MODELS[which]
    rec = np.linspace(0.0, T, 9)
    s = pd.DataFrame({"frequency": x, "recency": rec, "T": T})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = m.prob_alive(s).to_numpy()
    assert np.all(np.diff(p) >= -1e-12)


def test_bad_input_names_the_column_and_customers():
    s = pd.DataFrame({"frequency": [1, 2], "recency": [5.0, 50.0], "T": [10.0, 20.0]},
                     index=pd.Index(["a", "b"], name="customer_id"))
    with pytest.raises(CRMDataError, match="recency.*b"):
        GGompertzNBDModel().fit(s)
    assert "GGompertzNBDModel" in crm.clv.__all__
