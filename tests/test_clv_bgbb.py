"""BG/BB on the donations data of Fader, Hardie & Shang (2010), and lifetimes agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.clv import BGBB_REF, assert_close_to_published, donations

import crm_models as crm

lifetimes = pytest.importorskip("lifetimes")


@pytest.fixture(scope="module")
def don(shared_data):
    return donations(str(shared_data))


@pytest.fixture(scope="module")
def bb(don):
    return crm.clv.BetaGeoBetaBinomModel().fit(don)


def test_reproduces_fader_hardie_shang_2010(bb, don):
    assert_close_to_published(bb.params_, BGBB_REF)
    assert bb.n_obs_ == don["weight"].sum() == 11104
    assert bb.n_distinct_ == 22


def test_agrees_with_lifetimes(bb, don):
    x, tx, n, w = (don[c].to_numpy() for c in ("frequency", "recency", "T", "weight"))
    lf = lifetimes.BetaGeoBetaBinomFitter().fit(x, tx, n, weights=w)
    np.testing.assert_allclose(bb.params_.to_numpy(), lf.params_.to_numpy(), rtol=5e-4)
    lf.params_ = bb.params_.copy()
    ll = lifetimes.BetaGeoBetaBinomFitter._loglikelihood(bb.params_.to_numpy(), x, tx, n)
    assert np.dot(w, ll) == pytest.approx(bb.log_likelihood_, rel=1e-12)
    for m in (1, 5, 10):
        np.testing.assert_allclose(bb.expected_purchases(don, m).to_numpy(),
                                   lf.conditional_expected_number_of_purchases_up_to_time(m, x, tx, n),
                                   rtol=1e-9)
    np.testing.assert_allclose(bb.prob_alive(don).to_numpy(), lf.conditional_probability_alive(1, x, tx, n),
                               rtol=1e-10)
    lf.data = pd.DataFrame({"frequency": x, "recency": tx, "n_periods": n, "weights": w})
    expected_counts = lf.expected_number_of_transactions_in_first_n_periods(6)["model"]
    ours = bb.probability_of_n_purchases(6, expected_counts.index.to_numpy()) * w.sum()
    np.testing.assert_allclose(ours, expected_counts.to_numpy(), rtol=1e-9)


def test_fit_histogram_is_close_to_the_data(bb, don):
    """FHS (2010), Figure 3: the model's 6-period frequency distribution tracks the data."""
    actual = don.groupby("frequency")["weight"].sum()
    model = bb.probability_of_n_purchases(6, actual.index.to_numpy()) * actual.sum()
    assert np.all(np.abs(model - actual.to_numpy()) / actual.sum() < 0.01)
    assert bb.probability_of_n_purchases(6, np.arange(7)).sum() == pytest.approx(1.0, abs=1e-12)


def test_unconditional_expectation_is_the_pmf_mean(bb):
    x = np.arange(0, 11)
    pmf = bb.probability_of_n_purchases(10, x)
    assert (x * pmf).sum() == pytest.approx(bb.expected_purchases_new_customer(10), rel=1e-12)


def test_dert_is_the_discounted_sum_of_future_transactions(bb, don):
    d = 0.10
    grid = np.arange(0, 401)
    E = bb.expected_purchases_path(don, grid).to_numpy()
    disc = (1 + d) ** -grid[1:]
    direct = (np.diff(E, axis=1) * disc).sum(axis=1)
    np.testing.assert_allclose(direct, bb.dert(don, d).to_numpy(), rtol=1e-10)


def test_gamma_near_one_uses_the_limit(don):
    m = crm.clv.BetaGeoBetaBinomModel.from_params(alpha=1.2, beta=0.75, gamma=1.0 + 1e-9, delta=2.8)
    m2 = crm.clv.BetaGeoBetaBinomModel.from_params(alpha=1.2, beta=0.75, gamma=1.0 + 1e-3, delta=2.8)
    e1, e2 = m.expected_purchases(don, 5).to_numpy(), m2.expected_purchases(don, 5).to_numpy()
    assert np.all(np.isfinite(e1))
    np.testing.assert_allclose(e1, e2, rtol=2e-3)
