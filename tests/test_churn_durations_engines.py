"""durations_from_transactions on Ibis (DuckDB, Spark) equals the former pandas implementation.

The oracle is tests/reference/pandas_durations.py.  Same rows, columns, dtypes, attrs; numbers
equal (``first_amount``, summed by the engine in its own order, to rtol 1e-12).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.churn import outcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference.pandas_durations import durations_from_transactions as oracle
from reference.pandas_durations import spend_in_first_spell as _spend_in_first_spell

import crm_models as crm
from crm_models.churn import durations_from_transactions
from crm_models.churn.durations import first_spell_spend
from crm_models.data import datasets
from crm_models.data.tables import transaction_table
from crm_models.errors import CRMDataError

SAMPLE_END = datasets.SAMPLE_OBSERVATION_END


def assert_same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    """Equal frames: counts, dates and durations exactly, amounts to 1e-12 (another summing order)."""
    assert list(new.columns) == list(old.columns)
    assert new.dtypes.to_dict() == old.dtypes.to_dict()
    pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=1e-12, atol=0.0)
    assert new.attrs == old.attrs


def with_times(tx: pd.DataFrame) -> pd.DataFrame:
    """Orders of one customer on one day one second apart, in the frame's order (no ties)."""
    step = tx.groupby(["customer_id", tx["date"].dt.normalize()]).cumcount()
    return tx.assign(date=tx["date"].dt.normalize() + pd.to_timedelta(step, unit="s"))


def with_features(tx: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    out = tx.assign(channel=rng.choice(["web", "app", "store"], len(tx)),
                    basket=rng.integers(1, 9, len(tx)))
    out.attrs = dict(tx.attrs)
    return out


@pytest.fixture(scope="module")
def sample_tx() -> pd.DataFrame:
    return with_features(crm.data.load_transactions(datasets.sample_transactions()))


SETTINGS = [
    {},
    {"spells": "all"},
    {"churn_date": "last_purchase", "spells": "all"},
    {"inactivity_window": 30},
    {"inactivity_window": "36h", "time_unit": "W"},
    {"quantile": 0.5, "time_unit": "M"},
    {"features": ["channel", "basket"], "spells": "all"},
    {"amount": None, "time_unit": "Y"},
]


@pytest.mark.parametrize("kwargs", SETTINGS)
def test_sample_data_frame(sample_tx, kwargs):
    before = sample_tx.copy()
    new = durations_from_transactions(sample_tx, SAMPLE_END, **kwargs)
    pd.testing.assert_frame_equal(sample_tx, before)  # the caller's frame is untouched
    assert_same(new, oracle(sample_tx, SAMPLE_END, **kwargs))


@pytest.mark.parametrize("kwargs", SETTINGS)
def test_sample_data_transaction_table(sample_tx, kwargs):
    tx = with_times(sample_tx)
    tt = transaction_table(tx, columns=["channel", "basket"])
    assert_same(durations_from_transactions(tt, SAMPLE_END, **kwargs), oracle(tx, SAMPLE_END, **kwargs))


def test_user_column_names_and_categorical_ids(sample_tx):
    renamed = sample_tx.rename(columns={"customer_id": "user", "date": "when", "amount": "spend"})
    renamed["user"] = renamed["user"].astype("category")
    kwargs = {"customer_id": "user", "date": "when", "amount": "spend", "spells": "all",
              "features": ["channel"]}
    new = durations_from_transactions(renamed, SAMPLE_END, **kwargs)
    assert_same(new, oracle(renamed, SAMPLE_END, **kwargs))


def test_cdnow_master(cdnow_master):
    for kwargs in ({"time_unit": "W"}, {"spells": "all", "churn_date": "last_purchase"}):
        old = oracle(cdnow_master, "1998-06-30", **kwargs)
        assert_same(durations_from_transactions(cdnow_master, "1998-06-30", **kwargs), old)
        tt = transaction_table(cdnow_master)
        assert_same(durations_from_transactions(tt, "1998-06-30", **kwargs), old)
    assert len(old) > cdnow_master["customer_id"].nunique()  # reactivations present


def test_first_spell_spend(sample_tx, cdnow_master):
    for tx, end in ((sample_tx, SAMPLE_END), (cdnow_master, "1998-06-30")):
        d = durations_from_transactions(tx, end, time_unit="W")
        expected = _spend_in_first_spell(tx, d)  # the report's pandas sum
        np.testing.assert_allclose(first_spell_spend(tx, d), expected, rtol=1e-12, atol=0)
        np.testing.assert_allclose(first_spell_spend(transaction_table(tx), d), expected, rtol=1e-12, atol=0)
    assert (expected > 0).mean() > 0.9  # (CDNOW has purchases of $0)


def test_transaction_table_checks(sample_tx):
    tt = transaction_table(sample_tx)
    with pytest.raises(CRMDataError, match="purchases after the observation end 2024-06-30 in .* rows"):
        durations_from_transactions(tt, "2024-06-30")
    with pytest.raises(CRMDataError, match="column not found"):
        durations_from_transactions(tt, SAMPLE_END, features=["channel"])
    with pytest.raises(CRMDataError, match="no amounts"):
        durations_from_transactions(transaction_table(sample_tx[["customer_id", "date"]]), SAMPLE_END)
    single = transaction_table(sample_tx.drop_duplicates("customer_id"))
    with pytest.raises(CRMDataError, match="no customer bought twice"):
        durations_from_transactions(single, SAMPLE_END)


@st.composite
def transactions(draw):
    n = draw(st.integers(1, 40))
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "é", "B"]), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))  # day 60 = the observation end
    seconds = draw(st.lists(st.integers(0, 86_399), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(0, 100_000), min_size=n, max_size=n))
    channel = draw(st.lists(st.sampled_from(["web", "shop"]), min_size=n, max_size=n))
    date = (pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
            + pd.to_timedelta(seconds, unit="s"))
    return pd.DataFrame({"customer_id": ids, "date": date, "amount": np.array(cents) / 100.0 * 1.1,
                         "channel": channel})


