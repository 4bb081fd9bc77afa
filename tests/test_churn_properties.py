"""Property tests: churn probabilities are probabilities, monotone in the horizon; RMRL in [0, max_time]."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers.churn import simulate_weibull
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_models.churn import ChurnModel


@pytest.fixture(scope="module")
def models():
    d = simulate_weibull(1500, seed=31)
    d["plan"] = np.random.default_rng(31).choice(["a", "b", "c"], size=len(d))
    return {k: ChurnModel(k).fit(d) for k in ("cox", "weibull", "lognormal", "loglogistic")}


customers = st.lists(
    st.tuples(st.floats(-3, 3), st.sampled_from([0.0, 1.0]), st.sampled_from(["a", "b", "c"]),
              st.floats(0, 200)),
    min_size=1, max_size=20,
)


def frame(rows):
    return pd.DataFrame(rows, columns=["x1", "x2", "plan", "duration"])


@settings(max_examples=40, deadline=None)
@given(rows=customers, h1=st.floats(0, 100), dh=st.floats(0, 100),
       kind=st.sampled_from(["cox", "weibull", "lognormal", "loglogistic"]))
def test_churn_probability_in_unit_interval_and_monotone(models, rows, h1, dh, kind):
    df = frame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        p1 = models[kind].churn_probability(df, h1)
        p2 = models[kind].churn_probability(df, h1 + dh)
    assert ((p1 >= 0) & (p1 <= 1)).all() and ((p2 >= 0) & (p2 <= 1)).all()
    assert (p2 >= p1 - 1e-12).all()
    assert p1.index.equals(df.index)


@settings(max_examples=30, deadline=None)
@given(rows=customers, max_time=st.floats(0.5, 120), kind=st.sampled_from(["cox", "weibull", "lognormal"]))
def test_remaining_lifetime_bounded(models, rows, max_time, kind):
    df = frame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        r = models[kind].expected_remaining_lifetime(df, max_time, n_grid=51)
    assert ((r >= 0) & (r <= max_time + 1e-12)).all()
    assert r.notna().all()
