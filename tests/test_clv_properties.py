"""Property tests: probabilities in [0, 1], monotone expectations, no NaN/inf for extreme customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crm_models as crm

# CDNOW estimates (weeks) re-expressed in days, and a second, very different parameter set
DAILY = {
    "bgnbd": crm.clv.BetaGeoModel.from_params(r=0.2426, alpha=4.4136 * 7, a=0.7929, b=2.4259),
    "paretonbd": crm.clv.ParetoNBDModel.from_params(r=0.5532, alpha=10.5763 * 7, s=0.6062, beta=11.6715 * 7),
    "mbgnbd": crm.clv.ModifiedBetaGeoModel.from_params(r=0.525, alpha=6.183 * 7, a=0.891, b=1.614),
}
OTHER = {
    "bgnbd": crm.clv.BetaGeoModel.from_params(r=3.0, alpha=2.0, a=5.0, b=0.5),
    "paretonbd": crm.clv.ParetoNBDModel.from_params(r=2.5, alpha=0.7, s=0.05, beta=5000.0),
    "mbgnbd": crm.clv.ModifiedBetaGeoModel.from_params(r=3.0, alpha=2.0, a=1.5, b=40.0),
}


@st.composite
def customers(draw, n=8):
    T = np.array(draw(st.lists(st.floats(0.0, 3650.0), min_size=n, max_size=n)))
    x = np.array(draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n)))
    share = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    rec = np.where(x > 0, share * T, 0.0)
    return pd.DataFrame({"frequency": x, "recency": rec, "T": T})


SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


@pytest.mark.slow  # over 3 s
@settings(max_examples=25, deadline=None, derandomize=True)
@given(s=customers(), kind=st.sampled_from(sorted(DAILY)), other=st.booleans())
def test_probabilities_and_expectations_are_finite_and_valid(s, kind, other):
    m = (OTHER if other else DAILY)[kind]
    p = m.prob_alive(s).to_numpy()
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    E = m.expected_purchases_path(s, [30.0, 365.0, 3650.0]).to_numpy()
    assert np.all(np.isfinite(E)) and np.all(E >= 0)
    assert np.all(np.diff(E, axis=1) >= -1e-9 * (1 + E[:, 1:]))
    d = m.dert(s, 0.0003).to_numpy()
    assert np.all(np.isfinite(d)) and np.all(d >= 0)


@SETTINGS
@given(s=customers())
def test_bgnbd_customers_without_repeat_purchase_are_alive(s):
    for m in (DAILY["bgnbd"], OTHER["bgnbd"]):
        p = m.prob_alive(s)
        assert np.all(p[s["frequency"] == 0] == 1.0)


@SETTINGS
@given(t=st.floats(0.0, 3650.0), kind=st.sampled_from(sorted(DAILY)), other=st.booleans())
def test_new_customer_pmf_is_a_distribution(t, kind, other):
    m = (OTHER if other else DAILY)[kind]
    n = np.arange(0, 12)
    pmf = np.atleast_1d(m.probability_of_n_purchases(t, n))
    assert np.all(np.isfinite(pmf)) and np.all((pmf >= -1e-15) & (pmf <= 1 + 1e-12))
    assert pmf.sum() <= 1 + 1e-9
    grid = np.array([t, t + 1.0, 2 * t + 10.0])
    E = m.expected_purchases_new_customer(grid)
    assert np.all(np.isfinite(E)) and np.all(np.diff(E) >= -1e-12)


@SETTINGS
@given(x=st.integers(0, 6), tx_share=st.floats(0.0, 1.0), n=st.integers(1, 30), future=st.integers(1, 20))
def test_bgbb_probabilities(x, tx_share, n, future):
    bb = crm.clv.BetaGeoBetaBinomModel.from_params(alpha=1.204, beta=0.75, gamma=0.657, delta=2.783)
    x = min(x, n)
    tx = 0 if x == 0 else int(round(x + tx_share * (n - x)))
    d = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [n]})
    p = bb.prob_alive(d, future=future).iloc[0]
    assert 0 <= p <= 1
    E = bb.expected_purchases_path(d, [future, future + 1]).to_numpy()[0]
    assert np.all(np.isfinite(E)) and E[1] >= E[0] >= 0
    pmf = bb.probability_of_n_purchases(n, np.arange(n + 1))
    assert abs(pmf.sum() - 1) < 1e-10
