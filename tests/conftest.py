"""Every fixture of the tests (plain helpers are in tests/helpers/), and the test order.

Tests that need the reference data in ../shared/data use ``shared_data``; tests that need a
program (Chromium, Java) call :func:`helpers.require`.  Both may skip only outside CI, saying
what is missing; in CI (``CI`` set, where ``.ci/run`` installs everything) a missing piece is
a failure.

``CRM_TEST_SHUFFLE=<seed>`` runs the tests in an order shuffled with that seed (files, and
the tests within each file), to catch tests that depend on others running first; unset,
pytest's order.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pandas as pd
import pytest
from helpers import (
    REPORT_TEST_PARAMETERS,
    SHARED_DATA,
    execute_notebook,
    read_cdnow_master,
    read_cdnow_sample,
    require,
    spark_missing,
)
from helpers.csi import SAT_BLOCKS, SAT_PATHS, ecsi_dir


def pytest_collection_modifyitems(config, items):
    """``CRM_TEST_SHUFFLE=<seed>``: the files in a shuffled order, and the tests of each file
    shuffled (a file's tests stay together, so module-scoped fixtures such as a notebook run
    are still set up once per file)."""
    seed = os.environ.get("CRM_TEST_SHUFFLE")
    if not seed:
        return
    rng = random.Random(seed)
    by_file: dict[str, list] = {}
    for item in items:
        by_file.setdefault(item.nodeid.split("::")[0], []).append(item)
    files = list(by_file)
    rng.shuffle(files)
    items[:] = [item for name in files for item in rng.sample(by_file[name], len(by_file[name]))]


def pytest_report_header(config):
    seed = os.environ.get("CRM_TEST_SHUFFLE")
    return f"test order shuffled with CRM_TEST_SHUFFLE={seed}" if seed else None


@pytest.fixture(autouse=True, scope="session")
def _private_pseudonym_key(tmp_path_factory):
    """Tests (and the notebook kernels they start) never create a key in the real home."""
    if os.environ.get("CRM_PSEUDONYM_KEY_FILE") is None:
        path = tmp_path_factory.mktemp("crm-config") / "pseudonym.key"
        os.environ["CRM_PSEUDONYM_KEY_FILE"] = str(path)


# --- reference data -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def shared_data() -> Path:
    require(None if SHARED_DATA.is_dir() else f"reference data not present at {SHARED_DATA}",
            "tests on the reference data")
    return SHARED_DATA


@pytest.fixture(scope="session")
def cdnow_transactions(shared_data: Path) -> pd.DataFrame:
    return read_cdnow_sample(shared_data)


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_transactions: pd.DataFrame) -> pd.DataFrame:
    """The 39-week calibration summary of Fader, Hardie & Lee (2005), in weeks."""
    import crm_models as crm

    return crm.data.rfm_summary(cdnow_transactions, observation_end="1997-09-30",
                                period="D", time_unit="W")


@pytest.fixture(scope="session")
def cdnow_master(shared_data: Path) -> pd.DataFrame:
    return read_cdnow_master(shared_data)


@pytest.fixture(scope="session")
def satisfaction(shared_data: Path) -> pd.DataFrame:
    """The ECSI satisfaction survey of R plspm."""
    return pd.read_csv(ecsi_dir(shared_data) / "satisfaction.csv", index_col=0)


@pytest.fixture(scope="session")
def sat_model(satisfaction):
    """The reference fit: centroid scheme, mode A, scaled=False, plspm's stopping rule (as the R outputs)."""
    from crm_models.csi import PLSPM

    return PLSPM(SAT_PATHS, SAT_BLOCKS, scheme="centroid", scaled=False,
                 convergence="plspm").fit(satisfaction)


# --- report notebooks -----------------------------------------------------------------------------

@pytest.fixture
def run_notebook(tmp_path):
    """Execute ``notebooks/<name>.ipynb`` with papermill and small parameters.

    Returns the executed notebook (nbformat node). A failing cell fails the test with
    papermill's error naming the cell.
    """
    def _run(name: str, parameters: dict | None = None):
        return execute_notebook(name, tmp_path / f"{name}.out.ipynb", parameters or {}, tmp_path)

    return _run


@pytest.fixture(scope="session")
def rendered_reports(tmp_path_factory):
    """``rendered_reports(lang)``: the folder of every report's HTML in ``lang``, rendered once.

    Shared by the browser checks and the words-not-codes scan, so each language runs once.
    """
    from crm_models.report.runner import run_reports

    done: dict[str, Path] = {}

    def _get(lang: str = "en") -> Path:
        if lang not in done:
            out = tmp_path_factory.mktemp(f"reports-{lang}")
            results = run_reports(parameters=REPORT_TEST_PARAMETERS, out=out, run_id=lang, lang=lang,
                                  progress="off")
            failed = [f"{r.name}: {r.error}" for r in results if not r.ok]
            assert not failed, failed
            done[lang] = out / lang
        return done[lang]

    return _get


# --- Spark: one local SparkSession (starting one takes up to a minute here) ------------------------

@pytest.fixture(scope="session")
def needs_spark() -> None:
    """For tests that start Spark themselves (e.g. a notebook with ``engine="spark"``)."""
    require(spark_missing(), "Spark tests")


@pytest.fixture(scope="session")
def spark():
    require(spark_missing(), "Spark tests")
    from crm_models.spark import local_session

    session = local_session(2, app_name="crm_models-tests", **{"spark.sql.shuffle.partitions": "4",
                                                                "spark.default.parallelism": "2"})
    yield session
    session.stop()
