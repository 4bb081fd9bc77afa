"""Higher-order constructs: ``PLSPM(..., higher_order={HOC: [dimensions]}, hoc_method=...)``.

References:

* seminr 3.6 (R), an independent implementation, on its mobi data (tests/data/seminr_hoc.json,
  numbers verbatim from seminr's test fixtures hoc-*.csv and hoc_2si-*.csv): paths, loadings
  and weights of a two-stage HOC model (stage-2 and the stage-1 weights of the dimensions'
  items) and of a HOC model with a two-stage interaction, to 1e-5 (seminr's tolerance);
* direct fits: the stage-2 items are the scores of the stage-1 model, a bootstrap draw equals
  a fit (both stages) on the resampled rows, transform equals scores_ on the training rows;
* a simulation with known truth: a second-order factor model, whose HOC path PLSc recovers
  within sampling error (plain PLS attenuates it).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import csi as fx

from crm_models.csi import PLSPM, mga, predict_pls
from crm_models.errors import CRMDataError, ModelSpecificationError

REF = json.loads((Path(__file__).parent / "data" / "seminr_hoc.json").read_text())
BLOCKS = {"Image": [f"IMAG{i}" for i in range(1, 6)], "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
          "Quality": [f"PERQ{i}" for i in range(1, 8)], "Value": ["PERV1", "PERV2"], "Complaints": ["CUSCO"],
          "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]}
PATHS = {"Satisfaction": ["Expectation", "Quality"], "Complaints": ["Satisfaction"],
         "Loyalty": ["Satisfaction"]}
HOC = {"Satisfaction": ["Image", "Value"]}


@pytest.fixture(scope="module")
def mobi(shared_data):
    return fx.mobi(shared_data)


@pytest.fixture(scope="module")
def model(mobi):
    return PLSPM(PATHS, BLOCKS, scheme="path", higher_order=HOC).fit(mobi)


def _split(key: str) -> tuple[str, str]:
    a, b = key.split(" @ ")
    return a, b


def test_two_stage_reproduces_seminr(model):
    ref = REF["hoc"]
    P = model.path_coefficients_
    for key, value in ref["paths"].items():
        src, tgt = key.split(" -> ")
        assert P.loc[tgt, src] == pytest.approx(value, abs=1e-5), key
    stage2 = model.outer_model_
    first = model.first_stage_
    for kind in ("loadings", "weights"):
        column = kind[:-1]
        for key, value in ref[kind].items():
            item, construct = _split(key)
            if item in stage2.index and stage2.loc[item, "block"] == construct:
                got = stage2.loc[item, column]
            else:  # a dimension's item: the stage-1 estimate
                assert first.loc[item, "dimension"] == construct
                got = first.loc[item, column]
            assert got == pytest.approx(value, abs=1e-5), (kind, key)
    hl = model.hoc_loadings_
    assert hl.loc["Satisfaction <- Image", "loading"] == pytest.approx(0.895650876207813, abs=1e-5)
    assert hl.loc["Satisfaction <- Value", "loading"] == pytest.approx(0.839452525936479, abs=1e-5)
    assert set(model.r2_.index) == {"Satisfaction", "Complaints", "Loyalty"}


def test_with_a_two_stage_interaction_reproduces_seminr(mobi):
    ref = REF["hoc_2si"]
    blocks = {"Image": BLOCKS["Image"], "Expectation": BLOCKS["Expectation"],
              "Quality": BLOCKS["Quality"][:5], "Value": BLOCKS["Value"],
              "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"], "Loyalty": BLOCKS["Loyalty"]}
    m = PLSPM({"Satisfaction": ["Image", "Expectation", "Value", "Nick", "Image*Expectation"]}, blocks,
              scheme="path", higher_order={"Nick": ["Quality", "Loyalty"]},
              interactions={"Image*Expectation": ("Image", "Expectation")}).fit(mobi)
    n = m.n_obs_
    P = m.path_coefficients_
    for key, value in ref["paths"].items():
        src, tgt = key.split(" -> ")
        factor = np.sqrt(n / (n - 1)) if src == "Image*Expectation" else 1.0  # see crm_models.csi.moderation
        assert P.loc[tgt, src] * factor == pytest.approx(value, abs=1e-5), key
    stage2, first = m.outer_model_, m.first_stage_
    for kind in ("loadings", "weights"):
        for key, value in ref[kind].items():
            item, construct = _split(key)
            if item.endswith("_intxn"):
                continue  # the interaction item's scale: tested in test_csi_moderation
            table = stage2 if construct not in ("Quality", "Loyalty") else first
            assert table.loc[item, kind[:-1]] == pytest.approx(value, abs=1e-5), (kind, key)


def test_stage_two_items_are_the_stage_one_scores(model, mobi):
    """The HOC's items are the scores of the model with the dimensions in the HOC's place."""
    stage1 = PLSPM({"Image": ["Expectation", "Quality"], "Value": ["Expectation", "Quality"],
                    "Complaints": ["Image", "Value"], "Loyalty": ["Image", "Value"]},
                   BLOCKS, scheme="path").fit(mobi)
    items = model.training_data_
    for dim in ("Image", "Value"):
        np.testing.assert_allclose(items[dim], stage1.scores_[dim], atol=1e-10)
    pd.testing.assert_series_equal(model.first_stage_["weight"].loc[BLOCKS["Image"]],
                                   stage1.outer_weights_.loc[BLOCKS["Image"]], check_names=False, atol=1e-12)
    # the stage-1 fit is kept (for transform and saved files)
    assert model.estimation_.first_stage.spec.lvs == stage1.estimation_.spec.lvs


def test_bootstrap_reruns_both_stages(model, mobi):
    boot = model.bootstrap(n=4, seed=3, bca=False)
    rng = np.random.default_rng(3)
    idx = rng.integers(0, len(mobi), size=(4, len(mobi)))
    for b in range(4):
        rows = mobi.iloc[idx[b]].reset_index(drop=True)
        refit = PLSPM(PATHS, BLOCKS, scheme="path", higher_order=HOC).fit(rows)
        for name in boot.draws["paths"].columns:
            src, tgt = name.split(" -> ")
            assert boot.draws["paths"].loc[b, name] == pytest.approx(refit.path_coefficients_.loc[tgt, src],
                                                                      abs=1e-8), (b, name)


def test_bootstrap_with_bca(model):
    boot = model.bootstrap(n=200, seed=1)
    row = boot.paths.loc["Quality -> Satisfaction"]
    assert row["lower"] < row["original"] < row["upper"]
    assert row["bca_lower"] < row["original"] < row["bca_upper"]
    assert boot.n_failed == 0


def test_transform_save_load_and_params(model, mobi, tmp_path):
    np.testing.assert_allclose(model.transform(mobi).to_numpy(), model.scores_.to_numpy(), atol=1e-10)
    params = model.get_params()
    assert params["higher_order"] == HOC and params["hoc_method"] == "two_stage"
    model.save(tmp_path / "m.json")
    loaded = PLSPM.load(tmp_path / "m.json")
    pd.testing.assert_frame_equal(loaded.summary, model.summary)
    pd.testing.assert_frame_equal(loaded.first_stage_, model.first_stage_)
    pd.testing.assert_frame_equal(loaded.transform(mobi.iloc[:20]), model.scores_.iloc[:20], atol=1e-10)
    assert loaded.training_data_ is None
    boot = loaded.bootstrap(n=3, seed=2, bca=False, data=mobi)
    pd.testing.assert_frame_equal(boot.paths, model.bootstrap(n=3, seed=2, bca=False).paths)


def test_repeated_indicators(mobi):
    """The HOC measured by copies of all its dimensions' items, the dimensions pointing to it."""
    m = PLSPM(PATHS, BLOCKS, scheme="path", higher_order=HOC, hoc_method="repeated_indicators").fit(mobi)
    hoc_items = [f"{it}@Satisfaction" for it in BLOCKS["Image"] + BLOCKS["Value"]]
    assert list(m.outer_model_.query("block == 'Satisfaction'").index) == hoc_items
    # the same model written out by hand, with copied columns
    df = mobi.copy()
    for it in BLOCKS["Image"] + BLOCKS["Value"]:
        df[f"{it}@Satisfaction"] = df[it]
    edges = [(s, t) for t, ss in PATHS.items() for s in ss]
    edges += [("Image", "Satisfaction"), ("Value", "Satisfaction")]
    hand = PLSPM(edges, {**BLOCKS, "Satisfaction": hoc_items}, scheme="path").fit(df)
    pd.testing.assert_frame_equal(m.path_coefficients_, hand.path_coefficients_, atol=1e-12)
    pd.testing.assert_series_equal(m.outer_weights_, hand.outer_weights_, atol=1e-12)
    hl = m.hoc_loadings_
    path = hand.path_coefficients_.loc["Satisfaction", "Image"]
    assert hl.loc["Satisfaction <- Image", "weight"] == pytest.approx(path)
    np.testing.assert_allclose(m.transform(mobi).to_numpy(), m.scores_.to_numpy(), atol=1e-10)
    boot = m.bootstrap(n=3, seed=1, bca=False)
    assert boot.n_failed == 0


