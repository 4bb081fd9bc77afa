"""Survival-based churn on lifelines: durations, Kaplan-Meier, Cox/AFT, churn risk, value."""

from crm_models.churn.design import DesignSpec, build_design, check_design
from crm_models.churn.durations import (
    durations_from_subscriptions,
    durations_from_transactions,
    inactivity_window_from_gaps,
)
from crm_models.churn.models import KINDS, ChurnModel, compare_models, fit_models

__all__ = [
    "KINDS",
    "ChurnModel",
    "DesignSpec",
    "build_design",
    "check_design",
    "compare_models",
    "durations_from_subscriptions",
    "durations_from_transactions",
    "fit_models",
    "inactivity_window_from_gaps",
]
