"""PLSPM reproduces R plspm on the ECSI satisfaction survey to 1e-6 (every reference csv)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.csi import SAT_BLOCKS, SAT_PATHS, ecsi_dir, ref

from crm_models.csi import PLSPM

TOL = 1e-6


def _maxdiff(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))))


def test_scores(sat_model, shared_data):
    r = ref(shared_data, "scores")
    assert list(sat_model.scores_.columns) == list(r.columns)
    assert _maxdiff(sat_model.scores_.to_numpy(), r.to_numpy()) < TOL


def test_outer_model(sat_model, shared_data):
    r = ref(shared_data, "outer-model").set_index("name")
    om = sat_model.outer_model_
    assert list(om.index) == list(r.index)
    assert list(om["block"]) == list(r["block"])
    for col in ["weight", "loading", "communality", "redundancy"]:
        assert _maxdiff(om[col], r[col]) < TOL, col
    assert _maxdiff(sat_model.outer_weights_, r["weight"]) < TOL
    assert _maxdiff(sat_model.outer_loadings_, r["loading"]) < TOL


def test_paths_and_r2(sat_model, shared_data):
    eff = ref(shared_data, "effects", index_col=0)
    P = sat_model.path_coefficients_
    for _, row in eff.iterrows():
        assert abs(P.loc[row["to"], row["from"]] - row["direct"]) < TOL
    # published values (reference README), 6 decimals
    assert P.loc["SAT", "VAL"] == pytest.approx(0.589331, abs=1e-6)
    assert P.loc["EXPE", "IMAG"] == pytest.approx(0.578959, abs=1e-6)
    summ = ref(shared_data, "inner-summary", index_col=0)
    endo = summ[summ["type"] == "Endogenous"]
    assert _maxdiff(sat_model.r2_[endo.index], endo["r_squared"]) < TOL
    assert sat_model.r2_["SAT"] == pytest.approx(0.707321, abs=1e-6)
    n, k = 250, 4
    expected = 1 - (1 - 0.707320949544597) * (n - 1) / (n - k - 1)
    assert sat_model.r2_adj_["SAT"] == pytest.approx(expected, abs=TOL)


def test_inner_model_table(sat_model, shared_data):
    r = ref(shared_data, "inner-model", index_col=0)
    im = sat_model.inner_model_
    sat = im[(im["target"] == "SAT") & (im["predictor"] != "Intercept")].set_index("predictor")
    assert list(sat.index) == list(r.index)
    assert _maxdiff(sat["estimate"], r["Estimate"]) < TOL
    assert _maxdiff(sat["std_error"], r["Std. Error"]) < TOL
    assert _maxdiff(sat["t_value"], r["t value"]) < TOL
    assert _maxdiff(sat["p_value"], r["Pr(>|t|)"]) < TOL
    s = sat_model.summary
    assert s.loc["VAL -> SAT", "t_value"] == pytest.approx(9.81948600675306, abs=TOL)


def test_effects(sat_model, shared_data):
    r = ref(shared_data, "effects", index_col=0)
    e = sat_model.effects_
    assert len(e) == len(r)
    assert list(e["from"]) == list(r["from"]) and list(e["to"]) == list(r["to"])
    for col in ["direct", "indirect", "total"]:
        assert _maxdiff(e[col], r[col]) < TOL, col


def test_crossloadings(sat_model, shared_data):
    r = ref(shared_data, "crossloadings").set_index("name")
    cl = sat_model.crossloadings_
    assert list(cl["block"]) == list(r["block"])
    lvs = list(SAT_BLOCKS)
    assert _maxdiff(cl[lvs].to_numpy(), r[lvs].to_numpy()) < TOL


def test_unidimensionality(sat_model, shared_data):
    r = pd.read_csv(ecsi_dir(shared_data) / "satisfaction_unidim.csv", index_col=0)
    u = sat_model.unidim_
    assert list(u.index) == list(r.index)
    assert list(u["mvs"]) == list(r["mvs"])
    for col in ["cronbach_alpha", "dillon_goldstein_rho", "eig_1st", "eig_2nd"]:
        assert _maxdiff(u[col], r[col]) < TOL, col


def test_inner_summary_and_gof(sat_model, shared_data):
    r = ref(shared_data, "inner-summary", index_col=0)
    s = sat_model.inner_summary_
    assert list(s["type"]) == list(r["type"])
    for col in ["r_squared", "block_communality", "mean_redundancy", "ave"]:
        assert _maxdiff(s[col], r[col]) < TOL, col
    assert sat_model.gof_ == pytest.approx(0.609741624338411, abs=1e-12)


def test_mode_b_inner_summary(satisfaction, shared_data):
    m = PLSPM(SAT_PATHS, SAT_BLOCKS, modes=dict.fromkeys(SAT_BLOCKS, "B"), scaled=False,
              convergence="plspm").fit(satisfaction)
    r = ref(shared_data, "modeb.inner-summary", index_col=0)
    s = m.inner_summary_
    assert list(s["type"]) == list(r["type"])
    assert _maxdiff(s["r_squared"], r["r_squared"]) < TOL
    assert _maxdiff(s["block_communality"], r["block_communality"]) < TOL
    assert _maxdiff(s["mean_redundancy"], r["mean_Redundancy"]) < TOL
    assert s["ave"].isna().all() and r["ave"].isna().all()


@pytest.mark.parametrize("scheme", ["factorial", "path"])
def test_other_schemes(satisfaction, shared_data, scheme):
    m = PLSPM(SAT_PATHS, SAT_BLOCKS, scheme=scheme, scaled=False, convergence="plspm").fit(satisfaction)
    r = ref(shared_data, f"outer-model-{scheme}").set_index("name")
    for col in ["weight", "loading", "communality", "redundancy"]:
        assert _maxdiff(m.outer_model_[col], r[col]) < TOL, (scheme, col)
    # the scheme matters: its weights differ from the centroid ones by more than the tolerance
    c = ref(shared_data, "outer-model").set_index("name")
    assert _maxdiff(r["weight"], c["weight"]) > 1e-5


def test_scaled_true_equals_raw_fit_on_standardised_items(satisfaction, sat_model):
    """scaled=True (plspm: items divided by their population sd) == scaled=False on z-scores.

    The two scalings give different composites in general (mode A weights follow the item
    covariances), so the scaled fit must differ from the raw one, and its weights converted to
    raw units (w / sd) must give the same unit-variance scores.
    """
    m = PLSPM(SAT_PATHS, SAT_BLOCKS, scaled=True, convergence="plspm").fit(satisfaction)
    items = m.outer_weights_.index
    z = (satisfaction[items] - satisfaction[items].mean()) / satisfaction[items].std(ddof=0)
    m2 = PLSPM(SAT_PATHS, SAT_BLOCKS, scaled=False, convergence="plspm").fit(z)
    assert _maxdiff(m.outer_weights_, m2.outer_weights_) < 1e-10
    assert _maxdiff(m.scores_, m2.scores_) < 1e-10
    assert _maxdiff(m.scores_, sat_model.scores_) > 1e-3
    raw = (satisfaction[items] - satisfaction[items].mean()).to_numpy() @ (
        (m.outer_weights_ / m.item_sd_).to_numpy() * m.spec.odm.T).T
    assert _maxdiff(raw, m.scores_) < 1e-10


def test_scaled_false_matches_python_plspm(satisfaction, sat_model):
    """The Python `plspm` package (independent implementation) agrees with the raw-unit fit."""
    pytest.importorskip("plspm")
    import plspm.config as c
    from plspm.mode import Mode
    from plspm.plspm import Plspm
    from plspm.scheme import Scheme

    lvs = list(SAT_BLOCKS)
    path = pd.DataFrame(0, index=lvs, columns=lvs)
    for tgt, preds in SAT_PATHS.items():
        path.loc[tgt, preds] = 1
    cfg = c.Config(path, scaled=False)
    for lv in SAT_BLOCKS:
        cfg.add_lv_with_columns_named(lv, Mode.A, satisfaction, lv.lower())
    peer = Plspm(satisfaction, cfg, Scheme.CENTROID)
    assert _maxdiff(sat_model.scores_[lvs], peer.scores()[lvs]) < 1e-9
    assert _maxdiff(sat_model.path_coefficients_, peer.path_coefficients().loc[lvs, lvs]) < 1e-9
