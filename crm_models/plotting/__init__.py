"""Figures: seaborn/matplotlib functions ``f(..., ax=None) -> Axes``, one module per area."""
