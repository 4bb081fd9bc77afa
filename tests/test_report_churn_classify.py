"""The churn report's section "who will churn next": numbers recomputed independently, words, escaping."""

from __future__ import annotations

import dataclasses
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from IPython.display import Markdown  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.metrics import brier_score_loss, roc_auc_score  # noqa: E402

import crm_models as crm  # noqa: E402
from crm_models.plotting import churn as plots  # noqa: E402
from crm_models.report.churn import classify, sections, tables  # noqa: E402
from crm_models.report.safe import styler_html  # noqa: E402
from crm_models.report.wording import ALLOWED_LATIN, code_tokens, english_words, visible_text  # noqa: E402

TELCO_COVARIATES = ["Contract", "InternetService", "PaymentMethod", "MonthlyCharges", "SeniorCitizen",
                    "PaperlessBilling"]


def _analyse(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d, info = crm.report.churn.load_churn_data(*args, **kwargs)
        return sections.analyse(d, info, horizon=6)


@pytest.fixture(scope="module")
def tx_res():
    return _analyse(None, "non-contractual", keep_transactions=True)


@pytest.fixture(scope="module")
def tx_who(tx_res):
    return classify.who_will_churn(tx_res, horizon=6)


@pytest.fixture(scope="module")
def sub_res():
    return _analyse(None, "contractual")


@pytest.fixture(scope="module")
def sub_who(sub_res):
    return classify.who_will_churn(sub_res, horizon=6)


# --------------------------------------------------------------------------- transactions: backtest

def test_backtest_cutoffs_are_one_horizon_apart_and_end_with_the_data():
    cuts = classify.backtest_cutoffs("2023-01-01", "2024-12-31", 183, 3)
    assert [str(c.date()) for c in cuts] == ["2023-07-01", "2023-12-31", "2024-07-01"]  # 2024 is a leap year
    assert all((b - a).days == 183 for a, b in zip(cuts, cuts[1:], strict=False))
    # 90 days of history are needed before the first cut-off: a short span keeps fewer
    assert len(classify.backtest_cutoffs("2024-01-01", "2024-12-31", 183, 3)) == 1


@pytest.mark.slow  # the sample's backtest takes about 8 s (shared by the module's tests)
def test_transactions_are_backtested_and_the_table_equals_sklearn(tx_res, tx_who):
    who = tx_who
    assert who.method == "backtest" and who.horizon_days == 183 and who.definition == "purchase"
    assert who.cutoffs == ["2023-07-01", "2023-12-31", "2024-07-01"]
    assert list(who.metrics.index) == ["logit", "hgb", "cox"]
    assert who.metrics["family"].tolist() == ["classifier", "classifier", "survival"]
    assert (who.metrics["splits"] == 2).all()
    # the table is the mean over the scored cut-offs ...
    means = who.per_split.groupby("model")[["roc_auc", "brier"]].mean()
    np.testing.assert_allclose(who.metrics.loc[means.index, ["roc_auc", "brier"]], means, rtol=1e-12)
    # ... and each cut-off's numbers are sklearn's on the predictions of that cut-off
    last = who.per_split[who.per_split["split"] == who.per_split["split"].max()].set_index("model")
    for name, g in who.predictions.groupby("model"):
        assert last.loc[name, "roc_auc"] == pytest.approx(roc_auc_score(g["y"], g["p"]), abs=1e-12)
        assert last.loc[name, "brier"] == pytest.approx(brier_score_loss(g["y"], g["p"]), abs=1e-12)
        ranked = g["y"].to_numpy()[np.argsort(-g["p"].to_numpy(), kind="stable")]
        top = ranked[: int(np.ceil(len(g) / 10))] if len(g) % 10 == 0 else np.array_split(ranked, 10)[0]
        assert last.loc[name, "top_decile_lift"] == pytest.approx(top.mean() / g["y"].mean(), rel=1e-12)
        # the reliability curve drawn is sklearn's calibration curve (quantile bins)
        observed, predicted = calibration_curve(g["y"], g["p"], n_bins=10, strategy="quantile")
        rel = who.reliability[name]
        np.testing.assert_allclose(rel["observed_rate"], observed, atol=1e-12)
        np.testing.assert_allclose(rel["mean_predicted"], predicted, atol=1e-12)
    # every model is scored on the same customers and labels
    per_model = [g.sort_values("customer_id")[["customer_id", "y"]].to_numpy()
                 for _, g in who.predictions.groupby("model")]
    assert all((p == per_model[0]).all() for p in per_model[1:])
    # sane: the classifiers rank well above chance on the sample (logit 0.75, gradient boosting 0.74)
    assert who.metrics.loc["logit", "roc_auc"] > 0.7 and who.metrics.loc["hgb", "roc_auc"] > 0.7


@pytest.mark.slow  # the sample's backtest takes about 8 s (shared by the module's tests)
def test_target_list_is_probability_times_value_times_acceptance_minus_cost(tx_res, tx_who):
    tl = tx_who.targets
    value = classify._value(tx_res)
    assert len(tl) == 20 and tl["rank"].tolist() == list(range(1, 21))
    assert set(tl["customer_id"]) <= set(value.index)  # active customers only
    np.testing.assert_allclose(tl["value"], value.reindex(tl["customer_id"]).to_numpy())
    offer = tx_who.offer_cost
    np.testing.assert_allclose(tl["expected_profit"], tl["churn_probability"] * tl["value"] * 0.3 - offer)
    assert tl["expected_profit"].is_monotonic_decreasing
    # the offer costs the mean value of the scored active customers / 7.5 (the course default)
    assert 0 < offer < value.mean()


@pytest.fixture(scope="module")
def anonymised_res():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d, info = crm.report.churn.load_churn_data(None, "non-contractual", keep_transactions=True)
        return sections.analyse(d, info, horizon=6, anonymize=True)


@pytest.mark.slow
def test_anonymised_report_shows_the_same_pseudonyms_in_the_target_list(anonymised_res):
    res = anonymised_res
    who = classify.who_will_churn(res, horizon=6, anonymize=True, classifiers=("logit",))
    ids = who.targets["customer_id"]
    assert ids.str.startswith("cust-").all() and set(ids) <= set(res.scored["customer_id"])
    assert not set(ids) & set(res.info["transactions"]["customer_id"])


def _on_table(res, engine=None):
    """``res`` with its purchases as a TransactionTable (DuckDB, or uploaded to Spark)."""
    from crm_models.data.tables import transaction_table

    table = transaction_table(res.info["transactions"], engine=engine)
    return dataclasses.replace(res, info={**res.info, "transactions": table}), table


def _same_who(a, b) -> None:
    pd.testing.assert_frame_equal(a.metrics, b.metrics, check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(a.targets, b.targets, check_exact=False, rtol=1e-9)
    assert a.cutoffs == b.cutoffs and a.target_model == b.target_model


@pytest.mark.slow
def test_a_transaction_table_is_backtested_where_it_is(tx_res, monkeypatch):
    on_table, table = _on_table(tx_res)
    monkeypatch.setattr(type(table), "to_pandas", lambda self: pytest.fail("purchases collected"))
    _same_who(classify.who_will_churn(on_table, horizon=6, classifiers=("logit",)),
              classify.who_will_churn(tx_res, horizon=6, classifiers=("logit",)))


@pytest.mark.slow
def test_an_anonymised_report_on_a_table_shows_its_pseudonyms(anonymised_res):
    res = anonymised_res
    on_table, _ = _on_table(res)
    who = classify.who_will_churn(on_table, horizon=6, anonymize=True, classifiers=("logit",))
    ids = who.targets["customer_id"]
    assert len(ids) and ids.str.startswith("cust-").all() and set(ids) <= set(res.scored["customer_id"])
    assert who.predictions["customer_id"].str.startswith("cust-").all()


@pytest.mark.slow
def test_on_spark_the_backtest_collects_no_purchase(spark, tx_res, monkeypatch):
    on_spark, table = _on_table(tx_res, engine="spark")
    assert table.engine == "spark"
    monkeypatch.setattr(type(table), "to_pandas", lambda self: pytest.fail("purchases collected"))
    _same_who(classify.who_will_churn(on_spark, horizon=6, classifiers=("logit",)),
              classify.who_will_churn(tx_res, horizon=6, classifiers=("logit",)))


@pytest.mark.slow  # the sample's backtest takes about 8 s (shared by the module's tests)
def test_too_short_data_say_why_and_show_no_table(tx_res):
    who = classify.who_will_churn(tx_res, horizon=12)  # two 12-month horizons do not fit in 2 years
    assert who.metrics is None and who.reason == "churn_who_too_short"
    items = classify.comparison_items(who, "en")
    assert len(items) == 1 and "choose a shorter horizon" in items[0].data
    assert classify.target_items(who) == []
    assert who.reliability is None  # so show_row draws nothing


# --------------------------------------------------------------------------- subscriptions: backtest

def test_subscriptions_at_cutoff_by_hand():
    d = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
                      "start": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01", "2024-07-01"]),
                      "end": pd.to_datetime(["2024-05-01", "2024-08-01", pd.NaT, pd.NaT]),
                      "plan": ["x", "y", "x", "y"]})
    X, y = classify.subscriptions_at_cutoff(d, "2024-06-01", 91, start="start", end="end", time_unit="D",
                                            covariates=["plan"], id_col="customer_id")
    # a was cancelled before the cut-off, d starts after it; b is cancelled within 91 days, c is not
    assert list(X.index) == ["b", "c"] and y.tolist() == [1, 0]
    assert X["tenure"].tolist() == [152.0, 92.0] and X["plan"].tolist() == ["y", "x"]


