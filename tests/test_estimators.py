"""Every model follows one estimator convention (crm_models.base): scikit-learn parameters,
one fitted check, a constructor-call repr, no training data kept, exact save/load.

Each case: a factory of an unfitted model with non-default parameters, its fit data, and
the public prediction calls whose results a saved-and-loaded model must reproduce exactly.
"""

from __future__ import annotations

import inspect
import json
import pickle
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import crm_models as crm
from crm_models.base import Estimator, load_model
from crm_models.churn import ChurnModel
from crm_models.churn.metrics import concordance_index
from crm_models.clv import (
    BetaGeoBetaBinomModel,
    BetaGeoCNBDModel,
    BetaGeoModel,
    GammaGammaModel,
    GGompertzNBDModel,
    ModifiedBetaGeoCNBDModel,
    ModifiedBetaGeoModel,
    NBDModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
)
from crm_models.csi import PLSPM
from crm_models.data.datasets import sample_transactions
from crm_models.errors import CRMDataError, NotFittedError
from crm_models.segments import KMeansSegmenter, rfm_table


# ---------------------------------------------------------------------- data
def _summary() -> pd.DataFrame:
    tx = sample_transactions()
    return crm.data.rfm_summary(tx, tx["date"].max(), period="D", time_unit="W")


def _summary_litt() -> pd.DataFrame:
    tx = sample_transactions()
    return crm.data.rfm_summary(tx, tx["date"].max(), period="D", time_unit="W", litt=True)


def _cnbd_predictions(m: Any, s: pd.DataFrame) -> dict[str, Any]:
    return {"prob_alive": m.prob_alive(s), "expected": m.expected_purchases(s, 10.0),
            "path": m.expected_purchases_path(s, [1.0, 10.0]), "new": m.expected_purchases_new_customer(10.0),
            "k": m.k_}


def _bgbb_data() -> pd.DataFrame:
    """Simulated BG/BB histories: 600 customers, 6 transaction opportunities."""
    rng = np.random.default_rng(4)
    n, opportunities = 600, 6
    p = rng.beta(1.2, 0.75, n)
    theta = rng.beta(0.66, 2.8, n)
    x = np.zeros(n, dtype=int)
    tx = np.zeros(n, dtype=int)
    alive = np.ones(n, dtype=bool)
    for t in range(1, opportunities + 1):
        alive &= rng.random(n) >= theta
        buy = alive & (rng.random(n) < p)
        x += buy
        tx = np.where(buy, t, tx)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": opportunities})


def _sbg_data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    theta = rng.beta(0.7, 3.0, 800)
    life = rng.geometric(theta)
    censor = rng.integers(1, 13, 800)
    d = pd.DataFrame({"duration": np.minimum(life, censor), "churned": life <= censor})
    d.attrs["crm_churn"] = {"time_unit": "M"}
    return d


def _rossi() -> pd.DataFrame:
    from lifelines.datasets import load_rossi

    d = load_rossi()
    d["band"] = np.where(d["prio"] == 0, "none", np.where(d["prio"] <= 3, "some", "many"))
    d.attrs["crm_churn"] = {"time_unit": "W", "duration_col": "week", "event_col": "arrest"}
    return d


def _rfm() -> pd.DataFrame:
    tx = sample_transactions()
    return rfm_table(tx, tx["date"].max())[["time_since_last", "frequency", "monetary"]]


# ---------------------------------------------------------------------- cases
@dataclass
class Case:
    factory: Callable[[], Estimator]
    data: Callable[[], Any]
    predictions: Callable[[Any, Any], dict[str, Any]]
    max_pickle: int = 60_000
    fit: Callable[[Any, Any], Any] = lambda m, d: m.fit(d)


