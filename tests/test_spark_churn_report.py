"""The churn report on Spark: ``load_churn_data(engine="spark")`` gives the pandas loader's frame, and
the notebook with ``engine="spark"`` gives the same key figures as with ``engine="pandas"``.

The notebook tests come first: they start their own kernels (and the Spark run its own JVM), so
they run before this process starts its Spark session for the loader tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import assert_same_summary, read_cdnow_master, report_summary, run_notebook_in

from crm_models.data import datasets
from crm_models.errors import CRMDataError
from crm_models.report.churn import load_churn_data

pytestmark = pytest.mark.slow  # local Spark and report notebooks

TELCO = dict(customer_id="customerID", duration_col="tenure", event_col="Churn", event_value="Yes")
NOTEBOOK_PARAMETERS = {"top_n": 5, "periods": 12, "reference_levels": {"contract": "monthly"},
                       "observation_end": "2024-12-31"}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """The bundled samples as Parquet files (microsecond timestamps: Spark does not read nanoseconds)."""
    root = tmp_path_factory.mktemp("churn_spark")
    datasets.sample_subscriptions().to_parquet(root / "subs.parquet", coerce_timestamps="us")
    datasets.sample_transactions().to_parquet(root / "tx.parquet", coerce_timestamps="us")
    subs = datasets.sample_subscriptions()
    subs.drop(columns="cancel_date").to_parquet(root / "no_end.parquet", coerce_timestamps="us")
    return root


@pytest.fixture(scope="module")
def notebook_runs(files, tmp_path_factory, needs_spark):
    folder = tmp_path_factory.mktemp("churn_notebooks")
    params = {**NOTEBOOK_PARAMETERS, "data_path": str(files / "subs.parquet")}
    return {engine: report_summary(run_notebook_in(folder, "churn", {**params, "engine": engine}))
            for engine in ("pandas", "spark")}


def test_notebook_on_spark_gives_the_pandas_key_figures(notebook_runs):
    expected, got = notebook_runs["pandas"], notebook_runs["spark"]
    assert expected["customers"] == 2000 and expected["churned"] == 1265  # as in test_churn_notebook
    assert expected["segment"] == "contract" and "contract_annual" in expected["params"]
    assert assert_same_summary(got, expected) < 1e-9


def test_notebook_fails_naming_the_source_and_the_missing_column(files, tmp_path, needs_spark):
    path = str(files / "no_end.parquet")
    with pytest.raises(Exception, match="cancel_date") as err:
        run_notebook_in(tmp_path, "churn", {**NOTEBOOK_PARAMETERS, "data_path": path, "engine": "spark"})
    assert "CRMDataError" in str(err.value)
    assert f"{path}: column 'cancel_date': column not found" in str(err.value)


# --------------------------------------------------------------------------- the loader

def assert_same(pandas_result, spark_result) -> None:
    (expected, expected_info), (got, got_info) = pandas_result, spark_result
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    assert got.attrs == expected.attrs
    # both loaders record what they read (data_used, for transactions)
    assert got_info == expected_info


def max_abs_difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    num = a.select_dtypes("number").columns
    return float(np.nanmax(np.abs(a[num].to_numpy(float) - b[num].to_numpy(float)))) if len(num) else 0.0


@pytest.mark.parametrize("source", [None, "subs.parquet"])
def test_subscriptions_equal_the_pandas_loader(spark, files, source):
    path = None if source is None else str(files / source)
    kw = {"observation_end": "2024-12-31", "time_unit": "M"}
    expected = load_churn_data(path, "contractual", **kw)
    got = load_churn_data(path, "contractual", engine="spark", spark=spark, **kw)
    assert_same(expected, got)
    assert max_abs_difference(got[0], expected[0]) < 1e-9
    assert int(got[0]["event"].sum()) == 1265 and got[1]["margin"] == "monthly_fee"


def _window_by_numpy(tx: pd.DataFrame) -> float:
    """The default inactivity window computed independently: 90th pct ("higher") of day gaps."""
    days = tx.assign(day=tx["date"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    days = days.sort_values(["customer_id", "day"])
    gaps = days.groupby("customer_id")["day"].diff().dropna().dt.days.to_numpy()
    return float(np.quantile(gaps, 0.9, method="higher"))


def test_sample_transactions_equal_the_pandas_loader(spark, files):
    """Survival data built in Spark, window from the gap histogram, spend summed in Spark."""
    path = str(files / "tx.parquet")
    expected = load_churn_data(path, "non-contractual", time_unit="W")
    got = load_churn_data(path, "non-contractual", time_unit="W", engine="spark", spark=spark)
    assert_same(expected, got)
    assert max_abs_difference(got[0], expected[0]) < 1e-9
    d = got[0]
    assert len(d) == d["customer_id"].nunique() == 3000
    assert d.attrs["crm_churn"]["inactivity_window_days"] == _window_by_numpy(datasets.sample_transactions())
    assert got[1]["margin"] == "spend_per_period" and got[1]["observation_end"] == "2024-12-30"


def test_cdnow_master_integer_ids_and_a_given_window(spark, shared_data, tmp_path):
    """23,570 CDNOW customers with integer ids: ids come back as integers, in numeric order."""
    path = tmp_path / "cdnow_master.parquet"
    read_cdnow_master(shared_data).to_parquet(path, coerce_timestamps="us")
    kw = {"observation_end": "1998-06-30", "time_unit": "M", "inactivity_window": "180D"}
    expected = load_churn_data(str(path), "non-contractual", **kw)
    got = load_churn_data(str(path), "non-contractual", engine="spark", spark=spark, **kw)
    assert_same(expected, got)
    assert max_abs_difference(got[0], expected[0]) < 1e-9
    assert got[0]["customer_id"].dtype == np.int64 and len(got[0]) == 23570
    assert got[0].attrs["crm_churn"]["window_rule"] == "given"


@pytest.mark.parametrize("covariates", [None, ["Contract", "MonthlyCharges"]])
def test_telco_survival_table_equals_the_pandas_loader(spark, shared_data, covariates):
    path = str(shared_data / "telco" / "telco_customer_churn.csv")
    expected = load_churn_data(path, "contractual", covariates=covariates, **TELCO)
    got = load_churn_data(path, "contractual", covariates=covariates, engine="spark", spark=spark, **TELCO)
    assert_same(expected, got)
    assert int(got[0]["Churn"].sum()) == 1869 and len(got[0]) == 7043
    assert got[1]["margin"] == "MonthlyCharges"
    if covariates is not None:  # a number never equals text in pandas: no churn, and no cast error in Spark
        kw = {**TELCO, "event_value": 1, "covariates": covariates}
        expected = load_churn_data(path, "contractual", **kw)
        assert_same(expected, load_churn_data(path, "contractual", engine="spark", spark=spark, **kw))
        assert expected[0]["Churn"].sum() == 0


# --------------------------------------------------------------------------- bad input

def test_unknown_engine_names_the_parameter_and_choices():
    with pytest.raises(CRMDataError, match="unknown engine 'dask'; use one of 'duckdb', 'spark'"):
        load_churn_data(None, engine="dask")


def test_missing_table_and_columns_name_source_and_column(spark, files, shared_data):
    with pytest.raises(CRMDataError, match="no such file or table") as err:
        load_churn_data("no_such_churn_table", "contractual", observation_end="2024-12-31", engine="spark")
    assert err.value.source == "table no_such_churn_table"

    path = str(files / "no_end.parquet")
    with pytest.raises(CRMDataError, match="column not found") as err:
        load_churn_data(path, "contractual", observation_end="2024-12-31", engine="spark", spark=spark)
    assert (err.value.source, err.value.column) == (path, "cancel_date")

    path = str(files / "tx.parquet")
    with pytest.raises(CRMDataError, match="missing column") as err:
        load_churn_data(path, "non-contractual", amount="revenue", engine="spark", spark=spark)
    assert (err.value.source, err.value.column) == (path, "revenue")

    path = str(shared_data / "telco" / "telco_customer_churn.csv")
    with pytest.raises(CRMDataError, match="column not found") as err:
        load_churn_data(path, "contractual", **{**TELCO, "event_col": "Churned"}, engine="spark", spark=spark)
    assert (err.value.source, err.value.column) == (path, "Churned")
    with pytest.raises(CRMDataError, match=r"must be 0 \(censored\) or 1 \(churned\), got dtype") as err:
        load_churn_data(path, "contractual", **{**TELCO, "event_value": None}, engine="spark", spark=spark)
    assert (err.value.source, err.value.column) == (path, "Churn")


def test_bad_subscription_rows_are_named_with_customers(spark, tmp_path):
    subs = pd.DataFrame({"customer_id": ["a", "b", "b", "c"],
                         "signup_date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"],
                         "cancel_date": ["2024-02-01", None, None, "2024-05-01"],
                         "fee": [1.0, 2.0, 2.0, 3.0]})
    cases = [
        (subs.assign(cancel_date=["2024-02-01", None, None, "2024-03-01"]), "cancel_date",
         r"end before start \(a negative duration\) in 1 row \(e.g. 'c': '2024-03-01'\)"),
        (subs.assign(signup_date=["2024-01-01", "2024-02-01", "2024-03-01", "someday"]), "signup_date",
         r"unparseable dates in 1 row \(e.g. 'c': 'someday'\)"),
        (subs.assign(signup_date=["2024-01-01", "2024-02-01", "2024-03-01", "2025-02-01"],
                     cancel_date=["2024-02-01", None, None, None]), "signup_date",
         r"start after the observation end 2024-12-31 in 1 row \(e.g. 'c': '2025-02-01'\)"),
        (subs, "signup_date", r"overlapping spells .* for 1 row \(e.g. b\)"),  # found on the driver
    ]
    for i, (frame, column, message) in enumerate(cases):
        path = str(tmp_path / f"bad{i}.parquet")
        frame.to_parquet(path)
        with pytest.raises(CRMDataError, match=message) as err:
            load_churn_data(path, "contractual", observation_end="2024-12-31", engine="spark", spark=spark)
        assert (err.value.source, err.value.column) == (path, column)
        with pytest.raises(CRMDataError, match=message):  # the same message on the embedded engine
            load_churn_data(path, "contractual", observation_end="2024-12-31")