@pytest.mark.slow  # the sample's backtest takes about 8 s (shared by the module's tests)
def test_subscription_survival_scores_equal_the_survival_curve_by_hand(sub_res, sub_who):
    who = sub_who
    assert who.method == "backtest" and who.definition == "cancel"
    start, end = classify.subscription_dates(sub_res.data)
    assert (start, end) == ("signup_date", "cancel_date")
    c0, c1 = (pd.Timestamp(c) for c in who.cutoffs[-2:])
    model = classify._survival_at(sub_res, sub_res.data, c0, start, end)
    X1, _ = classify.subscriptions_at_cutoff(sub_res.data, c1, who.horizon_days, start=start, end=end,
                                             covariates=list(model.design_.covariates), id_col="customer_id")
    got = who.predictions[who.predictions["model"] == "cox"].set_index("customer_id")["p"]
    rows = X1.iloc[:5]
    for i, (cid, row) in enumerate(rows.iterrows()):
        a = row["tenure"]
        sf = model.survival_function(rows.iloc[[i]], [a, a + 6], survived=0).iloc[:, 0].to_numpy()
        assert got[cid] == pytest.approx(1 - sf[1] / sf[0], rel=1e-9)
    # the customers scored are those still subscribed at the cut-off
    running = (sub_res.data[start] <= c1) & (sub_res.data[end].isna() | (sub_res.data[end] > c1))
    assert set(got.index) == set(sub_res.data.loc[running, "customer_id"])
    assert who.metrics["roc_auc"].between(0.55, 0.8).all()


