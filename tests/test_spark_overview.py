"""The overview report's transaction side on Spark equals the pandas engine's, part by part."""

import pandas as pd
import pytest

import crm_models as crm
from crm_models.data import datasets
from crm_models.errors import CRMDataError

pytestmark = pytest.mark.slow  # local Spark and report notebooks


@pytest.fixture(scope="module")
def sample_parquet(tmp_path_factory):
    path = tmp_path_factory.mktemp("overview") / "orders.parquet"
    tx = datasets.sample_transactions()
    tx.assign(customer_id=tx["customer_id"].astype(str)).to_parquet(path, coerce_timestamps="us")
    return str(path)


def _assert_same(a, b):
    assert a.observation_end == b.observation_end
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=False, rtol=1e-12, check_index_type=False)
    pd.testing.assert_frame_equal(a.activity, b.activity, check_exact=False, rtol=1e-12)
    assert list(a.key_figures.index) == list(b.key_figures.index)
    for key, value in a.key_figures.items():
        other = b.key_figures[key]
        assert (value == other) if isinstance(value, str) else value == pytest.approx(other, rel=1e-12), key
    pd.testing.assert_series_equal(a.spend.sort_index(), b.spend.sort_index(), check_exact=False, rtol=1e-12,
                                   check_index_type=False)
    pd.testing.assert_frame_equal(a.rfm, b.rfm, check_exact=False, rtol=1e-12, check_index_type=False)
    for name in ("stages", "tiers"):
        pd.testing.assert_series_equal(getattr(a, name).sort_index().astype(str),
                                       getattr(b, name).sort_index().astype(str), check_index_type=False)


@pytest.mark.parametrize("anonymize", [False, True])
def test_spark_overview_data_equals_pandas(spark, sample_parquet, anonymize):
    load = crm.report.load_overview_data
    on_pandas = load(sample_parquet, observation_end="2024-12-31", anonymize=anonymize)
    on_spark = load(sample_parquet, observation_end="2024-12-31", anonymize=anonymize, engine="spark",
                    spark=spark)
    assert on_spark.engine == "spark" and len(on_spark.summary) == on_pandas.key_figures["customers"] == 3000
    _assert_same(on_pandas, on_spark)
    if anonymize:
        assert on_spark.summary.index.str.startswith("cust-").all()


def test_default_end_is_the_last_purchase_on_both_engines(spark, sample_parquet):
    a = crm.report.load_overview_data(sample_parquet)
    b = crm.report.load_overview_data(sample_parquet, engine="spark", spark=spark)
    assert a.observation_end == b.observation_end
    _assert_same(a, b)


def test_bad_engine_and_missing_column_are_named(spark, sample_parquet):
    with pytest.raises(CRMDataError, match="unknown engine 'dask'") as err:
        crm.report.load_overview_data(sample_parquet, engine="dask")
    assert err.value.column == "engine"
    with pytest.raises(CRMDataError, match="missing column") as err:
        crm.report.load_overview_data(sample_parquet, amount="revenue", engine="spark", spark=spark)
    assert err.value.source == sample_parquet and err.value.column == "revenue"


def _markdown(nb) -> list[str]:
    return ["".join(out["data"]["text/markdown"]) for cell in nb.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if "text/markdown" in out.get("data", {})]


def test_overview_notebook_reads_the_same_on_spark(spark, sample_parquet, run_notebook, tmp_path):
    subscriptions, survey = tmp_path / "subscriptions.parquet", tmp_path / "survey.parquet"
    datasets.sample_subscriptions().to_parquet(subscriptions, coerce_timestamps="us")
    datasets.sample_survey().to_parquet(survey)
    params = {"transactions_path": sample_parquet, "observation_end": "2024-12-31",
              "subscriptions_path": str(subscriptions), "survey_path": str(survey)}
    on_pandas = _markdown(run_notebook("overview", params))
    on_spark = _markdown(run_notebook("overview", {**params, "engine": "spark"}))
    # both readers record what they read: the same "Data used" section
    data_used = [m for m in on_pandas if m.startswith("## Data used")]
    assert len(data_used) == 1 and "**12,809** used" in data_used[0]
    on_pandas = [m for m in on_pandas if m]
    on_spark = [m for m in on_spark if m]
    # every heading, key figure and sentence of the report, including the CLV, churn, CSI and segment
    # summaries (subscriptions and survey are read through Spark too)
    assert len(on_spark) == len(on_pandas) >= 5
    assert on_spark == on_pandas
    text = "\n".join(on_spark)
    assert "3,000" in text and "### " in text
    for area in ("ov_churn", "ov_csi"):  # the churn and satisfaction sections are there
        assert crm.report.i18n.t(area, "en") in text
