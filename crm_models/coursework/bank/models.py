"""Bank questions on the models: BG/NBD P(alive) and expected purchases, a Kaplan-Meier median,
a CSI index from given weights, and the CLV of a customer.

References come from the package (:meth:`crm_models.clv.BetaGeoModel.from_params`,
:func:`crm_models.clv.customer_lifetime_value`, :func:`crm_models.churn.median_lifetime`, which
wraps :class:`lifelines.KaplanMeierFitter`); the CSI index from *given* weights is the
Fornell et al. (1996) formula of :mod:`crm_models.csi.index` (rescale each item mean to 0-100,
``(x - min) / (max - min) * 100``, and weight by the normalised weights), because the package's
index function needs a fitted PLS model.  tests/test_coursework_bank.py checks every reference
against a second computation (the closed forms of Fader, Hardie & Lee 2005 and the ``lifetimes``
package; a hand-written product-limit estimator; the weighted sum by hand).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.coursework.bank._base import BankMistake, BankQuestion, table
from crm_models.coursework.questions import Rule

__all__ = ["QUESTIONS"]


def _bgnbd(q: dict):
    from crm_models.clv import BetaGeoModel

    return BetaGeoModel.from_params(r=q["r"], alpha=q["alpha"], a=q["a"], b=q["b"])


def _customer(q: dict) -> pd.DataFrame:
    return pd.DataFrame(
        {"frequency": [float(q["x"])], "recency": [float(q["t_x"])], "T": [float(q["T"])]}, index=["c"]
    )


def _bgnbd_params(rng: np.random.Generator) -> dict:
    T = int(rng.integers(30, 79))
    x = int(rng.integers(1, 12))
    return {
        "r": round(float(rng.uniform(0.2, 1.0)), 2),
        "alpha": round(float(rng.uniform(3, 12)), 1),
        "a": round(float(rng.uniform(1.2, 3.0)), 2),
        "b": round(float(rng.uniform(2, 8)), 1),
        "x": x,
        "t_x": int(rng.integers(max(x, T // 4), T)),
        "T": T,
        "horizon": int(rng.choice([13, 26, 52])),
    }


def _p_alive(q: dict) -> float:
    return float(_bgnbd(q).prob_alive(_customer(q)).iloc[0])


BGNBD_ALIVE = BankQuestion(
    "bgnbd_alive",
    "clv",
    2,
    2.0,
    Rule(3),
    _bgnbd_params,
    _p_alive,
    (BankMistake("percent", 0.5, lambda q: 100 * _p_alive(q), 1),),
)


def _expected(q: dict) -> float:
    return float(_bgnbd(q).expected_purchases(_customer(q), q["horizon"]).iloc[0])


BGNBD_EXPECTED = BankQuestion(
    "bgnbd_expected",
    "clv",
    3,
    2.0,
    Rule(2),
    _bgnbd_params,
    _expected,
    (
        BankMistake(
            "bgnbd_new_customer",
            0.5,
            lambda q: float(_bgnbd(q).expected_purchases_new_customer(q["horizon"])),
        ),
    ),
)


# Kaplan-Meier median ---------------------------------------------------------------------------------
def _km_median(q: dict) -> float:
    from crm_models.churn import median_lifetime

    df = pd.DataFrame({"duration": q["months"], "event": q["churned"]})
    return float(median_lifetime(df)["median"].iloc[0])


def _km_params(rng: np.random.Generator) -> dict:
    while True:
        n = int(rng.integers(10, 15))
        months = [int(v) for v in rng.integers(1, 25, n)]
        churned = [int(v) for v in rng.random(n) < 0.7]
        q = {"months": months, "churned": churned}
        median = _km_median(q)
        if (
            np.isfinite(median)
            and abs(median - float(np.median([m for m, c in zip(months, churned, strict=True) if c]))) >= 1
        ):
            return q


def _km_show(q: dict) -> dict:
    rows = [
        (i + 1, m, "yes" if c else "no")
        for i, (m, c) in enumerate(zip(q["months"], q["churned"], strict=True))
    ]
    return {"table": table(rows, ["customer", "months", "churned"])}


KM_MEDIAN = BankQuestion(
    "km_median",
    "churn",
    2,
    2.0,
    Rule(0),
    _km_params,
    _km_median,
    (
        BankMistake(
            "km_drop_censored",
            0.25,
            lambda q: float(np.median([m for m, c in zip(q["months"], q["churned"], strict=True) if c])),
            1,
        ),
    ),
    _km_show,
)


# CSI index from given weights ----------
def _csi_params(rng: np.random.Generator) -> dict:
    k = int(rng.integers(3, 5))
    return {
        "means": [round(float(v), 2) for v in rng.uniform(5.0, 9.0, k)],
        "weights": [round(float(v), 2) for v in rng.uniform(0.15, 0.6, k)],
    }


def _csi_index(q: dict) -> float:
    means, w = np.asarray(q["means"]), np.asarray(q["weights"])
    return float(((means - 1.0) / 9.0 * 100.0) @ (w / w.sum()))


def _csi_show(q: dict) -> dict:
    rows = [(f"item {i + 1}", m, w) for i, (m, w) in enumerate(zip(q["means"], q["weights"], strict=True))]
    return {"table": table(rows, ["item", "mean (1-10)", "weight"])}


CSI_INDEX = BankQuestion(
    "csi_index",
    "csi",
    2,
    2.0,
    Rule(1),
    _csi_params,
    _csi_index,
    (
        BankMistake(
            "csi_no_rescale",
            0.5,
            lambda q: float(np.asarray(q["means"]) @ (np.asarray(q["weights"]) / sum(q["weights"])) * 10),
        ),
    ),
    _csi_show,
)


# CLV of a customer ----------
def _clv_params(rng: np.random.Generator) -> dict:
    while True:  # a customer worth asking about: discounting shows at the stated precision
        q = _bgnbd_params(rng)
        q.update(
            spend=int(rng.integers(40, 200)),
            margin=float(rng.choice([0.2, 0.25, 0.3, 0.4])),
            horizon=52,
            discount=float(rng.choice([0.002, 0.003, 0.004, 0.005])),
        )
        if _clv(q, discount=0.0) - _clv(q) >= 0.05:
            return q


def _clv(q: dict, discount: float | None = None) -> float:
    from crm_models.clv import customer_lifetime_value

    d = q["discount"] if discount is None else discount
    return float(
        customer_lifetime_value(
            _bgnbd(q), float(q["spend"]), _customer(q), q["horizon"], d, margin=q["margin"]
        ).iloc[0]
    )


CLV = BankQuestion(
    "clv",
    "clv",
    3,
    3.0,
    Rule(2),
    _clv_params,
    _clv,
    (
        BankMistake("clv_revenue", 0.5, lambda q: _clv(q) / q["margin"]),
        BankMistake("clv_undiscounted", 0.5, lambda q: _clv(q, discount=0.0)),
    ),
)

QUESTIONS = [BGNBD_ALIVE, BGNBD_EXPECTED, KM_MEDIAN, CSI_INDEX, CLV]
