"""Customer lifetime value: "buy till you die" models, Gamma-Gamma spend, discounted CLV.

    import crm_models as crm
    s = crm.data.rfm_summary(tx, observation_end="1997-09-30", time_unit="W")
    bg = crm.clv.BetaGeoModel().fit(s)
    gg = crm.clv.GammaGammaModel().fit(s)
    clv = crm.clv.customer_lifetime_value(bg, gg, s, horizon=52, discount_rate=0.0019)

Every model shares one maximum-likelihood engine (:mod:`crm_models.clv.base`): fits on the
distinct (frequency, recency, T) rows with weights, Hessian standard errors, a ``summary``
table, AIC/BIC and an optional L2 ``penalizer``.
"""

from crm_models._moved import moved_names
from crm_models.clv.base import ConvergenceWarning
from crm_models.clv.bgbb import BetaGeoBetaBinomModel
from crm_models.clv.bgnbd import BetaGeoModel
from crm_models.clv.cnbd import BetaGeoCNBDModel, ModifiedBetaGeoCNBDModel
from crm_models.clv.compare import ModelComparison, compare_models
from crm_models.clv.gammagamma import GammaGammaModel, SpendCorrelationWarning
from crm_models.clv.ggomnbd import GGompertzNBDModel
from crm_models.clv.mbgnbd import ModifiedBetaGeoModel
from crm_models.clv.nbd import NBDModel
from crm_models.clv.paretonbd import ParetoNBDModel
from crm_models.clv.sbg import ShiftedBetaGeoModel
from crm_models.clv.validation import (
    frequency_histogram,
    frequency_recency_matrix,
    holdout_by_frequency,
    holdout_errors,
    prob_alive_history,
    prob_alive_matrix,
    tracking,
    tracking_counts,
)
from crm_models.clv.value import customer_equity, customer_lifetime_value, discounted_expected_transactions

__all__ = [
    "BetaGeoModel",
    "ParetoNBDModel",
    "GGompertzNBDModel",
    "ModifiedBetaGeoModel",
    "BetaGeoCNBDModel",
    "ModifiedBetaGeoCNBDModel",
    "NBDModel",
    "BetaGeoBetaBinomModel",
    "ShiftedBetaGeoModel",
    "GammaGammaModel",
    "customer_lifetime_value",
    "compare_models",
    "ModelComparison",
    "customer_equity",
    "discounted_expected_transactions",
    "holdout_by_frequency",
    "holdout_errors",
    "frequency_histogram",
    "prob_alive_matrix",
    "frequency_recency_matrix",
    "prob_alive_history",
    "tracking",
    "tracking_counts",
    "ConvergenceWarning",
    "SpendCorrelationWarning",
]


#: names that moved to the report layer (the package's models never import reports)
__getattr__ = moved_names("crm_models.clv", {
    "customer_table": "crm_models.report.clv.customer_table",
    "load_report_data": "crm_models.report.clv.load_report_data",
    "make_model": "crm_models.report.clv.make_model",
    "value_concentration": "crm_models.report.clv.value_concentration",
}, "the report layer: import it from there")
