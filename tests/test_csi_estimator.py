"""PLSPM follows the estimator convention: parameters, fitted check, repr, save/load, no cycles."""

from __future__ import annotations

import ast
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import crm_models
from crm_models import csi
from crm_models.base import load_model
from crm_models.csi import PLSPM
from crm_models.csi.estimation import PLSFit
from crm_models.errors import CRMDataError, ModelSpecificationError, NotFittedError

PATHS = {"SAT": ["IMAG", "VAL"], "LOY": ["IMAG", "SAT"]}
BLOCKS = {"IMAG": ["imag1", "imag2", "imag3"], "VAL": ["val1", "val2"], "SAT": ["sat1", "sat2", "sat3"],
          "LOY": ["loy1", "loy2"]}
TABLES = ("path_coefficients_", "r2_", "r2_adj_", "inner_model_", "outer_weights_", "outer_loadings_",
          "outer_model_", "crossloadings_", "effects_", "inner_summary_", "unidim_", "summary")


def survey(n: int = 120, seed: int = 3) -> pd.DataFrame:
    """Answers on a 1-10 scale driven by four related constructs, a few missing."""
    rng = np.random.default_rng(seed)
    imag = rng.normal(size=n)
    val = 0.4 * imag + rng.normal(size=n)
    sat = 0.3 * imag + 0.5 * val + 0.7 * rng.normal(size=n)
    loy = 0.2 * imag + 0.6 * sat + 0.7 * rng.normal(size=n)
    cols = {}
    for lv, f in (("imag", imag), ("val", val), ("sat", sat), ("loy", loy)):
        for i in range(1, len(BLOCKS[lv.upper()]) + 1):
            cols[f"{lv}{i}"] = np.clip(np.round(6 + 1.3 * f + rng.normal(size=n)), 1, 10)
    df = pd.DataFrame(cols, index=pd.RangeIndex(1000, 1000 + n, name="respondent"))
    df.iloc[[i for i in (4, 17) if i < n], 2] = np.nan
    return df


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return survey()


@pytest.fixture(scope="module")
def model(data) -> PLSPM:
    return PLSPM(PATHS, BLOCKS, scheme="path", scaled=False).fit(data)


def test_constructor_stores_arguments_unchanged():
    modes = {"VAL": "B"}
    m = PLSPM(PATHS, BLOCKS, modes=modes, scheme="nonsense", tol=-1, max_iter=0, missing="drop")
    assert m.paths is PATHS and m.blocks is BLOCKS and m.modes is modes
    assert (m.scheme, m.tol, m.max_iter, m.missing, m.keep_data) == ("nonsense", -1, 0, "drop", True)
    with pytest.raises(ModelSpecificationError, match="scheme 'nonsense'"):  # validated in fit
        m.fit(survey())


def test_get_params_set_params_and_clone(model):
    params = model.get_params()
    assert params == {"paths": PATHS, "blocks": BLOCKS, "modes": None, "scheme": "path", "scaled": False,
                      "tol": None, "max_iter": None, "missing": "mean", "keep_data": True,
                      "convergence": "max", "consistent": False, "interactions": None,
                      "interaction_method": "two_stage", "higher_order": None, "hoc_method": "two_stage"}
    twin = clone(model)
    assert twin.get_params() == params and not twin.is_fitted
    assert twin.set_params(scheme="centroid") is twin and twin.scheme == "centroid"
    assert model.scheme == "path"


def test_repr_is_a_constructor_call(model):
    text = repr(model)
    assert text.startswith("PLSPM(paths=") and "scheme='path'" in text and "tol=" not in text
    again = eval(text, {"PLSPM": PLSPM})  # noqa: S307 (our own repr)
    assert again.get_params() == model.get_params()
    big = PLSPM({f"T{i}": [f"S{i}"] for i in range(40)},
                {**{f"S{i}": [f"s{i}_{k}" for k in range(40)] for i in range(40)},
                 **{f"T{i}": [f"t{i}"] for i in range(40)}})
    assert eval(repr(big), {"PLSPM": PLSPM}).get_params() == big.get_params()  # noqa: S307 (never shortened)


def test_not_fitted_before_fit(tmp_path):
    m = PLSPM(PATHS, BLOCKS)
    for get in (lambda: m.summary, lambda: m.path_coefficients_, lambda: m.gof_, lambda: m.n_obs_,
                lambda: m.transform(survey()), lambda: m.bootstrap(n=10), lambda: csi.htmt(m),
                lambda: csi.csi_index(m), lambda: m.save(tmp_path / "m.json")):
        with pytest.raises(NotFittedError):
            get()
    assert m.spec.lvs == ("IMAG", "VAL", "SAT", "LOY")  # the specification is there before fit


def test_fit_returns_self_and_a_public_read_only_fit(data):
    m = PLSPM(PATHS, BLOCKS)
    assert m.fit(data) is m
    fit = m.estimation_
    assert isinstance(fit, PLSFit) and fit.spec is m.spec and fit.n_obs == len(data)
    with pytest.raises(ValueError, match="read-only"):
        fit.C[0, 0] = 2.0
    with pytest.raises(AttributeError):
        fit.n_obs = 3
    np.testing.assert_array_equal(m.outer_weights_.to_numpy(), fit.weights)
    assert m.gof_ == fit.gof


