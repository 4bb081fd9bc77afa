"""The coursework question bank: questions drawn from the course material, one per concept.

Every question generates its own numbers from the student's seed (the keyed seed of
:func:`crm_models.coursework.course_key.student_seed`), computes its reference answer with
crm_models, states its precision or accepted categories, and names the typical mistakes that
earn partial credit.  ``BANK`` maps a question id to its :class:`BankQuestion`:

==================  ==========  ==========  ======  ===========================================
id                  topic       difficulty  points  typical mistake (credit)
==================  ==========  ==========  ======  ===========================================
sat_diff            satisfact.  1           1       expectation - perceived (1/2)
sat_ratio           satisfact.  1           1       expectation / perceived (1/2)
kano                csi         2           2       functional and dysfunctional swapped (1/2)
loyalty             segments    1           1       attitude and behaviour axes swapped (1/2)
membership          segments    3           2       tier from the points on the day asked (1/2)
econ_saving         economics   1           1       total cost of acquiring (1/2)
econ_retention      economics   2           2       no discounting, m r / (1 - r) (1/2)
rfm_segment         segments    2           2       recency scored the wrong way round (1/2)
repeat_rate         segments    1           1       first month counted, n / (T + 1) (1/2)
bgnbd_alive         clv         2           2       a percentage (1/2)
bgnbd_expected      clv         3           2       a new customer's expectation (1/2)
km_median           churn       2           2       median of the churned only (1/4)
csi_index           csi         2           2       weighted mean x 10, not rescaled (1/2)
clv                 clv         3           3       revenue (no margin) / undiscounted (1/2)
==================  ==========  ==========  ======  ===========================================
"""

from __future__ import annotations

from crm_models.coursework.bank import marketing, models
from crm_models.coursework.bank._base import BankMistake, BankQuestion, Choice, Instance, question_rng
from crm_models.errors import CRMDataError

__all__ = ["BANK", "BankMistake", "BankQuestion", "Choice", "Instance", "bank_question", "question_rng"]

#: Every bank question by id, in the order of the course.
BANK: dict[str, BankQuestion] = {q.id: q for q in [*marketing.QUESTIONS, *models.QUESTIONS]}


def bank_question(question_id: str) -> BankQuestion:
    """The bank question ``question_id``; an unknown id raises, listing the bank."""
    try:
        return BANK[question_id]
    except KeyError:
        raise CRMDataError(f"no question {question_id!r} in the bank; choose from {sorted(BANK)}") from None
