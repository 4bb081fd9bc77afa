"""Invariances PLS-PM must have, checked on random transformations (hypothesis)."""

from __future__ import annotations

import numpy as np
from helpers import csi as fx
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_models.csi import PLSPM

PATHS = {"SAT": ["IMAG", "VAL"], "LOY": ["IMAG", "SAT"]}
SIZES = {"IMAG": 3, "VAL": 3, "SAT": 3, "LOY": 3}
COEFS = {("IMAG", "SAT"): 0.3, ("VAL", "SAT"): 0.5, ("IMAG", "LOY"): 0.2, ("SAT", "LOY"): 0.5}
SIGMA, ITEMS, _ = fx.composite_population(PATHS, COEFS, {("IMAG", "VAL"): 0.3}, SIZES)
DATA = fx.simulate_composite_survey(120, seed=5, Sigma=SIGMA, items=ITEMS)
BLOCKS = {lv: [f"{lv.lower()}{i + 1}" for i in range(k)] for lv, k in SIZES.items()}
BASE = {scheme: PLSPM(PATHS, BLOCKS, scheme=scheme).fit(DATA) for scheme in ("centroid", "factorial", "path")}

positive = st.floats(min_value=0.2, max_value=5.0)
shift = st.floats(min_value=-10.0, max_value=10.0)


@settings(max_examples=25, deadline=None)
@given(scales=st.lists(positive, min_size=12, max_size=12), shifts=st.lists(shift, min_size=12, max_size=12),
       scheme=st.sampled_from(["centroid", "factorial", "path"]))
def test_standardised_fit_ignores_item_units(scales, shifts, scheme):
    df = DATA * np.array(scales) + np.array(shifts)
    m = PLSPM(PATHS, BLOCKS, scheme=scheme).fit(df)
    base = BASE[scheme]
    np.testing.assert_allclose(m.path_coefficients_, base.path_coefficients_, atol=1e-9)
    np.testing.assert_allclose(m.scores_, base.scores_, atol=1e-8)
    np.testing.assert_allclose(m.outer_weights_, base.outer_weights_, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), c=positive)
def test_row_order_and_common_unit_do_not_matter(seed, c):
    """Holds at convergence; the stopping rule compares raw-unit weights, so a change of unit can
    shift the stopping iteration (with plspm's rule by ~1e-5): use a tight tol."""
    perm = np.random.default_rng(seed).permutation(len(DATA))
    raw = PLSPM(PATHS, BLOCKS, scaled=False, tol=1e-14).fit(DATA)
    m = PLSPM(PATHS, BLOCKS, scaled=False, tol=1e-14).fit(DATA.iloc[perm] * c)
    np.testing.assert_allclose(m.path_coefficients_, raw.path_coefficients_, atol=1e-9)
    np.testing.assert_allclose(m.outer_weights_ * c, raw.outer_weights_, rtol=1e-8)
    np.testing.assert_allclose(m.scores_.loc[DATA.index], raw.scores_, atol=1e-8)
    assert abs(m.gof_ - raw.gof_) < 1e-8
