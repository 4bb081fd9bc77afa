"""One local SparkSession for every Spark test (starting one takes up to a minute here).

Skipped, with the reason, only when pyspark or Java is missing and only outside CI; in CI
(``CI`` set) a missing pyspark or Java fails the tests instead.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import require


def _missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'crm_models[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    has_home = bool(java_home) and os.path.exists(os.path.join(java_home, "bin", "java"))
    if shutil.which("java") is None and not has_home:
        return "Java is not installed (Spark needs a JRE: apt-get install default-jre-headless)"
    return None


def read_cdnow_master(shared):
    """The full CDNOW cohort (23,570 customers, 69,659 purchases to 1998-06-30)."""
    import crm_models as crm

    return crm.data.load_transactions(
        shared / "cdnow" / "CDNOW_master.txt", customer_id="customer_id", date="date",
        amount="dollars", sep=r"\s+", header=0, names=["customer_id", "date", "cds", "dollars"],
        dtype={"customer_id": "int64"}, duplicates="keep",  # numeric ids, real same-day repeats
    )


@pytest.fixture(scope="session")
def needs_spark() -> None:
    """For tests that start Spark themselves (e.g. a notebook with ``engine="spark"``)."""
    require(_missing(), "Spark tests")


@pytest.fixture(scope="session")
def spark():
    require(_missing(), "Spark tests")
    from crm_models.spark import local_session

    session = local_session(2, app_name="crm_models-tests", **{"spark.sql.shuffle.partitions": "4",
                                                                "spark.default.parallelism": "2"})
    yield session
    session.stop()


@pytest.fixture(scope="session")
def cdnow_master(shared_data):
    return read_cdnow_master(shared_data)


# --- stand-in models: small, closed-form, picklable (shipped to the workers by value) ---------

class BGNBDStandIn:
    """BG/NBD with fixed parameters (Fader, Hardie & Lee 2005, eqs. 10 and 13)."""

    def __init__(self, r=0.243, alpha=4.414, a=0.793, b=2.426):
        self.r, self.alpha, self.a, self.b = r, alpha, a, b

    def _odds_dead(self, df):
        x, tx, T = (df[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
        odds = self.a / (self.b + x - 1) * ((self.alpha + T) / (self.alpha + tx)) ** (self.r + x)
        return np.where(x > 0, odds, 0.0)

    def prob_alive(self, df):
        return pd.Series(1.0 / (1.0 + self._odds_dead(df)), index=df.index)

    def expected_purchases(self, df, t):
        from scipy.special import hyp2f1

        x, T = df["frequency"].to_numpy(dtype=float), df["T"].to_numpy(dtype=float)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + T + t)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return pd.Series(head * tail / (1 + self._odds_dead(df)), index=df.index)


class GammaGammaStandIn:
    """Gamma-Gamma conditional mean spend E[M | x, m] = p (v + x m) / (p x + q - 1)."""

    def __init__(self, p=6.25, q=3.74, v=15.44):
        self.p, self.q, self.v = p, q, v

    def conditional_expected_spend(self, df):
        x, m = df["frequency"].to_numpy(dtype=float), df["monetary_value"].to_numpy(dtype=float)
        return pd.Series(self.p * (self.v + x * m) / (self.p * x + self.q - 1), index=df.index)


def value_stand_in(model, spend_model, df, horizon, discount_rate, margin=1.0):
    """Expected purchases over the horizon x expected spend x margin, discounted once."""
    return (model.expected_purchases(df, horizon) * spend_model.conditional_expected_spend(df)
            * margin / (1 + discount_rate))


class WeibullChurnStandIn:
    """Weibull AFT churn model: S(t | x) = exp(-(t / lambda(x))^rho), fixed coefficients."""

    def __init__(self, rho=1.3, intercept=3.0, basket=0.05, channel=None, duration_col="duration"):
        self.rho, self.intercept, self.basket = rho, intercept, basket
        self.channel = channel or {"web": 0.0, "app": 0.2, "store": -0.3}
        self.duration_col = duration_col

    def churn_probability(self, df, horizon):
        lam = np.exp(self.intercept + self.basket * df["basket"].to_numpy(dtype=float)
                     + df["channel"].map(self.channel).to_numpy(dtype=float))
        d = df[self.duration_col].to_numpy(dtype=float)
        return pd.Series(-np.expm1((d / lam) ** self.rho - ((d + horizon) / lam) ** self.rho), index=df.index)


def _register_by_value() -> None:
    """Ship this module's classes by value: the workers cannot import the tests folder."""
    import sys

    try:
        from pyspark import cloudpickle
    except ImportError:
        return
    cloudpickle.register_pickle_by_value(sys.modules[__name__])


_register_by_value()


def messy_transactions(n_customers: int, seed: int, n_repeated: int,
                       features: bool = False) -> pd.DataFrame:
    """Simulated purchases with times of day and extra same-day orders (which the summaries
    merge), optionally with two feature columns carried through."""
    import crm_models as crm

    tx, _ = crm.data.simulate.transactions(n_customers, seed=seed)
    rng = np.random.default_rng(seed)
    extra = tx.iloc[rng.choice(len(tx), n_repeated, replace=False)]
    tx = pd.concat([tx, extra.assign(amount=np.round(extra["amount"] * 0.37, 2)),
                    extra.assign(amount=extra["amount"] + 0.11)], ignore_index=True)
    tx["date"] = tx["date"] + pd.to_timedelta(rng.integers(0, 86_400, len(tx)), unit="s")
    if not features:
        return crm.data.load_transactions(tx)
    tx["channel"] = rng.choice(["web", "app", "store"], len(tx))
    tx["basket"] = rng.integers(1, 9, len(tx))
    return crm.data.load_transactions(tx, extra_columns=["channel", "basket"])
