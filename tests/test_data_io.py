"""Validation of raw transactions: one test per bad-input case."""

import pandas as pd
import pytest

import crm_models as crm
from crm_models.errors import CRMDataError


def _frame(**overrides):
    df = pd.DataFrame({
        "cust": ["a", "b", "c"],
        "day": ["2021-01-03", "2021-02-10", "2021-03-01"],
        "value": [10.0, 20.5, 3.25],
    })
    for k, v in overrides.items():
        df[k] = v
    return df


def _load(df, **kw):
    return crm.data.load_transactions(df, customer_id="cust", date="day", amount="value", **kw)


def test_maps_columns_and_parses():
    tx = _load(_frame())
    assert list(tx.columns) == ["customer_id", "date", "amount"]
    assert pd.api.types.is_datetime64_any_dtype(tx["date"])
    assert tx["amount"].sum() == pytest.approx(33.75)


def test_input_frame_is_not_modified():
    df = _frame()
    before = df.copy()
    _load(df)
    pd.testing.assert_frame_equal(df, before)


def test_missing_column_names_it_and_lists_available(tmp_path):
    path = tmp_path / "orders.csv"
    _frame().drop(columns="value").to_csv(path, index=False)
    with pytest.raises(CRMDataError) as err:
        crm.data.load_transactions(path, customer_id="cust", date="day", amount="value")
    msg = str(err.value)
    assert "orders.csv" in msg and "'value'" in msg and "available: cust, day" in msg


def test_missing_file_names_it(tmp_path):
    with pytest.raises(CRMDataError, match="nope.csv: file not found"):
        crm.data.load_transactions(tmp_path / "nope.csv")


def test_unparseable_dates_counted_with_examples():
    with pytest.raises(CRMDataError) as err:
        _load(_frame(day=["2021-01-03", "31/02/2021", "soon"]))
    msg = str(err.value)
    assert "column 'day'" in msg and "2 rows" in msg and "'soon'" in msg


def test_non_numeric_amounts():
    with pytest.raises(CRMDataError) as err:
        _load(_frame(value=["10", "n/a", "3"]))
    msg = str(err.value)
    assert "column 'value'" in msg and "non-numeric" in msg and "1 row" in msg and "'n/a'" in msg


def test_negative_amounts_are_refused_unless_dropped_explicitly():
    df = _frame(value=[10.0, -5.0, 3.0])
    with pytest.raises(CRMDataError, match="negative amounts .*1 row.*returns='drop'"):
        _load(df)
    tx = _load(df, returns="drop")
    assert len(tx) == 2 and (tx["amount"] >= 0).all()


def test_missing_customer_ids():
    with pytest.raises(CRMDataError, match="column 'cust': missing customer ids in 2 rows"):
        _load(_frame(cust=["a", None, " "]))


def test_empty_data(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("cust,day,value\n")
    with pytest.raises(CRMDataError, match="empty.csv: no transactions"):
        crm.data.load_transactions(path, customer_id="cust", date="day", amount="value")


def test_dates_after_observation_end():
    with pytest.raises(CRMDataError, match="dates after the observation end 2021-02-28 in 1 row"):
        _load(_frame(), observation_end="2021-02-28")


def test_integer_dates_and_whitespace_files(tmp_path):
    path = tmp_path / "cdnow.txt"
    path.write_text(" 00001 19970101  1   11.77\n 00002 19970112  1   12.00\n")
    tx = crm.data.load_transactions(path, customer_id="id", date="date", amount="usd",
                                    sep=r"\s+", header=None, names=["id", "date", "cds", "usd"])
    assert tx["date"].iloc[1] == pd.Timestamp("1997-01-12")


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "orders.parquet"
    _frame().to_parquet(path)
    tx = crm.data.load_transactions(path, customer_id="cust", date="day", amount="value")
    assert len(tx) == 3


def test_error_is_a_value_error():
    assert issubclass(CRMDataError, ValueError)
