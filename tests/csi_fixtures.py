"""Shared pieces of the CSI tests: the ECSI satisfaction model of R plspm and its data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SAT_BLOCKS = {
    "IMAG": [f"imag{i}" for i in range(1, 6)],
    "EXPE": [f"expe{i}" for i in range(1, 6)],
    "QUAL": [f"qual{i}" for i in range(1, 6)],
    "VAL": [f"val{i}" for i in range(1, 5)],
    "SAT": [f"sat{i}" for i in range(1, 5)],
    "LOY": [f"loy{i}" for i in range(1, 5)],
}
SAT_PATHS = {
    "EXPE": ["IMAG"],
    "QUAL": ["EXPE"],
    "VAL": ["EXPE", "QUAL"],
    "SAT": ["IMAG", "EXPE", "QUAL", "VAL"],
    "LOY": ["IMAG", "SAT"],
}


def ecsi_dir(shared: Path) -> Path:
    return shared / "ecsi"


@pytest.fixture(scope="session")
def satisfaction(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(ecsi_dir(shared_data) / "satisfaction.csv", index_col=0)


@pytest.fixture(scope="session")
def sat_model(satisfaction):
    """The reference fit: centroid scheme, mode A, scaled=False (as the R outputs)."""
    from crm_models.csi import PLSPM

    return PLSPM(SAT_PATHS, SAT_BLOCKS, scheme="centroid", scaled=False).fit(satisfaction)


def ref(shared: Path, name: str, **kw) -> pd.DataFrame:
    return pd.read_csv(ecsi_dir(shared) / f"satisfaction.{name}.csv", **kw)
