import numpy as np
import pandas as pd
import pytest

import crm_models as crm


def test_cdnow_summary_matches_published(cdnow_summary, shared_data):
    ref = pd.read_csv(shared_data / "cdnow" / "cdnow_customers_summary_with_transactions.csv",
                      index_col="ID")
    s = cdnow_summary
    assert len(s) == 2357
    np.testing.assert_array_equal(s.index.to_numpy(), ref.index.to_numpy())
    np.testing.assert_array_equal(s["frequency"].to_numpy(), ref["x"].to_numpy())
    # the reference is rounded to 2 decimals (half-cent ties rounded up)
    tol = 0.005 + 1e-9
    assert np.abs(s["recency"].to_numpy() - ref["t_x"].to_numpy()).max() <= tol
    assert np.abs(s["T"].to_numpy() - ref["T"].to_numpy()).max() <= tol
    assert np.abs(s["monetary_value"].to_numpy() - ref["zbar"].to_numpy()).max() <= tol


def test_cdnow_summary_x_t_x_T_file(cdnow_summary, shared_data):
    ref = pd.read_csv(shared_data / "cdnow" / "cdnow_customers_summary.csv", index_col="ID")
    np.testing.assert_array_equal(cdnow_summary["frequency"].to_numpy(), ref["frequency"].to_numpy())
    assert np.abs(cdnow_summary["recency"].to_numpy() - ref["recency"].to_numpy()).max() <= 0.0051


def _tx(rows):
    return crm.data.load_transactions(pd.DataFrame(rows, columns=["customer_id", "date", "amount"]))


def test_same_period_purchases_count_once_and_values_sum():
    tx = _tx([
        ("a", "2020-01-01", 10.0), ("a", "2020-01-01", 5.0),   # same day: one purchase of 15
        ("a", "2020-01-08", 20.0), ("a", "2020-01-15", 40.0),
        ("b", "2020-01-10", 7.0),
    ])
    s = crm.data.rfm_summary(tx, observation_end="2020-01-29", period="D", time_unit="W")
    assert s.loc["a", "frequency"] == 2
    assert s.loc["a", "recency"] == pytest.approx(2.0)
    assert s.loc["a", "T"] == pytest.approx(4.0)
    assert s.loc["a", "monetary_value"] == pytest.approx(30.0)  # mean of repeat purchases
    assert s.loc["b", "frequency"] == 0
    assert s.loc["b", "recency"] == 0
    assert s.loc["b", "monetary_value"] == 0
    assert s.loc["b", "T"] == pytest.approx(19 / 7)


def test_weekly_period_merges_purchases_in_one_week():
    tx = _tx([("a", "2020-01-06", 1.0), ("a", "2020-01-08", 1.0),  # Mon and Wed: one week
              ("a", "2020-01-14", 3.0)])
    s = crm.data.rfm_summary(tx, observation_end="2020-01-31", period="W")
    assert s.loc["a", "frequency"] == 1
    assert s.loc["a", "recency"] == 1
    assert s.loc["a", "T"] == 3
    assert s.loc["a", "monetary_value"] == 3.0


def test_calibration_holdout_split():
    tx = _tx([
        ("a", "2020-01-01", 10.0), ("a", "2020-01-05", 10.0),
        ("a", "2020-02-02", 30.0), ("a", "2020-02-02", 10.0), ("a", "2020-02-10", 20.0),
        ("b", "2020-01-20", 5.0),
        ("c", "2020-02-05", 9.0),   # first purchase in the holdout: not in the cohort
    ])
    s = crm.data.rfm_summary(tx, observation_end="2020-02-29", calibration_end="2020-01-31")
    assert list(s.index) == ["a", "b"]
    assert s.loc["a", "frequency"] == 1 and s.loc["a", "T"] == 30
    assert s.loc["a", "frequency_holdout"] == 2
    assert s.loc["a", "monetary_value_holdout"] == pytest.approx(30.0)
    assert s.loc["b", "frequency_holdout"] == 0
    assert (s["duration_holdout"] == 29).all()


def test_matches_lifetimes_on_cdnow_calibration_holdout(cdnow_transactions):
    pytest.importorskip("lifetimes")
    from lifetimes.utils import calibration_and_holdout_data

    ours = crm.data.rfm_summary(cdnow_transactions, observation_end="1998-06-30",
                                calibration_end="1997-09-30", period="D", time_unit="W")
    theirs = calibration_and_holdout_data(
        cdnow_transactions, "customer_id", "date", calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30", freq="D", freq_multiplier=7,
        monetary_value_col="amount",
    )
    theirs = theirs.loc[ours.index]
    for ours_col, their_col in [("frequency", "frequency_cal"), ("recency", "recency_cal"),
                                ("T", "T_cal"), ("monetary_value", "monetary_value_cal"),
                                ("frequency_holdout", "frequency_holdout"),
                                ("duration_holdout", "duration_holdout")]:
        np.testing.assert_allclose(ours[ours_col].to_numpy(float),
                                   theirs[their_col].to_numpy(float), rtol=1e-12, atol=1e-9,
                                   err_msg=ours_col)
    # lifetimes averages raw holdout transactions although it sums same-day purchases in
    # the calibration window; we sum per period in both, so only single-purchase days agree.
    single = ours["frequency_holdout"] == 0
    assert (ours.loc[single, "monetary_value_holdout"] == 0).all()


def test_dates_after_end_are_left_out_and_counted():
    tx = _tx([("a", "2020-01-01", 1.0), ("a", "2020-03-01", 1.0)])
    s = crm.data.rfm_summary(tx, observation_end="2020-01-31")
    assert s.loc["a", "frequency"] == 0
    assert s.attrs["excluded_after_end"] == 1


def test_summary_does_not_modify_input():
    tx = _tx([("a", "2020-01-01", 1.0), ("a", "2020-01-03", 2.0)])
    before = tx.copy()
    crm.data.rfm_summary(tx, observation_end="2020-01-31", calibration_end="2020-01-02")
    pd.testing.assert_frame_equal(tx, before)


def test_calibration_end_after_observation_end_is_an_error():
    tx = _tx([("a", "2020-01-01", 1.0)])
    with pytest.raises(crm.CRMDataError, match="calibration_end"):
        crm.data.rfm_summary(tx, observation_end="2020-01-31", calibration_end="2020-02-15")


def test_calendar_period_in_fixed_unit_is_an_error():
    tx = _tx([("a", "2020-01-01", 1.0)])
    with pytest.raises(crm.CRMDataError, match="calendar periods"):
        crm.data.rfm_summary(tx, observation_end="2020-03-31", period="Q", time_unit="D")


def test_unknown_period_is_a_data_error():
    tx = _tx([("a", "2020-01-01", 1.0)])
    with pytest.raises(crm.CRMDataError, match="unknown period 'fortnight'"):
        crm.data.rfm_summary(tx, observation_end="2020-03-31", period="fortnight")