def _summary_model_predictions(m: Any, s: pd.DataFrame) -> dict[str, Any]:
    few = s.iloc[:40]
    return {"expected_purchases": m.expected_purchases(s, 10), "prob_alive": m.prob_alive(s),
            "dert": m.dert(s, 0.01), "new": m.expected_purchases_new_customer(np.array([1.0, 5.0])),
            "pmf": m.probability_of_n_purchases(10, np.array([0, 1, 2])),
            "path": m.expected_purchases_path(few, [1, 5]),
            "clv": crm.clv.customer_lifetime_value(m, GAMMA_GAMMA(), few, horizon=20, discount_rate=0.01),
            "discounted": crm.clv.discounted_expected_transactions(m, few, 20, 0.01)}


def _summary_covariates() -> pd.DataFrame:
    """The sample summary with a (seeded, made-up) acquisition channel and a continuous score."""
    s = _summary()
    rng = np.random.default_rng(8)
    return s.assign(channel_web=(rng.random(len(s)) < 0.4).astype(float), score=rng.normal(size=len(s)))


_COVARIATES = {"purchase_covariates": ["channel_web", "score"], "dropout_covariates": ["channel_web"]}


def _covariate_predictions(m: Any, s: pd.DataFrame) -> dict[str, Any]:
    few = s.iloc[:40]
    web = {"channel_web": 1.0, "score": 0.5}
    return {"expected_purchases": m.expected_purchases(few, 10), "prob_alive": m.prob_alive(few),
            "dert": m.dert(few, 0.01), "path": m.expected_purchases_path(few, [1, 5]),
            "new": m.expected_purchases_new_customer(np.array([1.0, 5.0]), covariates=web),
            "pmf": m.probability_of_n_purchases(10, np.array([0, 1, 2]), covariates=web),
            "params": m.params_, "summary": m.summary}


_GG: dict[str, Any] = {}


def GAMMA_GAMMA() -> GammaGammaModel:  # noqa: N802 - a cached fitted spend model for the CLV calls
    if "gg" not in _GG:
        _GG["gg"] = GammaGammaModel().fit(_summary())
    return _GG["gg"]


def _bgbb_predictions(m: Any, d: pd.DataFrame) -> dict[str, Any]:
    return {"expected_purchases": m.expected_purchases(d, 3), "prob_alive": m.prob_alive(d, future=2),
            "dert": m.dert(d, 0.1), "new": m.expected_purchases_new_customer(np.array([1, 4])),
            "pmf": m.probability_of_n_purchases(5, np.array([0, 1, 2]))}


def _sbg_predictions(m: Any, d: pd.DataFrame) -> dict[str, Any]:
    return {"survival": m.survival(np.arange(5)), "churn_probability": m.churn_probability(2),
            "retention": m.retention_rate(np.array([1, 3])), "project": m.project(6, 100.0),
            "del": m.discounted_expected_lifetime(0.1), "derl": m.derl(np.array([0, 2]), 0.1),
            "dert": m.dert(d, 0.1)}


def _gg_predictions(m: Any, s: pd.DataFrame) -> dict[str, Any]:
    return {"expected_spend": m.expected_spend(s), "population": m.population_mean_spend()}


def _churn_predictions(m: Any, d: pd.DataFrame) -> dict[str, Any]:
    new = d.iloc[:60]
    X = m.design_matrix(new).reset_index(drop=True)
    out = {"survival_function": m.survival_function(new, [0.0, 3.0, 10.5]),
           "survival_new": m.survival_function(new, [1.0, 30.0], survived=0),
           "churn_probability": m.churn_probability(new, 6),
           "remaining": m.expected_remaining_lifetime(new, 40),
           "risk_tiers": m.risk_tiers(new, 6), "concordance_held_out": concordance_index(m, new),
           "aic": m.aic_, "AIC": m.AIC_, "log_likelihood": m.log_likelihood_, "concordance": m.concordance_,
           "params": m.params_, "standard_errors": m.standard_errors_}
    if m.kind == "cox":
        out["partial_hazard"] = m.fitter_.predict_partial_hazard(X)
        out["ph_test"] = m.proportional_hazards_test()
    else:
        out["median"] = m.fitter_.predict_median(X)
    if not m.strata:
        out["effects"] = m.effects_
    return out


_ECSI: dict[str, Any] = {}


