"""0-100 index (Fornell et al. 1996), IPMA (Ringle & Sarstedt 2016) and the model presets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import csi as fx
from helpers.csi import SAT_BLOCKS, SAT_PATHS, ref

from crm_models import csi
from crm_models.errors import CRMDataError, CRMDataWarning, ModelSpecificationError


def test_index_from_the_r_weights(sat_model, satisfaction, shared_data):
    """Index computed by hand from R plspm's unstandardised weights equals csi_index."""
    w = ref(shared_data, "outer-model").set_index("name")["weight"]
    # the plspm satisfaction answers run from 0 to 10
    idx = csi.csi_index(sat_model, scale_min=0, scale_max=10)
    for lv, items in SAT_BLOCKS.items():
        wl = w[items] / w[items].sum()
        expected = float((satisfaction[items] / 10 * 100).mean() @ wl)
        assert idx.loc[lv, "index"] == pytest.approx(expected, abs=1e-6)
    assert idx.loc["SAT", "n_items"] == 4
    assert sum(idx.loc["SAT", "weights"].values()) == pytest.approx(1, abs=1e-3)
    scores = csi.csi_scores(sat_model, scale_min=0)
    assert scores.min().min() >= 0 and scores.max().max() <= 100
    assert idx.loc["SAT", "std_error"] == pytest.approx(scores["SAT"].std() / np.sqrt(250))


def test_index_with_standardised_fit_uses_raw_unit_weights(satisfaction):
    m = csi.PLSPM(SAT_PATHS, SAT_BLOCKS, scaled=True).fit(satisfaction)
    w = csi.unstandardised_weights(m)
    np.testing.assert_allclose(w, m.outer_weights_ / satisfaction[w.index].std(ddof=0))
    items = SAT_BLOCKS["VAL"]
    wl = w[items] / w[items].sum()
    expected = float((satisfaction[items] / 10 * 100).mean() @ wl)
    assert csi.csi_index(m, scale_min=0).loc["VAL", "index"] == pytest.approx(expected, abs=1e-9)


def test_index_extremes_and_scale_errors(sat_model):
    assert csi.csi_index(sat_model, scale_min=0, scale_max=10)["index"].between(0, 100).all()
    msg = r"'imag1': has answers outside the stated scale 1-10 \(e.g. \[0.0\]\)"
    with pytest.raises(CRMDataError, match=msg):
        csi.csi_index(sat_model, scale_min=1, scale_max=10)
    with pytest.raises(CRMDataError, match="must exceed"):
        csi.csi_index(sat_model, scale_min=10, scale_max=1)
    # per-item bounds: a respondent answering the top of every scale scores 100
    items = sat_model.spec.items
    hi = dict.fromkeys(items, 12.0)
    with pytest.warns(CRMDataWarning, match="stated scale is 0-12"):  # answers 0-10: said, not refused
        full = csi.rescale_items(sat_model, scale_min=dict.fromkeys(items, 0.0), scale_max=hi)
    assert full.max().max() == pytest.approx(10 / 12 * 100)


def test_negative_weights_are_refused(satisfaction):
    df = satisfaction.copy()
    df["loy2"] = 11 - df["loy2"]  # a reverse-coded item left unrecoded
    m = csi.PLSPM(SAT_PATHS, SAT_BLOCKS, scaled=False).fit(df)
    assert m.outer_weights_["loy2"] < 0
    with pytest.raises(CRMDataError, match=r"construct 'LOY' has negative outer weight.*loy2") as exc:
        csi.csi_index(m, scale_min=0)
    assert exc.value.column == "loy2"
    ok = csi.csi_index(m, scale_min=0, constructs=["SAT", "VAL"])
    assert list(ok.index) == ["SAT", "VAL"]
    skip = csi.csi_index(m, scale_min=0, skip_negative=True)
    assert "LOY" not in skip.index and skip.attrs["skipped"] == ["LOY"] and len(skip) == 5