END = pd.Timestamp("2024-01-01") + pd.Timedelta(days=60)
options = st.fixed_dictionaries({
    "inactivity_window": st.one_of(st.none(), st.integers(1, 30), st.sampled_from(["36h", "7D"])),
    "quantile": st.sampled_from([0.1, 0.5, 0.9, 0.99]),
    "spells": st.sampled_from(["first", "all"]),
    "churn_date": st.sampled_from(["window_end", "last_purchase"]),
    "time_unit": st.sampled_from(["D", "W", "M"]),
    "features": st.sampled_from([None, ["channel"]]),
})


@pytest.mark.slow  # over 3 s
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tx=transactions(), kwargs=options)
def test_hypothesis_frame_and_table(tx, kwargs):
    old, old_error = outcome(oracle, tx, END, **kwargs)
    new, new_error = outcome(durations_from_transactions, tx, END, **kwargs)
    assert new_error == old_error
    if old is not None:
        assert_same(new, old)
    # the same purchases as a TransactionTable (sorted by customer and time, times distinct
    # per customer, so "first order of the day" means the same order with and without row order)
    tx = tx.drop_duplicates(["customer_id", "date"]).sort_values(["customer_id", "date"], kind="stable")
    tt = transaction_table(tx.reset_index(drop=True), columns=["channel"])
    old, old_error = outcome(oracle, tx, END, **kwargs)
    new, new_error = outcome(durations_from_transactions, tt, END, **kwargs)
    assert (new_error is None) == (old_error is None), (new_error, old_error)
    if old is not None:
        assert_same(new, old)


@pytest.mark.slow
def test_spark_sample_data(spark, sample_tx):
    tx = with_times(sample_tx)
    tt = transaction_table(tx, columns=["channel", "basket"], engine="spark")
    assert tt.engine == "spark"
    for kwargs in ({}, {"features": ["channel", "basket"], "spells": "all", "inactivity_window": 45}):
        assert_same(durations_from_transactions(tt, SAMPLE_END, **kwargs), oracle(tx, SAMPLE_END, **kwargs))
    # the report's spend per customer in the first spell, against the pandas computation of the oracle
    d = durations_from_transactions(tt, SAMPLE_END, time_unit="W")
    expected = _spend_in_first_spell(tx, oracle(tx, SAMPLE_END, time_unit="W"))
    np.testing.assert_allclose(first_spell_spend(tt, d), expected, rtol=1e-12, atol=0)
