"""crm_models.spark.activity equals the pandas customer_activity, key_figures and tracking counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spark_fixtures import cdnow_master, cdnow_master_sdf, spark  # noqa: F401

import crm_models as crm
from crm_models.data.activity import customer_activity, key_figures
from crm_models.errors import CRMDataError
from crm_models.spark import activity

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def sample():
    return crm.data.datasets.sample_transactions()


@pytest.fixture(scope="module")
def sample_sdf(spark, sample):  # noqa: F811
    sdf = crm.spark.read_transactions(spark.createDataFrame(sample), spark=spark).cache()
    yield sdf
    sdf.unpersist()


def assert_activity_equal(got: pd.DataFrame, expected: pd.DataFrame) -> float:
    """Counts and the shares made of them exactly; revenue to rtol 1e-12. Returns its max rel diff."""
    pd.testing.assert_frame_equal(got.drop(columns="revenue"), expected.drop(columns="revenue"),
                                  check_exact=True)
    pd.testing.assert_series_equal(got["revenue"], expected["revenue"], check_exact=False, rtol=1e-12, atol=0)
    return float((np.abs(got["revenue"] - expected["revenue"]) / expected["revenue"].abs()).max())


@pytest.mark.parametrize("freq, purchase_period", [("M", "D"), ("W", "D"), ("Q", "W")])
def test_customer_activity_on_the_sample(sample, sample_sdf, freq, purchase_period):
    expected = customer_activity(sample, freq, purchase_period)
    got = activity.customer_activity(sample_sdf, freq, purchase_period)
    assert assert_activity_equal(got, expected) < 1e-14
    assert got["new_customers"].sum() == 3000 and got["orders"].sum() > 3000


def test_customer_activity_and_key_figures_on_cdnow_master(cdnow_master, cdnow_master_sdf):  # noqa: F811
    got = activity.customer_activity(cdnow_master_sdf, "M", n_buckets=3)
    expected = customer_activity(cdnow_master)
    assert_activity_equal(got, expected)
    # the CDNOW cohort was acquired in the first quarter of 1997 (Fader & Hardie's data notes)
    assert got["cumulative_customers"].iloc[-1] == 23_570
    assert got.loc["1997-04-01":, "new_customers"].sum() == 0

    summary = crm.spark.rfm_summary(cdnow_master_sdf, "1998-06-30", period="D", time_unit="W")
    pandas_summary = crm.data.rfm_summary(cdnow_master, "1998-06-30", period="D", time_unit="W")
    expected = key_figures(cdnow_master, pandas_summary)
    for s in (pandas_summary, summary):  # the collected summary or the Spark one
        assert_key_figures_equal(activity.key_figures(cdnow_master_sdf, s), expected)
    assert expected["customers"] == 23_570 and expected["transactions"] == 69_659


def assert_key_figures_equal(got: pd.Series, expected: pd.Series) -> None:
    assert list(got.index) == list(expected.index)
    for key, value in expected.items():
        if key in ("revenue", "average_order_value", "revenue_per_customer"):  # sums in another order
            assert got[key] == pytest.approx(value, rel=1e-12, abs=0), key
        else:
            assert got[key] == value and type(got[key]) is type(value), key


def test_key_figures_on_the_sample(sample, sample_sdf):
    assert_key_figures_equal(activity.key_figures(sample_sdf), key_figures(sample))
    without_amount = sample_sdf.drop("amount")
    assert_key_figures_equal(activity.key_figures(without_amount), key_figures(sample.drop(columns="amount")))


@pytest.mark.parametrize("period, time_unit, spark_cohort", [("D", "W", True), ("W", "W", False)])
def test_tracking_counts_on_cdnow_master(cdnow_master, cdnow_master_sdf, period, time_unit,  # noqa: F811
                                         spark_cohort):
    cal = crm.data.rfm_summary(cdnow_master, "1998-06-30", period=period, time_unit=time_unit,
                               calibration_end="1997-09-30")
    expected = crm.clv.tracking_counts(cdnow_master, cal, "1998-06-30", period)
    # the cohort: the Spark summary (joined on the cluster) or the collected one (ids sent there)
    cohort = (crm.spark.rfm_summary(cdnow_master_sdf, "1998-06-30", period=period, time_unit=time_unit,
                                    calibration_end="1997-09-30") if spark_cohort else cal)
    got = activity.tracking_counts(cdnow_master_sdf, cohort, "1998-06-30", period, n_buckets=3)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs == expected.attrs == {"period": period, "first_date": "1997-01-01"}
    model = crm.clv.BetaGeoModel().fit(cal)
    args = (cal, "1998-06-30", period, time_unit, "1997-09-30")
    pd.testing.assert_frame_equal(crm.clv.tracking(model, got, *args),
                                  crm.clv.tracking(model, cdnow_master, *args), check_exact=True)


def test_bad_input_is_named(spark, sample, sample_sdf):  # noqa: F811
    with pytest.raises(CRMDataError, match="column 'date': missing column"):
        activity.customer_activity(sample_sdf.withColumnRenamed("date", "day"))
    with pytest.raises(CRMDataError, match="unknown freq 'fortnight'"):
        activity.customer_activity(sample_sdf, "fortnight")
    with pytest.raises(CRMDataError, match="summary: column 'customer_id': missing column"):
        activity.tracking_counts(sample_sdf, sample_sdf.select("date"), "2024-12-31")
    late = crm.data.rfm_summary(sample, "2024-12-31", calibration_end="2024-06-30").iloc[:0]
    with pytest.raises(CRMDataError, match="summary has no customers"):
        activity.tracking_counts(sample_sdf, late, "2024-12-31")
    with pytest.raises(CRMDataError, match="the table is empty"):
        activity.key_figures(sample_sdf.limit(0))
