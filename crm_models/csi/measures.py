"""Simple satisfaction measures for surveys without a structural model.

Customer satisfaction as perceived performance against expectation (the expectancy-
disconfirmation view, Oliver 1980; the gap model of SERVQUAL, Parasuraman, Zeithaml & Berry
1988):

* gap score ``P - E`` (positive: expectation exceeded, zero: met, negative: disappointed);
* ratio score ``P / E`` (above 1: satisfied);
* the seven-level satisfaction scale of the CRM material (very dissatisfied, dissatisfied,
  somewhat dissatisfied, neutral, somewhat satisfied, satisfied, very satisfied), with level
  scores -3 ... +3, the share satisfied / dissatisfied and the net satisfaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError

__all__ = ["SATISFACTION_LEVELS", "gap_scores", "ratio_scores", "gap_summary", "satisfaction_levels",
           "satisfaction_scale_summary"]

SATISFACTION_LEVELS = ("very dissatisfied", "dissatisfied", "somewhat dissatisfied", "neutral",
                       "somewhat satisfied", "satisfied", "very satisfied")


def _pairs(df: pd.DataFrame, perceived: Sequence[str], expected: Sequence[str],
           names: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if not isinstance(df, pd.DataFrame):
        raise CRMDataError(f"expected a DataFrame, got {type(df).__name__}")
    perceived, expected = list(perceived), list(expected)
    if len(perceived) != len(expected) or not perceived:
        raise CRMDataError(f"perceived ({len(perceived)}) and expected ({len(expected)}) must be non-empty "
                           "lists of the same length, paired in order")
    for c in perceived + expected:
        if c not in df.columns:
            raise CRMDataError("not found in the survey", column=c)
        if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]):
            raise CRMDataError(f"is not numeric (dtype {df[c].dtype})", column=c)
    names = list(names) if names is not None else [f"{p}" for p in perceived]
    if len(names) != len(perceived):
        raise CRMDataError(f"{len(names)} names for {len(perceived)} attribute pairs")
    return df[perceived].to_numpy(float), df[expected].to_numpy(float), names


def gap_scores(df: pd.DataFrame, perceived: Sequence[str], expected: Sequence[str],
               names: Sequence[str] | None = None) -> pd.DataFrame:
    """Perceived-minus-expected score per respondent and attribute (NaN where an answer is missing)."""
    P, E, names = _pairs(df, perceived, expected, names)
    return pd.DataFrame(P - E, index=df.index, columns=names)


def ratio_scores(df: pd.DataFrame, perceived: Sequence[str], expected: Sequence[str],
                 names: Sequence[str] | None = None) -> pd.DataFrame:
    """Perceived / expected per respondent and attribute; expectations must be positive."""
    P, E, names = _pairs(df, perceived, expected, names)
    bad = E <= 0
    if bad.any():
        j = int(np.flatnonzero(bad.any(0))[0])
        raise CRMDataError("has zero or negative expectations, so P/E is undefined; use gap_scores "
                           "or a scale starting at 1", column=list(expected)[j])
    return pd.DataFrame(P / E, index=df.index, columns=names)


def gap_summary(df: pd.DataFrame, perceived: Sequence[str], expected: Sequence[str],
                names: Sequence[str] | None = None) -> pd.DataFrame:
    """Per attribute: mean perceived, mean expected, mean gap, ratio of means, share with P >= E, n."""
    P, E, names = _pairs(df, perceived, expected, names)
    ok = ~(np.isnan(P) | np.isnan(E))
    rows = []
    for j, name in enumerate(names):
        p, e = P[ok[:, j], j], E[ok[:, j], j]
        ratio = p.mean() / e.mean() if len(e) and e.mean() > 0 else np.nan
        rows.append((name, p.mean(), e.mean(), (p - e).mean(), ratio, (p >= e).mean(), len(p)))
    return pd.DataFrame(rows, columns=["attribute", "perceived", "expected", "gap", "ratio", "share_met",
                                       "n"]).set_index("attribute")


def satisfaction_levels(values, scale_min: float = 1, scale_max: float = 7) -> pd.Series:
    """Map answers on a ``scale_min..scale_max`` scale to the seven satisfaction levels.

    A 1-7 scale maps one-to-one; other scales are cut into seven equal-width bands.  Returns
    an ordered categorical (missing answers stay missing).
    """
    s = pd.Series(values)
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise CRMDataError(f"satisfaction answers must be numeric, got dtype {s.dtype}")
    if scale_max <= scale_min:
        raise CRMDataError(f"scale_max ({scale_max}) must exceed scale_min ({scale_min})")
    x = s.astype(float)
    out = (x < scale_min) | (x > scale_max)
    if out.any():
        raise CRMDataError(f"answers outside the scale {scale_min}-{scale_max}: "
                           f"{x[out].head(3).tolist()}")
    pos = (x - scale_min) / (scale_max - scale_min) * 7
    code = np.minimum(np.floor(pos), 6)
    cat = pd.Categorical.from_codes(np.where(x.isna(), -1, code).astype(int),
                                    categories=list(SATISFACTION_LEVELS), ordered=True)
    return pd.Series(cat, index=s.index, name=s.name)


def satisfaction_scale_summary(values, scale_min: float = 1, scale_max: float = 7) -> pd.DataFrame:
    """Count, share and cumulative share per satisfaction level, with its score (-3 ... +3).

    ``attrs`` holds ``mean_score``, ``share_satisfied`` (somewhat satisfied or better),
    ``share_dissatisfied`` and ``net_satisfaction`` (their difference), over answered rows.
    """
    lv = satisfaction_levels(values, scale_min, scale_max)
    counts = lv.value_counts(sort=False).reindex(list(SATISFACTION_LEVELS), fill_value=0)
    n = int(counts.sum())
    if n == 0:
        raise CRMDataError("no answered satisfaction values")
    share = counts / n
    out = pd.DataFrame({"score": np.arange(-3, 4), "count": counts.to_numpy(), "share": share.to_numpy(),
                        "cumulative_share": share.cumsum().to_numpy()}, index=list(SATISFACTION_LEVELS))
    out.index.name = "level"
    sat = float(share.iloc[4:].sum())
    dis = float(share.iloc[:3].sum())
    out.attrs.update(mean_score=float((out["score"] * out["share"]).sum()), share_satisfied=sat,
                     share_dissatisfied=dis, net_satisfaction=sat - dis, n=n)
    return out
