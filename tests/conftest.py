"""Shared fixtures: the public reference data in ../shared/data.

Tests that need it use ``shared_data``; it may skip only outside CI when the folder is
absent. In CI (``CI`` set) absence is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CRM_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"reference data missing in CI: {SHARED_DATA}")
        pytest.skip(f"reference data not present at {SHARED_DATA} (outside CI)")
    return SHARED_DATA


def read_cdnow_sample(shared: Path) -> pd.DataFrame:
    """CDNOW 1/10 sample with the sample id (1..2357) as customer id, as in the papers."""
    import crm_models as crm

    return crm.data.load_transactions(
        shared / "cdnow" / "CDNOW_sample.txt", customer_id="sample_id", date="date",
        amount="dollars", sep=r"\s+", header=None,
        names=["master_id", "sample_id", "date", "cds", "dollars"],
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