def _survey() -> pd.DataFrame:
    return crm.data.datasets.sample_survey()


def _ecsi_model(**kwargs: Any) -> PLSPM:
    if not _ECSI:
        _ECSI.update(crm.csi.build_model("ecsi", _survey()).get_params())
    return PLSPM(**{**_ECSI, **kwargs})


def _pls_predictions(m: Any, d: pd.DataFrame) -> dict[str, Any]:
    return {"paths": m.path_coefficients_, "weights": m.outer_weights_, "loadings": m.outer_loadings_,
            "r2": m.r2_, "effects": m.effects_, "inner": m.inner_summary_, "gof": m.gof_,
            "transform": m.transform(d.iloc[:30])}


def _moderation_model() -> PLSPM:
    blocks = {"IMAG": ["imag1", "imag2", "imag3"], "EXPE": ["expe1", "expe2", "expe3"],
              "SAT": ["sat1", "sat2", "sat3"]}
    return PLSPM({"SAT": ["IMAG", "EXPE", "IMAG*EXPE"]}, blocks, scheme="path", keep_data=False,
                 interactions={"IMAG*EXPE": ("IMAG", "EXPE")}, interaction_method="orthogonal")


def _moderation_predictions(m: Any, d: pd.DataFrame) -> dict[str, Any]:
    return {"summary": m.summary, "loadings": m.outer_loadings_, "r2": m.r2_, "effects": m.effects_,
            "slopes": crm.csi.simple_slopes(m, "IMAG*EXPE"), "f2": crm.csi.interaction_f2(m),
            "boot": m.bootstrap(n=20, seed=1, bca=False, data=d).paths}


def _hoc_model() -> PLSPM:
    blocks = {"IMAG": ["imag1", "imag2", "imag3"], "VAL": ["val1", "val2", "val3"],
              "QUAL": ["qual1", "qual2", "qual3"], "LOY": ["loy1", "loy2", "loy3"]}
    return PLSPM({"SAT": ["QUAL"], "LOY": ["SAT"]}, blocks, scheme="path", keep_data=False,
                 higher_order={"SAT": ["IMAG", "VAL"]})


def _hoc_predictions(m: Any, d: pd.DataFrame) -> dict[str, Any]:
    return {"summary": m.summary, "loadings": m.outer_loadings_, "first_stage": m.first_stage_,
            "hoc": m.hoc_loadings_, "transform": m.transform(d.iloc[:30]),
            "boot": m.bootstrap(n=20, seed=1, bca=False, data=d).paths}


def _segment_predictions(m: Any, d: pd.DataFrame) -> dict[str, Any]:
    return {"predict": m.predict(d), "standardized": m.standardized_profiles(), "centers": m.centers_,
            "silhouette": m.silhouette_}