def test_ipma_unstandardised_total_effects(sat_model):
    ip = csi.ipma(sat_model, target="SAT", scale_min=0)
    assert set(ip.index) == {"IMAG", "EXPE", "QUAL", "VAL"}
    S = csi.csi_scores(sat_model, scale_min=0)
    # direct-only driver: importance = OLS coefficient of SAT on its predictors (0-100 scores)
    X = np.column_stack([np.ones(250), S[["IMAG", "EXPE", "QUAL", "VAL"]]])
    beta = np.linalg.lstsq(X, S["SAT"], rcond=None)[0]
    assert ip.loc["VAL", "importance"] == pytest.approx(beta[4], abs=1e-10)
    # total effect of QUAL = direct + QUAL -> VAL -> SAT with the unstandardised VAL equation
    Xv = np.column_stack([np.ones(250), S[["EXPE", "QUAL"]]])
    bv = np.linalg.lstsq(Xv, S["VAL"], rcond=None)[0]
    assert ip.loc["QUAL", "importance"] == pytest.approx(beta[3] + bv[2] * beta[4], abs=1e-10)
    assert ip.loc["VAL", "performance"] == pytest.approx(S["VAL"].mean())
    assert ip.loc["VAL", "total_effect_std"] == pytest.approx(0.589330650016017, abs=1e-9)
    assert ip.attrs["target"] == "SAT"
    assert ip["importance"].is_monotonic_decreasing
    assert set(ip["quadrant"]) <= {"concentrate here", "keep up the good work", "low priority",
                                   "possible overkill"}
    with pytest.raises(ModelSpecificationError, match="no construct has a path to 'IMAG'"):
        csi.ipma(sat_model, target="IMAG")
    with pytest.raises(ModelSpecificationError, match="unknown target"):
        csi.ipma(sat_model, target="NOPE")


def test_ecsi_preset_is_the_plspm_model(satisfaction, sat_model):
    m = csi.ecsi(satisfaction, scaled=False, convergence="plspm")
    assert m.spec.lvs == sat_model.spec.lvs
    assert m.spec.as_paths() == sat_model.spec.as_paths()
    m.fit(satisfaction)
    np.testing.assert_allclose(m.path_coefficients_, sat_model.path_coefficients_, atol=1e-12)


def test_acsi_preset_and_prefixes(satisfaction):
    m = csi.acsi(satisfaction)
    assert "IMAG" not in m.spec.lvs
    assert m.spec.as_paths() == {"QUAL": ["EXPE"], "VAL": ["EXPE", "QUAL"], "SAT": ["EXPE", "QUAL", "VAL"],
                                 "LOY": ["SAT"]}
    cols = ["CUEX1", "CUEX2", "PERQ_1", "PERQ_2", "PERQ_10", "PERV1", "CUSA1", "CUSA2", "CUSCO", "CUSL1",
            "CUSL2", "comp1", "other"]
    blocks = csi.blocks_by_prefix(cols, ["EXPE", "QUAL", "VAL", "SAT", "LOY", "COMP"],
                                  prefixes={"EXPE": "cuex", "QUAL": "perq", "VAL": "perv", "SAT": "cusa",
                                            "LOY": "cusl"})
    assert blocks["QUAL"] == ["PERQ_1", "PERQ_2", "PERQ_10"]
    assert blocks["COMP"] == ["comp1"] and "CUSCO" not in sum(blocks.values(), [])
    with pytest.raises(CRMDataError, match=r"retention model needs items for SWC \(swc1, swc2, ...\)"):
        csi.retention_model(satisfaction)
    with pytest.raises(ModelSpecificationError, match="unknown preset"):
        csi.preset_model("nps", satisfaction)


def test_ecsi_on_mobi_with_complaints(shared_data):
    mobi = pd.read_csv(shared_data / "ecsi" / "mobi.csv", index_col=0)
    pref = {"EXPE": "CUEX", "QUAL": "PERQ", "VAL": "PERV", "SAT": "CUSA", "LOY": "CUSL", "IMAG": "IMAG"}
    mobi = mobi.rename(columns={"CUSCO": "COMP1"})
    m = csi.ecsi(mobi, prefixes=pref).fit(mobi)
    assert "COMP" in m.spec.lvs and m.spec.as_paths()["LOY"] == ["IMAG", "SAT", "COMP"]
    assert 0.3 < m.r2_["SAT"] < 0.9 and m.gof_ > 0.4


