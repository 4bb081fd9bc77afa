"""features_at_cutoff / churn_labels on Ibis (DuckDB, Spark) equal the former pandas implementation.

The oracle is tests/reference/pandas_churn_features.py.  Same index (ids, order, name), columns
and attrs; counts and days exactly, amounts and gap statistics (summed by the engine in its
own order) to rtol 1e-12.  Labels and error messages identical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.churn import outcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference.pandas_churn_features import churn_labels as oracle_labels
from reference.pandas_churn_features import features_at_cutoff as oracle_features

import crm_models as crm
from crm_models.churn import churn_labels, features_at_cutoff
from crm_models.churn.classification import FEATURES
from crm_models.data import datasets
from crm_models.data.tables import transaction_table

EXACT = ["recency", "frequency", "tenure"]


def assert_features_equal(new: pd.DataFrame, old: pd.DataFrame) -> None:
    pd.testing.assert_index_equal(new.index, old.index, exact=False)
    assert list(new.columns) == list(old.columns)
    assert new.attrs == old.attrs
    pd.testing.assert_frame_equal(new[EXACT], old[EXACT], check_exact=True, check_index_type=False)
    for col in new.columns.difference(EXACT):
        if col not in FEATURES:  # joined covariates
            pd.testing.assert_series_equal(new[col], old[col], check_index_type=False)
            continue
        np.testing.assert_allclose(new[col].to_numpy(dtype=float), old[col].to_numpy(dtype=float),
                                   rtol=1e-12, atol=1e-9 if col == "gap_std" else 0.0, err_msg=col)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return crm.data.load_transactions(datasets.sample_transactions())


def test_sample_frame_and_table(sample):
    tt = transaction_table(sample)
    for cutoff, recent in (("2024-06-30", 90), ("2024-09-30", 30), ("2023-03-01", 365)):
        old = oracle_features(sample, cutoff, recent_days=recent)
        assert_features_equal(features_at_cutoff(sample, cutoff, recent_days=recent), old)
        assert_features_equal(features_at_cutoff(tt, cutoff, recent_days=recent), old)
        want = oracle_labels(sample, cutoff, 60, old.index)
        pd.testing.assert_series_equal(churn_labels(sample, cutoff, 60, old.index), want)
        pd.testing.assert_series_equal(churn_labels(tt, cutoff, 60, old.index), want)


def test_cdnow_master(cdnow_master):
    for cutoff in ("1997-06-30", "1997-12-31"):
        old = oracle_features(cdnow_master, cutoff)
        assert_features_equal(features_at_cutoff(cdnow_master, cutoff), old)
        pd.testing.assert_series_equal(churn_labels(cdnow_master, cutoff, 90, old.index),
                                       oracle_labels(cdnow_master, cutoff, 90, old.index))


def test_other_column_names_and_customer_covariates(sample):
    renamed = sample.rename(columns={"customer_id": "client", "date": "day", "amount": "value"})
    customers = pd.DataFrame({"region": "north"}, index=pd.Index(sample["customer_id"].unique()))
    kw = dict(customer_id="client", date="day", amount="value", customers=customers)
    new = features_at_cutoff(renamed, "2024-06-30", **kw)
    assert_features_equal(new, oracle_features(renamed, "2024-06-30", **kw))
    assert new.index.name == "client" and (new["region"] == "north").all()
    no_amount = features_at_cutoff(sample, "2024-06-30", amount=None)
    assert (no_amount["total_spend"] == 0).all()
    assert_features_equal(no_amount, oracle_features(sample, "2024-06-30", amount=None))


@st.composite
def transactions(draw):
    n = draw(st.integers(1, 40))
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "é", "B"]), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))  # several orders a day, ties
    seconds = draw(st.lists(st.integers(0, 86_399), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(0, 100_000), min_size=n, max_size=n))
    date = (pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
            + pd.to_timedelta(seconds, unit="s"))
    return pd.DataFrame({"customer_id": ids, "date": date, "amount": np.array(cents) / 100.0 * 1.1})


@pytest.mark.slow  # over 3 s
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tx=transactions(), cutoff_day=st.integers(0, 60), recent=st.sampled_from([1, 7, 30]),
       horizon=st.integers(1, 30))
def test_hypothesis(tx, cutoff_day, recent, horizon):
    cutoff = pd.Timestamp("2024-01-01") + pd.Timedelta(days=cutoff_day)  # purchases on the cut-off
    old, old_error = outcome(oracle_features, tx, cutoff, recent_days=recent)
    new, new_error = outcome(features_at_cutoff, tx, cutoff, recent_days=recent)
    assert new_error == old_error
    if old is None:
        return
    assert_features_equal(new, old)
    old_y, old_error = outcome(oracle_labels, tx, cutoff, horizon, old.index)
    new_y, new_error = outcome(churn_labels, transaction_table(tx), cutoff, horizon, old.index)
    assert new_error == old_error
    if old_y is not None:
        pd.testing.assert_series_equal(new_y, old_y)


@pytest.mark.slow
def test_spark_sample(spark, sample):
    tt = transaction_table(sample, engine="spark")
    assert tt.engine == "spark"
    old = oracle_features(sample, "2024-06-30")
    assert_features_equal(features_at_cutoff(tt, "2024-06-30"), old)
    pd.testing.assert_series_equal(churn_labels(tt, "2024-06-30", 60, old.index),
                                   oracle_labels(sample, "2024-06-30", 60, old.index))