CASES: dict[str, Case] = {
    "bgnbd": Case(lambda: BetaGeoModel(penalizer=0.001), _summary, _summary_model_predictions),
    "mbgnbd": Case(lambda: ModifiedBetaGeoModel(penalizer=0.001), _summary, _summary_model_predictions),
    "bgcnbd": Case(lambda: BetaGeoCNBDModel(penalizer=0.001), _summary_litt, _cnbd_predictions),
    "mbgcnbd": Case(lambda: ModifiedBetaGeoCNBDModel(k=2, penalizer=0.001), _summary_litt, _cnbd_predictions),
    "paretonbd": Case(lambda: ParetoNBDModel(penalizer=0.001), _summary, _summary_model_predictions),
    "paretonbd_covariates": Case(lambda: ParetoNBDModel(covariate_penalty=0.001), _summary_covariates,
                                 _covariate_predictions, fit=lambda m, d: m.fit(d, **_COVARIATES)),
    "bgnbd_covariates": Case(lambda: BetaGeoModel(penalizer=0.001), _summary_covariates,
                             _covariate_predictions, fit=lambda m, d: m.fit(d, purchase_covariates=["score"],
                                                   constrained_covariates=["channel_web"])),
    "nbd": Case(lambda: NBDModel(penalizer=0.001), _summary, _summary_model_predictions),
    "ggomnbd": Case(lambda: GGompertzNBDModel(penalizer=0.001), _summary, _summary_model_predictions),
    "ggomnbd_covariates": Case(lambda: GGompertzNBDModel(penalizer=0.001, covariate_penalty=0.001),
                               _summary_covariates, _covariate_predictions,
                               fit=lambda m, d: m.fit(d, purchase_covariates=["score"],
                                                      dropout_covariates=["channel_web"])),
    "gammagamma": Case(lambda: GammaGammaModel(penalizer=0.0001, correlation_threshold=0.9), _summary,
                       _gg_predictions),
    "bgbb": Case(lambda: BetaGeoBetaBinomModel(penalizer=0.0001), _bgbb_data, _bgbb_predictions),
    "sbg": Case(lambda: ShiftedBetaGeoModel(penalizer=0.0001), _sbg_data, _sbg_predictions),
    "churn_cox": Case(lambda: ChurnModel("cox", covariates=["age", "prio", "fin", "band"], penalizer=0.01,
                                         reference_levels={"band": "none"}), _rossi, _churn_predictions),
    "churn_cox_strata": Case(lambda: ChurnModel(covariates=["age", "prio"], strata="wexp", alpha=0.1),
                             _rossi, _churn_predictions),
    "churn_weibull": Case(lambda: ChurnModel("weibull", covariates=["age", "prio", "band"], alpha=0.1),
                          _rossi, _churn_predictions),
    "churn_lognormal": Case(lambda: ChurnModel("lognormal", covariates=["age", "fin", "band"],
                                               fit_options={"step_size": 0.5}), _rossi, _churn_predictions),
    "churn_loglogistic": Case(lambda: ChurnModel("loglogistic", covariates=["age", "prio"], drop_first=True,
                                                 max_levels=10), _rossi, _churn_predictions),
    "churn_formula": Case(lambda: ChurnModel("weibull", formula="age + prio + C(band) + age:fin"), _rossi,
                          _churn_predictions),
    "kmeans": Case(lambda: KMeansSegmenter(k_range=[2, 3], seed=1, n_init=2, silhouette_sample=1000,
                                           features=["time_since_last", "frequency", "monetary"]),
                   _rfm, _segment_predictions,
                   max_pickle=150_000),  # labels_ (one per training customer), as scikit-learn's KMeans
    "plspm": Case(lambda: _ecsi_model(scheme="path", tol=1e-9, keep_data=False), _survey, _pls_predictions),
    "plsc": Case(lambda: _ecsi_model(scheme="factorial", consistent=True, keep_data=False), _survey,
                 _pls_predictions),
    "pls_moderation": Case(_moderation_model, _survey, _moderation_predictions),
    "pls_higher_order": Case(_hoc_model, _survey, _hoc_predictions),
}

NAMESPACE = {cls.__name__: cls for cls in (BetaGeoModel, ModifiedBetaGeoModel, BetaGeoCNBDModel,
                                           ModifiedBetaGeoCNBDModel, ParetoNBDModel, NBDModel,
                                           GGompertzNBDModel,
                                           GammaGammaModel, BetaGeoBetaBinomModel, ShiftedBetaGeoModel,
                                           ChurnModel, KMeansSegmenter, PLSPM)}
NAMESPACE["range"] = range


@pytest.fixture(scope="module")
def fitted_models() -> dict[str, tuple[Estimator, Any]]:
    return {}


def _fitted(cache: dict, name: str) -> tuple[Estimator, Any]:
    if name not in cache:
        case = CASES[name]
        data = case.data()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = case.fit(case.factory(), data)
        cache[name] = (model, data)
    return cache[name]


def _predictions(name: str, model: Any, data: Any) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CASES[name].predictions(model, data)


