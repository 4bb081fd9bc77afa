"""The bundled sample data sets: an online shop's transactions, a satisfaction survey of
its customers and a subscription table, all made by :mod:`crm_models.data.simulate`.

The CSV files live in the repository's ``data/`` folder; when the package is used from
elsewhere (an installed wheel), the same data are regenerated from the same seeds, byte
for byte.  Regenerate the files with ``python -m crm_models.data --write data``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crm_models.data import simulate
from crm_models.data.io import load_transactions

__all__ = [
    "sample_transactions",
    "sample_survey",
    "sample_subscriptions",
    "SAMPLE_OBSERVATION_END",
    "SAMPLE_CALIBRATION_END",
    "SAMPLE_PARAMETERS",
    "write_samples",
]

SAMPLE_OBSERVATION_END = "2024-12-31"
SAMPLE_CALIBRATION_END = "2024-06-30"

SAMPLE_PARAMETERS = {
    "transactions": dict(n_customers=3000, r=0.5, alpha=5.0, a=0.8, b=3.0, p_spend=4.0,
                         q_spend=3.0, gamma_spend=30.0, start="2023-01-01",
                         acquisition_days=365, observation_end=SAMPLE_OBSERVATION_END,
                         time_unit="W", seed=2024),
    "survey": dict(n=600, seed=2025, attitude_behaviour_correlation=0.5),
    "subscriptions": dict(n=2000, rho=1.3, start="2022-01-01",
                          observation_end=SAMPLE_OBSERVATION_END, seed=2026),
}

FILES = {"transactions": "transactions.csv", "survey": "survey.csv",
         "subscriptions": "subscriptions.csv"}

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def _make_transactions() -> pd.DataFrame:
    tx, _ = simulate.transactions(**SAMPLE_PARAMETERS["transactions"])
    return tx


def _make_survey() -> pd.DataFrame:
    """Survey of a random subset of the shop's customers.

    Respondents are matched to customers so that attitudinal loyalty (the LOY latent
    variable) and the customer's true purchase rate have a rank correlation of about
    ``attitude_behaviour_correlation`` (a Gaussian-copula matching), so the loyalty
    matrix has something to show.
    """
    params = dict(SAMPLE_PARAMETERS["survey"])
    rho = params.pop("attitude_behaviour_correlation")
    items, truth = simulate.survey(**params)
    _, tx_truth = simulate.transactions(**SAMPLE_PARAMETERS["transactions"])
    rng = np.random.default_rng(params["seed"] + 1)
    n = len(items)
    respondents = np.sort(rng.choice(len(tx_truth), size=n, replace=False))
    lam = tx_truth["lambda_"].to_numpy()[respondents]
    z = (pd.Series(lam).rank().to_numpy() - 0.5) / n
    from scipy.stats import norm

    target = rho * norm.ppf(z) + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    loy_order = np.argsort(truth["scores"]["LOY"].to_numpy(), kind="stable")
    target_order = np.argsort(target, kind="stable")
    ids = np.empty(n, dtype=object)
    ids[loy_order] = tx_truth.index.to_numpy()[respondents][target_order]
    out = items.copy()
    out.insert(0, "customer_id", ids)
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True)


def _make_subscriptions() -> pd.DataFrame:
    table, _ = simulate.subscriptions(**SAMPLE_PARAMETERS["subscriptions"])
    return table


def _to_csv_text(name: str, df: pd.DataFrame) -> str:
    df = df.copy()
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = df[col].dt.strftime("%Y-%m-%d")
    return df.to_csv(index=False, float_format="%.2f", lineterminator="\n")


_MAKERS = {"transactions": _make_transactions, "survey": _make_survey,
           "subscriptions": _make_subscriptions}


def _read(name: str) -> pd.DataFrame:
    path = DATA_DIR / FILES[name]
    if path.exists():
        return pd.read_csv(path)
    from io import StringIO

    return pd.read_csv(StringIO(_to_csv_text(name, _MAKERS[name]())))


def sample_transactions() -> pd.DataFrame:
    """3,000 online-shop customers acquired in 2023, purchases to 2024-12-31.

    Validated (``customer_id, date, amount``); use ``observation_end=SAMPLE_OBSERVATION_END``
    and, for holdout checks, ``calibration_end=SAMPLE_CALIBRATION_END``.
    """
    return load_transactions(_read("transactions"))


def sample_survey() -> pd.DataFrame:
    """600 customers' answers on 1-10 scales: imag1-4, expe1-3, qual1-4, val1-3, sat1-3,
    comp1-2, loy1-3 (loyalty / repurchase intention), swc1-3 (switching cost)."""
    return _read("survey")


def sample_subscriptions() -> pd.DataFrame:
    """2,000 subscribers since 2022: signup_date, cancel_date (NaT = active on
    2024-12-31), plan, contract, monthly_fee, support_tickets, channel."""
    df = _read("subscriptions")
    for col in ("signup_date", "cancel_date"):
        df[col] = pd.to_datetime(df[col])
    return df


def write_samples(directory: str | Path) -> list[Path]:
    """Write the three CSV files (deterministic bytes) and return their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, maker in _MAKERS.items():
        path = directory / FILES[name]
        path.write_text(_to_csv_text(name, maker()), encoding="utf-8")
        written.append(path)
    return written
