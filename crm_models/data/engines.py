"""Where a report's data are processed: ``engine="pandas"`` (in memory) or ``"spark"``."""

from __future__ import annotations

from typing import Any

from crm_models.errors import CRMDataError

__all__ = ["ENGINES", "check_engine"]

#: The engines every report loader accepts.
ENGINES = ("pandas", "spark")


def check_engine(engine: Any) -> str:
    """``engine`` if it is one of :data:`ENGINES`, else a CRMDataError naming the parameter."""
    if engine not in ENGINES:
        raise CRMDataError(f"unknown engine {engine!r}; use one of {', '.join(map(repr, ENGINES))}",
                           source="parameters", column="engine")
    return engine
