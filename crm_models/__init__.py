"""crm_models: CRM analytics (CLV, churn, CSI, segments) and parameterised HTML reports.

    import crm_models as crm
    tx = crm.data.load_transactions("orders.csv", customer_id="user", date="day", amount="total")
    s = crm.data.rfm_summary(tx, observation_end="1997-09-30", time_unit="W")
"""

import importlib
from typing import Any

from crm_models._version import __version__
from crm_models.base import load_model
from crm_models.errors import (
    ConvergenceError,
    CRMDataError,
    CRMError,
    ModelSpecificationError,
    NotFittedError,
    ReportError,
)

__all__ = [
    "churn",
    "clv",
    "coursework",
    "csi",
    "data",
    "plotting",
    "report",
    "segments",
    "spark",
    "CRMError",
    "CRMDataError",
    "ConvergenceError",
    "ModelSpecificationError",
    "NotFittedError",
    "ReportError",
    "load_model",
    "__version__",
]

#: the subpackages, imported on first use (``crm.clv``): importing one layer, e.g. a model
#: unpickled on a Spark executor, does not load the report layer, plotting or Spark
_SUBPACKAGES = ("churn", "clv", "coursework", "csi", "data", "plotting", "report", "segments", "spark")


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"crm_models.{name}")
    raise AttributeError(f"module 'crm_models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBPACKAGES))
