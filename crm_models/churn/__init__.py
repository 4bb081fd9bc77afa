"""Survival-based churn on lifelines: durations, Kaplan-Meier, Cox/AFT, churn risk, value."""
