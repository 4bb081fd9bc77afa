"""The special functions behind the models, against scipy and direct quadrature."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from crm_models.clv import _bgfamily
from crm_models.clv._special import (
    _gauss_jacobi,
    hyp2f1_shared_ab,
    log1mexp,
    log_hyp2f1,
    log_hyp2f1_unit,
    log_hyp2f1_unit_grad,
    log_hyp2f1_unit_quad,
    phi,
)


def test_log_hyp2f1_matches_scipy_where_scipy_is_reliable():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-3, 5, 300), rng.uniform(-2, 5, 300)
    c, z = rng.uniform(0.5, 20, 300), rng.uniform(0, 0.95, 300)
    log_abs, sign = log_hyp2f1(a, b, c, z)
    np.testing.assert_allclose(sign * np.exp(log_abs), special.hyp2f1(a, b, c, z), rtol=1e-11)
    # huge values come back as logarithms instead of overflowing
    log_abs, sign = log_hyp2f1(800.0, 900.0, 10.0, 0.6)
    assert np.isfinite(log_abs) and log_abs > 700 and sign == 1


def test_shared_ab_horner_matches_scipy():
    rng = np.random.default_rng(1)
    c, z = rng.choice([0.7, 3.2, 10.5, 40.0], 500), rng.uniform(0, 0.99, 500)
    for a, b in [(2.1, -0.3), (0.5, 1.5), (-1.2, 3.3)]:
        np.testing.assert_allclose(hyp2f1_shared_ab(a, b, c, z), special.hyp2f1(a, b, c, z), rtol=1e-10)


@pytest.mark.parametrize("p, c, w", [(0.5, 1.7, 0.5), (3.0, 3.3, 0.99), (300.0, 302.0, 0.9999),
                                     (2.0, 302.0, 0.3),
                                     (1.6, 2.7, 0.999995), (30.0, 31.5, 0.99999)])
def test_unit_hypergeometric_against_quadrature(p, c, w):
    """2F1(1, p; c; w) = E[1/(1 - w U)], U ~ Beta(p, c - p), integrated with QUADPACK's QAWS."""
    val, _ = integrate.quad(lambda t: 1 / (1 - w * t), 0, 1, weight="alg", wvar=(p - 1, c - p - 1),
                            epsabs=0, epsrel=1e-13, limit=500)
    assert float(log_hyp2f1_unit(p, c, w)) == pytest.approx(np.log(val) - special.betaln(p, c - p), rel=1e-9)


def test_unit_hypergeometric_gradient():
    p = np.array([0.5, 3.0, 300.0, 2.0, 1.2])
    c = p + np.array([1.2, 0.3, 2.0, 300.0, 0.7])
    w = np.array([0.5, 0.99, 0.9999, 0.3, 0.0])
    _, dp, dc, dw = log_hyp2f1_unit_grad(p, c, w)
    h = 1e-6
    fd_p = (log_hyp2f1_unit(p + h, c, w) - log_hyp2f1_unit(p - h, c, w)) / (2 * h)
    np.testing.assert_allclose(dp, fd_p, rtol=1e-6)
    fd_c = (log_hyp2f1_unit(p, c + h, w) - log_hyp2f1_unit(p, c - h, w)) / (2 * h)
    np.testing.assert_allclose(dc, fd_c, rtol=1e-6, atol=1e-10)
    hw = 1e-8
    inner = w > 0
    fd = (log_hyp2f1_unit(p, c, w + hw) - log_hyp2f1_unit(p, c, w - hw)) / (2 * hw)
    np.testing.assert_allclose(dw[inner], fd[inner], rtol=1e-5)
    assert dw[~inner][0] == pytest.approx(p[~inner][0] / c[~inner][0])  # d/dw at w = 0: p / c


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_phi_against_quadrature():
    for m in (0.3, 1.0, 2.5, 30.5, 300.5, 1000.2):
        for z in (0.01, 0.3, 2.0, 50.0, 1e4):
            # phi = E[z/(z+G)] = int_0^inf e^-w (1 + w/z)^-m dw; split where the integrand has decayed
            def f(w, m=m, z=z):
                return np.exp(-w - m * np.log1p(w / z))

            cut = min(50.0, 50 * z / m)
            head, _ = integrate.quad(f, 0, cut, points=[cut / 50, cut / 5], epsabs=0, epsrel=1e-13, limit=500)
            tail, _ = integrate.quad(f, cut, np.inf, epsabs=0, epsrel=1e-13, limit=500)
            assert float(phi(m, z)) == pytest.approx(head + tail, rel=1e-8), (m, z)


