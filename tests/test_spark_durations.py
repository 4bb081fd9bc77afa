"""crm.spark.durations_from_transactions equals the pandas crm.churn version exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spark_fixtures import (  # noqa: F401  (fixtures)
    cdnow_master,
    cdnow_master_sdf,
    churn_durations_reference,
    messy_transactions,
    spark,
)

from crm_models.errors import CRMDataError
from crm_models.spark import durations_from_transactions, to_pandas_durations
from crm_models.spark.durations import window_from_gap_counts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def reference():
    fn = churn_durations_reference()
    if fn is None:
        pytest.skip("crm_models.churn.durations_from_transactions is neither on this branch nor on a "
                    "local 'churn' branch: nothing to compare the Spark version with")
    return fn


@pytest.fixture(scope="module")
def orders():
    """Simulated purchases with times of day, same-day repeat orders and two features."""
    return messy_transactions(1500, seed=7, n_repeated=400, features=True)


@pytest.fixture(scope="module")
def orders_sdf(spark, orders):  # noqa: F811
    sdf = spark.createDataFrame(orders).cache()
    yield sdf
    sdf.unpersist()


def test_window_from_histogram_is_numpys_higher_quantile():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 10, 11, 997):
        gaps = rng.integers(1, 60, size=n)
        values, counts = np.unique(gaps, return_counts=True)
        for q in (0.1, 0.5, 0.9, 0.95, 0.999):
            assert window_from_gap_counts(values, counts, q) == np.quantile(gaps, q, method="higher")
    with pytest.raises(CRMDataError, match="no customer bought twice"):
        window_from_gap_counts(np.array([]), np.array([]))


def test_cdnow_master_equals_pandas(reference, cdnow_master, cdnow_master_sdf):  # noqa: F811
    expected = reference(cdnow_master, "1998-06-30", time_unit="W")
    got = to_pandas_durations(durations_from_transactions(cdnow_master_sdf, "1998-06-30", time_unit="W"))
    assert len(got) == 23_570
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs == expected.attrs
    assert 0 < got["event"].mean() < 1


@pytest.mark.parametrize("settings", [
    {},
    {"time_unit": "W", "spells": "all", "features": ["channel", "basket"]},
    {"inactivity_window": "36h", "churn_date": "last_purchase", "spells": "all", "time_unit": "M"},
    {"inactivity_window": 60, "quantile": 0.5, "time_unit": "Y", "amount": None},
])
def test_simulated_equals_pandas(reference, orders, orders_sdf, settings):
    expected = reference(orders, "2024-12-31", **settings)
    got = to_pandas_durations(durations_from_transactions(orders_sdf, "2024-12-31", **settings))
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs == expected.attrs
    assert got["event"].sum() > 0 and (got["event"] == 0).sum() > 0


def test_bad_input_is_named(orders_sdf):
    from pyspark.sql import functions as F

    dur = durations_from_transactions
    with pytest.raises(CRMDataError, match="after the observation end 2024-06-30 in .* rows"):
        dur(orders_sdf, "2024-06-30")
    with pytest.raises(CRMDataError, match="'channel'.*missing column"):
        dur(orders_sdf.drop("channel"), "2024-12-31", features=["channel"])
    with pytest.raises(CRMDataError, match="reserved"):
        dur(orders_sdf.withColumnRenamed("basket", "duration"), "2024-12-31", features=["duration"])
    with pytest.raises(CRMDataError, match="positive number of days"):
        dur(orders_sdf, "2024-12-31", inactivity_window=-3)
    with pytest.raises(CRMDataError, match="unknown time_unit"):
        dur(orders_sdf, "2024-12-31", time_unit="fortnight")
    with pytest.raises(CRMDataError, match="spells must be"):
        dur(orders_sdf, "2024-12-31", spells="some")
    with pytest.raises(CRMDataError, match="missing amounts"):
        dur(orders_sdf.withColumn("amount", F.when(F.col("basket") == 3, F.lit(None))
                                  .otherwise(F.col("amount"))), "2024-12-31")
    one_each = orders_sdf.dropDuplicates(["customer_id"])
    with pytest.raises(CRMDataError, match="no customer bought twice"):
        dur(one_each, "2024-12-31")
