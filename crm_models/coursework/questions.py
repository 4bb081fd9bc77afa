"""The question bank of the coursework assignment, with reference answers.

Each question has its text in English and Chinese, the points it is worth, how close an
answer must be (absolute and relative tolerance), and a function computing the reference
answer from the student's own data with crm_models itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_models.data.summary import rfm_summary

__all__ = ["Question", "QUESTIONS", "reference_answers", "StudentData"]


@dataclass(frozen=True)
class StudentData:
    transactions: pd.DataFrame
    observation_end: str

    @property
    def summary(self) -> pd.DataFrame:
        return rfm_summary(self.transactions, self.observation_end, period="D", time_unit="W")


@dataclass(frozen=True)
class Question:
    key: str
    text: dict[str, str]
    solution: str  # teacher's key: code that assigns the answer (uses tx, s, crm)
    points: float
    reference: Callable[[StudentData], float]
    atol: float = 0.0
    rtol: float = 0.0

    def is_correct(self, answer: object, expected: float) -> bool:
        try:
            value = float(answer)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        return bool(np.isfinite(value) and np.isclose(value, expected, rtol=self.rtol, atol=self.atol))


def _champions(d: StudentData) -> float:
    from crm_models.segments import rfm_segments

    return float((rfm_segments(d.summary)["segment"] == "champions").sum())


QUESTIONS: list[Question] = [
    Question(
        "q1",
        {"en": "How many distinct customers are in your transaction data?",
         "zh": "你的交易数据中共有多少位不同的客户？"},
        "tx['customer_id'].nunique()",
        1.0, lambda d: float(d.transactions["customer_id"].nunique()),
    ),
    Question(
        "q2",
        {"en": "What is the total revenue (sum of all order values)?",
         "zh": "总收入（所有订单金额之和）是多少？"},
        "tx['amount'].sum()",
        1.0, lambda d: float(d.transactions["amount"].sum()), atol=0.01,
    ),
    Question(
        "q3",
        {"en": "Summarise the data with crm.data.rfm_summary (daily purchases, times in weeks, "
               "observation end as given). What share of customers made at least one repeat "
               "purchase (a number between 0 and 1)?",
         "zh": "用 crm.data.rfm_summary 汇总数据（按天计购买，时间以周为单位，观察期结束日如上）。"
               "至少重复购买一次的客户比例是多少（0 到 1 之间的数）？"},
        "(s['frequency'] > 0).mean()",
        2.0, lambda d: float((d.summary["frequency"] > 0).mean()), atol=1e-4,
    ),
    Question(
        "q4",
        {"en": "What is the mean number of repeat purchases (frequency) per customer?",
         "zh": "每位客户的平均重复购买次数（frequency）是多少？"},
        "s['frequency'].mean()",
        2.0, lambda d: float(d.summary["frequency"].mean()), atol=1e-4,
    ),
    Question(
        "q5",
        {"en": "What is the mean customer age T in weeks?",
         "zh": "客户的平均年龄 T（周）是多少？"},
        "s['T'].mean()",
        2.0, lambda d: float(d.summary["T"].mean()), atol=1e-3,
    ),
    Question(
        "q6",
        {"en": "Score the customers with crm.segments.rfm_segments(s) (default rules). How many "
               "customers are 'champions'?",
         "zh": "用 crm.segments.rfm_segments(s)（默认规则）给客户打分。有多少位客户属于 "
               "'champions'（冠军客户）？"},
        "(crm.segments.rfm_segments(s)['segment'] == 'champions').sum()",
        2.0, _champions,
    ),
]


def reference_answers(data: StudentData) -> dict[str, float]:
    return {q.key: q.reference(data) for q in QUESTIONS}
