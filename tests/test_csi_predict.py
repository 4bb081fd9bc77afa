"""PLSpredict (crm.csi.predict_pls) against independent computations.

No published PLSpredict output on data we hold is available, so:

* PLS out-of-sample predictions equal a brute-force reference written here: a plain loop over
  the result's folds refitting ``PLSPM`` on the training rows, scores from the outer weights
  table, paths by ``numpy.linalg.lstsq`` on the training scores, loadings by ``np.corrcoef``
  (mobi ECSI model, DA and EA, 1e-10);
* the LM benchmark equals scikit-learn's ``LinearRegression`` + ``cross_val_predict`` on the
  same folds (1e-10);
* in-sample predictions equal those built from ``model.transform`` and the fitted paths;
* a seeded composite population with known truth: the out-of-sample RMSE of a standardised
  endogenous indicator is its true noise sd and Q²predict the true R²-implied value (within
  sampling error); without a real path Q²predict <= ~0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.csi import MOBI_BLOCKS, MOBI_PATHS, composite_population, mobi, simulate_composite_survey
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_predict

import crm_models as crm
from crm_models.csi import PLSPM, PLSPredictResult, predict_pls
from crm_models.errors import CRMDataError

ENDO = [lv for lv in MOBI_BLOCKS if lv in MOBI_PATHS]
EXO = [lv for lv in MOBI_BLOCKS if lv not in MOBI_PATHS]
ENDO_ITEMS = [it for lv in ENDO for it in MOBI_BLOCKS[lv]]


@pytest.fixture(scope="module")
def survey(shared_data):
    return mobi(shared_data)


@pytest.fixture(scope="module")
def model(survey):
    return PLSPM(MOBI_PATHS, MOBI_BLOCKS).fit(survey)


def _topological(paths, blocks):
    done: list[str] = []
    while len(done) < len(blocks):
        for lv in blocks:
            if lv not in done and all(p in done for p in paths.get(lv, [])):
                done.append(lv)
                break
    return done


def brute_pls(df: pd.DataFrame, folds, technique: str, paths=MOBI_PATHS, blocks=MOBI_BLOCKS,
              in_sample: bool = False, **settings) -> pd.DataFrame:
    """Fold-by-fold refit, plain numpy: the PLS predictions of the endogenous items per held-out row.

    ``in_sample=True``: each fold's fit predicts its own training rows instead, averaged over
    the fits trained on the row (seminr's in-sample predictions).
    """
    order = _topological(paths, blocks)
    endo_items = [it for lv in order if lv in paths for it in blocks[lv]]
    out = pd.DataFrame(0.0, index=df.index, columns=endo_items)
    times = pd.Series(0.0, index=df.index)
    for rep in folds:
        for test in rep:
            train = np.setdiff1d(np.arange(len(df)), test)
            tr = df.iloc[train]
            te = tr if in_sample else df.iloc[test]
            times[te.index] += 1
            m = PLSPM(paths, blocks, **settings).fit(tr)
            w = m.outer_weights_
            mean, sd = tr.mean(), tr.std(ddof=0)

            def scores(rows, m=m, w=w, mean=mean, sd=sd):
                treated = rows - mean
                if m.scaled:
                    treated = treated / sd
                return pd.DataFrame({lv: treated[blocks[lv]].to_numpy() @ w[blocks[lv]].to_numpy()
                                     for lv in blocks}, index=rows.index)

            s_tr, s_te = scores(tr), scores(te)
            pred = s_te.copy()
            for lv in order:
                if lv not in paths:
                    continue
                beta = np.linalg.lstsq(np.column_stack([np.ones(len(tr)), s_tr[paths[lv]]]),
                                       s_tr[lv].to_numpy(), rcond=None)[0]
                source = s_te if technique == "DA" else pred
                pred[lv] = beta[0] + source[paths[lv]].to_numpy() @ beta[1:]
                for it in blocks[lv]:
                    load = np.corrcoef(tr[it], s_tr[lv])[0, 1]
                    out.loc[te.index, it] += mean[it] + sd[it] * load * pred[lv]
    return out.div(times, axis=0)


def sklearn_lm(df: pd.DataFrame, folds, technique: str) -> pd.DataFrame:
    out = pd.DataFrame(0.0, index=df.index, columns=ENDO_ITEMS)
    for rep in folds:
        cv = [(np.setdiff1d(np.arange(len(df)), t), t) for t in rep]
        for lv in ENDO:
            preds = MOBI_PATHS[lv] if technique == "DA" else EXO
            X = df[[it for p in preds for it in MOBI_BLOCKS[p]]].to_numpy()
            for it in MOBI_BLOCKS[lv]:
                out[it] += cross_val_predict(LinearRegression(), X, df[it].to_numpy(), cv=cv)
    return out / len(folds)


# ---------------------------------------------------------------------------------------- references
@pytest.mark.parametrize("technique", ["DA", "EA"])
def test_pls_predictions_equal_a_fold_by_fold_refit(survey, model, technique):
    res = predict_pls(model, n_folds=10, technique=technique, seed=3)
    assert len(res.folds) == 1 and len(res.folds[0]) == 10
    assert sorted(np.concatenate(res.folds[0]).tolist()) == list(range(len(survey)))
    ref = brute_pls(survey, res.folds, technique)
    np.testing.assert_allclose(res.pls_out.to_numpy(), ref[res.pls_out.columns].to_numpy(), rtol=0,
                               atol=1e-10)
    assert list(res.pls_out.columns) == ENDO_ITEMS
    assert res.pls_out.index.equals(survey.index)


@pytest.mark.parametrize("technique", ["DA", "EA"])
def test_lm_equals_sklearn_cross_val_predict(survey, model, technique):
    res = predict_pls(model, n_folds=5, technique=technique, seed=11)
    ref = sklearn_lm(survey, res.folds, technique)
    np.testing.assert_allclose(res.lm_out.to_numpy(), ref[res.lm_out.columns].to_numpy(), rtol=0, atol=1e-10)


def test_other_settings_equal_the_refit(survey):
    """Path scheme, a formative block and raw units: the batched fold fits still equal refits."""
    settings = {"scheme": "path", "modes": {"IMAG": "B"}, "scaled": False}
    m = PLSPM(MOBI_PATHS, MOBI_BLOCKS, **settings).fit(survey)
    res = predict_pls(m, n_folds=7, technique="EA", seed=2)
    ref = brute_pls(survey, res.folds, "EA", **settings)
    np.testing.assert_allclose(res.pls_out.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-10)


def test_repeated_folds_average_the_predictions(survey, model):
    res = predict_pls(model, n_folds=5, technique="DA", seed=4, reps=3)
    assert res.reps == 3 and len(res.folds) == 3
    assert not all(np.array_equal(a, b) for a, b in zip(res.folds[0], res.folds[1], strict=True))
    ref = brute_pls(survey, res.folds, "DA")
    np.testing.assert_allclose(res.pls_out.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-10)
    lm = sklearn_lm(survey, res.folds, "DA")
    np.testing.assert_allclose(res.lm_out.to_numpy(), lm.to_numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("technique", ["DA", "EA"])
def test_in_sample_predictions_average_the_training_fits(survey, model, technique):
    res = predict_pls(model, n_folds=5, technique=technique, seed=0)
    ref = brute_pls(survey, res.folds, technique, in_sample=True)
    np.testing.assert_allclose(res.pls_in.to_numpy(), ref[res.pls_in.columns].to_numpy(), rtol=0, atol=1e-10)
    n = len(survey)
    lm = pd.DataFrame(0.0, index=survey.index, columns=ENDO_ITEMS)
    for test in res.folds[0]:
        train = np.setdiff1d(np.arange(n), test)
        for lv in ENDO:
            preds = MOBI_PATHS[lv] if technique == "DA" else EXO
            X = survey[[it for p in preds for it in MOBI_BLOCKS[p]]].iloc[train]
            fitted = LinearRegression().fit(X, survey[MOBI_BLOCKS[lv]].iloc[train]).predict(X)
            lm.iloc[train, [ENDO_ITEMS.index(it) for it in MOBI_BLOCKS[lv]]] += fitted / 4
    np.testing.assert_allclose(res.lm_in.to_numpy(), lm[res.lm_in.columns].to_numpy(), atol=1e-10)


def test_metrics_and_q2_from_their_definitions(survey, model):
    res = predict_pls(model, n_folds=10, seed=8)
    naive = pd.DataFrame(index=survey.index, columns=ENDO_ITEMS, dtype=float)
    for test in res.folds[0]:
        train = np.setdiff1d(np.arange(len(survey)), test)
        naive.iloc[test] = np.tile(survey.iloc[train][ENDO_ITEMS].mean().to_numpy(), (len(test), 1))
    y = survey[ENDO_ITEMS]
    e_pls, e_lm = y - res.pls_out, y - res.lm_out
    m = res.metrics
    np.testing.assert_allclose(m["pls_rmse"], np.sqrt((e_pls ** 2).mean()), atol=1e-12)
    np.testing.assert_allclose(m["lm_mae"], e_lm.abs().mean(), atol=1e-12)
    np.testing.assert_allclose(m["pls_mae_in"], (y - res.pls_in).abs().mean(), atol=1e-12)
    np.testing.assert_allclose(m["q2_predict"], 1 - (e_pls ** 2).sum() / ((y - naive) ** 2).sum(), atol=1e-12)
    s = res.summary
    assert list(s.columns) == ["construct", "PLS RMSE", "PLS MAE", "LM RMSE", "LM MAE", "Q²predict"]
    assert list(s.index) == ENDO_ITEMS
    # in-sample errors are smaller than out-of-sample ones on average (over-fitting shows)
    assert (m["lm_rmse_in"] < m["lm_rmse"]).all()
    v = res.verdict()
    assert list(v.index) == ENDO and v.loc["CUSL", "indicators"] == 3


def test_loo_is_seed_free_and_fast_path_equals_refit(survey, model):
    a = predict_pls(model, n_folds=None, seed=0)
    b = predict_pls(model, n_folds=len(survey), seed=123, reps=4)
    assert a.n_folds == b.n_folds == len(survey) and b.reps == 1
    pd.testing.assert_frame_equal(a.pls_out, b.pls_out)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    # every 25th held-out row against a refit without it
    picks = ((np.array([i]),) for i in range(0, len(survey), 25))
    folds = (tuple(f[0] for f in picks),)
    ref = brute_pls(survey, folds, "DA")
    rows = np.arange(0, len(survey), 25)
    np.testing.assert_allclose(a.pls_out.iloc[rows].to_numpy(), ref.iloc[rows].to_numpy(), atol=1e-10)


def test_same_seed_same_result(model):
    a = predict_pls(model, n_folds=5, technique="EA", seed=7, reps=2)
    b = predict_pls(model, n_folds=5, technique="EA", seed=7, reps=2)
    c = predict_pls(model, n_folds=5, technique="EA", seed=8, reps=2)
    pd.testing.assert_frame_equal(a.pls_out, b.pls_out)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    assert not np.allclose(a.pls_out.to_numpy(), c.pls_out.to_numpy())


def test_model_without_kept_rows_takes_data(survey):
    m = PLSPM(MOBI_PATHS, MOBI_BLOCKS, keep_data=False).fit(survey)
    with pytest.raises(CRMDataError, match="keeps no survey rows"):
        predict_pls(m)
    kept = predict_pls(PLSPM(MOBI_PATHS, MOBI_BLOCKS).fit(survey), seed=1)
    pd.testing.assert_frame_equal(predict_pls(m, seed=1, data=survey).summary, kept.summary)


# ---------------------------------------------------------------------------------------- simulation
def _composite(path: float, n: int, seed: int):
    paths = {"Y": ["X"]}
    Sigma, items, rho = composite_population(paths, {("X", "Y"): path}, {}, {"X": 4, "Y": 4}, within=0.5)
    df = simulate_composite_survey(n, seed, Sigma, items)
    loading = (1 + 3 * 0.5) / np.sqrt(4 + 12 * 0.5)  # item-composite correlation of an equicorrelated block
    return df, paths, {"X": items[:4], "Y": items[4:]}, loading


def test_simulation_recovers_the_noise_and_the_predictable_share():
    """True model: y_i = lambda * rho * X + e, var(e) = 1 - (lambda rho)^2 (standardised items).

    The best linear prediction of an item of Y from the X items is lambda * rho * (X composite), so
    the out-of-sample RMSE of a standardised item is sqrt(1 - (lambda rho)^2) and Q²predict is
    (lambda rho)^2; with n = 4000 their sampling sds are ~0.01 and ~0.015.
    """
    rho = 0.6
    df, paths, blocks, lam = _composite(rho, 4000, seed=21)
    res = predict_pls(PLSPM(paths, blocks).fit(df), n_folds=10, technique="DA", seed=0)
    m = res.metrics
    noise = np.sqrt(1 - (lam * rho) ** 2)
    np.testing.assert_allclose(m["pls_rmse"] / 1.5, noise, atol=0.03)  # simulate_composite_survey: 1.5 sd
    np.testing.assert_allclose(m["q2_predict"], (lam * rho) ** 2, atol=0.05)
    assert (m["q2_predict"] > 0.15).all()


def test_no_real_path_gives_no_predictive_relevance():
    df, paths, blocks, _ = _composite(0.0, 1000, seed=5)
    res = predict_pls(PLSPM(paths, blocks).fit(df), n_folds=10, seed=0)
    assert (res.metrics["q2_predict"] <= 0.01).all()
    assert (res.metrics["q2_predict"] > -0.02).all()


# ---------------------------------------------------------------------------------------- verdict
def _fake(pls_err: list[float], lm_err: list[float]) -> PLSPredictResult:
    k = len(pls_err)
    cols = [f"y{i}" for i in range(k)]
    y = pd.DataFrame(np.tile([[1.0], [-1.0]], (1, k)), columns=cols)
    def pred(err):
        return y - pd.DataFrame(np.tile([[1.0], [-1.0]], (1, k)) * np.array(err), columns=cols)
    zero = pd.DataFrame(0.0, index=y.index, columns=cols)
    folds = ((np.array([0]), np.array([1])),)
    return PLSPredictResult(technique="DA", n_folds=2, reps=1, seed=0, folds=folds,
                            constructs={"Y": cols}, actual=y, pls_out=pred(pls_err), lm_out=pred(lm_err),
                            naive_out=zero, pls_in=pred(pls_err), lm_in=pred(lm_err))


@pytest.mark.parametrize(("pls", "power", "better"), [
    ([0.1, 0.1, 0.1, 0.1], "high", 4), ([0.1, 0.1, 0.1, 0.9], "medium", 3),
    ([0.1, 0.1, 0.9, 0.9], "low", 2), ([0.9, 0.5, 0.9, 0.9], "none", 0), ([0.5, 0.5, 0.5, 0.5], "none", 0)])
def test_verdict_follows_the_guideline(pls, power, better):
    v = _fake(pls, [0.5] * 4).verdict()
    assert v.loc["Y", "predictive_power"] == power and v.loc["Y", "pls_better"] == better
    assert _fake(pls, [0.5] * 4).verdict("MAE").loc["Y", "predictive_power"] == power
    assert v.loc["Y", "q2_positive"] == 4  # errors < 1 = the naive (zero) error


# ---------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_folds": 1}, "between 2 and 250"), ({"n_folds": 251}, "between 2 and 250"),
    ({"n_folds": 2.5}, "integer"), ({"n_folds": True}, "integer"), ({"technique": "XA"}, "technique"),
    ({"reps": 0}, "at least 1")])
def test_bad_arguments(model, kwargs, match):
    with pytest.raises(CRMDataError, match=match):
        predict_pls(model, **kwargs)


def test_unfitted_or_foreign_model():
    with pytest.raises(CRMDataError, match="not fitted"):
        predict_pls(PLSPM(MOBI_PATHS, MOBI_BLOCKS))
    with pytest.raises(CRMDataError, match="PLSPM"):
        predict_pls(LinearRegression())
    with pytest.raises(CRMDataError, match="metric"):
        _fake([0.1], [0.2]).verdict("mape")


def test_too_small_training_folds(survey):
    m = PLSPM(MOBI_PATHS, MOBI_BLOCKS).fit(survey.iloc[:12])
    with pytest.raises(CRMDataError, match="only 6 respondents"):
        predict_pls(m, n_folds=2)


def test_exported_from_the_package():
    assert crm.csi.predict_pls is predict_pls


def test_consistent_pls_uses_each_folds_consistent_paths_and_loadings(survey):
    """PLSc: the batched folds equal refits with ``consistent=True`` (their paths and consistent loadings)."""
    m = PLSPM(MOBI_PATHS, MOBI_BLOCKS, scheme="factorial", consistent=True).fit(survey)
    res = predict_pls(m, n_folds=4, technique="DA", seed=9)
    expected = pd.DataFrame(index=survey.index, columns=ENDO_ITEMS, dtype=float)
    for test in res.folds[0]:
        tr = survey.drop(index=survey.index[test])
        fold = PLSPM(MOBI_PATHS, MOBI_BLOCKS, scheme="factorial", consistent=True).fit(tr)
        y = fold.transform(survey.iloc[test])
        mean, sd, load = tr.mean(), tr.std(ddof=0), fold.outer_loadings_
        for lv in ENDO:
            pred = y[MOBI_PATHS[lv]] @ fold.path_coefficients_.loc[lv, MOBI_PATHS[lv]]
            for it in MOBI_BLOCKS[lv]:
                expected.loc[y.index, it] = mean[it] + sd[it] * load[it] * pred
    np.testing.assert_allclose(res.pls_out.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-10)


# ---------------------------------------------------------------------------------------- seminr
SEMINR_COLUMNS = {"plsOutOfSample_RMSE": "pls_rmse", "plsOutOfSample_MAE": "pls_mae",
                  "lmOutOfSample_RMSE": "lm_rmse", "lmOutOfSample_MAE": "lm_mae",
                  "plsInSample_RMSE": "pls_rmse_in", "plsInSample_MAE": "pls_mae_in",
                  "lmInSample_RMSE": "lm_rmse_in", "lmInSample_MAE": "lm_mae_in"}


@pytest.mark.parametrize("technique", ["DA", "EA"])
def test_matches_seminr_predict_pls(survey, technique):
    """seminr's predict_pls on the same model, folds and data: every RMSE and MAE, in and out of sample."""
    import json

    from helpers import REPO

    ref = json.loads((REPO / "tests" / "data" / "seminr_plspredict_ecsi.json").read_text())
    order = np.asarray(ref["shuffle_order"]) - 1
    model = PLSPM(MOBI_PATHS, MOBI_BLOCKS, scheme="path").fit(survey)
    res = predict_pls(model, technique=technique, folds=np.array_split(order, 10))
    metrics = res.metrics
    for key, column in SEMINR_COLUMNS.items():
        if key in ref[technique]:
            np.testing.assert_allclose(metrics.loc[ref["items"], column].to_numpy(), ref[technique][key],
                                       rtol=1e-8, err_msg=f"{technique} {key}")


def test_explicit_folds_are_checked(model, survey):
    n = len(survey)
    with pytest.raises(CRMDataError, match="at least 2"):
        predict_pls(model, folds=[np.arange(n)])
    with pytest.raises(CRMDataError, match="exactly one fold"):
        predict_pls(model, folds=[np.arange(0, 100), np.arange(50, n)])
    res = predict_pls(model, folds=[np.arange(0, 125), np.arange(125, n)])
    assert res.n_folds == 2 and res.reps == 1
