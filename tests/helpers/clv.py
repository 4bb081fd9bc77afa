"""Shared pieces of the CLV tests: fitted models on the CDNOW sample, cached per session.

The published references (../shared/reference/README.md) are kept here in one place.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

import crm_models as crm

# Fader, Hardie & Lee (2005); R CLVTools / BTYDplus (see the reference README)
BGNBD_REF = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
BGNBD_LL = -9582.43
PNBD_REF = {"r": 0.5532, "alpha": 10.5763, "s": 0.6062, "beta": 11.6715}
PNBD_SE = {"r": 0.048, "alpha": 0.843, "s": 0.187, "beta": 6.211}
PNBD_LL = -9594.98
MBGNBD_REF = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
GG_REF = {"p": 6.25, "q": 3.74, "v": 15.44}
BGBB_REF = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
SBG_REGULAR = [100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1, 22.3, 20.7, 19.4, 18.3, 17.3]
SBG_HIGH_END = [100, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1, 46.8, 44.5, 42.7, 40.9, 39.4]

_FITTERS = {
    "bgnbd": crm.clv.BetaGeoModel,
    "paretonbd": crm.clv.ParetoNBDModel,
    "mbgnbd": crm.clv.ModifiedBetaGeoModel,
    "gg": crm.clv.GammaGammaModel,
}
_CACHE: dict[str, object] = {}


def fitted(kind: str, summary: pd.DataFrame):
    """A model fitted on the CDNOW summary (cached: the summary is always the same)."""
    if kind not in _CACHE:
        _CACHE[kind] = _FITTERS[kind]().fit(summary)
    return _CACHE[kind]


@lru_cache(maxsize=1)
def donations(shared: str) -> pd.DataFrame:
    """The BG/BB donations data with the package's column names (T = opportunities)."""
    return pd.read_csv(f"{shared}/cdnow/donations.csv").rename(columns={"periods": "T", "weights": "weight"})


def rel_err(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def assert_close_to_published(params: pd.Series, ref: dict[str, float], rel: float = 1e-3) -> None:
    """Within ``rel`` relative or within half a unit of the published figure's last digit."""
    for name, published in ref.items():
        text = repr(published)
        decimals = len(text.split(".")[1]) if "." in text else 0
        rounding = 0.5 * 10.0 ** -decimals
        err = abs(params[name] - published)
        assert err <= max(rel * abs(published), rounding), (name, params[name], published)


def holdout_summary(cdnow_transactions: pd.DataFrame) -> pd.DataFrame:
    return crm.data.rfm_summary(cdnow_transactions, observation_end="1998-06-30", period="D",
                                time_unit="W", calibration_end="1997-09-30")


def random_summary(n: int, seed: int = 0, max_T: float = 60.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    T = rng.uniform(1, max_T, n)
    x = rng.poisson(2.0, n)
    rec = np.where(x > 0, rng.uniform(0, 1, n) * T, 0.0)
    return pd.DataFrame({"frequency": x, "recency": rec, "T": T},
                        index=pd.Index(np.arange(n), name="customer_id"))


def simulate_pareto_nbd(n: int, r: float, alpha: float, s: float, beta: float, holdout: float,
                        seed: int = 0, T_range: tuple[float, float] = (20.0, 60.0)) -> pd.DataFrame:
    """Customers drawn from the Pareto/NBD (Schmittlein, Morrison & Colombo 1987), with a holdout.

    lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta), lifetime ~ Exp(mu), Poisson purchases at rate
    lambda while alive; T uniform on ``T_range``.  Given x purchases in an active span a, their
    times are uniform on (0, a), so the recency is a * U^(1/x).
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    tau = rng.exponential(1.0 / mu)
    T = rng.uniform(*T_range, n)
    active = np.minimum(tau, T)
    x = rng.poisson(lam * active)
    recency = np.where(x > 0, active * rng.uniform(size=n) ** (1.0 / np.maximum(x, 1)), 0.0)
    later = np.clip(np.minimum(tau, T + holdout) - T, 0.0, None)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": T,
                         "frequency_holdout": rng.poisson(lam * later), "duration_holdout": holdout},
                        index=pd.Index(np.arange(n), name="customer_id"))