def test_hoc_as_a_moderator(mobi):
    """An interaction of a HOC is built on the stage-2 model; the bootstrap re-runs all three stages."""
    blocks = {"Image": BLOCKS["Image"], "Value": BLOCKS["Value"], "Quality": BLOCKS["Quality"][:3],
              "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"], "Loyalty": BLOCKS["Loyalty"]}
    kw = {"scheme": "path", "higher_order": {"H": ["Image", "Value", "Quality"]}}
    m = PLSPM({"Loyalty": ["H", "Satisfaction", "H*S"]}, blocks, interactions={"H*S": ("H", "Satisfaction")},
              **kw).fit(mobi)
    plain = PLSPM({"Loyalty": ["H", "Satisfaction"]}, blocks, **kw).fit(mobi)
    product = plain.scores_["H"] * plain.scores_["Satisfaction"]  # the two-stage interaction item
    np.testing.assert_allclose(m.training_data_["H*S_intxn"], product, atol=1e-10)
    assert m.bootstrap(n=5, seed=1, bca=False).n_failed == 0


def _second_order(seed: int, n: int, beta: float) -> pd.DataFrame:
    """X -> HOC (path ``beta``), HOC -> D1..D3 (loadings 0.8), D -> 3 items each (0.8), X -> 3 items."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    hoc = beta * x + np.sqrt(1 - beta ** 2) * rng.standard_normal(n)
    cols = {}
    for k in range(1, 4):
        d = 0.8 * hoc + 0.6 * rng.standard_normal(n)
        for i in range(1, 4):
            cols[f"d{k}_{i}"] = 0.8 * d + 0.6 * rng.standard_normal(n)
    for i in range(1, 4):
        cols[f"x{i}"] = 0.8 * x + 0.6 * rng.standard_normal(n)
    return pd.DataFrame(cols)


SIM_BLOCKS = {**{f"D{k}": [f"d{k}_{i}" for i in range(1, 4)] for k in range(1, 4)}, "X": ["x1", "x2", "x3"]}


def test_simulation_recovers_the_hoc_path():
    """Consistent PLS on the two-stage model recovers the planted path 0.5 within sampling error.

    The stage-2 items (dimension scores) follow a one-factor model of the HOC, so PLSc's
    disattenuation is consistent; plain PLS is attenuated by the reliability of both composites.
    """
    data = _second_order(5, 4000, 0.5)
    kw = {"scheme": "path", "higher_order": {"H": ["D1", "D2", "D3"]}}
    plsc = PLSPM({"H": ["X"]}, SIM_BLOCKS, consistent=True, **kw).fit(data)
    boot = plsc.bootstrap(n=200, seed=1, bca=False).paths.loc["X -> H"]
    assert boot["lower"] < 0.5 < boot["upper"]
    assert plsc.path_coefficients_.loc["H", "X"] == pytest.approx(0.5, abs=3 * boot["std_error"])
    pls = PLSPM({"H": ["X"]}, SIM_BLOCKS, **kw).fit(data)
    assert pls.path_coefficients_.loc["H", "X"] < 0.5 - 3 * boot["std_error"]


@pytest.mark.parametrize(("higher_order", "paths", "match"), [
    ({"Satisfaction": ["Image", "Nope"]}, PATHS, "no block"),
    ({"Satisfaction": ["Image"]}, PATHS, "at least 2"),
    ({"Satisfaction": ["Satisfaction", "Image"]}, PATHS, "dimension of itself"),
    ({"Image": ["Value", "Quality"]}, {"Image": ["Expectation"], "Loyalty": ["Image"]}, "block of items"),
    ({"Satisfaction": ["Image", "Value"], "S2": ["Image", "Quality"]}, PATHS, "dimension of both"),
    ({"Satisfaction": ["Image", "Value"], "S2": ["Satisfaction", "Quality"]}, PATHS, "third-order"),
    ({"Satisfaction": ["Image", "Value"]}, {**PATHS, "Value": ["Expectation"]}, "path of its own"),
    ({"S2": ["Image", "Value"]}, {"Loyalty": ["Expectation", "Quality"], "Complaints": ["Loyalty"]},
     "not used"),
    ({"Satisfaction": ["Image", "Value"]}, {"Loyalty": ["Satisfaction"], "Nope": ["Loyalty"]}, "Nope"),
    ({"Satisfaction": "Image"}, PATHS, "list of its dimensions"),
    (["Image", "Value"], PATHS, "dict"),
])
def test_bad_specifications(mobi, higher_order, paths, match):
    with pytest.raises(ModelSpecificationError, match=match):
        PLSPM(paths, BLOCKS, higher_order=higher_order).fit(mobi)


def test_bad_method_and_options(mobi):
    with pytest.raises(ModelSpecificationError, match="hoc_method"):
        PLSPM(PATHS, BLOCKS, higher_order=HOC, hoc_method="embedded").fit(mobi)
    with pytest.raises(ModelSpecificationError, match="scaled=True"):
        PLSPM(PATHS, BLOCKS, higher_order=HOC, scaled=False).fit(mobi)
    with pytest.raises(ModelSpecificationError, match="no higher-order"):
        plain = {k: v for k, v in BLOCKS.items() if k not in ("Image", "Value")}
        _ = PLSPM(PATHS, {**plain, "Satisfaction": ["CUSA1", "CUSA2"]}).fit(mobi).first_stage_
    with pytest.raises(CRMDataError, match="CUSCO"):
        PLSPM(PATHS, BLOCKS, higher_order=HOC).fit(mobi.drop(columns="CUSCO"))


def test_index_refused(model):
    from crm_models.csi import csi_index

    with pytest.raises(ModelSpecificationError, match="higher-order"):
        csi_index(model)


def test_predict_pls_and_mga_refused(model, mobi):
    with pytest.raises(CRMDataError, match="higher-order"):
        predict_pls(model, n_folds=5, seed=1)
    with pytest.raises(CRMDataError, match="higher-order"):
        mga(model, (mobi["CUEX1"] < 8).to_numpy())


def test_missing_answers(mobi):
    """Missing answers take the item means before stage 1 (fit), the fitted means in transform."""
    holes = mobi.astype(float)
    holes.iloc[[3, 10], holes.columns.get_loc("IMAG2")] = np.nan
    m = PLSPM(PATHS, BLOCKS, scheme="path", higher_order=HOC).fit(holes)
    filled = holes.fillna(holes.mean())
    pd.testing.assert_frame_equal(m.path_coefficients_,
                                  PLSPM(PATHS, BLOCKS, scheme="path", higher_order=HOC).fit(filled)
                                  .path_coefficients_, atol=1e-12)
    assert m.missing_["cells"] == 2
    new = m.transform(holes.iloc[:5])
    mean = m.estimation_.first_stage.item_mean[list(m.estimation_.first_stage.spec.items).index("IMAG2")]
    assert mean == pytest.approx(filled["IMAG2"].mean())
    np.testing.assert_allclose(new.to_numpy(), m.scores_.iloc[:5].to_numpy(), atol=1e-10)
