"""Survival-based churn on lifelines: durations, Kaplan-Meier, Cox/AFT, churn risk, value.

    import crm_models as crm
    d = crm.churn.durations_from_subscriptions(subs, "customer_id", "signup_date", "cancel_date",
                                               observation_end="2024-12-31", time_unit="M")
    cm = crm.churn.ChurnModel(kind="cox").fit(d)          # covariates: the feature columns
    cm.summary, cm.effects_, cm.concordance_
    active = d[d["event"] == 0]
    cm.churn_probability(active, horizon=6)                # P(churn in 6 months | survived so far)
    crm.churn.survival_value(cm, active, margin="monthly_fee", periods=24, discount_rate=0.01)
"""

from crm_models._moved import moved_names
from crm_models.churn.backtesting import BacktestResult, backtest, compare_families
from crm_models.churn.classification import (
    calibration_comparison,
    churn_classifier,
    churn_labels,
    features_at_cutoff,
    features_from_snapshot,
    labels_and_features,
)
from crm_models.churn.descriptive import (
    km_fitters,
    km_table,
    logrank,
    median_lifetime,
    pairwise_logrank,
    pick_segment,
    retention_table,
)
from crm_models.churn.design import DesignSpec, build_design, check_design
from crm_models.churn.durations import (
    durations_from_subscriptions,
    durations_from_transactions,
    inactivity_window_from_gaps,
)
from crm_models.churn.evaluate import (
    classification_metrics,
    gains_table,
    importance_table,
    partial_dependence_table,
    profit_curve,
    reliability_table,
    target_list,
    top_k_precision,
)
from crm_models.churn.horizon import SurvivalSpec
from crm_models.churn.metrics import (
    brier_score,
    calibration_table,
    censoring_survival,
    concordance_index,
    integrated_brier_score,
    train_test_split,
)
from crm_models.churn.models import KINDS, ChurnModel, compare_models, fit_models
from crm_models.churn.scoring import score_customers, value_by_tier
from crm_models.churn.value import retention_improvement, survival_value

__all__ = [
    "KINDS",
    "BacktestResult",
    "ChurnModel",
    "DesignSpec",
    "SurvivalSpec",
    "backtest",
    "brier_score",
    "build_design",
    "calibration_comparison",
    "calibration_table",
    "censoring_survival",
    "check_design",
    "churn_classifier",
    "churn_labels",
    "classification_metrics",
    "compare_families",
    "compare_models",
    "concordance_index",
    "durations_from_subscriptions",
    "durations_from_transactions",
    "features_at_cutoff",
    "features_from_snapshot",
    "fit_models",
    "gains_table",
    "importance_table",
    "inactivity_window_from_gaps",
    "integrated_brier_score",
    "km_fitters",
    "km_table",
    "labels_and_features",
    "logrank",
    "median_lifetime",
    "pairwise_logrank",
    "partial_dependence_table",
    "pick_segment",
    "profit_curve",
    "reliability_table",
    "retention_improvement",
    "retention_table",
    "score_customers",
    "survival_value",
    "target_list",
    "top_k_precision",
    "train_test_split",
    "value_by_tier",
]


#: names that moved to the report layer (the package's models never import reports)
__getattr__ = moved_names("crm_models.churn", {
    "load_churn_data": "crm_models.report.churn.load_churn_data",
}, "the report layer: import it from there")
