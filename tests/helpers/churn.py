"""Data for the churn tests: the IBM Telco frame and simulated Weibull data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TELCO_COVARIATES = ["gender", "SeniorCitizen", "Partner", "Dependents", "PhoneService", "InternetService",
                    "Contract", "PaperlessBilling", "PaymentMethod", "MonthlyCharges"]


def load_telco(shared: Path) -> pd.DataFrame:
    """IBM Telco churn, prepared explicitly.

    * ``Churn`` Yes/No -> 1/0; ``tenure`` (months) is the duration.
    * ``TotalCharges`` is text with 11 blank strings: exactly the 11 customers with
      ``tenure == 0`` (signed up, not billed yet).  It is dropped: it is about tenure x
      MonthlyCharges, a function of the duration itself, so it must not be a covariate.
    * The 11 ``tenure == 0`` rows are dropped too (a zero duration has no log-time for the
      AFT kinds), so every kind is fitted on the same 7,032 customers.
    * Service columns with a "No internet service" / "No phone service" level duplicate
      InternetService / PhoneService exactly (perfectly collinear dummies) and are left out.
    """
    raw = pd.read_csv(shared / "telco" / "telco_customer_churn.csv")
    blank = raw["TotalCharges"].astype(str).str.strip() == ""
    assert blank.sum() == 11 and (raw.loc[blank, "tenure"] == 0).all()
    df = raw.loc[raw["tenure"] > 0, ["customerID", *TELCO_COVARIATES, "tenure"]].copy()
    df["Churn"] = (raw.loc[df.index, "Churn"] == "Yes").astype(int)
    return df.set_index("customerID")


def simulate_weibull(n: int, seed: int, *, beta: tuple[float, float, float] = (3.0, 0.4, -0.6),
                     rho: float = 1.5, censor_max: float = 60.0) -> pd.DataFrame:
    """Weibull AFT data with known truth.

    log lambda(x) = beta0 + beta1 * x1 + beta2 * x2 (x1 ~ N(0,1), x2 ~ Bernoulli(0.4)),
    T = lambda(x) * (-log U)^(1/rho); censored at C ~ Uniform(0, censor_max).  The hazard is
    proportional with Cox coefficients -rho * (beta1, beta2).
    """
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.4, size=n).astype(float)
    lam = np.exp(beta[0] + beta[1] * x1 + beta[2] * x2)
    t = lam * (-np.log(rng.uniform(size=n))) ** (1.0 / rho)
    c = rng.uniform(0.0, censor_max, size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "duration": np.minimum(t, c), "event": (t <= c).astype(int)})


def simulate_churn_drivers(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """A snapshot with a known churn mechanism: two true drivers among noise columns.

    logit P(churn) = -1 + 1.5 * support_calls - 1.2 * loyalty + 0.8 * [plan == "basic"];
    ``support_calls``, ``loyalty``, ``noise_1``, ``noise_2`` ~ N(0, 1) independent,
    ``plan`` in {basic, plus, pro} and ``region`` (noise) in {north, south} at random.
    """
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "support_calls": rng.normal(size=n),
        "noise_1": rng.normal(size=n),
        "loyalty": rng.normal(size=n),
        "noise_2": rng.normal(size=n),
        "plan": rng.choice(["basic", "plus", "pro"], size=n).astype(object),
        "region": rng.choice(["north", "south"], size=n).astype(object),
    })
    eta = -1.0 + 1.5 * X["support_calls"] - 1.2 * X["loyalty"] + 0.8 * (X["plan"] == "basic")
    y = pd.Series((rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-eta))).astype(int), name="churn")
    return X, y


def outcome(fn, *args, **kwargs):
    """``(result, None)``, or ``(None, message)`` when ``fn`` raises a CRMDataError."""
    from crm_models.errors import CRMDataError

    try:
        return fn(*args, **kwargs), None
    except CRMDataError as exc:
        return None, str(exc)
