"""Reading a report's input on Spark: table names and paths, and every bad input named."""

import pandas as pd
import pytest
from spark_fixtures import spark  # noqa: F401  (the session fixture)

import crm_models.spark as crs
from crm_models.errors import CRMDataError


@pytest.fixture
def orders():
    return pd.DataFrame({"user": ["a", "a", "b", "c"],
                         "day": ["2024-01-02", "2024-02-03", "2024-01-05", "2024-03-01"],
                         "value": [10.0, 20.5, 7.0, 3.25]})


def test_parquet_csv_and_table_give_the_same_canonical_frame(spark, orders, tmp_path):  # noqa: F811
    orders.assign(user=[" a", "a ", "b", "c"]).to_parquet(tmp_path / "orders.parquet")  # stripped
    orders.to_csv(tmp_path / "orders.csv", index=False)
    spark.createDataFrame(orders).createOrReplaceTempView("crm_test_orders")
    frames = [crs.read_transactions(src, "user", "day", "value", spark=spark).toPandas()
              for src in [str(tmp_path / "orders.parquet"), str(tmp_path / "orders.csv"), "crm_test_orders"]]
    expected = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
                             "date": pd.to_datetime(orders["day"]).dt.date, "amount": orders["value"]})
    for frame in frames:
        assert list(frame.columns) == ["customer_id", "date", "amount"]
        pd.testing.assert_frame_equal(frame, expected, check_dtype=False)


@pytest.mark.parametrize("change, message, column", [
    (lambda d: d.drop(columns="value"), "missing column", "value"),
    (lambda d: d.assign(user=[None, "a", "b", "c"]), "1 row has no customer id", "user"),
    (lambda d: d.assign(user=["a", "  ", "b", "c"]), "1 row has no customer id", "user"),
    (lambda d: d.assign(day=["2024-01-02", "2024-13-45", "2024-01-05", "2024-03-01"]),
     r"dates that do not parse: 1 row \(e.g. 'a': 2024-13-45\)", "day"),
    (lambda d: d.assign(value=["10", "ten", "7", "3"]),
     r"amounts that are not numbers: 1 row \(e.g. 'a': ten",
     "value"),
    (lambda d: d.assign(value=[10.0, -5.0, 7.0, 3.0]), r"negative amounts.*1 row \(e.g. 'a': -5.0",
     "value"),
    (lambda d: d.iloc[:0], "the table is empty", None),
])
def test_bad_input_names_source_column_and_problem(spark, orders, tmp_path, change, message, column):  # noqa: F811
    path = tmp_path / "bad.parquet"
    change(orders).to_parquet(path)
    with pytest.raises(CRMDataError, match=message) as err:
        crs.read_transactions(str(path), "user", "day", "value", spark=spark)
    assert err.value.source == str(path) and err.value.column == column


def test_dates_after_the_observation_end_and_unknown_sources(spark, orders, tmp_path):  # noqa: F811
    orders.to_parquet(tmp_path / "o.parquet")
    with pytest.raises(CRMDataError, match=r"after the observation end 2024-02-29: 1 row \(e.g. 'c'"):
        crs.read_transactions(str(tmp_path / "o.parquet"), "user", "day", "value", spark=spark,
                              observation_end="2024-02-29")
    with pytest.raises(CRMDataError, match="table no_such_table: no such table"):
        crs.read_transactions("no_such_table", spark=spark)
    with pytest.raises(CRMDataError, match="file or folder not found"):
        crs.read_transactions(str(tmp_path / "missing.parquet"), spark=spark)
    assert crs.get_session() is spark  # the active session is reused, not a second JVM


def test_pandas_nanosecond_parquet_gets_the_fix_in_the_message(spark, tmp_path):  # noqa: F811
    path = tmp_path / "ns.parquet"
    pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2024-01-01 10:00:00.123456789"]),
                  "amount": [1.0]}).to_parquet(path)
    with pytest.raises(CRMDataError, match="coerce_timestamps='us'") as err:
        crs.read_transactions(str(path), spark=spark)
    assert err.value.source == str(path)
