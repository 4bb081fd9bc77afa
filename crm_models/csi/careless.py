"""Careless responding in a survey: respondents who give the same answer to every item.

Careless or insufficient-effort responding (Meade & Craig 2012, "Identifying careless
responses in survey data", Psychological Methods 17(3)) adds noise and, with
*straight-lining* - the same answer to every item, whatever it asks - spurious agreement:
a straight-liner's items correlate perfectly across constructs, which inflates loadings,
reliabilities and path coefficients alike.  PLS-SEM practice (Hair et al. 2022, the
SmartPLS and seminr guides) screens for it before the estimation.

:func:`careless_responses` gives per respondent, over the model's items in their order:

* ``n_answered``: the items answered (missing answers are ignored);
* ``longstring``: the longest run of identical consecutive answers (Johnson 2005);
* ``within_sd``: the standard deviation of the respondent's own answers (0 for a
  straight-liner: no variance within the person, across every construct);
* ``straightliner``: the same answer to every answered item, with at least
  ``max(3, half of the items)`` answered (fewer answers say too little);
* ``reason``: why flagged (empty otherwise).

Only straight-lining is flagged: a long string or a small spread alone also describes
consistently (dis)satisfied customers, and Meade & Craig give no general cut-off.  Flagged
respondents are *kept* by default, with a :class:`~crm_models.errors.CRMDataWarning`:
removing answers is the analyst's decision; :func:`drop_straightliners` does it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_models.csi._data import _numeric_column
from crm_models.errors import CRMDataError, CRMDataWarning

__all__ = ["careless_responses", "drop_straightliners"]


def _answers(survey: pd.DataFrame, items: Sequence[str]) -> np.ndarray:
    if not isinstance(survey, pd.DataFrame):
        raise CRMDataError(f"expected a pandas DataFrame of survey answers, got {type(survey).__name__}")
    items = list(items)
    if not items:
        raise CRMDataError("no items given: pass the survey's item columns (e.g. model.spec.items)")
    source = survey.attrs.get("source", "DataFrame")
    absent = [it for it in items if it not in survey.columns]
    if absent:
        raise CRMDataError(f"item column(s) {absent} not found; available columns: "
                           f"{list(map(str, survey.columns))[:30]}", source=str(source), column=absent[0])
    return np.column_stack([_numeric_column(survey[it], it).to_numpy() for it in items])


def careless_responses(survey: pd.DataFrame, items: Sequence[str], *, warn: bool = True) -> pd.DataFrame:
    """One row per respondent: ``n_answered``, ``longstring``, ``within_sd``, ``straightliner``, ``reason``.

    Parameters
    ----------
    survey:
        One row per respondent (the frame is not modified).
    items:
        The item columns, in questionnaire order (e.g. ``model.spec.items``).
    warn:
        Emit a :class:`CRMDataWarning` with the count when there are straight-liners.

    Returns
    -------
    DataFrame on ``survey.index``; ``attrs["straightliners"]`` holds the count.
    """
    x = _answers(survey, items)
    n, p = x.shape
    seen = ~np.isnan(x)
    answered = seen.sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # respondents without any answer
        lo, hi = np.nanmin(x, axis=1), np.nanmax(x, axis=1)
        sd = np.nanstd(x, axis=1, ddof=0)
    # longest run of equal consecutive answers; a missing answer ends a run
    run = seen[:, 0].astype(int) if p else np.zeros(n, int)
    longest = run.copy()
    for j in range(1, p):
        same = seen[:, j] & seen[:, j - 1] & (x[:, j] == x[:, j - 1])
        run = np.where(same, run + 1, seen[:, j].astype(int))
        longest = np.maximum(longest, run)
    straight = (answered >= max(3, int(np.ceil(p / 2)))) & (lo == hi)
    reason = [f"same answer ({v:g}) to all {k} answered items" if s else ""
              for v, k, s in zip(lo, answered, straight, strict=True)]
    out = pd.DataFrame({"n_answered": answered, "longstring": longest, "within_sd": sd,
                        "straightliner": straight, "reason": reason}, index=survey.index)
    count = int(straight.sum())
    out.attrs["straightliners"] = count
    if count and warn:
        ex = ", ".join(map(str, survey.index[straight][:5])) + (", ..." if count > 5 else "")
        warnings.warn(
            f"{count} of {n} respondents gave the same answer to every item (straight-lining; rows {ex}); "
            "they are kept. Their answers carry no information about the constructs and inflate the "
            "correlations between them: check them, and drop them with "
            "crm.csi.drop_straightliners(survey, items) (report: exclude_straightliners=True)",
            CRMDataWarning, stacklevel=2)
    return out


def drop_straightliners(survey: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """``survey`` without the straight-liners of :func:`careless_responses` (a new frame).

    ``attrs`` are kept; ``attrs["straightliners_dropped"]`` holds how many rows were removed.
    """
    flags = careless_responses(survey, items, warn=False)
    out = survey.loc[~flags["straightliner"].to_numpy()].copy()
    out.attrs = dict(survey.attrs)
    out.attrs["straightliners_dropped"] = int(flags["straightliner"].sum())
    return out