RET_SIZES = {"VAL": 3, "SWC": 3, "SAT": 3, "LOY": 3}


def test_retention_model_hypotheses():
    paths = {"SAT": ["VAL"], "LOY": ["SAT", "SWC", "VAL"]}
    coefs = {("VAL", "SAT"): 0.6, ("SAT", "LOY"): 0.45, ("SWC", "LOY"): 0.3, ("VAL", "LOY"): 0.0}
    Sigma, items, _ = fx.composite_population(paths, coefs, {("VAL", "SWC"): 0.2}, RET_SIZES)
    df = fx.simulate_composite_survey(400, seed=21, Sigma=Sigma, items=items)
    m = csi.retention_model(df).fit(df)
    assert m.spec.lvs == ("VAL", "SWC", "SAT", "LOY")
    assert m.spec.as_paths() == {"SAT": ["VAL"], "LOY": ["VAL", "SWC", "SAT"]}
    boot = m.bootstrap(n=500, seed=1)
    h = csi.hypothesis_table(m, boot)
    assert list(h.index) == ["H1", "H2", "H3", "H4"]
    assert h.loc[["H1", "H2", "H3"], "supported"].all()
    assert not h.loc["H4", "supported"]
    assert h.loc["H1", "path"] == "VAL -> SAT"
    assert h.loc["H1", "estimate"] == pytest.approx(0.6, abs=0.08)
    assert csi.hypothesis_table(m, boot, lang="zh").loc["H1", "statement"] == "感知价值正向影响顾客满意"
    ols = csi.hypothesis_table(m)
    assert ols["lower"].isna().all() and (ols["estimate"] == h["estimate"]).all()


def test_retention_value_model_recovers_planted_signs():
    """Simulated survey with known truth (common-factor items on a 1-7 scale, n = 1000): every
    active and passive driver of retention intention is estimated with its planted (positive)
    sign, within 0.1 of the planted path (PLS composites attenuate slightly), and supported."""
    from crm_models.data import simulate

    df, truth = simulate.retention_value_survey(1000, seed=0)
    m = csi.preset_model("retention_value", df).fit(df)
    assert m.spec.lvs == ("CSV", "PSA", "SWC", "OPC", "SNK", "TRB", "RET")
    assert m.spec.as_paths() == {"RET": ["CSV", "PSA", "SWC", "OPC", "SNK", "TRB"]}
    assert csi.RETENTION_VALUE_GROUPS == {"active": ["CSV", "PSA"], "passive": ["SWC", "OPC", "SNK", "TRB"]}
    est = m.path_coefficients_.loc["RET"]
    for src, beta in truth["paths"]["RET"].items():
        assert est[src] > 0 and abs(est[src] - beta) < 0.1, src
    boot = m.bootstrap(n=300, seed=0, bca=False)
    h = csi.hypothesis_table(m, boot, hypotheses=csi.RETENTION_VALUE_HYPOTHESES)
    assert list(h.index) == ["RV1", "RV2", "RV3", "RV4", "RV5", "RV6"] and h["supported"].all()
    zh = csi.hypothesis_table(m, boot, hypotheses=csi.RETENTION_VALUE_HYPOTHESES, lang="zh")
    assert zh.loc["RV2", "statement"] == "心理依恋正向影响保留意向（主动保留）"
    # same survey, same seed: same answers
    again, _ = simulate.retention_value_survey(1000, seed=0)
    pd.testing.assert_frame_equal(df, again)
    with pytest.raises(CRMDataError, match=r"retention value model needs items for .*TRB \(trb1"):
        csi.retention_value_model(df.drop(columns=["trb1", "trb2", "trb3"]))
