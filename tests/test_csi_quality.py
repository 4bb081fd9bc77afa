"""Reliability and validity measures against direct formulas and known population values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import csi as fx
from helpers.csi import SAT_BLOCKS

from crm_models import csi


def test_raw_cronbach_alpha_textbook_formula(satisfaction):
    x = satisfaction[SAT_BLOCKS["SAT"]]
    k = x.shape[1]
    expected = k / (k - 1) * (1 - x.var().sum() / x.sum(axis=1).var())
    assert csi.cronbach_alpha(x, standardized=False) == pytest.approx(expected, rel=1e-12)
    # standardised alpha = alpha of the z-scores
    z = (x - x.mean()) / x.std()
    assert csi.cronbach_alpha(x) == pytest.approx(csi.cronbach_alpha(z, standardized=False), rel=1e-12)


def test_rho_a_estimates_composite_reliability_under_a_factor_model():
    """rho_A = squared correlation of the unit-variance composite with the true factor."""
    rng = np.random.default_rng(7)
    n = 40000
    lam = np.array([0.9, 0.8, 0.7, 0.55])
    f = rng.normal(size=n)
    x = f[:, None] * lam + rng.normal(size=(n, 4)) * np.sqrt(1 - lam ** 2)
    w = lam.copy()
    comp = ((x - x.mean(0)) / x.std(0)) @ w
    truth = np.corrcoef(comp, f)[0, 1] ** 2
    assert csi.rho_a(x, w) == pytest.approx(truth, abs=0.01)
    assert csi.rho_a(x, 3 * w) == pytest.approx(csi.rho_a(x, w), rel=1e-12)  # scale free
    # composite reliability from the population loadings is the classic value
    classic = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum())
    assert csi.composite_reliability(lam) == pytest.approx(classic)
    assert csi.ave(lam) == pytest.approx(np.mean(lam ** 2))


def test_reliability_table(sat_model):
    rel = csi.reliability(sat_model)
    loads = sat_model.outer_loadings_
    for lv, items in SAT_BLOCKS.items():
        lam = loads[items].to_numpy()
        assert rel.loc[lv, "rho_c"] == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum()))
        assert rel.loc[lv, "ave"] == pytest.approx(sat_model.inner_summary_.loc[lv, "ave"], abs=1e-12)
        assert 0.7 < rel.loc[lv, "rho_a"] < 1
    assert rel.loc["SAT", "cronbach_alpha"] == pytest.approx(0.894010912676559, abs=1e-9)


def test_htmt_direct_formula(sat_model, satisfaction):
    H = csi.htmt(sat_model)
    R = satisfaction.drop(columns="gender").corr().abs()
    a, b = SAT_BLOCKS["VAL"], SAT_BLOCKS["SAT"]

    def mono(items):
        r = R.loc[items, items].to_numpy()
        return r[np.triu_indices(len(items), 1)].mean()

    expected = R.loc[a, b].to_numpy().mean() / np.sqrt(mono(a) * mono(b))
    assert H.loc["VAL", "SAT"] == pytest.approx(expected, rel=1e-12)
    assert H.loc["SAT", "VAL"] == H.loc["VAL", "SAT"]
    assert np.isnan(H.loc["SAT", "SAT"])


def test_fornell_larcker(sat_model):
    fl = csi.fornell_larcker(sat_model)
    assert fl.loc["SAT", "SAT"] == pytest.approx(np.sqrt(0.75889072736371), abs=1e-9)
    r = np.corrcoef(sat_model.scores_["SAT"], sat_model.scores_["VAL"])[0, 1]
    assert fl.loc["SAT", "VAL"] == pytest.approx(r)


def test_vif_and_f2_by_regression(sat_model):
    S = sat_model.scores_
    preds = ["IMAG", "EXPE", "QUAL", "VAL"]

    def r2(y, xs):
        X = np.column_stack([np.ones(len(S))] + [S[c] for c in xs])
        beta, *_ = np.linalg.lstsq(X, S[y], rcond=None)
        res = S[y] - X @ beta
        return 1 - res @ res / ((S[y] - S[y].mean()) ** 2).sum()

    v = csi.vif(sat_model).set_index(["target", "predictor"])["vif"]
    assert v[("SAT", "QUAL")] == pytest.approx(1 / (1 - r2("QUAL", ["IMAG", "EXPE", "VAL"])), rel=1e-9)
    f2 = csi.f_squared(sat_model)
    full = r2("SAT", preds)
    assert f2.loc["VAL -> SAT", "f2"] == pytest.approx((full - r2("SAT", preds[:3])) / (1 - full), rel=1e-9)
    assert f2.loc["VAL -> SAT", "size"] == "large"
    outer = csi.vif(sat_model, kind="outer")
    assert set(outer["block"]) == set(SAT_BLOCKS) and (outer["vif"] >= 1).all()


def test_measurement_quality_flags(sat_model):
    q = csi.measurement_quality(sat_model)
    assert bool(q.loc["SAT", "ok_alpha"]) and bool(q.loc["SAT", "ok_ave"])
    # EXPE and QUAL are known to be hard to tell apart in this survey (HTMT ~ 0.98)
    assert q.loc["EXPE", "max_htmt"] > 0.95 and not q.loc["EXPE", "ok_htmt"]
    assert q.loc["IMAG", "ok_htmt"]
    assert set(q.columns) >= {"cronbach_alpha", "rho_a", "rho_c", "ave", "max_htmt", "fornell_larcker"}


def test_mode_b_blocks_have_no_reflective_measures(satisfaction):
    m = csi.PLSPM(fx.SAT_PATHS, SAT_BLOCKS, modes={"QUAL": "B"}, scaled=False).fit(satisfaction)
    rel = csi.reliability(m)
    assert np.isnan(rel.loc["QUAL", "cronbach_alpha"]) and np.isnan(rel.loc["QUAL", "ave"])
    u = m.unidim_
    assert np.isnan(u.loc["QUAL", "cronbach_alpha"]) and u.loc["QUAL", "eig_1st"] > 1
    q = csi.measurement_quality(m)
    assert pd.isna(q.loc["QUAL", "ok_alpha"])
