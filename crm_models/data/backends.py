"""Where the per-customer data work runs: an embedded DuckDB by default, Spark on request.

Every summary of ``crm_models.data`` is written once as an `Ibis <https://ibis-project.org>`_
expression and evaluated by a *backend*:

* ``"duckdb"`` (default): an in-process DuckDB database.  Files (CSV, Parquet, globs of
  many files) are scanned where they are; pandas frames are registered through Arrow.
  ``memory_limit`` makes DuckDB spill to disk instead of exhausting memory.
* ``"spark"``: the active SparkSession (or a local one); Spark tables and DataFrames stay
  in the cluster, only one row per customer (or less) comes back to the driver.
* any connected Ibis backend (``ibis.postgres.connect(...)``, BigQuery, Snowflake, ...)
  passed as ``engine=``: the same expressions run there.

``"pandas"`` is accepted as a name for the embedded engine (the report notebooks' former
in-memory engine).
"""

from __future__ import annotations

import functools
from typing import Any

from crm_models.errors import CRMDataError

__all__ = ["ENGINES", "check_engine", "connect", "default_connection", "engine_name"]

#: The engines every report loader and ``engine=`` parameter accepts by name.
ENGINES = ("duckdb", "spark")
_ALIASES = {"pandas": "duckdb", "embedded": "duckdb"}


def _ibis():
    try:
        import ibis
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ImportError("crm_models needs ibis-framework with DuckDB: "
                          "pip install 'ibis-framework[duckdb]'") from exc
    return ibis


def check_engine(engine: Any) -> str:
    """The engine's canonical name (``"duckdb"`` or ``"spark"``), else a CRMDataError."""
    if _is_backend(engine):
        return engine_name(engine)
    name = _ALIASES.get(engine, engine)
    if name not in ENGINES:
        raise CRMDataError(f"unknown engine {engine!r}; use one of {', '.join(map(repr, ENGINES))} "
                           "or a connected Ibis backend", source="parameters", column="engine")
    return name


def _is_backend(obj: Any) -> bool:
    try:
        from ibis.backends import BaseBackend
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, BaseBackend)


def engine_name(backend: Any) -> str:
    """``"duckdb"``, ``"spark"`` or the Ibis backend's own name (``"postgres"``, ...)."""
    name = getattr(backend, "name", type(backend).__name__)
    return "spark" if name == "pyspark" else name


@functools.lru_cache(maxsize=1)
def default_connection():
    """The shared in-process DuckDB connection used for pandas frames and files."""
    return _ibis().duckdb.connect()


def connect(engine: Any = "duckdb", *, memory_limit: str | None = None, threads: int | None = None,
            temp_directory: str | None = None, progress: bool = False, session: Any = None):
    """An Ibis backend for ``engine``.

    Parameters
    ----------
    engine:
        ``"duckdb"`` (or ``"pandas"``), ``"spark"``, or an Ibis backend (returned as is).
    memory_limit:
        DuckDB only: e.g. ``"8GB"``.  Above it DuckDB spills intermediate results to
        ``temp_directory`` (default: a ``.tmp`` folder DuckDB chooses) instead of failing.
    threads:
        DuckDB only: worker threads (default: all cores).
    progress:
        DuckDB only: print a progress bar for queries longer than two seconds.
    session:
        Spark only: the SparkSession to use (default: the active one, else a local one).

    Notes
    -----
    Without options the DuckDB connection is the shared :func:`default_connection`.
    """
    if _is_backend(engine):
        return engine
    name = check_engine(engine)
    ibis = _ibis()
    if name == "spark":
        from crm_models.data.sessions import get_session

        return ibis.pyspark.connect(session if session is not None else get_session())
    config: dict[str, Any] = {}
    if memory_limit is not None:
        config["memory_limit"] = str(memory_limit)
    if threads is not None:
        config["threads"] = int(threads)
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    if progress:
        config["enable_progress_bar"] = True
        config["enable_progress_bar_print"] = True
    if not config:
        return default_connection()
    try:
        return ibis.duckdb.connect(**config)
    except Exception as exc:  # duckdb.InvalidInputException: a bad memory_limit, ...
        raise CRMDataError(f"cannot start DuckDB with {config}: {exc}", source="parameters",
                           column="engine options") from exc
