"""Bank questions on satisfaction, Kano, loyalty, membership, retention economics and RFM.

Each reference is computed with the package (:mod:`crm_models.csi.kano`,
:func:`crm_models.segments.loyalty_matrix`, :func:`crm_models.segments.membership_history` with
:func:`~crm_models.segments.membership.tier_on`, :mod:`crm_models.segments.economics`,
:func:`crm_models.segments.rfm_segments`, :func:`crm_models.segments.repeat_purchase_rate`);
tests/test_coursework_bank.py checks each against a hand-worked second computation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.coursework.bank._base import BankMistake, BankQuestion, Choice, table
from crm_models.coursework.questions import Rule

__all__ = ["QUESTIONS"]


# satisfaction: perceived value minus expectation, and as a ratio ----------
def _sat_params(rng: np.random.Generator) -> dict:
    while True:
        p, e = (round(float(v), 1) for v in rng.uniform(4.0, 9.5, 2))
        if abs(p - e) >= 0.3:
            return {"perceived": p, "expectation": e}


SAT_DIFF = BankQuestion(
    "sat_diff",
    "satisfaction",
    1,
    1.0,
    Rule(1),
    _sat_params,
    lambda q: round(q["perceived"] - q["expectation"], 10),
    (BankMistake("sat_reversed", 0.5, lambda q: q["expectation"] - q["perceived"]),),
)
SAT_RATIO = BankQuestion(
    "sat_ratio",
    "satisfaction",
    1,
    1.0,
    Rule(3),
    _sat_params,
    lambda q: q["perceived"] / q["expectation"],
    (BankMistake("sat_inverted", 0.5, lambda q: q["expectation"] / q["perceived"]),),
)


# Kano ----------
_KANO_NAMES = ("attractive", "one-dimensional", "must-be", "indifferent", "reverse", "questionable")
_KANO_ZH = {
    "魅力": "attractive",
    "魅力质量": "attractive",
    "一元": "one-dimensional",
    "期望质量": "one-dimensional",
    "必备": "must-be",
    "必备质量": "must-be",
    "无差异": "indifferent",
    "无差异质量": "indifferent",
    "反向": "reverse",
    "反向质量": "reverse",
    "可疑": "questionable",
}
KANO_CHOICE = Choice(
    _KANO_NAMES,
    {
        "A": "attractive",
        "O": "one-dimensional",
        "M": "must-be",
        "I": "indifferent",
        "R": "reverse",
        "Q": "questionable",
        "one dimensional": "one-dimensional",
        "must be": "must-be",
        **_KANO_ZH,
    },
)
# answer pairs (functional, dysfunctional) that land in A, O, M, I (1 like ... 5 dislike)
_KANO_PAIRS = {
    "A": [(1, 2), (1, 3), (1, 4)],
    "O": [(1, 5)],
    "M": [(2, 5), (3, 5), (4, 5)],
    "I": [(2, 3), (3, 3), (3, 4), (2, 2)],
}


def _kano_category(functional, dysfunctional) -> str:
    from crm_models.csi.kano import kano_table

    df = pd.DataFrame({"f": list(functional), "d": list(dysfunctional)})
    return str(kano_table(df, {"feature": ("f", "d")}).loc["feature", "category_name"])


def _kano_params(rng: np.random.Generator) -> dict:
    letters = list(_KANO_PAIRS)
    while True:
        main = letters[int(rng.integers(4))]
        n = 12
        counts = {main: int(rng.integers(6, 9))}
        rest = [x for x in letters if x != main]
        left = n - counts[main]
        for x in rest[:-1]:
            counts[x] = int(rng.integers(0, left + 1)) // 2
            left -= counts[x]
        counts[rest[-1]] = left
        if sorted(counts.values())[-2] >= counts[main]:
            continue
        pairs = [
            _KANO_PAIRS[x][int(rng.integers(len(_KANO_PAIRS[x])))] for x in letters for _ in range(counts[x])
        ]
        order = rng.permutation(len(pairs))
        f = [pairs[i][0] for i in order]
        d = [pairs[i][1] for i in order]
        q = {"functional": f, "dysfunctional": d}
        if _kano_category(f, d) != _kano_category(d, f):
            return q


def _kano_show(q: dict) -> dict:
    rows = [(i + 1, f, d) for i, (f, d) in enumerate(zip(q["functional"], q["dysfunctional"], strict=True))]
    return {"table": table(rows, ["#", "F", "D"])}


KANO = BankQuestion(
    "kano",
    "csi",
    2,
    2.0,
    KANO_CHOICE,
    _kano_params,
    lambda q: _kano_category(q["functional"], q["dysfunctional"]),
    (BankMistake("kano_swapped", 0.5, lambda q: _kano_category(q["dysfunctional"], q["functional"])),),
    _kano_show,
)


# loyalty type (Dick & Basu) ----------
LOYALTY_CHOICE = Choice(
    ("non-loyal", "latent", "inertia", "absolute"),
    {
        "non loyal": "non-loyal",
        "no loyalty": "non-loyal",
        "无忠诚": "non-loyal",
        "潜在忠诚": "latent",
        "潜在": "latent",
        "惰性忠诚": "inertia",
        "惰性": "inertia",
        "虚假忠诚": "inertia",
        "spurious": "inertia",
        "绝对忠诚": "absolute",
        "绝对": "absolute",
        "true": "absolute",
        "true loyalty": "absolute",
    },
)


def _loyalty(attitude: float, behaviour: float, ta: float, tb: float) -> str:
    from crm_models.segments import loyalty_matrix

    out = loyalty_matrix(pd.Series([attitude], index=["c"]), pd.Series([behaviour], index=["c"]), ta, tb)
    return str(out.iloc[0])


def _loyalty_params(rng: np.random.Generator) -> dict:
    ta = round(float(rng.uniform(4.5, 6.0)), 1)
    tb = round(float(rng.uniform(0.25, 0.45)), 2)
    high_attitude = bool(rng.integers(2))  # latent (high attitude, low behaviour) or inertia
    a = round(ta + (1 if high_attitude else -1) * float(rng.uniform(0.3, 2.0)), 1)
    b = round(tb + (-1 if high_attitude else 1) * float(rng.uniform(0.05, 0.3)), 2)
    return {"attitude": a, "behaviour": b, "attitude_threshold": ta, "behaviour_threshold": tb}


LOYALTY = BankQuestion(
    "loyalty",
    "segments",
    1,
    1.0,
    LOYALTY_CHOICE,
    _loyalty_params,
    lambda q: _loyalty(q["attitude"], q["behaviour"], q["attitude_threshold"], q["behaviour_threshold"]),
    (
        BankMistake(
            "loyalty_axes_swapped",
            0.5,
            lambda q: {"latent": "inertia", "inertia": "latent"}.get(
                _loyalty(q["attitude"], q["behaviour"], q["attitude_threshold"], q["behaviour_threshold"]), ""
            ),
        ),
    ),
)


# membership tier with the 60-day re-evaluation ------------------------------------------------------
TIER_CHOICE = Choice(
    ("ordinary", "gold", "platinum", "diamond"),
    {
        "普通": "ordinary",
        "普通会员": "ordinary",
        "金卡": "gold",
        "黄金": "gold",
        "白金": "platinum",
        "白金卡": "platinum",
        "钻石": "diamond",
        "钻石卡": "diamond",
    },
)


def _tier_frames(q: dict) -> pd.DataFrame:
    from crm_models.data.io import load_transactions

    return load_transactions(
        pd.DataFrame({"customer_id": "c", "date": pd.to_datetime(q["dates"]), "amount": q["amounts"]})
    )


def _tier_scheduled(q: dict) -> str:
    from crm_models.segments.membership import membership_history, tier_on

    hist = membership_history(
        _tier_frames(q),
        start=q["first_evaluation"],
        end=q["asked"],
        every_days=60,
        window_days=365,
        allow_partial_window=True,
    )
    return str(tier_on(hist, q["asked"]).loc["c"])


def _tier_on_the_day(q: dict) -> str:
    from crm_models.segments.membership import membership_points, tiers_from_points

    points = membership_points(_tier_frames(q), q["asked"], window_days=365, allow_partial_window=True)
    return str(tiers_from_points(points, q["asked"]).loc["c", "tier"])


def _screen(q: dict) -> bool:
    """A quick numpy screen for the generator (not the reference): the scheduled tier and the
    tier from the points on the day asked differ, so the named mistake is visible."""
    dates = pd.to_datetime(q["dates"]).to_numpy()
    amounts = np.asarray(q["amounts"], dtype=float)
    asked, evaluation = pd.Timestamp(q["asked"]), pd.Timestamp(q["first_evaluation"])
    evaluation += pd.Timedelta(days=60 * ((asked - evaluation).days // 60))

    def tier(day: pd.Timestamp) -> int:
        points = amounts[
            (dates > (day - pd.Timedelta(days=365)).to_datetime64()) & (dates <= day.to_datetime64())
        ].sum()
        return int(np.searchsorted([300, 3000, 10000], points, side="right"))

    return tier(evaluation) != tier(asked)


def _tier_params(rng: np.random.Generator) -> dict:
    start = pd.Timestamp("2023-01-01")
    while True:
        days = np.sort(rng.choice(np.arange(0, 540), size=int(rng.integers(5, 9)), replace=False))
        amounts = [
            int(round(float(v), -1))
            for v in rng.choice([60, 150, 400, 900, 1800, 3500], size=len(days))
            * rng.uniform(0.8, 1.2, len(days))
        ]
        first_eval = start + pd.Timedelta(days=int(rng.integers(300, 380)))
        asked = first_eval + pd.Timedelta(days=int(60 * rng.integers(1, 4) + rng.integers(5, 55)))
        q = {
            "dates": [str((start + pd.Timedelta(days=int(d))).date()) for d in days],
            "amounts": amounts,
            "first_evaluation": str(first_eval.date()),
            "asked": str(asked.date()),
        }
        if all(pd.Timestamp(d) <= asked for d in q["dates"]) and _screen(q):
            return q


def _tier_show(q: dict) -> dict:
    rows = list(zip(q["dates"], q["amounts"], strict=True))
    return {"table": table(rows, ["date", "amount"]), "first": q["first_evaluation"], "asked": q["asked"]}


MEMBERSHIP = BankQuestion(
    "membership",
    "segments",
    3,
    2.0,
    TIER_CHOICE,
    _tier_params,
    _tier_scheduled,
    (BankMistake("tier_no_schedule", 0.5, _tier_on_the_day),),
    _tier_show,
)


# retention economics ----------
def _econ_params(rng: np.random.Generator) -> dict:
    return {
        "n": int(rng.integers(2, 30)) * 100,
        "cost": int(rng.integers(4, 20)) * 5,
        "ratio": int(rng.choice([5, 6, 7, 8, 10])),
    }


def _saving(q: dict) -> float:
    from crm_models.segments.economics import acquisition_vs_retention

    return float(acquisition_vs_retention(q["n"], q["cost"], [q["ratio"]])["saving"].iloc[0])


ECON_SAVING = BankQuestion(
    "econ_saving",
    "economics",
    1,
    1.0,
    Rule(0),
    _econ_params,
    _saving,
    (BankMistake("econ_acquire_total", 0.5, lambda q: q["n"] * q["cost"] * q["ratio"]),),
)


def _retention_params(rng: np.random.Generator) -> dict:
    return {
        "margin": int(rng.integers(10, 60)) * 10,
        "retention": round(float(rng.uniform(0.6, 0.9)), 2),
        "discount": float(rng.choice([0.05, 0.08, 0.1, 0.12])),
    }


def _retention_value(q: dict) -> float:
    from crm_models.segments.economics import clv_constant_retention

    return float(clv_constant_retention(q["margin"], q["retention"], q["discount"]))


ECON_RETENTION = BankQuestion(
    "econ_retention",
    "economics",
    2,
    2.0,
    Rule(1),
    _retention_params,
    _retention_value,
    (BankMistake("econ_undiscounted", 0.5, lambda q: q["margin"] * q["retention"] / (1 - q["retention"])),),
)


# RFM segment of a customer, repeat-purchase rate ----------------------------------------------------------
RFM_CHOICE = Choice(
    (
        "champions",
        "loyal",
        "can't lose them",
        "at risk",
        "new",
        "promising",
        "potential loyalists",
        "need attention",
        "about to sleep",
        "lost",
        "hibernating",
    ),
    {"cant lose them": "can't lose them", "cannot lose them": "can't lose them"},
)


def _rfm_segment(q: dict, reverse_recency: bool = False) -> str:
    from crm_models.segments import rfm_segments

    days = np.asarray(q["days_since_last"], dtype=float)
    s = pd.DataFrame(
        {
            "time_since_last": days.max() - days if reverse_recency else days,
            "frequency": q["frequency"],
            "monetary": q["monetary"],
        },
        index=pd.Index(q["customers"], name="customer_id"),
    )
    return str(rfm_segments(s)["segment"].loc[q["asked"]])


def _rfm_params(rng: np.random.Generator) -> dict:
    while True:
        q = {
            "customers": [f"C{i:02d}" for i in range(1, 11)],
            "days_since_last": [int(v) for v in rng.choice(np.arange(1, 400), 10, replace=False)],
            "frequency": [int(v) for v in rng.choice(np.arange(1, 40), 10, replace=False)],
            "monetary": [int(v) for v in rng.choice(np.arange(20, 2000), 10, replace=False)],
        }
        q["asked"] = q["customers"][int(rng.integers(10))]
        if _rfm_segment(q) != _rfm_segment(q, reverse_recency=True):
            return q


def _rfm_show(q: dict) -> dict:
    rows = list(zip(q["customers"], q["days_since_last"], q["frequency"], q["monetary"], strict=True))
    return {
        "table": table(rows, ["customer", "days since last", "frequency", "monetary"]),
        "asked": q["asked"],
    }


RFM = BankQuestion(
    "rfm_segment",
    "segments",
    2,
    2.0,
    RFM_CHOICE,
    _rfm_params,
    _rfm_segment,
    (BankMistake("rfm_recency_reversed", 0.5, lambda q: _rfm_segment(q, reverse_recency=True)),),
    _rfm_show,
)


def _repeat_params(rng: np.random.Generator) -> dict:
    """A first month (January-June) and 2-6 later months, never all of them: a customer who
    bought every month scores 1 either way, which would hide the named mistake."""
    first = int(rng.integers(1, 7))
    later = np.arange(first + 1, 13)
    size = int(rng.integers(2, min(7, len(later))))
    return {"months": [first, *sorted(int(m) for m in rng.choice(later, size, replace=False))]}


def _repeat_rate(q: dict) -> float:
    from crm_models.data.io import load_transactions
    from crm_models.segments import repeat_purchase_rate

    tx = load_transactions(
        pd.DataFrame(
            {"customer_id": "c", "amount": 10.0, "date": [pd.Timestamp(2024, m, 15) for m in q["months"]]}
        )
    )
    return float(repeat_purchase_rate(tx, "2024-12-31", period="M").loc["c"])


REPEAT = BankQuestion(
    "repeat_rate",
    "segments",
    1,
    1.0,
    Rule(3),
    _repeat_params,
    _repeat_rate,
    (BankMistake("repeat_with_first", 0.5, lambda q: len(q["months"]) / (13 - q["months"][0])),),
    lambda q: {"months": ", ".join(str(m) for m in q["months"])},
)

QUESTIONS = [SAT_DIFF, SAT_RATIO, KANO, LOYALTY, MEMBERSHIP, ECON_SAVING, ECON_RETENTION, RFM, REPEAT]