def assert_identical(a: Any, b: Any, what: str) -> None:
    """Exactly equal (floats bit for bit; NaN equals NaN)."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=what)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, obj=what)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=what, strict=True)
    elif isinstance(a, float):
        assert (a == b) or (np.isnan(a) and np.isnan(b)), (what, a, b)
    else:
        assert a == b, (what, a, b)


def _same_params(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k] == b[k] for k in a)


# ---------------------------------------------------------------------- parameters
@pytest.mark.parametrize("name", CASES)
def test_clone_and_set_params(name):
    m = CASES[name].factory()
    c = clone(m)
    assert c is not m and type(c) is type(m)
    assert _same_params(c.get_params(), m.get_params())
    assert not c.is_fitted
    fresh = type(m)()
    assert fresh.set_params(**m.get_params()) is fresh
    assert _same_params(fresh.get_params(), m.get_params())


@pytest.mark.parametrize("name", CASES)
def test_constructor_stores_arguments_unchanged(name):
    m = CASES[name].factory()
    params = m.get_params()
    signature = inspect.signature(type(m).__init__)
    assert set(params) == set(signature.parameters) - {"self"}
    again = type(m)(**params)
    for key, value in params.items():
        assert getattr(again, key) is value, key
    # nothing but the arguments is set by the constructor
    assert set(vars(again)) == set(params)
    # the defaults are stored as they are too
    default = type(m)()
    for key, p in signature.parameters.items():
        if key != "self":
            assert getattr(default, key) is p.default, key


@pytest.mark.parametrize("name", CASES)
def test_repr_is_a_constructor_call(name):
    m = CASES[name].factory()
    text = repr(m)
    assert text.startswith(type(m).__name__ + "(")
    again = eval(text, dict(NAMESPACE))  # noqa: S307 - our own repr
    assert type(again) is type(m) and _same_params(again.get_params(), m.get_params())


# ---------------------------------------------------------------------- fitting
@pytest.mark.parametrize("name", CASES)
def test_unfitted_model_refuses_predictions(name, fitted_models):
    _, data = _fitted(fitted_models, name)
    m = CASES[name].factory()
    with pytest.raises(NotFittedError, match="fit"):
        _predictions(name, m, data)
    with pytest.raises(NotFittedError):
        _ = m.summary
    with pytest.raises(NotFittedError):
        m.save("never-written.json")
    assert not m.is_fitted


@pytest.mark.parametrize("name", CASES)
def test_fit_returns_self_and_sets_underscore_attributes_only(name):
    case = CASES[name]
    data = case.data()
    m = case.factory()
    before = set(vars(m))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert case.fit(m, data) is m
    assert m.is_fitted
    new = {k for k in vars(m) if k not in before and not k.startswith("_")}
    assert new and all(k.endswith("_") for k in new), sorted(new)
    # fit does not change the parameters
    assert _same_params(m.get_params(), case.factory().get_params())
    assert isinstance(m.summary, pd.DataFrame)


def _objects(obj: Any, depth: int = 0):
    """The attributes of a model and of the library objects it holds (lifelines, scikit-learn)."""
    for key, value in vars(obj).items():
        yield key, value
        if depth < 2 and hasattr(value, "__dict__") and type(value).__module__.split(".")[0] in (
                "lifelines", "sklearn"):
            yield from _objects(value, depth + 1)


@pytest.mark.parametrize("name", CASES)
def test_no_training_data_kept(name, fitted_models):
    m, data = _fitted(fitted_models, name)
    n = len(data)
    for key, value in _objects(m):
        if key == "labels_" and isinstance(m, KMeansSegmenter):
            continue  # the training customers' clusters, as scikit-learn's KMeans.labels_
        if isinstance(value, (pd.DataFrame, pd.Series, np.ndarray)):
            assert len(value) < n, f"{key} has {len(value)} rows (as many as the training data)"
    assert len(pickle.dumps(m)) < CASES[name].max_pickle


# ---------------------------------------------------------------------- persistence
@pytest.mark.parametrize("name", CASES)
def test_save_load_predicts_identically(name, fitted_models, tmp_path):
    m, data = _fitted(fitted_models, name)
    path = m.save(tmp_path / "model.json")
    doc = json.loads(path.read_text())
    assert doc["format"] == "crm_models.model" and doc["format_version"] == 1
    assert doc["class"] == f"{type(m).__module__}:{type(m).__qualname__}"
    loaded = load_model(path)
    assert type(loaded) is type(m) and loaded.is_fitted
    assert type(m).load(path).is_fitted
    assert repr(loaded) == repr(m) and _same_params(loaded.get_params(), m.get_params())
    expected, got = _predictions(name, m, data), _predictions(name, loaded, data)
    assert expected.keys() == got.keys()
    for key in expected:
        assert_identical(expected[key], got[key], key)
    assert_identical(m.summary, loaded.summary, "summary")
    for unit in ("time_unit_", "period_"):
        if hasattr(m, unit):
            assert getattr(loaded, unit) == getattr(m, unit)
    # a second save of the loaded model writes the same state
    assert json.loads(loaded.save(tmp_path / "again.json").read_text())["state"] == doc["state"]


@pytest.mark.parametrize("name", CASES)
def test_load_refuses_newer_format_and_foreign_classes(name, fitted_models, tmp_path):
    m, _ = _fitted(fitted_models, name)
    doc = json.loads(m.save(tmp_path / "model.json").read_text())
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**doc, "format_version": doc["format_version"] + 1}))
    with pytest.raises(CRMDataError, match="format version"):
        load_model(newer)
    for foreign in ("os:system", "sklearn.cluster:KMeans", "crm_models.errors:CRMDataError"):
        bad = tmp_path / "foreign.json"
        bad.write_text(json.dumps({**doc, "class": foreign}))
        with pytest.raises(CRMDataError, match="not a crm_models model"):
            load_model(bad)
    other = GammaGammaModel if not isinstance(m, GammaGammaModel) else BetaGeoModel
    with pytest.raises(CRMDataError, match="not a"):
        other.load(tmp_path / "model.json")


def test_loaded_models_keep_their_units(fitted_models, tmp_path):
    m, summary = _fitted(fitted_models, "bgnbd")
    loaded = load_model(m.save(tmp_path / "bg.json"))
    tx = sample_transactions()
    daily = crm.data.rfm_summary(tx, tx["date"].max(), period="D", time_unit="D")
    with pytest.raises(CRMDataError, match="time_unit"):
        loaded.expected_purchases(daily, 10)
    churn, rossi = _fitted(fitted_models, "churn_weibull")
    loaded = load_model(churn.save(tmp_path / "churn.json"))
    days = rossi.copy()
    days.attrs["crm_churn"] = {**rossi.attrs["crm_churn"], "time_unit": "D"}
    with pytest.raises(CRMDataError, match="time_unit"):
        loaded.churn_probability(days, 6)


def test_constructor_errors_are_raised_by_fit():
    rossi = _rossi()
    with pytest.raises(crm.errors.ModelSpecificationError, match="unknown kind"):
        ChurnModel("exponential").fit(rossi)
    with pytest.raises(crm.errors.ModelSpecificationError, match="penalizer"):
        BetaGeoModel(penalizer=-1.0).fit(_summary())
    with pytest.raises(crm.errors.ModelSpecificationError, match="correlation_threshold"):
        GammaGammaModel(correlation_threshold="high").fit(_summary())


def test_formula_with_learnt_state_is_not_saved():
    """A formula design whose transforms learnt values from the training data (center(),
    scale(), splines) cannot be rebuilt from the formula: saving it is refused."""
    import formulaic

    from crm_models.churn.design import DesignSpec
    from crm_models.churn.models import _formula_probe

    d = _rossi()
    mm = formulaic.model_matrix("center(age) + prio", d)
    spec = DesignSpec(covariates=["age", "prio"], columns=[c for c in mm.columns if c != "Intercept"],
                      formula="center(age) + prio", _formula_spec=mm.model_spec)
    with pytest.raises(crm.errors.ModelSpecificationError, match="stateful"):
        _formula_probe(spec)
