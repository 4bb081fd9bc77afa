"""The package's layers point one way (docs/architecture.md): the import contracts hold, a model
loads without the report layer, and moved names say where they went."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, require

import crm_models as crm


def _lint_imports() -> str | None:
    exe = Path(sys.executable).with_name("lint-imports")
    return str(exe) if exe.exists() else shutil.which("lint-imports")


def test_import_contracts_hold():
    exe = _lint_imports()
    require(None if exe else "import-linter is not installed (pip install -e '.[dev]')", "lint-imports")
    proc = subprocess.run([exe], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "Contracts: 4 kept, 0 broken." in proc.stdout


@pytest.mark.parametrize("module", ["crm_models.clv", "crm_models.churn", "crm_models.csi",
                                    "crm_models.segments", "crm_models.data"])
def test_a_model_package_loads_without_reports_plots_or_engines(module):
    code = (f"import sys, json; import {module}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('crm_models', 'matplotlib', 'pyspark', 'papermill', 'nbconvert', 'babel', 'duckdb'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout)
    above = [m for m in loaded if m.split(".")[:2] in (["crm_models", "report"], ["crm_models", "plotting"],
                                                       ["crm_models", "spark"], ["crm_models", "coursework"])]
    assert not above, above
    assert not [m for m in loaded if not m.startswith("crm_models")], loaded


def test_the_package_still_offers_every_area_as_an_attribute():
    for name in ("churn", "clv", "coursework", "csi", "data", "plotting", "report", "segments", "spark"):
        assert getattr(crm, name).__name__ == f"crm_models.{name}"
        assert name in dir(crm)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = crm.nope


@pytest.mark.parametrize(("old", "new"), [
    ("clv.load_report_data", "crm_models.report.clv.load_report_data"),
    ("clv.customer_table", "crm_models.report.clv.customer_table"),
    ("churn.load_churn_data", "crm_models.report.churn.load_churn_data"),
    ("csi.load_survey", "crm_models.report.csi.load_survey"),
    ("segments.load_segment_inputs", "crm_models.report.segments.load_segment_inputs"),
    ("spark.read_transactions", "crm.data.scan_transactions"),
])
def test_moved_names_say_where_they_went(old, new):
    area, name = old.split(".")
    where = new.replace(".", "[.]")
    with pytest.raises(AttributeError, match=rf"crm_models\.{area}\.{name} moved to {where}"):
        getattr(getattr(crm, area), name)
    # and the new place works
    target = new.split("(")[0].replace("crm.", "crm_models.")
    module, _, attr = target.rpartition(".")
    assert callable(getattr(__import__(module, fromlist=[attr]), attr))
