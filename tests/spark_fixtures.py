"""One local SparkSession for every Spark test (starting one takes up to a minute here).

Skipped, with the reason, only when pyspark or Java is missing and only outside CI; in CI
(``CI`` set) a missing pyspark or Java fails the tests instead.
"""

from __future__ import annotations

import os
import shutil

import pytest


def _missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'crm_models[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    has_home = bool(java_home) and os.path.exists(os.path.join(java_home, "bin", "java"))
    if shutil.which("java") is None and not has_home:
        return "Java is not installed (Spark needs a JRE: apt-get install default-jre-headless)"
    return None


def read_cdnow_master(shared):
    """The full CDNOW cohort (23,570 customers, 69,659 purchases to 1998-06-30)."""
    import crm_models as crm

    return crm.data.load_transactions(
        shared / "cdnow" / "CDNOW_master.txt", customer_id="customer_id", date="date",
        amount="dollars", sep=r"\s+", header=0, names=["customer_id", "date", "cds", "dollars"],
    )


@pytest.fixture(scope="session")
def spark():
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"Spark tests must run in CI: {reason}")
        pytest.skip(f"Spark tests skipped outside CI: {reason}")
    from crm_models.spark import local_session

    session = local_session(2, app_name="crm_models-tests", **{"spark.sql.shuffle.partitions": "4",
                                                                "spark.default.parallelism": "2"})
    yield session
    session.stop()


def churn_durations_reference():
    """The pandas ``durations_from_transactions`` of crm_models.churn, to compare against.

    From main when the churn area is merged; until then from the ``churn`` branch's
    committed files (read with ``git show``, loaded as a private module).  None when
    neither is available (the caller skips, saying so).
    """
    try:
        from crm_models.churn import durations_from_transactions
    except ImportError:
        pass
    else:
        return durations_from_transactions
    import importlib.util
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    files = {}
    for name in ("_checks", "durations"):
        res = subprocess.run(["git", "show", f"churn:crm_models/churn/{name}.py"], cwd=repo,
                             capture_output=True, text=True)
        if res.returncode != 0:
            return None
        files[name] = res.stdout.replace("crm_models.churn._checks", "_crm_churn_ref._checks")
    pkg = Path(tempfile.mkdtemp(prefix="crm_churn_ref_")) / "_crm_churn_ref"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, text in files.items():
        (pkg / f"{name}.py").write_text(text)
    sys.path.insert(0, str(pkg.parent))
    spec = importlib.util.find_spec("_crm_churn_ref.durations")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.durations_from_transactions
