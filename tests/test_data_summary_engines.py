"""The Ibis RFM summary equals the former numpy one (tests/reference/pandas_summary.py).

On CDNOW_master (the published CDNOW summary is also checked in test_data_summary.py), on
generated transactions (same-day purchases, ties, one-purchase customers, purchases on the
observation and calibration ends, calibration/holdout, every engine period) and, with the
same inputs, on Spark.  Counts are exact; amounts agree to 1e-12 relative (the engine adds
in another order), with an absolute allowance of 1e-12 x the customer's total where a
difference of two sums cancels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference.pandas_summary import rfm_summary as reference

import crm_models as crm
from crm_models.data.tables import transaction_table

RTOL = 1e-12
START = pd.Timestamp("2024-01-01")


def assert_summary_equal(got: pd.DataFrame, want: pd.DataFrame, scale: float = 1.0) -> None:
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_index_equal(got.index, want.index)
    for col in want.columns:
        if want[col].dtype == np.int64:
            assert got[col].dtype == np.int64 and (got[col] == want[col]).all(), col
        else:
            np.testing.assert_allclose(got[col], want[col], rtol=RTOL, atol=RTOL * scale, err_msg=col)
    assert got.attrs == want.attrs


@st.composite
def transactions(draw):
    n = draw(st.integers(1, 40))
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 120), min_size=n, max_size=n))  # day 120 = the end date
    hours = draw(st.lists(st.sampled_from([0, 0, 9, 23]), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(0, 500_000), min_size=n, max_size=n))
    frame = pd.DataFrame({
        "customer_id": ids,
        "date": [START + pd.Timedelta(days=d, hours=h) for d, h in zip(days, hours, strict=True)],
        "amount": np.array(cents) / 100,
    })
    return crm.data.load_transactions(frame, duplicates="keep", as_of="2030-01-01")


@pytest.mark.slow  # over 3 s
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tx=transactions(), period=st.sampled_from(["D", "W", "M", "h", "W-WED"]),
       holdout=st.booleans(), cut=st.integers(0, 119))
def test_generated_transactions(tx, period, holdout, cut):
    end = START + pd.Timedelta(days=120)
    cal_end = START + pd.Timedelta(days=cut) if holdout else None
    unit = "D" if period in ("h", "W", "W-WED") else None
    kw = {"period": period, "time_unit": unit, "calibration_end": cal_end}
    try:
        want = reference(tx, end, **kw)
    except crm.CRMDataError as exc:  # e.g. a calibration end before the first purchase
        with pytest.raises(crm.CRMDataError, match=str(exc).split(":")[0][:30]):
            crm.data.rfm_summary(tx, end, **kw)
        return
    got = crm.data.rfm_summary(tx, end, **kw)
    assert_summary_equal(got, want, scale=float(tx["amount"].sum()))


def test_cdnow_master(cdnow_master):
    end, cal_end = "1998-06-30", "1997-09-30"
    for kw in ({"period": "D", "time_unit": "W"},
               {"period": "D", "time_unit": "W", "calibration_end": cal_end},
               {"period": "M"}, {"period": "W", "time_unit": "D"}):
        want = reference(cdnow_master, end, **kw)
        got = crm.data.rfm_summary(cdnow_master, end, **kw)
        assert len(got) == (23_570 if "calibration_end" not in kw else len(want))
        assert_summary_equal(got, want, scale=1e4)


def test_purchases_after_the_end_are_left_out_and_counted():
    tx = crm.data.load_transactions(pd.DataFrame({
        "customer_id": ["a", "a", "b"], "date": ["2024-01-01", "2024-03-01", "2024-02-01"],
        "amount": [1.0, 2.0, 3.0]}), as_of="2030-01-01")
    got = crm.data.rfm_summary(tx, "2024-02-15")
    assert got.attrs["excluded_after_end"] == 1
    assert_summary_equal(got, reference(tx, "2024-02-15"))
    with pytest.raises(crm.CRMDataError, match="every transaction is after the observation end"):
        crm.data.rfm_summary(tx, "2023-12-31")


def test_unsupported_period_is_named():
    tx = crm.data.load_transactions(crm.data.datasets.sample_transactions())
    with pytest.raises(crm.CRMDataError, match="period '2M' is not supported; use one of D, W"):
        crm.data.rfm_summary(tx, "2024-12-31", period="2M")


@pytest.mark.slow
def test_spark_equals_the_reference_on_generated_data(spark):
    rng = np.random.default_rng(7)
    n = 3000
    frame = pd.DataFrame({
        "customer_id": rng.integers(0, 400, n),
        "date": START + pd.to_timedelta(rng.integers(0, 121 * 24, n), unit="h"),
        "amount": np.round(rng.gamma(2.0, 30.0, n), 2),
    })
    tx = crm.data.load_transactions(frame, duplicates="keep", as_of="2030-01-01")
    on_spark = transaction_table(tx, engine="spark")
    end = START + pd.Timedelta(days=120)
    for kw in ({"period": "D", "time_unit": "W", "calibration_end": START + pd.Timedelta(days=80)},
               {"period": "M"}, {"period": "h", "time_unit": "D"}):
        assert_summary_equal(crm.data.rfm_summary(on_spark, end, **kw), reference(tx, end, **kw),
                             scale=float(tx["amount"].sum()))
