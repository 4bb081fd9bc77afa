"""The Ibis activity aggregates equal the former pandas ones (tests/reference/pandas_activity.py).

customer_activity, key_figures, tracking_counts and cohort_period_counts, on the sample data,
on CDNOW_master, on generated transactions (same-day purchases, one-purchase customers,
purchases on the observation end) and, for the sample data, on Spark.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import pandas_activity as ref

import crm_models as crm
from crm_models.clv.validation import cohort_period_counts, tracking_counts
from crm_models.data.activity import customer_activity, key_figures
from crm_models.data.tables import TransactionTable, transaction_table

RTOL = 1e-12


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return crm.data.load_transactions(crm.data.datasets.sample_transactions())


def assert_activity_equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, rtol=RTOL)


def assert_key_figures_equal(got: pd.Series, expected: pd.Series) -> None:
    assert list(got.index) == list(expected.index)
    for key, value in expected.items():
        if isinstance(value, float):
            assert isinstance(got[key], float) and got[key] == pytest.approx(value, rel=RTOL), key
        else:
            assert got[key] == value and type(got[key]) is type(value), key


def assert_counts_equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs


# --- the sample data -------------------------------------------------------------------------

@pytest.mark.parametrize("freq, purchase_period", [("M", "D"), ("Q", "D"), ("W", "D"), ("W-MON", "D"),
                                                   ("Y", "W"), ("D", "D"), ("W", "M"), ("M", "h")])
def test_customer_activity_on_the_sample(sample, freq, purchase_period):
    expected = ref.customer_activity(sample, freq, purchase_period)
    assert_activity_equal(customer_activity(sample, freq, purchase_period), expected)


def test_the_sample_as_a_transaction_table_and_without_amounts(sample):
    tt = transaction_table(sample)
    assert_activity_equal(customer_activity(tt), ref.customer_activity(sample))
    no_amount = sample.drop(columns="amount")
    assert_activity_equal(customer_activity(no_amount, "Q"), ref.customer_activity(no_amount, "Q"))
    assert_key_figures_equal(key_figures(no_amount), ref.key_figures(no_amount))


def test_key_figures_on_the_sample(sample):
    summary = crm.data.rfm_summary(sample, crm.data.datasets.SAMPLE_OBSERVATION_END)
    assert_key_figures_equal(key_figures(sample), ref.key_figures(sample))
    expected = ref.key_figures(sample, summary)
    assert_key_figures_equal(key_figures(transaction_table(sample), summary), expected)


@pytest.mark.parametrize("period", ["D", "W", "M"])
def test_tracking_counts_on_the_sample(sample, period):
    end, cal_end = crm.data.datasets.SAMPLE_OBSERVATION_END, crm.data.datasets.SAMPLE_CALIBRATION_END
    cal = crm.data.rfm_summary(sample, end, period=period, calibration_end=cal_end)
    expected = ref.tracking_counts(sample, cal, end, period)
    assert_counts_equal(tracking_counts(sample, cal, end, period), expected)
    assert_counts_equal(tracking_counts(transaction_table(sample), cal, end, period), expected)


def test_cohort_period_counts_of_arrays(sample):
    ids, dates = sample["customer_id"].to_numpy(), sample["date"]
    for period in ("D", "W-SAT", "Q"):
        expected = ref.cohort_period_counts(ids, dates, period)
        assert_counts_equal(cohort_period_counts(ids, dates, period), expected)


def test_errors(sample):
    with pytest.raises(crm.CRMDataError, match="not supported"):
        customer_activity(sample, "2M")
    empty = TransactionTable(transaction_table(sample).expr.limit(0))
    for call in (lambda: customer_activity(empty), lambda: key_figures(empty)):
        with pytest.raises(crm.CRMDataError, match="the table is empty"):
            call()
    with pytest.raises(crm.CRMDataError, match="frequency"):
        key_figures(sample, pd.DataFrame({"x": [1]}))
    with pytest.raises(crm.CRMDataError, match="before observation_end"):
        tracking_counts(sample, pd.DataFrame(index=pd.Index(["nobody"], name="customer_id")), "2024-12-31")
    with pytest.raises(crm.CRMDataError, match="customer_id"):
        tracking_counts(sample.drop(columns="customer_id"), pd.DataFrame(), "2024-12-31")


# --- CDNOW_master: 23,570 customers, integer ids -----------------------------------------------

@pytest.mark.slow  # over 3 s
def test_cdnow_master(cdnow_master):
    for freq in ("M", "Q", "W"):
        expected = ref.customer_activity(cdnow_master, freq)
        assert_activity_equal(customer_activity(cdnow_master, freq), expected)
    full = crm.data.rfm_summary(cdnow_master, "1998-06-30")
    assert_key_figures_equal(key_figures(cdnow_master, full), ref.key_figures(cdnow_master, full))
    for period in ("D", "W", "M"):
        cal = crm.data.rfm_summary(cdnow_master, "1998-06-30", period=period, calibration_end="1997-09-30")
        expected = ref.tracking_counts(cdnow_master, cal, "1998-06-30", period)
        assert_counts_equal(tracking_counts(cdnow_master, cal, "1998-06-30", period), expected)


# --- generated transactions ------------------------------------------------------------------

purchases = st.lists(
    st.tuples(st.integers(0, 6),  # customer
              st.integers(0, 120),  # day (same-day purchases and ties are likely)
              st.integers(0, 86_399),  # second of the day
              st.integers(1, 50_000)),  # amount in cents
    min_size=1, max_size=40)


def _frame(rows, integer_ids: bool) -> pd.DataFrame:
    customer, day, second, cents = (np.array(c) for c in zip(*rows, strict=True))
    ids = customer * 7 + 3 if integer_ids else np.array([f"c{c}" for c in customer], dtype=object)
    dates = (pd.Timestamp("2023-12-20") + pd.to_timedelta(day, unit="D") + pd.to_timedelta(second, unit="s"))
    raw = pd.DataFrame({"customer_id": ids, "date": dates, "amount": cents / 100})
    return crm.data.load_transactions(raw, duplicates="keep")


@pytest.mark.slow  # over 3 s
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=purchases, integer_ids=st.booleans(),
       freq=st.sampled_from(["M", "Q", "W", "W-THU", "D", "Y"]),
       purchase_period=st.sampled_from(["D", "W", "M", "h"]))
def test_activity_and_key_figures_on_generated_transactions(rows, integer_ids, freq, purchase_period):
    tx = _frame(rows, integer_ids)
    assert_activity_equal(customer_activity(tx, freq, purchase_period),
                          ref.customer_activity(tx, freq, purchase_period))
    assert_key_figures_equal(key_figures(tx), ref.key_figures(tx))


@pytest.mark.slow  # over 3 s
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=purchases, integer_ids=st.booleans(), period=st.sampled_from(["D", "W", "M", "Q"]),
       end_row=st.integers(0, 39), cohort=st.sets(st.integers(0, 6), min_size=1))
def test_tracking_counts_on_generated_transactions(rows, integer_ids, period, end_row, cohort):
    tx = _frame(rows, integer_ids)
    end = tx["date"].iloc[end_row % len(tx)]  # on a purchase: it is kept
    ids = pd.Index(tx["customer_id"].unique())
    summary = pd.DataFrame(index=ids[[i % len(ids) for i in sorted(cohort)]].unique())
    kept = tx[(tx["date"] <= end) & tx["customer_id"].isin(summary.index)]
    if len(kept) == 0:
        with pytest.raises(crm.CRMDataError, match="before observation_end"):
            tracking_counts(tx, summary, end, period)
        return
    expected = ref.tracking_counts(tx, summary, end, period)
    assert_counts_equal(tracking_counts(tx, summary, end, period), expected)


# --- Spark ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_on_spark_the_same_query_gives_the_same_numbers(spark, sample):
    tt = transaction_table(sample, engine="spark")
    assert tt.engine == "spark"
    for freq, purchase_period in (("M", "D"), ("W", "D"), ("Q", "W")):
        assert_activity_equal(customer_activity(tt, freq, purchase_period),
                              ref.customer_activity(sample, freq, purchase_period))
    end, cal_end = crm.data.datasets.SAMPLE_OBSERVATION_END, crm.data.datasets.SAMPLE_CALIBRATION_END
    summary = crm.data.rfm_summary(sample, end)
    assert_key_figures_equal(key_figures(tt, summary), ref.key_figures(sample, summary))
    cal = crm.data.rfm_summary(sample, end, calibration_end=cal_end)
    expected = ref.tracking_counts(sample, cal, end, "D")
    assert_counts_equal(tracking_counts(tt, cal, end, "D"), expected)
    # the cohort as a Spark DataFrame (as the Spark report's calibration summary)
    ids = pd.DataFrame({"customer_id": cal.index.astype(str).to_numpy(dtype=object)})
    cohort = spark.createDataFrame(ids)
    assert_counts_equal(tracking_counts(tt, cohort, end, "D"), expected)

