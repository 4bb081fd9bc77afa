"""crm_models: CRM analytics (CLV, churn, CSI, segments) and parameterised HTML reports.

    import crm_models as crm
    tx = crm.data.load_transactions("orders.csv", customer_id="user", date="day", amount="total")
    s = crm.data.rfm_summary(tx, observation_end="1997-09-30", time_unit="W")
"""

from crm_models import churn, clv, coursework, csi, data, plotting, report, segments, spark
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
