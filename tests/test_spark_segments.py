"""The segments functions on Spark equal the pandas ones exactly (every column, every bit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spark_fixtures import cdnow_master, cdnow_master_sdf, messy_transactions, spark  # noqa: F401

import crm_models as crm
from crm_models.data.datasets import sample_transactions
from crm_models.errors import CRMDataError
from crm_models.spark import segments as seg_spark

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TABLES = ["rfm_table", "lifecycle_stages", "repeat_purchase_rate", "membership_tiers", "membership_history",
          "observed_retention", "recent_spend"]


def assert_same(got, expected):
    if isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(got, expected, check_exact=True)
    else:
        pd.testing.assert_frame_equal(got, expected, check_exact=True)


def assert_same_inputs(got, expected):
    for name in TABLES:
        assert_same(getattr(got, name), getattr(expected, name))
    assert (got.observation_end, got.transactions, got.first_date, got.customers) == (
        expected.observation_end, expected.transactions, expected.first_date, expected.customers)


@pytest.fixture(scope="module")
def sample():
    return sample_transactions()


@pytest.fixture(scope="module")
def sample_sdf(spark, sample):  # noqa: F811
    sdf = spark.createDataFrame(sample).cache()
    yield sdf
    sdf.unpersist()


def test_report_inputs_equal_pandas_on_the_sample(spark, sample):  # noqa: F811
    expected = crm.segments.load_segment_inputs()  # the bundled sample, end 2024-12-31
    got = crm.segments.load_segment_inputs(engine="spark", spark=spark)
    assert_same_inputs(got, expected)
    assert got.customers == 3000 and got.transactions == len(sample)
    # real content, not empty frames: four stages and three tiers occur, 7 evaluations, a retention rate
    assert {"repeat", "loyal", "at risk", "lost"} <= set(got.lifecycle_stages["stage"])
    assert {"ordinary", "gold", "platinum"} <= set(got.membership_tiers["tier"])
    assert got.membership_history.shape == (3000, 7)
    assert 0 < got.observed_retention["retention_rate"] < 1 and len(got.recent_spend) > 1000


def test_report_inputs_equal_pandas_on_cdnow_master(cdnow_master, cdnow_master_sdf):  # noqa: F811
    params = dict(thresholds={"platinum": 500, "gold": 100}, every_days=90, retention_period_days=180)
    expected = crm.segments.segment_inputs(cdnow_master, "1998-06-30", **params)
    got = seg_spark.segment_inputs(cdnow_master_sdf, "1998-06-30", **params)
    assert_same_inputs(got, expected)
    assert got.customers == 23_570 and got.rfm_table.index.dtype == np.int64
    assert got.observed_retention["customers_before"] > 1000
    assert got.membership_history.shape == (23_570, 3)


def test_input_order_is_load_transactions_order(spark):  # noqa: F811
    """Unsorted rows, times of day and extra same-day orders: Spark on the raw rows equals pandas
    on ``load_transactions`` of them (sorted by customer and date, ties in input order)."""
    raw = messy_transactions(400, seed=11, n_repeated=300).sample(frac=1.0, random_state=5)
    raw = raw.reset_index(drop=True)
    expected = crm.segments.segment_inputs(crm.data.load_transactions(raw), "2024-10-31", lost_after=300,
                                           retention_period_days=200)
    got = seg_spark.segment_inputs(spark.createDataFrame(raw), "2024-10-31", lost_after=300,
                                   retention_period_days=200, n_buckets=3)
    assert_same_inputs(got, expected)


@pytest.mark.parametrize(("name", "args", "kwargs"), [
    ("rfm_table", ("2024-12-31", "W", "mean"), {}),
    ("lifecycle_stages", ("2024-12-31", ["C000001", "C000002", "NEVER1", "NEVER2"]),
     {"at_risk_after": 90, "lost_after": 270, "loyal_purchases": 5}),
    ("repeat_purchase_rate", ("2024-12-31", "Q"), {}),
    ("membership_tiers", ("2024-06-30", 180, {"gold": 100, "silver": 40}),
     {"credit": pd.Series([False, False], index=["C000001", "C000007"])}),
    ("membership_history", (None, "2024-11-30", 45), {"values": "points"}),
    ("observed_retention_rate", ("2024-12-31", 180), {}),
])
def test_each_function_equals_pandas(sample, sample_sdf, name, args, kwargs):
    expected = getattr(crm.segments, name)(sample, *args, **kwargs)
    got = getattr(seg_spark, name)(sample_sdf, *args, **kwargs)
    assert_same(got, expected)
    if name == "lifecycle_stages":
        assert (got["stage"] == "potential").sum() == 2
    if name == "membership_tiers":  # enough points for silver, but bad credit: ordinary
        assert got.loc["C000001", "points"] >= 40 and got.loc["C000001", "tier"] == "ordinary"


def test_bad_input_names_the_source_and_column(spark, sample, sample_sdf, tmp_path):  # noqa: F811
    with pytest.raises(CRMDataError, match="missing column") as err:
        seg_spark.segment_inputs(sample_sdf.drop("amount"), "2024-12-31")
    assert (err.value.source, err.value.column) == ("Spark DataFrame", "amount")

    with pytest.raises(CRMDataError, match="no such table") as err:
        crm.segments.load_segment_inputs("crm_no_such_orders", engine="spark", spark=spark)
    assert err.value.source == "table crm_no_such_orders"

    path = tmp_path / "orders.parquet"
    sample.rename(columns={"amount": "value"}).to_parquet(path, coerce_timestamps="us")  # Spark: no ns
    with pytest.raises(CRMDataError, match="missing column") as err:
        crm.segments.load_segment_inputs(str(path), engine="spark", spark=spark)
    assert (err.value.source, err.value.column) == (str(path), "amount")

    with pytest.raises(CRMDataError, match="unknown engine 'dask'") as err:
        crm.segments.load_segment_inputs(engine="dask")
    assert err.value.column == "engine"


def test_bad_values_and_windows_are_refused_like_pandas(spark, sample, sample_sdf):  # noqa: F811
    from pyspark.sql import functions as F

    with_null = sample_sdf.withColumn("customer_id", F.when(F.col("amount") > 500, None)
                                      .otherwise(F.col("customer_id")))
    with pytest.raises(CRMDataError, match="rows with a missing value") as err:
        seg_spark.rfm_table(with_null, "2024-12-31")
    assert err.value.column == "customer_id"
    with pytest.raises(CRMDataError, match=r"lost_after window \(800 days\) is longer than the data"):
        crm.segments.lifecycle_stages(sample, "2024-12-31", lost_after=800)
    with pytest.raises(CRMDataError, match=r"lost_after window \(800 days\) is longer than the data") as err:
        seg_spark.lifecycle_stages(sample_sdf, "2024-12-31", lost_after=800)
    assert err.value.column == "date"
