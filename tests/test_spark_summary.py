"""crm.spark.rfm_summary equals crm.data.rfm_summary exactly (every column, every bit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spark_fixtures import cdnow_master, cdnow_master_sdf, messy_transactions, spark  # noqa: F401

import crm_models as crm
import crm_models.spark  # noqa: F401  (crm.spark)
from crm_models.errors import CRMDataError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def simulated():
    """Simulated purchases with times of day and extra same-day orders (merged by the summary)."""
    return messy_transactions(2000, seed=3, n_repeated=500)


@pytest.fixture(scope="module")
def simulated_sdf(spark, simulated):  # noqa: F811
    sdf = spark.createDataFrame(simulated).cache()
    yield sdf
    sdf.unpersist()


@pytest.mark.parametrize("calibration_end", [None, "1997-09-30"])
def test_cdnow_master_equals_pandas_exactly(cdnow_master, cdnow_master_sdf, calibration_end):  # noqa: F811
    expected = crm.data.rfm_summary(cdnow_master, "1998-06-30", period="D", time_unit="W",
                                    calibration_end=calibration_end)
    got = crm.spark.to_pandas_summary(crm.spark.rfm_summary(
        cdnow_master_sdf, "1998-06-30", period="D", time_unit="W", calibration_end=calibration_end))
    assert len(got) == 23_570
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs["time_unit"] == "W" and got.attrs["observation_end"] == "1998-06-30"
    if calibration_end is not None:  # a real holdout: 39 weeks of purchases after the calibration
        assert got["duration_holdout"].iloc[0] == pytest.approx(39.0)
        assert got["frequency_holdout"].sum() > 0


@pytest.mark.parametrize(("period", "time_unit", "calibration_end", "amount"), [
    ("W", None, None, "amount"),           # weeks ending Sunday (pandas W-SUN), times in weeks
    ("W", "D", "2024-06-30", "amount"),    # weekly purchases, times in days, with holdout
    ("D", "W", "2023-06-30", None),        # part of the cohort first buys after the calibration
    ("M", None, "2024-03-31", "amount"),   # calendar months
])
def test_simulated_equals_pandas_exactly(simulated, simulated_sdf, period, time_unit, calibration_end,
                                         amount):
    tx = simulated if amount else simulated.drop(columns="amount")
    expected = crm.data.rfm_summary(tx, "2024-10-31", period=period, time_unit=time_unit,
                                    calibration_end=calibration_end)
    got = crm.spark.to_pandas_summary(crm.spark.rfm_summary(
        simulated_sdf, "2024-10-31", period=period, time_unit=time_unit,
        calibration_end=calibration_end, amount=amount))
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    if calibration_end == "2023-06-30":
        assert 0 < len(got) < simulated["customer_id"].nunique()


def test_date_and_timestamp_ntz_columns_and_other_names(simulated, simulated_sdf):
    from pyspark.sql import functions as F

    renamed = simulated_sdf.select(F.col("customer_id").alias("cust"),
                                   F.to_date("date").alias("day"), F.col("amount").alias("total"))
    got = crm.spark.to_pandas_summary(crm.spark.rfm_summary(
        renamed, "2024-10-31", time_unit="W", customer_id="cust", date="day", amount="total"),
        customer_id="cust")
    expected = crm.data.rfm_summary(simulated.assign(date=simulated["date"].dt.normalize()), "2024-10-31",
                                    time_unit="W")
    pd.testing.assert_frame_equal(got, expected.rename_axis("cust"), check_exact=True)

    ntz = simulated_sdf.withColumn("date", F.col("date").cast("timestamp_ntz"))
    s = crm.spark.rfm_summary(ntz, "2024-10-31", time_unit="W", n_buckets=3)
    pd.testing.assert_frame_equal(crm.spark.to_pandas_summary(s),
                                  crm.data.rfm_summary(simulated, "2024-10-31", time_unit="W"),
                                  check_exact=True)


def test_compress_summary_counts_distinct_rows(simulated, simulated_sdf):
    s = crm.spark.rfm_summary(simulated_sdf, "2024-10-31", time_unit="W")
    c = crm.spark.compress_summary(s)
    expected = (crm.data.rfm_summary(simulated, "2024-10-31", time_unit="W")
                .groupby(["frequency", "recency", "T"]).size().rename("weight").reset_index())
    pd.testing.assert_frame_equal(c, expected, check_exact=True)
    assert c["weight"].sum() == simulated["customer_id"].nunique()
    assert len(c) < c["weight"].sum()


def test_bad_input_is_named(spark, simulated_sdf):  # noqa: F811
    from pyspark.sql import functions as F

    rfm = crm.spark.rfm_summary
    with pytest.raises(CRMDataError, match="'amount'.*amount=None"):
        rfm(simulated_sdf.drop("amount"), "2024-10-31")
    with pytest.raises(CRMDataError, match="'date'.*date or timestamp"):
        rfm(simulated_sdf.withColumn("date", F.date_format("date", "yyyy-MM-dd")), "2024-10-31")
    with pytest.raises(CRMDataError, match="'amount'.*numeric"):
        rfm(simulated_sdf.withColumn("amount", F.col("amount").cast("string")), "2024-10-31")
    with pytest.raises(CRMDataError, match="unknown period"):
        rfm(simulated_sdf, "2024-10-31", period="fortnight")
    with pytest.raises(CRMDataError, match="calendar periods"):
        rfm(simulated_sdf, "2024-10-31", period="M", time_unit="W")
    with pytest.raises(CRMDataError, match="must be before observation_end"):
        rfm(simulated_sdf, "2024-10-31", calibration_end="2024-12-01")
    with pytest.raises(CRMDataError, match="not a date"):
        rfm(simulated_sdf, "end of year")
    with pytest.raises(CRMDataError, match="expected a Spark DataFrame"):
        rfm(pd.DataFrame({"customer_id": [1], "date": [pd.Timestamp("2024-01-01")]}), "2024-10-31")
    # data problems: found by the one validation job
    with pytest.raises(CRMDataError, match="every transaction is after the observation end 2020-01-01"):
        rfm(simulated_sdf, "2020-01-01")
    with pytest.raises(CRMDataError, match="calibration_end 2022-01-01 is before the first transaction"):
        rfm(simulated_sdf, "2024-10-31", calibration_end="2022-01-01")
    nulls = simulated_sdf.withColumn(
        "customer_id", F.when(F.col("amount") > 200, None).otherwise(F.col("customer_id")))
    with pytest.raises(CRMDataError, match="'customer_id'.*missing value"):
        rfm(nulls, "2024-10-31")
    with pytest.raises(CRMDataError, match="empty"):
        rfm(simulated_sdf.limit(0), "2024-10-31")


def test_a_days_orders_are_summed_in_time_order_like_the_loaded_table(spark):  # noqa: F811
    """load_transactions sorts a customer's rows by time; a day's orders given out of time order must
    be summed by the Spark summary in that order too (for 90 of 300 random days the float sum differs)."""
    rng = np.random.default_rng(0)
    days = []
    times = ["2024-01-01 09:00"] + [f"2024-02-01 {h}:00" for h in (14, 13, 12, 11, 10)]  # reverse order
    for k in range(40):
        amounts = np.round(rng.uniform(0, 100, 5), 2)
        days.append(pd.DataFrame({
            "customer_id": f"c{k}",
            "date": pd.to_datetime(times),
            "amount": [5.0, *amounts]}))
    raw = pd.concat(days, ignore_index=True)
    expected = crm.data.rfm_summary(crm.data.load_transactions(raw), "2024-03-01")
    in_input_order = crm.data.rfm_summary(raw, "2024-03-01")
    differ = expected["monetary_value"].to_numpy() != in_input_order["monetary_value"].reindex(
        expected.index.astype(str)).to_numpy()
    assert differ.sum() >= 5  # so the comparison below can fail
    sdf = spark.createDataFrame(raw.assign(date=raw["date"].astype("datetime64[us]")))
    got = crm.spark.to_pandas_summary(crm.spark.rfm_summary(sdf, "2024-03-01"))
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_index_type=False)
