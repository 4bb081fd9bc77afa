"""The segments functions written as Ibis queries equal their former pandas versions.

Oracle: tests/reference/pandas_segments.py (the pandas/numpy code before the port).  Every
function is compared on the sample shop, on CDNOW_master and on hypothesis-generated logs
(same-day purchases, ties, one-purchase customers, purchases on and after the end date),
as a pandas frame and as a TransactionTable (DuckDB; Spark on the sample, marked slow).
Amounts of the generated logs are multiples of 1/4, so their sums are exact and a tier
threshold cannot be crossed by rounding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import read_cdnow_master
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import pandas_segments as ref

import crm_models as crm
from crm_models.data.tables import transaction_table
from crm_models.errors import CRMDataError
from crm_models.segments import membership as membership_module

S = crm.segments
RTOL = 1e-12
THRESHOLDS = {"gold": 300, "silver": 50}


# --- comparison helpers -------------------------------------------------------------------------

def _plain_attrs(obj) -> dict:
    return {k: v for k, v in obj.attrs.items() if not isinstance(v, pd.DataFrame | pd.Series)}


def same(new, old) -> None:
    """Equal frames / series (floats to RTOL, ints, categories and index exactly), same attrs."""
    if isinstance(old, pd.DataFrame):
        pd.testing.assert_frame_equal(new, old, rtol=RTOL)
    elif old.name == "points" and old.dtype == np.int64:
        # the numpy ledger's bincount returns integers when no purchase falls in the window
        assert (old == 0).all()
        pd.testing.assert_series_equal(new, old.astype("float64"), rtol=RTOL)
    else:
        pd.testing.assert_series_equal(new, old, rtol=RTOL)
    assert _plain_attrs(new) == _plain_attrs(old)


def outcome(f, *args, **kwargs):
    try:
        return f(*args, **kwargs)
    except CRMDataError as exc:
        return exc


def same_outcome(new_f, old_f, *args, **kwargs) -> None:
    """Both raise the same CRMDataError message, or both return equal results."""
    old = outcome(old_f, *args, **kwargs)
    new = outcome(new_f, *args, **kwargs)
    if isinstance(old, CRMDataError):
        assert isinstance(new, CRMDataError), f"expected {old}"
        assert str(new) == str(old)
    else:
        assert not isinstance(new, CRMDataError), str(new)
        compare = same_inputs if isinstance(old, crm.report.segments.SegmentInputs) else same
        compare(new, old)


def same_inputs(new: crm.report.segments.SegmentInputs, old: crm.report.segments.SegmentInputs) -> None:
    for name in ("observation_end", "transactions", "first_date", "last_date", "source",
                 "retention_error"):
        assert getattr(new, name) == getattr(old, name), name
    for name in ("rfm_table", "lifecycle_stages", "repeat_purchase_rate", "membership_tiers",
                 "membership_history", "recent_spend"):
        same(getattr(new, name), getattr(old, name))
    if old.observed_retention is None:
        assert new.observed_retention is None
    else:
        same(new.observed_retention, old.observed_retention)


# --- the functions, with parameters that fit each data set ---------------------------------------

def calls(end: str, *, short: bool = False):
    """(name, new function, oracle, args, kwargs) of every ported function."""
    win = dict(at_risk_after=30, lost_after=90) if short else dict(at_risk_after=90, lost_after=180)
    membership = dict(window_days=60, every_days=20) if short else dict(window_days=180, every_days=30)
    retention = 60 if short else 180
    return [
        ("rfm_table D", S.rfm_table, ref.rfm_table, (end,), {}),
        ("rfm_table W mean", S.rfm_table, ref.rfm_table, (end, "W", "mean"), {}),
        ("rfm_table M", S.rfm_table, ref.rfm_table, (end, "M"), {}),
        ("repeat M", S.repeat_purchase_rate, ref.repeat_purchase_rate, (end,), {}),
        ("repeat W", S.repeat_purchase_rate, ref.repeat_purchase_rate, (end, "W"), {}),
        ("lifecycle", S.lifecycle_stages, ref.lifecycle_stages, (end,), win),
        ("retention", S.observed_retention_rate, ref.observed_retention_rate, (end, retention), {}),
        ("recent spend", S.recent_spend, ref.recent_spend, (end, retention), {}),
        ("points", S.membership_points, ref.membership_points, (end, membership["window_days"]),
         {"allow_partial_window": True}),
        ("tiers", S.membership_tiers, ref.membership_tiers, (end, membership["window_days"], THRESHOLDS),
         {}),
        ("history", S.membership_history, ref.membership_history, (),
         dict(end=end, thresholds=THRESHOLDS, **membership)),
        ("history points", S.membership_history, ref.membership_history, (),
         dict(values="points", allow_partial_window=True, start=end, **membership)),
        ("segment_inputs", crm.report.segments.segment_inputs, ref.segment_inputs, (end,),
         dict(thresholds=THRESHOLDS, retention_period_days=retention, **win, **membership)),
    ]


@pytest.fixture(scope="module")
def sample():
    return crm.data.load_transactions(crm.data.datasets.sample_transactions())


@pytest.fixture(scope="module")
def cdnow_master(shared_data):
    return read_cdnow_master(shared_data)


@pytest.mark.parametrize("end", ["2024-06-30", pytest.param("2024-12-30", marks=pytest.mark.slow),  # over 3 s
                                 "2023-12-31 12:00"])
def test_sample_equals_pandas(sample, end):
    for name, new, old, args, kwargs in calls(end):
        try:
            same_outcome(new, old, sample, *args, **kwargs)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def test_sample_as_a_duckdb_table_equals_pandas(sample):
    table = transaction_table(sample)
    for name, new, old, args, kwargs in calls("2024-06-30"):
        try:
            same(new(table, *args, **kwargs), old(sample, *args, **kwargs)) if name != "segment_inputs" \
                else same_inputs(new(table, *args, **kwargs), old(sample, *args, **kwargs))
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def test_segment_inputs_default_end_and_points_history(sample):
    same_inputs(crm.report.segments.segment_inputs(sample), ref.segment_inputs(sample))
    dates = pd.date_range("2023-06-01", periods=6, freq="45D")
    same(membership_module.points_history(sample, dates, 90, until=dates[3]),
         ref.points_history(sample, dates, 90, until=dates[3]))


def test_promotion_points_are_added(sample):
    promo = pd.DataFrame({"customer_id": [sample["customer_id"].iloc[0], "NEW"],
                          "date": ["2024-03-01", "2024-04-01"], "points": [500.0, 20.0]})
    for f, g in ((S.membership_tiers, ref.membership_tiers), (S.membership_points, ref.membership_points)):
        new = f(sample, "2024-06-30", promotion_points=promo)
        old = g(sample, "2024-06-30", promotion_points=promo)
        pd.testing.assert_frame_equal(new.to_frame() if isinstance(new, pd.Series) else new,
                                      old.to_frame() if isinstance(old, pd.Series) else old,
                                      rtol=RTOL, check_index_type=False)
    new = S.membership_history(sample, promotion_points=promo, every_days=90)
    old = ref.membership_history(sample, promotion_points=promo, every_days=90)
    pd.testing.assert_frame_equal(new, old, check_index_type=False)


def test_bad_amounts_of_a_table_are_counted(sample):
    bad = sample.copy()
    bad.loc[bad.index[:3], "amount"] = -1.0
    table = transaction_table(bad)
    with pytest.raises(CRMDataError, match="negative or missing amounts in 3 rows"):
        S.membership_tiers(table, "2024-06-30")
    with pytest.raises(CRMDataError, match="negative or missing amounts in 3 rows"):
        crm.report.segments.segment_inputs(table, "2024-06-30")
    with pytest.raises(CRMDataError, match=r"negative or missing amounts in 3 rows \(e\.g\."):
        S.membership_tiers(bad, "2024-06-30")


@pytest.mark.slow  # over 3 s
@pytest.mark.parametrize("end", ["1998-06-30", "1997-11-15"])
def test_cdnow_master_equals_pandas(cdnow_master, end):
    for name, new, old, args, kwargs in calls(end):
        try:
            same_outcome(new, old, cdnow_master, *args, **kwargs)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


# --- generated logs ---------------------------------------------------------------------------

@st.composite
def logs(draw):
    """A validated log: few customers (string or integer ids), days 0-400 of 2022 with
    same-day repeats and times of day, quarter-unit amounts; and an end day (-5 .. 420)."""
    n = draw(st.integers(1, 30))
    integer_ids = draw(st.booleans())
    pool = [3, 17, 21, 400, 5000] if integer_ids else ["a", "b", "B", "cc", "é"]
    ids = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    hours = draw(st.lists(st.sampled_from([0, 0, 9, 23]), min_size=n, max_size=n))
    quarters = draw(st.lists(st.integers(0, 1600), min_size=n, max_size=n))
    dates = (pd.Timestamp("2022-01-01") + pd.to_timedelta(days, unit="D")
             + pd.to_timedelta(hours, unit="h"))
    tx = pd.DataFrame({"customer_id": pd.array(ids, dtype="int64" if integer_ids else "string[pyarrow]"),
                       "date": dates.astype("datetime64[ns]"), "amount": np.array(quarters) / 4.0})
    tx = tx.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    tx.attrs["source"] = "generated"
    end = pd.Timestamp("2022-01-01") + pd.Timedelta(days=draw(st.integers(-5, 420)))
    return tx, str(end.date())


@pytest.mark.slow  # over 3 s
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
def test_generated_logs_equal_pandas(log):
    tx, end = log
    for name, new, old, args, kwargs in calls(end, short=True):
        try:
            same_outcome(new, old, tx, *args, **kwargs)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


# --- Spark ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_sample_on_spark_equals_pandas(spark, sample):
    table = transaction_table(sample, engine="spark")
    assert table.engine == "spark"
    for name, new, old, args, kwargs in calls("2024-06-30"):
        if name.startswith(("rfm_table W", "rfm_table M", "repeat W", "history points", "lifecycle",
                            "points")):
            continue  # the same query as the daily / monthly ones; keep the Spark test short
        try:
            if name == "segment_inputs":
                same_inputs(new(table, *args, **kwargs), old(sample, *args, **kwargs))
            else:
                same(new(table, *args, **kwargs), old(sample, *args, **kwargs))
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc
    # promotion points (a pandas frame) are unioned with the Spark table in the same query
    promo = pd.DataFrame({"customer_id": [sample["customer_id"].iloc[0], "NEW"],
                          "date": ["2024-03-01", "2024-04-01"], "points": [500.0, 20.0]})
    pd.testing.assert_frame_equal(S.membership_tiers(table, "2024-06-30", promotion_points=promo),
                                  ref.membership_tiers(sample, "2024-06-30", promotion_points=promo),
                                  rtol=RTOL, check_index_type=False)
