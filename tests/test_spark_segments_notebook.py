"""The segments report with engine="spark" gives the same key figures as with engine="pandas".

Each notebook run starts a kernel (and with engine="spark" a JVM in it): the runs are shared
by the module's tests.
"""

from __future__ import annotations

import pytest
from helpers import execute_notebook, report_summary

from crm_models.data.datasets import sample_transactions

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _execute(out_dir, parameters):
    out = out_dir / f"segments-{parameters['engine']}.out.ipynb"
    return execute_notebook("segments", out, parameters, out_dir)


@pytest.fixture(scope="module")
def sample_parquet(tmp_path_factory, needs_spark):
    folder = tmp_path_factory.mktemp("segments_spark")
    path = folder / "orders.parquet"
    sample_transactions().rename(columns={"customer_id": "client", "amount": "value"}).to_parquet(
        path, coerce_timestamps="us")  # Spark reads micro-, not nanosecond timestamps
    return folder, path


@pytest.fixture(scope="module")
def summaries(sample_parquet):
    folder, path = sample_parquet
    params = {"transactions_path": str(path), "customer_id": "client", "amount": "value", "k_range": [2, 3],
              "retention_period_days": 300}
    return {engine: report_summary(_execute(folder, {**params, "engine": engine}))
            for engine in ("pandas", "spark")}


def test_spark_report_equals_pandas_report(summaries):
    pandas_run, spark_run = dict(summaries["pandas"]), dict(summaries["spark"])
    # both readers record what they read (data_used), the same
    assert spark_run.pop("data_used") == pandas_run.pop("data_used")
    assert spark_run["transactions"] == 12_809
    assert spark_run == pandas_run  # counts exactly, shares and the retention rate to 6 decimals
    assert pandas_run["customers"] == 3000 and sum(pandas_run["tiers"].values()) == 3000
    assert sum(pandas_run["segments"].values()) == 3000 and pandas_run["loyalty"] is None
    assert 0 < pandas_run["retention_rate"] < 1  # observed over 2 x 300 days, not the fallback 0.6
    assert pandas_run["retention_rate"] != 0.6


def test_missing_column_on_spark_fails_the_report_naming_it(sample_parquet):
    from papermill.exceptions import PapermillExecutionError

    folder, path = sample_parquet
    with pytest.raises(PapermillExecutionError) as err:
        _execute(folder, {"transactions_path": str(path), "customer_id": "client", "amount": "amount",
                          "engine": "spark"})
    message = str(err.value)
    assert "CRMDataError" in message and "missing column" in message
    assert f"{path}: column 'amount'" in message
