"""Shared fixtures: the public reference data in ../shared/data, and the rule for tests
that need something outside Python.

Tests that need the data use ``shared_data``; tests that need a program (Chromium, Java)
call :func:`require`.  Both may skip only outside CI, saying what is missing; in CI (``CI``
set, where ``.ci/run`` installs everything) a missing piece is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CRM_SHARED_DATA", REPO.parent / "shared" / "data"))


def require(missing: str | None, what: str) -> None:
    """Skip outside CI, fail in CI, when ``missing`` says what ``what`` lacks (None: nothing).

    ``require(None if shutil.which("java") else "Java is not installed (...)", "Spark tests")``
    """
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} must run in CI: {missing}")
    pytest.skip(f"{what} skipped outside CI: {missing}")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    require(None if SHARED_DATA.is_dir() else f"reference data not present at {SHARED_DATA}",
            "tests on the reference data")
    return SHARED_DATA


def read_cdnow_sample(shared: Path) -> pd.DataFrame:
    """CDNOW 1/10 sample with the sample id (1..2357) as customer id, as in the papers."""
    import crm_models as crm

    return crm.data.load_transactions(
        shared / "cdnow" / "CDNOW_sample.txt", customer_id="sample_id", date="date",
        amount="dollars", sep=r"\s+", header=None,
        names=["master_id", "sample_id", "date", "cds", "dollars"],
        dtype={"sample_id": "int64"},  # the papers' numeric ids (the file pads them: 0001)
        duplicates="keep",  # 21 same-day repeat orders of equal value are real purchases
    )


@pytest.fixture(scope="session")
def cdnow_transactions(shared_data: Path) -> pd.DataFrame:
    return read_cdnow_sample(shared_data)


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_transactions: pd.DataFrame) -> pd.DataFrame:
    """The 39-week calibration summary of Fader, Hardie & Lee (2005), in weeks."""
    import crm_models as crm

    return crm.data.rfm_summary(cdnow_transactions, observation_end="1997-09-30",
                                period="D", time_unit="W")


@pytest.fixture(autouse=True, scope="session")
def _private_pseudonym_key(tmp_path_factory):
    """Tests (and the notebook kernels they start) never create a key in the real home."""
    if os.environ.get("CRM_PSEUDONYM_KEY_FILE") is None:
        path = tmp_path_factory.mktemp("crm-config") / "pseudonym.key"
        os.environ["CRM_PSEUDONYM_KEY_FILE"] = str(path)


NOTEBOOKS = REPO / "notebooks"


def bare_machine_env(tmp_path: Path) -> dict[str, str]:
    """Environment variables of a machine without fonts: fontconfig sees no font folder,
    matplotlib starts from an empty cache (``MPLCONFIGDIR``) and must build it anew."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n")
    mpl_dir = tmp_path / "mplconfig"
    mpl_dir.mkdir(exist_ok=True)
    return {"FONTCONFIG_FILE": str(conf), "MPLCONFIGDIR": str(mpl_dir)}


@pytest.fixture
def run_notebook(tmp_path):
    """Execute ``notebooks/<name>.ipynb`` with papermill and small parameters.

    Returns the executed notebook (nbformat node). A failing cell fails the test with
    papermill's error naming the cell.
    """
    import nbformat
    import papermill as pm

    import crm_models.report.execution  # noqa: F401  (registers the "crm_models" engine)

    def _run(name: str, parameters: dict | None = None):
        out = tmp_path / f"{name}.out.ipynb"
        pm.execute_notebook(
            str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=parameters or {},
            kernel_name="python3", cwd=str(tmp_path), progress_bar=False,
            engine_name="crm_models",  # the package's engine: kernel on local sockets
        )
        return nbformat.read(str(out), as_version=4)

    return _run


#: Small settings for the reports rendered once per test session (every report declaring one gets it).
REPORT_TEST_PARAMETERS = {"n_boot": 200, "currency": "¥"}


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


# The one local SparkSession (session scope) for every test that takes a ``spark`` argument.
from spark_fixtures import needs_spark, spark  # noqa: E402, F401
