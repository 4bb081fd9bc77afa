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
