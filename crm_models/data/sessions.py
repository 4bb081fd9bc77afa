"""A local SparkSession with settings that work on a laptop, a CI runner or a notebook server.

On a cluster you do not call this: use the session your platform gives you
(``spark`` in Databricks / a Jupyter kernel on the cluster, or
``SparkSession.builder.getOrCreate()`` inside a script started with ``spark-submit``) and
pass its DataFrames to :mod:`crm_models.spark`; nothing in the package assumes local mode.

    spark-submit --master yarn --deploy-mode cluster \\
        --conf spark.sql.session.timeZone=UTC \\
        --conf spark.sql.execution.arrow.pyspark.enabled=true \\
        --py-files crm_models.zip my_job.py

The executors need ``crm_models`` (and pandas, numpy, pyarrow, and for scoring the model's
own dependencies, e.g. lifelines) importable: install the wheel on the cluster image or
ship it with ``--py-files`` / ``spark.archives`` (a packed conda/venv environment).
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["local_session", "get_session", "LOCAL_DEFAULTS"]

#: Settings of :func:`local_session` (any of them can be overridden through ``**conf``).
LOCAL_DEFAULTS: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    # Naive pandas datetimes go in and come out unchanged, and day/week boundaries do not
    # move with the machine's time zone or daylight saving time.
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
}


def local_session(cores: int = 2, *, app_name: str = "crm_models", log_level: str = "ERROR",
                  driver_memory: str | None = None, **conf: Any):
    """Start (or reuse) a local-mode SparkSession: ``master("local[cores]")``.

    Parameters
    ----------
    cores:
        Worker threads (``local[cores]``).
    app_name:
        Spark application name.
    log_level:
        Spark's log level ("ERROR" keeps notebooks quiet; "WARN", "INFO" for debugging).
    driver_memory:
        JVM heap, e.g. ``"4g"``; only effective when this call starts the JVM.
    conf:
        Further Spark settings; keys use underscores for dots, or pass the real key
        through a dict: ``local_session(**{"spark.sql.shuffle.partitions": "4"})``.

    Notes
    -----
    The Python workers must run the same interpreter as the driver (with pandas and
    pyarrow), so ``PYSPARK_PYTHON`` / ``PYSPARK_DRIVER_PYTHON`` are set to
    ``sys.executable`` unless already set.  The UI is off and the driver binds to
    127.0.0.1 (no network needed); the session time zone is UTC (see
    :data:`LOCAL_DEFAULTS`).  An already running session is returned as is by
    ``getOrCreate`` (static settings such as the master cannot change afterwards).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("crm_models.spark needs pyspark: pip install 'crm_models[spark]'") from exc

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    settings = dict(LOCAL_DEFAULTS)
    if driver_memory is not None:
        settings["spark.driver.memory"] = driver_memory
    for key, value in conf.items():
        settings[key if key.startswith("spark.") else "spark." + key.replace("_", ".")] = str(value)
    builder = SparkSession.builder.master(f"local[{int(cores)}]").appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(log_level)
    return spark


def get_session(**local_options: Any):
    """The active SparkSession, or a new :func:`local_session` (``local_options`` passed on)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("engine='spark' needs pyspark: pip install 'crm_models[spark]'") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    return local_session(**local_options)
