"""Every bad model or bad survey gives a clear error naming the construct, item or column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.csi import SAT_BLOCKS, SAT_PATHS

from crm_models.csi import PLSPM
from crm_models.errors import ConvergenceError, CRMDataError, ModelSpecificationError, NotFittedError


def small_survey(n: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f1 = rng.normal(size=n)
    f2 = 0.6 * f1 + 0.8 * rng.normal(size=n)
    cols = {}
    for name, f in [("a", f1), ("b", f2)]:
        for i in range(1, 4):
            cols[f"{name}{i}"] = np.clip(np.round(5.5 + 1.5 * f + rng.normal(size=n)), 1, 10)
    return pd.DataFrame(cols)


BLOCKS = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}
PATHS = {"B": ["A"]}


def test_small_model_fits():
    m = PLSPM(PATHS, BLOCKS).fit(small_survey())
    assert 0 < m.r2_["B"] < 1
    assert m.outer_loadings_.gt(0).all()


def test_cycle_in_paths_is_named():
    with pytest.raises(ModelSpecificationError, match=r"cycle: .*A -> B -> A|cycle: .*B -> A -> B"):
        PLSPM({"B": ["A"], "A": ["B"]}, BLOCKS).fit(small_survey())
    blocks = dict(BLOCKS, C=["c1"])
    with pytest.raises(ModelSpecificationError, match="cycle"):
        PLSPM([("A", "B"), ("B", "C"), ("C", "A")], blocks).fit(small_survey())


def test_item_in_two_blocks():
    with pytest.raises(ModelSpecificationError, match=r"item 'a2' appears in blocks 'A' and 'B'"):
        PLSPM(PATHS, {"A": ["a1", "a2"], "B": ["b1", "a2"]}).fit(small_survey())
    with pytest.raises(ModelSpecificationError, match="twice"):
        PLSPM(PATHS, {"A": ["a1", "a1"], "B": ["b1"]}).fit(small_survey())


def test_unknown_construct_and_isolated_construct():
    with pytest.raises(ModelSpecificationError, match=r"\['C'\].*no block"):
        PLSPM({"C": ["A"]}, BLOCKS).fit(small_survey())
    with pytest.raises(ModelSpecificationError, match=r"\['C'\] have no structural path"):
        PLSPM(PATHS, dict(BLOCKS, C=["c1", "c2"])).fit(small_survey())
    with pytest.raises(ModelSpecificationError, match="itself"):
        PLSPM({"A": ["A"], "B": ["A"]}, BLOCKS).fit(small_survey())
    with pytest.raises(ModelSpecificationError, match="no items"):
        PLSPM(PATHS, {"A": [], "B": ["b1"]}).fit(small_survey())


def test_bad_mode_scheme_and_options():
    with pytest.raises(ModelSpecificationError, match="mode 'C' for construct 'A'"):
        PLSPM(PATHS, BLOCKS, modes={"A": "C"}).fit(small_survey())
    with pytest.raises(ModelSpecificationError, match="unknown construct"):
        PLSPM(PATHS, BLOCKS, modes={"Z": "B"}).fit(small_survey())
    with pytest.raises(ModelSpecificationError, match="scheme 'pathy'"):
        PLSPM(PATHS, BLOCKS, scheme="pathy").fit(small_survey())
    with pytest.raises(ModelSpecificationError, match="missing="):
        PLSPM(PATHS, BLOCKS, missing="drop").fit(small_survey())
    with pytest.raises(ModelSpecificationError, match="max_iter"):
        PLSPM(PATHS, BLOCKS, max_iter=0).fit(small_survey())


def test_single_item_block_in_mode_b():
    with pytest.raises(ModelSpecificationError, match="'B' has a single item.*mode B"):
        PLSPM(PATHS, {"A": ["a1", "a2"], "B": ["b1"]}, modes={"B": "B"}).fit(small_survey())
    # in mode A a single-item construct is fine: the construct is the standardised item
    df = small_survey()
    m = PLSPM(PATHS, {"A": ["a1", "a2", "a3"], "B": ["b1"]}).fit(df)
    z = (df["b1"] - df["b1"].mean()) / df["b1"].std(ddof=0)
    assert np.allclose(m.scores_["B"], z)


def test_unknown_column():
    with pytest.raises(CRMDataError, match=r"\['a9'\] not found") as exc:
        PLSPM(PATHS, {"A": ["a1", "a9"], "B": ["b1", "b2"]}).fit(small_survey())
    assert exc.value.column == "a9"


def test_constant_item():
    df = small_survey()
    df["a2"] = 7
    with pytest.raises(CRMDataError, match=r"column 'a2': is constant \(every answer is 7\)") as exc:
        PLSPM(PATHS, BLOCKS).fit(df)
    assert exc.value.column == "a2"


def test_non_numeric_column():
    df = small_survey()
    df["b3"] = df["b3"].astype(object)
    df.loc[4, "b3"] = "very good"
    with pytest.raises(CRMDataError, match=r"column 'b3': is not numeric .*4: 'very good'"):
        PLSPM(PATHS, BLOCKS).fit(df)
    # numbers stored as text are accepted
    df2 = small_survey()
    df2["b3"] = df2["b3"].astype(int).astype(str)
    m = PLSPM(PATHS, BLOCKS).fit(df2)
    assert m.outer_weights_.notna().all()


def test_infinite_values_and_not_a_frame():
    df = small_survey()
    df.loc[3, "a1"] = np.inf
    with pytest.raises(CRMDataError, match="'a1': contains infinite values"):
        PLSPM(PATHS, BLOCKS).fit(df)
    with pytest.raises(CRMDataError, match="expected a pandas DataFrame"):
        PLSPM(PATHS, BLOCKS).fit(small_survey().to_numpy())


def test_too_few_rows():
    with pytest.raises(CRMDataError, match="usable rows"):
        PLSPM(PATHS, BLOCKS).fit(small_survey().head(5))


def test_collinear_formative_block():
    df = small_survey()
    df["a3"] = df["a1"] + df["a2"]
    with pytest.raises(CRMDataError, match="formative block 'A'.*collinear"):
        PLSPM(PATHS, BLOCKS, modes={"A": "B"}).fit(df)


def test_missing_values_mean_listwise_raise():
    df = small_survey()
    df.loc[[2, 5], "a1"] = np.nan
    df.loc[7, "b2"] = np.nan
    before = df.copy()
    m_mean = PLSPM(PATHS, BLOCKS, missing="mean").fit(df)
    assert m_mean.n_obs_ == 60
    assert m_mean.missing_ == {"method": "mean", "cells": 3, "rows_with_missing": 3, "rows_dropped": 0}
    filled = df.fillna(df.mean())
    assert np.allclose(PLSPM(PATHS, BLOCKS).fit(filled).outer_weights_, m_mean.outer_weights_)
    m_lw = PLSPM(PATHS, BLOCKS, missing="listwise").fit(df)
    assert m_lw.n_obs_ == 57 and m_lw.missing_["rows_dropped"] == 3
    assert list(m_lw.scores_.index) == [i for i in df.index if i not in (2, 5, 7)]
    assert np.allclose(PLSPM(PATHS, BLOCKS).fit(df.dropna()).outer_weights_, m_lw.outer_weights_)
    with pytest.raises(CRMDataError, match=r"'a1': has missing values .*2 rows \(e.g. 2, 5\)"):
        PLSPM(PATHS, BLOCKS, missing="raise").fit(df)
    pd.testing.assert_frame_equal(df, before)  # caller's frame untouched


def test_item_all_missing():
    df = small_survey()
    df["a3"] = np.nan
    with pytest.raises(CRMDataError, match="'a3': has no observed values"):
        PLSPM(PATHS, BLOCKS).fit(df)


def test_not_converged(satisfaction):
    with pytest.raises(ConvergenceError, match="max_iter=2"):
        PLSPM(SAT_PATHS, SAT_BLOCKS, max_iter=2, convergence="plspm").fit(satisfaction)
    # one more iteration than plspm needs (4) is enough
    m = PLSPM(SAT_PATHS, SAT_BLOCKS, max_iter=4, scaled=False, convergence="plspm").fit(satisfaction)
    assert m.iterations_ == 4


def test_not_fitted_and_repr():
    m = PLSPM(PATHS, BLOCKS)
    with pytest.raises(NotFittedError):
        _ = m.summary
    assert repr(m) == f"PLSPM(paths={PATHS!r}, blocks={BLOCKS!r})"  # a constructor call, fitted or not
    m.fit(small_survey())
    assert repr(m) == f"PLSPM(paths={PATHS!r}, blocks={BLOCKS!r})"


def test_paths_as_pairs_and_topological_order():
    blocks = {"LOY": ["b1", "b2"], "SAT": ["a1", "a2", "a3"], "IMAG": ["b3"]}
    m1 = PLSPM([("SAT", "LOY"), ("IMAG", "SAT")], blocks)
    assert m1.spec.lvs == ("IMAG", "SAT", "LOY")
    assert m1.spec.as_paths() == {"SAT": ["IMAG"], "LOY": ["SAT"]}
    m2 = PLSPM({"LOY": "SAT", "SAT": ["IMAG"]}, blocks)
    assert m2.spec.edges() == m1.spec.edges()


def test_signs_fixed_for_reversed_items():
    """Reverse-coding all items of a block leaves loadings positive (scores flip with the items)."""
    df = small_survey()
    m = PLSPM(PATHS, BLOCKS).fit(df)
    rev = df.copy()
    rev[BLOCKS["A"]] = 11 - rev[BLOCKS["A"]]
    m2 = PLSPM(PATHS, BLOCKS).fit(rev)
    assert (m2.outer_loadings_ > 0).all()
    assert np.allclose(m2.scores_["A"], -m.scores_["A"])
    assert np.allclose(m2.path_coefficients_.loc["B", "A"], -m.path_coefficients_.loc["B", "A"])