# --------------------------------------------------------------------------- words, tables, plots

@pytest.mark.slow  # the sample's backtest takes about 8 s (shared by the module's tests)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_section_text_and_tables_are_words(tx_who, lang):
    items = classify.comparison_items(tx_who, lang)
    assert isinstance(items[0], Markdown) and len(items) == 2
    text = items[0].data + visible_text(styler_html(items[1]))
    text += "".join(i.data if isinstance(i, Markdown) else visible_text(styler_html(i))
                     for i in classify.target_items(tx_who, "€", lang))
    assert code_tokens(text) == []
    if lang == "zh":
        assert "谁会流失" in text and "逻辑回归" in text and "梯度提升" in text
        ids = {w for w in english_words(text) if w.startswith("C") and w[1:].isdigit()}  # customer ids
        assert english_words(text, allowed=ALLOWED_LATIN | ids) == []
    else:
        assert "logistic regression" in text and "Cox proportional hazards" in text
        assert "ROC-AUC" in text and "lift in the top 10 %" in text
    # the verdict names the family that ranks better, with its ROC-AUC as in the table
    best = tx_who.metrics["roc_auc"].max()
    assert f"{best:.3f}" in items[0].data


def _scores(seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 400)
    return y, {"logit": np.clip(0.35 * y + 0.65 * rng.uniform(size=400), 0, 1),
               "hgb": np.clip(0.2 * y + 0.8 * rng.uniform(size=400), 0, 1),
               "cox": rng.uniform(size=400)}