def test_transform_scores_new_respondents(model, data):
    pd.testing.assert_frame_equal(model.transform(data), model.scores_, check_exact=True)
    new = survey(n=5, seed=11)  # row 4 has a missing answer: it counts as the fitted item mean
    fit = model.estimation_
    x = new[model.spec.items].to_numpy()
    x = np.where(np.isnan(x), fit.item_mean, x)
    assert np.isnan(new.to_numpy()).any()
    np.testing.assert_allclose(model.transform(new).to_numpy(), (x - fit.item_mean) @ fit.W, rtol=1e-12)
    assert len(model.transform(new.iloc[[0]])) == 1  # one respondent is enough


def _numbers(node) -> list[int]:
    """Lengths of every list in a JSON document."""
    if isinstance(node, list):
        return [len(node)] + [k for v in node for k in _numbers(v)]
    if isinstance(node, dict):
        return [k for v in node.values() for k in _numbers(v)]
    return []


def test_save_load_reproduces_the_tables_exactly(model, data, tmp_path):
    path = model.save(tmp_path / "pls.json")
    loaded = load_model(path)
    assert type(loaded) is PLSPM and loaded.get_params() == model.get_params()
    assert PLSPM.load(path).is_fitted
    for name in TABLES:
        a, b = getattr(model, name), getattr(loaded, name)
        (pd.testing.assert_series_equal if isinstance(a, pd.Series) else pd.testing.assert_frame_equal)(
            a, b, check_exact=True)
    assert loaded.gof_ == model.gof_ and loaded.n_obs_ == model.n_obs_ and loaded.missing_ == model.missing_
    new = survey(n=7, seed=5)
    pd.testing.assert_frame_equal(loaded.transform(new), model.transform(new), check_exact=True)
    pd.testing.assert_frame_equal(csi.reliability(loaded), csi.reliability(model), check_exact=True)


def test_saved_file_holds_no_survey_rows(model, data, tmp_path):
    path = model.save(tmp_path / "pls.json")
    doc = json.loads(Path(path).read_text())
    assert max(_numbers(doc)) < model.n_obs_  # no array as long as the survey
    assert "1000" not in Path(path).read_text()  # nor the respondent labels
    loaded = load_model(path)
    assert loaded.training_data_ is None
    with pytest.raises(CRMDataError, match="keeps no survey rows.*data="):
        loaded.bootstrap(n=20)
    with pytest.raises(CRMDataError, match="keeps no survey rows"):
        _ = loaded.scores_
    # with the survey given back, the bootstrap and the index are those of the original model
    b0, b1 = model.bootstrap(n=30, bca=False), loaded.bootstrap(n=30, bca=False, data=data)
    pd.testing.assert_frame_equal(b0.summary, b1.summary, check_exact=True)
    pd.testing.assert_frame_equal(csi.csi_index(model, 1, 10), csi.csi_index(loaded, 1, 10, data=data))
    with pytest.raises(CRMDataError, match="not the survey this model was fitted on"):
        csi.csi_index(loaded, 1, 10, data=survey(seed=9))


def test_keep_data_false_keeps_no_rows(data):
    lean = PLSPM(PATHS, BLOCKS, scaled=False, keep_data=False).fit(data)
    full = PLSPM(PATHS, BLOCKS, scaled=False).fit(data)
    assert lean.training_data_ is None and full.training_data_.shape == (len(data), len(lean.spec.items))
    assert len(pickle.dumps(lean)) < len(pickle.dumps(full)) - 8 * len(data) * len(lean.spec.items) // 2
    pd.testing.assert_frame_equal(lean.summary, full.summary, check_exact=True)
    pd.testing.assert_frame_equal(csi.ipma(lean, "LOY", data=data), csi.ipma(full, "LOY"))
    scale = csi.answer_scale(lean, data=data, warn=False)
    assert scale.observed == csi.answer_scale(full, warn=False).observed


# ---------------------------------------------------------------------- import graph

CSI = Path(crm_models.__file__).parent / "csi"


def _imports(path: Path) -> set[str]:
    """Modules of crm_models.csi a module imports anywhere (top level, in functions, under TYPE_CHECKING).

    ``from crm_models.csi import _kernel`` imports the module ``_kernel``; importing any other
    name from the package (or the package itself) imports ``__init__``.
    """
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [(node.module, a.name) for a in node.names]
        else:
            continue
        for module, name in targets:
            parts = module.split(".")
            if parts[:2] != ["crm_models", "csi"]:
                continue
            if len(parts) > 2:
                out.add(parts[2])
            elif name is not None and (CSI / f"{name}.py").exists():
                out.add(name)
            else:
                out.add("__init__")
    return out


def test_csi_import_graph_has_no_cycle():
    graph = {p.stem: _imports(p) for p in CSI.glob("*.py")}
    assert "bootstrap" not in graph["pls"] and "quality" not in graph["pls"]
    assert graph["bootstrap"] and graph["quality"]  # the parser sees their imports
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> None:
        for nxt in sorted(graph.get(node, set())):
            assert nxt not in stack + [node], "import cycle: " + " -> ".join(stack + [node, nxt])
            if nxt not in done:
                visit(nxt, stack + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
