"""Consistent PLS (PLSc, Dijkstra & Henseler 2015): ``PLSPM(..., consistent=True)``.

References:

* seminr 2.x (Ray, Danks & Calero Valdez), an independent R implementation: its PLSc test on
  the mobi data (reflective IMAG, CUEX, PERV, CUSA; CUSA <- IMAG, CUEX, PERV; inner weighting
  ``path_factorial``, which is our ``scheme="factorial"``) checks paths, loadings and R^2 to
  1e-5 against fixture values, copied below;
* a simulation with known truth: reflective factor-model data, where plain PLS attenuates
  the structural paths and PLSc recovers them within sampling error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import csi as fx

from crm_models import csi
from crm_models.csi import PLSPM, _kernel

BLOCKS = {"IMAG": [f"IMAG{i}" for i in range(1, 6)], "CUEX": [f"CUEX{i}" for i in range(1, 4)],
          "PERV": ["PERV1", "PERV2"], "CUSA": [f"CUSA{i}" for i in range(1, 4)]}
PATHS = {"CUSA": ["IMAG", "CUEX", "PERV"]}

# seminr 2.x PLSc fixtures (mobi, path_factorial)
SEMINR_PATHS = {"IMAG -> CUSA": 0.537704707482867, "CUEX -> CUSA": 0.240967661696417,
                "PERV -> CUSA": 0.25827986805094}
SEMINR_LOADINGS = {
    "IMAG1": 0.681330024716575, "IMAG2": 0.521278271799338, "IMAG3": 0.410112763312163,
    "IMAG4": 0.680389608942476, "IMAG5": 0.638496321953613, "CUEX1": 0.494277870827744,
    "CUEX2": 0.487740006832332, "CUEX3": 0.426779732808667, "PERV1": 0.741892556089151,
    "PERV2": 0.943732643413645, "CUSA1": 0.719458946793877, "CUSA2": 0.687819429423528,
    "CUSA3": 0.794919272741098}
SEMINR_R2, SEMINR_R2_ADJ = 0.885707115746682, 0.884313300085056


@pytest.fixture(scope="module")
def mobi(shared_data):
    return fx.mobi(shared_data)


@pytest.fixture(scope="module")
def plsc(mobi):
    return PLSPM(PATHS, BLOCKS, scheme="factorial", consistent=True).fit(mobi)


def test_plsc_reproduces_seminr(plsc):
    paths = plsc.summary["estimate"]
    for name, value in SEMINR_PATHS.items():
        assert paths[name] == pytest.approx(value, abs=1e-6)
    loads = plsc.outer_loadings_
    for item, value in SEMINR_LOADINGS.items():
        assert loads[item] == pytest.approx(value, abs=1e-6)
    assert plsc.r2_["CUSA"] == pytest.approx(SEMINR_R2, abs=1e-6)
    assert plsc.r2_adj_["CUSA"] == pytest.approx(SEMINR_R2_ADJ, abs=1e-6)


def test_other_schemes_do_not_match_seminr(mobi):
    # the fixtures are those of the factorial scheme: path weighting differs at the 1e-2 level
    m = PLSPM(PATHS, BLOCKS, scheme="path", consistent=True).fit(mobi)
    diff = max(abs(m.outer_loadings_[item] - value) for item, value in SEMINR_LOADINGS.items())
    assert diff > 1e-3


def test_rho_a_is_the_quality_tables_and_disattenuates(plsc, mobi):
    fit = plsc.estimation_
    rel = csi.reliability(plsc)
    for lv in BLOCKS:
        k = fit.spec.lvs.index(lv)
        items = mobi[list(fit.spec.blocks[k])]
        w = fit.W[fit.spec.slices[k], k]
        assert fit.rho_a[k] == pytest.approx(csi.quality.rho_a(items, w), rel=1e-12)
        assert fit.rho_a[k] == pytest.approx(rel.loc[lv, "rho_a"], rel=1e-12)
    Rc = fit.construct_correlations
    expected = fit.RL / np.sqrt(np.outer(fit.rho_a, fit.rho_a))
    np.fill_diagonal(expected, 1.0)
    np.testing.assert_allclose(Rc, expected, rtol=1e-12)
    # weights, scores and cross-loadings are those of plain PLS
    plain = PLSPM(PATHS, BLOCKS, scheme="factorial").fit(mobi)
    np.testing.assert_allclose(plsc.outer_weights_, plain.outer_weights_, rtol=1e-12)
    np.testing.assert_allclose(plsc.crossloadings_.iloc[:, 1:], plain.crossloadings_.iloc[:, 1:], rtol=1e-12)


def test_mode_b_keeps_rho_a_one_and_its_pls_loadings(mobi):
    m = PLSPM(PATHS, BLOCKS, modes={"IMAG": "B"}, scheme="factorial", consistent=True).fit(mobi)
    plain = PLSPM(PATHS, BLOCKS, modes={"IMAG": "B"}, scheme="factorial").fit(mobi)
    fit = m.estimation_
    assert fit.rho_a[fit.spec.lvs.index("IMAG")] == 1.0
    imag = BLOCKS["IMAG"]
    np.testing.assert_allclose(m.outer_loadings_[imag], plain.outer_loadings_[imag], rtol=1e-12)
    assert not np.allclose(m.outer_loadings_["CUSA1"], plain.outer_loadings_["CUSA1"])


def _factor_data(n: int, seed: int) -> tuple[pd.DataFrame, dict, dict, dict]:
    """Reflective factor model: ETA1, ETA2 exogenous (corr 0.3), ETA3 = 0.5 ETA1 + 0.3 ETA2 + zeta."""
    rng = np.random.default_rng(seed)
    phi = 0.3
    b1, b2 = 0.5, 0.3
    e = rng.multivariate_normal([0, 0], [[1, phi], [phi, 1]], size=n)
    r2 = b1 ** 2 + b2 ** 2 + 2 * b1 * b2 * phi
    eta3 = b1 * e[:, 0] + b2 * e[:, 1] + np.sqrt(1 - r2) * rng.standard_normal(n)
    lam = {"X": [0.8, 0.7, 0.6], "Z": [0.7, 0.7, 0.6, 0.5], "Y": [0.85, 0.75, 0.65]}
    cols = {}
    for name, eta in (("X", e[:, 0]), ("Z", e[:, 1]), ("Y", eta3)):
        for i, lo in enumerate(lam[name], 1):
            cols[f"{name.lower()}{i}"] = lo * eta + np.sqrt(1 - lo ** 2) * rng.standard_normal(n)
    blocks = {k: [f"{k.lower()}{i}" for i in range(1, len(v) + 1)] for k, v in lam.items()}
    truth = {"X -> Y": b1, "Z -> Y": b2}
    return pd.DataFrame(cols), blocks, truth, {"lam": lam, "r2": r2}


def test_plsc_recovers_factor_model_parameters_where_pls_attenuates():
    df, blocks, truth, extra = _factor_data(5000, seed=7)
    paths = {"Y": ["X", "Z"]}
    plain = PLSPM(paths, blocks, scheme="factorial").fit(df)
    con = PLSPM(paths, blocks, scheme="factorial", consistent=True).fit(df)
    boot = con.bootstrap(n=200, seed=3, bca=False)
    for name, beta in truth.items():
        est, se = con.summary.loc[name, "estimate"], boot.paths.loc[name, "std_error"]
        assert abs(est - beta) < 3 * se, (name, est, beta, se)  # consistent within sampling error
    # plain PLS attenuates the strongest path by much more than its sampling error
    shrink = truth["X -> Y"] - plain.summary.loc["X -> Y", "estimate"]
    assert shrink > 5 * boot.paths.loc["X -> Y", "std_error"]
    assert abs(con.r2_["Y"] - extra["r2"]) < 0.03 < extra["r2"] - plain.r2_["Y"]
    true_load = np.concatenate([extra["lam"][k] for k in ("X", "Z", "Y")])
    items = [c for k in ("X", "Z", "Y") for c in blocks[k]]
    assert np.abs(con.outer_loadings_[items].to_numpy() - true_load).max() < 0.04
    assert np.abs(plain.outer_loadings_[items].to_numpy() - true_load).max() > 0.04  # PLS inflates loadings


def test_bootstrap_applies_the_correction_in_every_draw(plsc, mobi):
    boot = plsc.bootstrap(n=20, seed=5, bca=False)
    np.testing.assert_allclose(boot.paths["original"], plsc.summary["estimate"], rtol=1e-10)
    np.testing.assert_allclose(boot.loadings["original"], plsc.outer_loadings_, rtol=1e-10)
    idx = np.random.default_rng(5).integers(0, len(mobi), size=(20, len(mobi)))  # run_bootstrap's draws
    for k in (0, 7, 19):
        direct = PLSPM(PATHS, BLOCKS, scheme="factorial", consistent=True).fit(mobi.iloc[idx[k]])
        np.testing.assert_allclose(boot.draws["paths"].iloc[k], direct.summary["estimate"], atol=1e-10)
        np.testing.assert_allclose(boot.draws["loadings"].iloc[k], direct.outer_loadings_, atol=1e-10)
        np.testing.assert_allclose(boot.draws["r2"].iloc[k], direct.r2_, atol=1e-10)


def test_kernel_batch_equals_single(plsc):
    fit = plsc.estimation_
    rho, RLc, lam = _kernel.consistent(np.stack([fit.R, fit.R]), np.stack([fit.W, fit.W]),
                                       np.stack([fit.RL, fit.RL]), fit.spec)
    np.testing.assert_allclose(rho[1], fit.rho_a)
    np.testing.assert_allclose(RLc[0], fit.construct_correlations)
    np.testing.assert_allclose((lam[1] * fit.spec.odm).sum(1), fit.loadings)


def test_save_load_keeps_consistent(plsc, tmp_path):
    plsc.save(tmp_path / "m.json")
    loaded = PLSPM.load(tmp_path / "m.json")
    assert loaded.consistent and loaded.estimation_.consistent
    np.testing.assert_allclose(loaded.outer_loadings_, plsc.outer_loadings_, rtol=1e-12)
    np.testing.assert_allclose(loaded.path_coefficients_, plsc.path_coefficients_, rtol=1e-12)
    assert loaded.r2_adj_["CUSA"] == pytest.approx(SEMINR_R2_ADJ, abs=1e-6)


def test_consistent_must_be_a_bool(mobi):
    from crm_models.errors import ModelSpecificationError

    with pytest.raises(ModelSpecificationError, match="consistent"):
        PLSPM(PATHS, BLOCKS, consistent="yes").fit(mobi)


def test_a_block_with_negative_rho_a_raises_naming_it():
    # three mutually negatively correlated items that each predict Y: a composite, not a factor
    from crm_models.errors import CRMDataError

    rng = np.random.default_rng(0)
    n = 500
    S = np.full((3, 3), -0.3)
    np.fill_diagonal(S, 1.0)
    a = rng.multivariate_normal(np.zeros(3), S, size=n)
    eta = a.sum(1) / a.sum(1).std()
    df = pd.DataFrame({**{f"a{i}": a[:, i - 1] for i in range(1, 4)},
                       **{f"y{i}": 0.7 * eta + 0.7 * rng.standard_normal(n) for i in range(1, 4)}})
    blocks = {"A": ["a1", "a2", "a3"], "Y": ["y1", "y2", "y3"]}
    with pytest.raises(CRMDataError, match=r"rho_A of \['A'\] is not positive.*mode B"):
        PLSPM({"Y": ["A"]}, blocks, consistent=True).fit(df)
    m = PLSPM({"Y": ["A"]}, blocks, modes={"A": "B"}, consistent=True).fit(df)  # the suggested fix
    assert m.estimation_.rho_a[0] == 1.0 and np.isfinite(m.r2_["Y"])
