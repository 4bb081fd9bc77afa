"""Objects the Spark scoring tests ship to the workers that are not crm_models models.

``score_churn`` and ``score_clv(value_function=...)`` accept any object with the method (or
any function with the signature); these are small closed-form ones.  The workers cannot
import the tests folder, so this module's objects are pickled by value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class FixedWeibullChurn:
    """A duck-typed churn model: Weibull AFT with fixed coefficients,
    S(t | x) = exp(-(t / lambda(x))^rho), log lambda(x) = intercept + basket x + channel."""

    def __init__(self, rho=1.3, intercept=3.0, basket=0.05, channel=None, duration_col="duration"):
        self.rho, self.intercept, self.basket = rho, intercept, basket
        self.channel = channel or {"web": 0.0, "app": 0.2, "store": -0.3}
        self.duration_col = duration_col

    def churn_probability(self, df, horizon):
        lam = np.exp(self.intercept + self.basket * df["basket"].to_numpy(dtype=float)
                     + df["channel"].map(self.channel).to_numpy(dtype=float))
        d = df[self.duration_col].to_numpy(dtype=float)
        return pd.Series(-np.expm1((d / lam) ** self.rho - ((d + horizon) / lam) ** self.rho), index=df.index)


def simple_value(model, spend_model, df, horizon, discount_rate, margin=1.0):
    """A company's own value formula (for ``value_function=``): expected purchases over the
    horizon x expected spend x margin, discounted once."""
    return (model.expected_purchases(df, horizon) * spend_model.expected_spend(df)
            * margin / (1 + discount_rate))


def _register_by_value() -> None:
    import sys

    try:
        from pyspark import cloudpickle
    except ImportError:
        return
    cloudpickle.register_pickle_by_value(sys.modules[__name__])


_register_by_value()