def test_gauss_jacobi_matches_scipy_and_survives_large_exponents():
    for n, al, be in [(10, 0.5, -0.3), (64, 2.4, -0.2)]:
        u, w = _gauss_jacobi(n, al, be)
        u2, w2 = special.roots_jacobi(n, al, be)
        np.testing.assert_allclose(u, u2, atol=1e-13)
        np.testing.assert_allclose(w, w2 / w2.sum(), atol=1e-13)
    u, w = _gauss_jacobi(64, 1038.0, 0.5)  # scipy's total mass overflows here
    assert np.all(np.isfinite(w)) and w.sum() == pytest.approx(1.0)
    # exact for polynomials: the Beta(1.5, 1039) mean and second moment
    p = (1 + u) / 2
    assert (w * p).sum() == pytest.approx(1.5 / 1040.5, rel=1e-12)


@pytest.mark.parametrize("m", [0, 1])
def test_series_and_integral_forms_of_the_bg_expectation_agree(m):
    r, alpha, a, b = 0.24, 4.41, 0.79, 2.43
    x, T = np.array([0, 3, 50, 0]), np.array([0.0, 30.0, 39.0, 39.0])
    t = np.array([78.0, 52.0, 400.0, 3000.0])
    series = (a + b + x + m - 1) / (a - 1) * _bgfamily.hyp_bracket(r, alpha, a, b, x, T, t, m)
    quad = _bgfamily._expected_alive_quad(r, alpha, a, b, x, T, t, m)
    np.testing.assert_allclose(series, quad, rtol=1e-11)


def test_log1mexp():
    u = np.array([-1e-20, -1e-5, -0.5, -5.0, -800.0, 0.0])
    with np.errstate(divide="ignore"):
        expected = np.log(-np.expm1(u))
    np.testing.assert_allclose(log1mexp(u)[:-1], expected[:-1], rtol=1e-14)
    assert log1mexp(np.array([0.0]))[0] == -np.inf


def test_unit_quadrature_matches_the_series_with_derivatives():
    # series (exact summation) where it converges quickly, including the Pareto/NBD runaway
    # regime of large p = s + 1
    p, q, w = (np.ravel(v) for v in np.meshgrid([0.3, 1.0, 2.5, 30.0, 200.0, 1500.0], [0.05, 0.6, 1.7, 150.0],
                                                [0.0, 0.3, 0.9, 0.99, 0.995, 0.999], indexing="ij"))
    keep = p + q > 1.0
    p, q, w = p[keep], q[keep], w[keep]
    quad = log_hyp2f1_unit_quad(p, p + q, w, want_grad=True)
    series = log_hyp2f1_unit_grad(p, p + q, w)
    for a, b in zip(quad, series, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)


def test_unit_quadrature_close_to_one_against_brute_force_summation():
    # w within 1e-5 of 1: the series needs millions of terms; summed directly from log-gamma terms
    for p, q, w in [(1.0, 0.05, 0.99999), (0.3, 0.8, 0.99999), (1500.0, 0.6, 0.99999)]:
        k = np.arange(5 * 10**6, dtype=float)
        terms = special.gammaln(p + k) - special.gammaln(p) - special.gammaln(p + q + k) \
            + special.gammaln(p + q) + k * np.log(w)
        expected = np.log(np.exp(terms).sum())
        assert log_hyp2f1_unit_quad(p, p + q, w)[0][()] == pytest.approx(expected, abs=1e-10)
