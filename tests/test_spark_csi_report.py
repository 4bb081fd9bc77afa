"""The CSI report on Spark: ``load_survey(engine="spark")`` reads a table or file on Spark and collects
the pandas frame pandas reads; the notebook with ``engine="spark"`` gives the same key figures.

The notebook tests come first (their kernels start their own JVM), then this process's session.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import assert_same_summary, report_summary, run_notebook_in

import crm_models as crm
from crm_models.data import datasets
from crm_models.errors import CRMDataError
from crm_models.report.csi import load_survey

pytestmark = pytest.mark.slow  # local Spark and report notebooks

#: A model naming an item the survey does not have (sat9).
MISSING_ITEM_MODEL = {"paths": {"SAT": ["VAL"], "LOY": ["SAT"]},
                      "blocks": {"VAL": ["val1", "val2", "val3"], "SAT": ["sat1", "sat2", "sat9"],
                                 "LOY": ["loy1", "loy2", "loy3"]}}


@pytest.fixture(scope="module")
def survey_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("csi_spark") / "survey.parquet"
    datasets.sample_survey().to_parquet(path)
    return path


@pytest.fixture(scope="module")
def notebook_runs(survey_file, tmp_path_factory, needs_spark):
    folder = tmp_path_factory.mktemp("csi_notebooks")
    params = {"survey_path": str(survey_file), "n_boot": 200}
    return {engine: report_summary(run_notebook_in(folder, "csi", {**params, "engine": engine}))
            for engine in ("pandas", "spark")}


def test_notebook_on_spark_gives_the_pandas_key_figures(notebook_runs):
    expected, got = notebook_runs["pandas"], notebook_runs["spark"]
    assert expected["respondents"] == 600 and expected["boot_used"] == 200
    # the path coefficients printed are the model's, fitted independently here
    survey = datasets.sample_survey()
    pls = crm.csi.build_model("ecsi", survey, scheme="centroid", scaled=False).fit(survey)
    assert expected["gof"] == pytest.approx(pls.gof_, rel=1e-12)
    assert assert_same_summary(got, expected) < 1e-9


def test_notebook_fails_naming_the_source_and_the_missing_item(survey_file, tmp_path, needs_spark):
    path = str(survey_file)
    with pytest.raises(Exception, match="sat9") as err:
        run_notebook_in(tmp_path, "csi", {"survey_path": path, "engine": "spark", "n_boot": 10,
                                          "model": MISSING_ITEM_MODEL, "target": "SAT"})
    assert "CRMDataError" in str(err.value)
    assert f"{path}: column 'sat9': item column(s) ['sat9'] not found" in str(err.value)


# --------------------------------------------------------------------------- the loader

@pytest.mark.parametrize("name", [None, "parquet", "ecsi/satisfaction.csv", "ecsi/mobi.csv"])
def test_spark_survey_equals_the_pandas_survey(spark, shared_data, survey_file, name):
    """Bundled sample, its Parquet file, and R's CSV files (a written-out row index, dropped)."""
    path = {None: None, "parquet": str(survey_file)}.get(name, str(shared_data / str(name)))
    expected = load_survey(path)
    got = load_survey(path, engine="spark", spark=spark)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # pandas also records how it read the file (attrs["read_info"]: encoding, separator)
    assert got.attrs.get("source") == expected.attrs.get("source")
    if name == "ecsi/satisfaction.csv":
        assert got.shape == (250, 28) and "Unnamed: 0" not in got.columns


def test_a_catalog_table_and_missing_values(spark, tmp_path):
    survey = datasets.sample_survey()
    spark.createDataFrame(survey).createOrReplaceTempView("crm_test_survey")
    got = load_survey("crm_test_survey", engine="spark", spark=spark)
    pd.testing.assert_frame_equal(got, survey, check_exact=True)
    assert got.attrs["source"] == "table crm_test_survey"
    # R's NA and empty fields are missing, as pandas reads them
    path = tmp_path / "na.csv"
    path.write_text('"","sat1","sat2"\n"1",7,NA\n"2",8,9\n"3",,10\n')
    expected = load_survey(path)
    got = load_survey(path, engine="spark", spark=spark)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["sat1"].isna().sum() == 1 and got["sat2"].isna().sum() == 1


def test_bad_input_names_source_and_column(spark, survey_file):
    with pytest.raises(CRMDataError, match="unknown engine 'polars'; use one of 'duckdb', 'spark'"):
        load_survey(None, engine="polars")
    with pytest.raises(CRMDataError, match="no such file or table") as err:
        load_survey("no_such_survey", engine="spark", spark=spark)
    assert err.value.source == "table no_such_survey"
    survey = load_survey(str(survey_file), engine="spark", spark=spark)
    with pytest.raises(CRMDataError, match=r"item column\(s\) \['sat9'\] not found") as err:
        crm.csi.build_model(MISSING_ITEM_MODEL, survey).fit(survey)
    assert (err.value.source, err.value.column) == (str(survey_file), "sat9")
