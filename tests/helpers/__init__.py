"""Plain helpers of the tests (no fixtures: those live in tests/conftest.py).

* this module: where things are (the checkout, the notebooks, ../shared/data), the
  skip-outside-CI rule :func:`require`, the CDNOW readers and the report-notebook runners;
* :mod:`helpers.clv`, :mod:`helpers.churn`, :mod:`helpers.csi`: published reference figures,
  data readers and simulators of each area;
* :mod:`helpers.scoring`: small closed-form models for the Spark scoring tests;
* :mod:`helpers.browser`: a headless-Chromium check of a rendered report.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
SHARED_DATA = Path(os.environ.get("CRM_SHARED_DATA", REPO.parent / "shared" / "data"))

#: Small settings for the reports rendered once per test session (every report declaring one gets it).
REPORT_TEST_PARAMETERS = {"n_boot": 200, "currency": "¥"}


def require(missing: str | None, what: str) -> None:
    """Skip outside CI, fail in CI, when ``missing`` says what ``what`` lacks (None: nothing).

    ``require(None if shutil.which("java") else "Java is not installed (...)", "Spark tests")``
    """
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} must run in CI: {missing}")
    pytest.skip(f"{what} skipped outside CI: {missing}")


def spark_missing() -> str | None:
    """What local Spark lacks here (pyspark, Java), or None when it can start."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'crm_models[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    has_home = bool(java_home) and os.path.exists(os.path.join(java_home, "bin", "java"))
    if shutil.which("java") is None and not has_home:
        return "Java is not installed (Spark needs a JRE: apt-get install default-jre-headless)"
    return None


# --- the CDNOW data (Fader, Hardie & Lee) ---------------------------------------------------------

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


def read_cdnow_master(shared: Path) -> pd.DataFrame:
    """The full CDNOW cohort (23,570 customers, 69,659 purchases to 1998-06-30)."""
    import crm_models as crm

    return crm.data.load_transactions(
        shared / "cdnow" / "CDNOW_master.txt", customer_id="customer_id", date="date",
        amount="dollars", sep=r"\s+", header=0, names=["customer_id", "date", "cds", "dollars"],
        dtype={"customer_id": "int64"}, duplicates="keep",  # numeric ids, real same-day repeats
    )


# --- report notebooks -------------------------------------------------------------------------------

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


def execute_notebook(name: str, out: Path, parameters: dict, cwd: Path):
    """Run ``notebooks/<name>.ipynb`` with papermill into ``out``; the executed notebook.

    A failing cell fails the caller with papermill's error naming the cell.
    """
    import nbformat
    import papermill as pm

    import crm_models.report.execution  # noqa: F401  (registers the "crm_models" engine)

    pm.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=parameters, kernel_name="python3",
        cwd=str(cwd), progress_bar=False,
        engine_name="crm_models",  # the package's engine: kernel on local sockets
    )
    return nbformat.read(str(out), as_version=4)


def run_notebook_in(folder: Path, name: str, parameters: dict):
    """The ``run_notebook`` fixture for module-scoped fixtures: a Spark run starts a JVM (slow),
    so each engine's run is shared by the tests of a module."""
    out = folder / f"{name}.{parameters.get('engine', 'pandas')}.ipynb"
    return execute_notebook(name, out, parameters, folder)


def report_summary(nb) -> dict:
    """The JSON the report prints in its last (hidden) cell."""
    import json

    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


def assert_same_summary(got, expected, path: str = "summary") -> float:
    """Counts and labels exactly, numbers to 1e-9 (relative for large ones); the largest difference."""
    if isinstance(expected, dict):
        assert set(got) == set(expected), path
        return max([assert_same_summary(got[k], expected[k], f"{path}.{k}") for k in expected], default=0.0)
    if isinstance(expected, list):
        assert len(got) == len(expected), path
        return max([assert_same_summary(g, e, f"{path}[{i}]")
                    for i, (g, e) in enumerate(zip(got, expected, strict=True))], default=0.0)
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), path
        return abs(got - expected)
    assert got == expected and type(got) is type(expected), path
    return 0.0
