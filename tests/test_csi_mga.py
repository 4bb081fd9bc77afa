"""Multi-group analysis (crm.csi.mga) and MICOM against independent references.

* seminr's ``estimate_pls_mga`` (R) on its mobi data, full ECSI model, groups CUEX1 < 8
  (tests/data/seminr_mga_ecsi.json, the seminr authors' parity fixture): full-sample and
  group paths and differences are deterministic (1e-8); seminr's PLS-MGA p values come from
  100 bootstrap draws of R's RNG, so ours (2000 draws) must agree within Monte-Carlo error;
* the group estimates equal plain ``PLSPM`` refits on each group's rows;
* Henseler's p equals a brute-force double loop over all B1 x B2 pairs;
* simulations with known truth: a planted path difference is detected by both tests and an
  equal path is not; identical measurement passes MICOM's compositional step, a group with a
  different weight pattern fails it for that construct.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers.csi import MOBI_BLOCKS, MOBI_PATHS, composite_population, mobi, simulate_composite_survey

import crm_models as crm
from crm_models.csi import PLSPM, MGAResult, mga
from crm_models.csi.multigroup import henseler_p
from crm_models.errors import CRMDataError

REF = json.loads((Path(__file__).parent / "data" / "seminr_mga_ecsi.json").read_text())
NAMES = {"Image": "IMAG", "Expectation": "CUEX", "Quality": "PERQ", "Value": "PERV",
         "Satisfaction": "CUSA", "Complaints": "COMP", "Loyalty": "CUSL"}
PATH_IDX = [f"{NAMES[s]} -> {NAMES[t]}" for s, t in zip(REF["source"], REF["target"], strict=True)]


@pytest.fixture(scope="module")
def mobi_df(shared_data):
    return mobi(shared_data)


@pytest.fixture(scope="module")
def mobi_model(mobi_df):
    return PLSPM(MOBI_PATHS, MOBI_BLOCKS, scheme="path").fit(mobi_df)


@pytest.fixture(scope="module")
def small(mobi_model, mobi_df):
    return mga(mobi_model, mobi_df["CUEX1"] < 8, n_boot=50, n_perm=50, seed=0)


def test_groups_are_seminrs(mobi_df):
    cond = (mobi_df["CUEX1"] < 8).astype(int).to_numpy()
    assert (cond == np.array(REF["conditionRow1to250"])).all()


def test_estimates_match_seminr(small):
    s = small.summary.loc[PATH_IDX]
    assert small.n_obs == (REF["settings"]["group1N"], REF["settings"]["group2N"])
    assert small.groups == (True, False)
    for ours, theirs in [("estimate", "estimate"), ("group1", "group1Beta"), ("group2", "group2Beta"),
                         ("difference", "diff")]:
        np.testing.assert_allclose(s[ours].to_numpy(), REF[theirs], atol=1e-8, err_msg=ours)


def test_group_estimates_equal_plain_refits(small, mobi_model, mobi_df):
    mask = (mobi_df["CUEX1"] < 8).to_numpy()
    for col, rows in (("group1", mask), ("group2", ~mask)):
        ref = PLSPM(MOBI_PATHS, MOBI_BLOCKS, scheme="path").fit(mobi_df[rows])
        np.testing.assert_allclose(small.estimates["loadings"][col], ref.outer_loadings_, atol=1e-9)
        np.testing.assert_allclose(small.estimates["weights"][col], ref.outer_weights_, atol=1e-9)
        np.testing.assert_allclose(small.estimates["r2"][col], ref.r2_, atol=1e-9)
    np.testing.assert_allclose(small.estimates["loadings"]["estimate"], mobi_model.outer_loadings_, atol=1e-9)
    g1, g2 = small.group_models
    np.testing.assert_allclose(g1.path_coefficients_, small.group_models[0].path_coefficients_)
    assert g1.n_obs_ == 108 and g2.n_obs_ == 142


def test_same_result_for_column_name_array_and_series(small, mobi_model, mobi_df):
    df = mobi_df.assign(low=np.where(mobi_df["CUEX1"] < 8, "a", "b"))
    by_name = mga(mobi_model, "low", data=df, n_boot=50, n_perm=50, seed=0)
    by_array = mga(mobi_model, df["low"].to_numpy(), n_boot=50, n_perm=50, seed=0)
    assert by_name.groups == ("a", "b")
    pd.testing.assert_frame_equal(by_name.summary, by_array.summary)
    # same split and seed as the boolean condition: identical numbers
    np.testing.assert_allclose(by_name.summary["mga_p"], small.summary["mga_p"])
    np.testing.assert_allclose(by_name.summary["permutation_p"], small.summary["permutation_p"])


def test_seeded_and_deterministic(small, mobi_model, mobi_df):
    again = mga(mobi_model, mobi_df["CUEX1"] < 8, n_boot=50, n_perm=50, seed=0)
    pd.testing.assert_frame_equal(again.summary, small.summary)
    pd.testing.assert_frame_equal(again.micom(), small.micom())
    other = mga(mobi_model, mobi_df["CUEX1"] < 8, n_boot=50, n_perm=50, seed=1)
    assert not np.allclose(other.summary["mga_p"], small.summary["mga_p"])


def test_henseler_p_equals_brute_force_pairs():
    rng = np.random.default_rng(3)
    b1 = rng.normal(0.3, 0.1, size=(40, 3))
    b2 = rng.normal(0.2, 0.15, size=(55, 3))
    brute = np.empty(3)
    for k in range(3):
        total = 0
        for i in range(40):
            for j in range(55):
                total += (2 * b1[:, k].mean() - b1[i, k] - 2 * b2[:, k].mean() + b2[j, k]) > 0
        brute[k] = 1 - total / (40 * 55)
    np.testing.assert_allclose(henseler_p(b1, b2), brute, atol=1e-15)


@pytest.mark.slow
def test_mga_p_values_agree_with_seminr(mobi_model, mobi_df):
    """seminr used 100 draws: a run of ours with 100 draws has p sd up to ~0.05 (measured over 200 seeds)."""
    res = mga(mobi_model, mobi_df["CUEX1"] < 8, n_boot=2000, n_perm=200, seed=0)
    s = res.summary.loc[PATH_IDX]
    ref_p = np.array(REF["plsMgaP"])
    assert np.abs(s["mga_p"].to_numpy() - ref_p).max() < 0.1
    np.testing.assert_allclose(s["group1_boot_mean"], REF["group1BetaMean"], atol=0.04)
    np.testing.assert_allclose(s["group2_boot_mean"], REF["group2BetaMean"], atol=0.04)
    # the same decisions: Image -> Loyalty and Quality -> Value larger in group 1 (one-sided 5 %)
    assert s.loc["IMAG -> CUSL", "mga_p"] < 0.05 and s.loc["PERQ -> PERV", "mga_p"] < 0.05
    assert ((s["mga_p"] < 0.05) == (ref_p < 0.05)).all()
    # Satisfaction -> Loyalty larger in group 2 (seminr 0.981; ours converges to ~0.948, at the edge
    # of the 5 % decision, where half of all 100-draw runs fall on either side)
    assert s.loc["CUSA -> CUSL", "mga_p"] > 0.9
    assert "group 1 larger" in s.loc["IMAG -> CUSL", "verdict"]
    assert s.loc["IMAG -> CUEX", "verdict"] == "no significant difference"


def test_micom_on_mobi(small):
    table = small.micom()
    assert table["configural"].all()
    # COMP has one item: weight 1 in every group, c = 1 exactly
    assert table.loc["COMP", "c"] == pytest.approx(1.0, abs=1e-12)
    assert table["compositional"].all()
    # the groups are defined by an expectation item: their expectation means differ
    assert not table.loc["CUEX", "equal_means"]
    assert table.loc["CUEX", "invariance"] == "partial"
    assert small.invariance == "partial" and small.interpretable
    assert "partial measurement invariance" in small.summary.attrs["note"]
    assert set(small.summary["invariance"]) <= {"partial", "full"}


# ----------------------------------------------------------------------------- simulations with known truth

PATHS = {"C": ["A", "B"]}
SIZES = {"A": 3, "B": 3, "C": 3}


def _group(a_to_c: float, n: int, seed: int) -> pd.DataFrame:
    Sigma, items, _ = composite_population(PATHS, {("A", "C"): a_to_c, ("B", "C"): 0.3}, {}, SIZES)
    return simulate_composite_survey(n, seed, Sigma, items)


def _blocks():
    return {lv: [f"{lv.lower()}{i}" for i in range(1, 4)] for lv in SIZES}


@pytest.mark.slow
def test_planted_path_difference_is_detected():
    df = pd.concat([_group(0.2, 300, 1), _group(0.5, 300, 2)], ignore_index=True)
    g = np.repeat(["g1", "g2"], 300)
    m = PLSPM(PATHS, _blocks()).fit(df)
    res = mga(m, g, n_boot=1000, n_perm=1000, seed=0)
    s = res.summary
    assert s.loc["A -> C", "permutation_p"] < 0.05
    assert s.loc["A -> C", "mga_p"] > 0.95            # group 2's path is the larger one
    assert "group 2 larger" in s.loc["A -> C", "verdict"]
    assert s.loc["B -> C", "permutation_p"] > 0.05
    assert 0.05 < s.loc["B -> C", "mga_p"] < 0.95
    assert s.loc["A -> C", "difference"] == pytest.approx(-0.3, abs=0.12)
    # MICOM is not asserted here: with mode A weights estimated from a weak inner proxy (A -> C = 0.2
    # in group 1) the weights of A are noisy in group 1 only, and step 2 flags A (c_p = 0.01); the
    # identical-population case is the next test


@pytest.mark.slow
def test_micom_identical_populations_keeps_its_level():
    """Same measurement and structure in both groups: step 2 rejects at its nominal 5 % rate only."""
    rejected, full = 0, 0
    for r in range(20):
        df = pd.concat([_group(0.3, 150, 100 + 2 * r), _group(0.3, 150, 101 + 2 * r)], ignore_index=True)
        m = PLSPM(PATHS, _blocks()).fit(df)
        table = mga(m, np.repeat([1, 2], 150), n_boot=10, n_perm=300, seed=r).micom()
        rejected += int((~table["compositional"]).sum())
        full += int((table["invariance"] == "full").sum())
    # 60 construct tests at 5 %: 3 expected; P(Binomial(60, 0.05) > 8) < 0.01
    assert rejected <= 8
    assert full >= 45   # means and variances equal too in most (each step-3 test has level 5 %)


@pytest.mark.slow
def test_different_weights_in_one_group_fail_compositional_invariance():
    g1 = _group(0.4, 300, 3)
    g2 = _group(0.4, 300, 4)
    rng = np.random.default_rng(5)
    # in group 2 only a1 measures A: a2 and a3 are noise on the same scale
    g2["a2"] = 5.5 + 1.5 * rng.normal(size=300)
    g2["a3"] = 5.5 + 1.5 * rng.normal(size=300)
    df = pd.concat([g1, g2], ignore_index=True)
    m = PLSPM(PATHS, _blocks()).fit(df)
    res = mga(m, np.repeat([1, 2], 300), n_boot=200, n_perm=500, seed=0)
    table = res.micom()
    assert not table.loc["A", "compositional"]
    assert table.loc["A", "invariance"] == "none"
    assert table.loc["A", "c"] < table.loc["A", "c_quantile"]
    assert table.loc[["B", "C"], "compositional"].all()
    assert res.invariance == "none" and not res.interpretable
    assert "not interpretable" in res.summary.loc["A -> C", "verdict"]
    assert "['A']" in res.summary.attrs["note"]


# ----------------------------------------------------------------------------- bad input

@pytest.fixture(scope="module")
def sim_model():
    df = pd.concat([_group(0.3, 60, 7), _group(0.3, 60, 8)], ignore_index=True)
    return PLSPM(PATHS, _blocks()).fit(df), df


def test_bad_groups_raise_clear_errors(sim_model):
    m, df = sim_model
    with pytest.raises(CRMDataError, match="one level"):
        mga(m, np.ones(120), n_boot=5, n_perm=5)
    with pytest.raises(CRMDataError, match="3 levels"):
        mga(m, np.repeat([1, 2, 3], 40), n_boot=5, n_perm=5)
    with pytest.raises(CRMDataError, match="group 'b' has 5 respondents"):
        mga(m, np.r_[np.repeat("a", 115), np.repeat("b", 5)], n_boot=5, n_perm=5)
    with pytest.raises(CRMDataError, match="120 respondents"):
        mga(m, np.repeat([1, 2], 50), n_boot=5, n_perm=5)
    with pytest.raises(CRMDataError, match="no group label"):
        mga(m, np.r_[np.repeat(1.0, 60), np.repeat(2.0, 59), np.nan], n_boot=5, n_perm=5)
    with pytest.raises(CRMDataError, match="column 'segment'"):
        mga(m, "segment", n_boot=5, n_perm=5)
    with pytest.raises(CRMDataError, match="n_perm"):
        mga(m, np.repeat([1, 2], 60), n_boot=5, n_perm=0)
    with pytest.raises(CRMDataError, match="alpha"):
        mga(m, np.repeat([1, 2], 60), n_boot=5, n_perm=5, alpha=0.7)
    with pytest.raises(CRMDataError, match="fitted"):
        mga(PLSPM(PATHS, _blocks()), np.repeat([1, 2], 60))


def test_constant_item_within_a_group(sim_model):
    _, df = sim_model
    df = df.copy()
    df.loc[:59, "b2"] = 4.0
    m = PLSPM(PATHS, _blocks()).fit(df)
    with pytest.raises(CRMDataError, match=r"column 'b2'.*constant within group 1"):
        mga(m, np.repeat([1, 2], 60), n_boot=5, n_perm=5)


def test_exports():
    assert crm.csi.mga is mga
    assert crm.csi.MGAResult is MGAResult


def test_settings_carry_over_to_the_groups(sim_model):
    """PLSc, raw units and a model without kept rows: group estimates equal refits with the same settings."""
    _, df = sim_model
    df = df.assign(region=np.repeat(["north", "south"], 60))
    m = PLSPM(PATHS, _blocks(), scaled=False, consistent=True, keep_data=False).fit(df)
    with pytest.raises(CRMDataError, match="keeps no survey rows"):
        mga(m, "region", n_boot=5, n_perm=5)
    res = mga(m, "region", data=df, n_boot=20, n_perm=20, seed=0)
    assert res.groups == ("north", "south")
    for col, rows in (("group1", slice(0, 60)), ("group2", slice(60, 120))):
        ref = PLSPM(PATHS, _blocks(), scaled=False, consistent=True).fit(df.iloc[rows])
        np.testing.assert_allclose(res.estimates["paths"][col], ref.summary["estimate"], atol=1e-9)
        np.testing.assert_allclose(res.estimates["loadings"][col], ref.outer_loadings_, atol=1e-9)
        np.testing.assert_allclose(res.estimates["weights"][col], ref.outer_weights_, atol=1e-9)
    assert res.group_models[0].consistent and not res.group_models[0].scaled
