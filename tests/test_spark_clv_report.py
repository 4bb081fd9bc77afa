"""The CLV report on Spark: load_report_data(engine="spark") and the notebook equal the pandas run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import crm_models as crm
from crm_models.errors import CRMDataError

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "clv.ipynb"
FRAMES = ("calibration", "full", "tracking_counts")
SCALARS = ("observation_end", "calibration_end", "time_unit", "n_transactions", "first_purchase", "period")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clv_spark")


@pytest.fixture(scope="module")
def sample_parquet(folder) -> Path:
    path = folder / "sample.parquet"
    # Spark reads micro-second Parquet timestamps (pandas writes nanoseconds by default)
    crm.data.datasets.sample_transactions().to_parquet(path, coerce_timestamps="us")
    return path


def assert_report_data_equal(got, expected) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name), check_exact=False,
                                      rtol=1e-12)
    for name in SCALARS:
        assert getattr(got, name) == getattr(expected, name), name
    assert got.tracking_counts.attrs == expected.tracking_counts.attrs


def test_spark_report_data_equals_pandas_on_a_parquet_file(spark, sample_parquet):
    expected = crm.report.clv.load_report_data(str(sample_parquet))
    got = crm.report.clv.load_report_data(str(sample_parquet), engine="spark", spark=spark)
    assert_report_data_equal(got, expected)
    assert got.engine == "spark" and got.transactions.engine == "spark"  # lazy, not collected
    assert got.data_used.rows_used == 12_809 and got.data_used == expected.data_used
    assert len(got.full) == 3000 and got.n_transactions == 12_809
    assert got.first_purchase == pd.Timestamp("2023-01-01")
    # no observation end given: the day of the last purchase, calibration after 2/3 of the span
    assert got.observation_end == pd.Timestamp("2024-12-30")
    assert got.calibration_end == pd.Timestamp("2024-05-01")


@pytest.mark.parametrize("source", ["table", "csv"])
def test_spark_report_data_from_a_table_or_csv_with_pseudonyms(spark, folder, source):
    tx = crm.data.datasets.sample_transactions().rename(columns={"customer_id": "user", "amount": "total"})
    if source == "table":  # timestamps
        spark.createDataFrame(tx).createOrReplaceTempView("crm_clv_orders")
        path = "crm_clv_orders"
    else:  # text dates, read as dates
        path = str(folder / "orders.csv")
        tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    # purchases after a given end are refused unless read_options say to drop them, on both engines
    window = dict(observation_end="2024-11-30", calibration_end="2024-05-31", anonymize=True,
                  read_options={"after_end": "drop"})
    expected = crm.report.clv.load_report_data(tx, "user", "date", "total", **window)
    got = crm.report.clv.load_report_data(path, "user", "date", "total", engine="spark", **window)
    assert_report_data_equal(got, expected)
    assert got.full.index[0].startswith("cust-")


def test_bad_engine_and_bad_spark_input_are_named(spark, folder):
    with pytest.raises(CRMDataError, match="parameters: column 'engine': unknown engine 'dask'; use one of "
                                           "'duckdb', 'spark'"):
        crm.report.clv.load_report_data(engine="dask")
    no_amount = folder / "no_amount.parquet"
    sample = crm.data.datasets.sample_transactions()
    sample.drop(columns="amount").to_parquet(no_amount, coerce_timestamps="us")
    with pytest.raises(CRMDataError, match="column 'amount': missing column") as err:
        crm.report.clv.load_report_data(str(no_amount), engine="spark", spark=spark)
    assert err.value.source == str(no_amount) and err.value.column == "amount"
    with pytest.raises(CRMDataError, match="table crm_no_such_orders: no such file or table") as err:
        crm.report.clv.load_report_data("crm_no_such_orders", engine="spark", spark=spark)
    assert err.value.source == "table crm_no_such_orders"


# --- the notebook: one run per engine (a Spark kernel starts its own JVM, so few runs) -----------

def execute(folder: Path, name: str, parameters: dict):
    import nbformat
    import papermill as pm

    import crm_models.report.execution  # noqa: F401  (registers the "crm_models" engine)

    out = folder / f"{name}.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters=parameters, kernel_name="python3",
                        cwd=str(folder), progress_bar=False, engine_name="crm_models")
    return nbformat.read(str(out), as_version=4)


def report_summary(nb) -> dict:
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


def key_figures_line(nb) -> str:
    """The first bullet of the key figures: customers, purchases, first and last day, repeat share."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown", "")
            if "## Key figures" in text:
                return next(line for line in text.splitlines() if line.startswith("- "))
    raise AssertionError("no key figures in the report")


@pytest.fixture(scope="module")
def runs(folder, sample_parquet, needs_spark):
    params = {"transactions_path": str(sample_parquet), "n_draws": 20}
    return {engine: execute(folder, f"clv_{engine}", {**params, "engine": engine})
            for engine in ("pandas", "spark")}


def test_notebook_on_spark_equals_the_pandas_run(runs):
    got, expected = report_summary(runs["spark"]), report_summary(runs["pandas"])
    assert set(got) == set(expected)
    # both readers record what they read (data_used)
    assert got.pop("data_used") == expected.pop("data_used")
    assert runs["spark"] is not None
    for key, value in expected.items():
        if isinstance(value, dict):  # model parameters, customer equity
            assert got[key] == pytest.approx(value, rel=1e-9, abs=0), key
        elif isinstance(value, float) and key != "holdout_actual":
            assert got[key] == pytest.approx(value, rel=1e-9, abs=0), key
        else:  # counts, names
            assert got[key] == value, key
    assert got["customers"] == 3000 and got["holdout_actual"] == expected["holdout_actual"] > 0
    line = key_figures_line(runs["spark"])
    assert line == key_figures_line(runs["pandas"])
    assert "12,809" in line and "2023-01-01" in line  # purchases and first day, aggregated on Spark
    figures = sum("image/png" in o.get("data", {}) for c in runs["spark"].cells for o in c.get("outputs", []))
    assert figures >= 3  # the tracking panel drawn from the Spark counts, P(alive), CLV distribution