def test_hostile_ids_in_the_target_list_are_escaped():
    evil = '<script>alert("x")</script>'
    scores = pd.Series([0.5, 0.2, 0.9], index=[evil, "</td><b>x</b>", "C1"])
    targets = crm.churn.target_list(scores, 100.0, offer_cost=5.0).rename_axis("customer_id").reset_index()
    html = styler_html(tables.target_table(targets, "€", "en"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html
    text = visible_text(html)
    assert evil in text and "€22.00" in text  # 0.9 x 100 x 0.3 - 5 = 22 for C1, the first row
    assert text.index("C1") < text.index(evil)


def test_family_table_values_and_headers():
    y, p = _scores()
    per_split = pd.DataFrame([{"model": m, "split": 0, **crm.churn.classification_metrics(y, v).to_dict(),
                               "top_decile_lift": crm.churn.gains_table(y, v)["lift"].iloc[0]}
                              for m, v in p.items()])
    metrics = classify._summarise(per_split, {"logit": "classifier", "hgb": "classifier", "cox": "survival"})
    text = visible_text(styler_html(tables.family_table(metrics, "en")))
    for header in ("ROC-AUC (ranking)", "PR-AUC (churners first)", "Brier score (lower is better)",
                   "lift in the top 10 %", "gradient boosting", "logistic regression", "survival model"):
        assert header in text
    assert f"{roc_auc_score(y, p['logit']):.3f}" in text
    zh = visible_text(styler_html(tables.family_table(metrics, "zh")))
    assert "逻辑回归" in zh and "生存模型" in zh and code_tokens(zh) == []
    verdict = classify.family_verdict(metrics)
    assert verdict["classifier"] == "logit" and verdict["ranks"] == "classifier"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plots_draw_the_tables(lang):
    y, p = _scores()
    rel = {m: crm.churn.reliability_table(y, v) for m, v in p.items()}
    gains = {m: crm.churn.gains_table(y, v) for m, v in p.items()}
    fig, (a, b) = plt.subplots(1, 2)
    plots.plot_reliability(rel, ax=a, lang=lang)
    plots.plot_gains(gains, ax=b, lang=lang)
    line = a.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), rel["logit"]["mean_predicted"])
    np.testing.assert_allclose(line.get_ydata(), rel["logit"]["observed_rate"])
    line = b.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), np.r_[0, gains["logit"]["cum_share"]])
    np.testing.assert_allclose(line.get_ydata(), np.r_[0, gains["logit"]["cum_gain"]])
    assert len(a.get_lines()) == len(b.get_lines()) == 4  # three models and the reference diagonal
    names = [t.get_text() for t in b.get_legend().get_texts()]
    assert names == (["logistic regression", "gradient boosting", "Cox proportional hazards", "random order"]
                     if lang == "en" else ["逻辑回归", "梯度提升", "Cox 比例风险模型", "随机顺序"])
    assert a.get_xlabel() == ("predicted churn probability (mean of the group)" if lang == "en"
                              else "预测流失概率（组内平均）")
    # one table without a model name draws one unlabelled curve
    ax = plots.plot_gains(gains["hgb"])
    assert len(ax.get_lines()) == 2
    plt.close("all")


# --------------------------------------------------------------------------- IBM Telco: cross-validation

@pytest.mark.slow
def test_telco_snapshot_cross_validation(shared_data):
    res = _analyse(shared_data / "telco" / "telco_customer_churn.csv", "contractual",
                   customer_id="customerID", duration_col="tenure", event_col="Churn", event_value="Yes",
                   covariates=TELCO_COVARIATES)
    who = classify.who_will_churn(res, horizon=6)
    assert who.method == "cross_validation" and who.folds == 5
    # gradient boosting within the range published for this data (about 0.83-0.86)
    assert 0.83 <= who.metrics.loc["hgb", "roc_auc"] <= 0.86
    assert 0.82 <= who.metrics.loc["logit", "roc_auc"] <= 0.86
    assert who.metrics.loc["cox", "roc_auc"] > 0.7
    # out of fold: every customer once per model, and the pooled numbers are sklearn's
    preds = who.predictions
    assert (preds.groupby("model").size() == len(res.data)).all()
    pooled = crm.churn.classification_metrics(*preds[preds["model"] == "hgb"][["y", "p"]].T.to_numpy())
    assert pooled["roc_auc"] == pytest.approx(who.metrics.loc["hgb", "roc_auc"], abs=0.01)
    # the survival score is 1 - S(a) / S(a - 1), recomputed from the curve of a model fitted alone
    from sklearn.model_selection import StratifiedKFold

    d = res.data
    train, test = next(StratifiedKFold(5, shuffle=True, random_state=0).split(d, d["Churn"]))
    model = crm.churn.ChurnModel("cox", covariates=TELCO_COVARIATES).fit(d.iloc[train], "tenure", "Churn")
    cox = preds[preds["model"] == "cox"].set_index("customer_id")["p"]
    for i in test[:5]:
        a = float(d["tenure"].iloc[i])
        s = max(a - 1, 0.0)
        sf = model.survival_function(d.iloc[[i]], [s, s + 1], survived=0).iloc[:, 0].to_numpy()
        assert cox[d["customerID"].iloc[i]] == pytest.approx(1 - sf[1] / sf[0], rel=1e-9)
    # the target list holds customers who have not left, with gradient boosting's or logit's scores
    assert set(who.targets["customer_id"]) <= set(d.loc[d["Churn"] == 0, "customerID"])
    assert who.target_model in ("hgb", "logit")
