r"""Descriptive survival analysis by segment: Kaplan-Meier, median lifetime, log-rank tests, retention.

* Kaplan-Meier (1958) product-limit estimate :math:`\hat S(t) = \prod_{t_j \le t} (1 - d_j / n_j)`
  (``d_j`` churned at ``t_j``, ``n_j`` still at risk), with lifelines' exponential
  Greenwood confidence band (:class:`lifelines.KaplanMeierFitter`).
* Median lifetime: the first time :math:`\hat S(t) \le 0.5` (infinite if the curve never
  gets there), with the CI read off the band (Brookmeyer & Crowley 1982).
* Log-rank test (Mantel 1966; Peto & Peto 1972) of equal survival across segments:
  :math:`\chi^2` with (groups - 1) degrees of freedom (lifelines'
  ``multivariate_logrank_test``); pairwise tests with a Holm or Bonferroni adjustment.
* Retention table: :math:`\hat S(h)` per segment at chosen horizons ``h`` ("share of a
  cohort still a customer after h months").
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_models.churn._checks import check_columns, check_durations, check_events
from crm_models.errors import CRMDataError, describe_rows

__all__ = ["km_fitters", "km_table", "logrank", "median_lifetime", "pairwise_logrank", "pick_segment",
           "retention_table"]

ALL = "all customers"


def _prepare(df: pd.DataFrame, duration_col: str, event_col: str, segment: str | None
             ) -> tuple[np.ndarray, np.ndarray, pd.Series | None]:
    check_columns(df, [duration_col, event_col] + ([segment] if segment else []))
    if len(df) == 0:
        raise CRMDataError("no rows")
    T = check_durations(df[duration_col], duration_col)
    E = check_events(df[event_col], event_col)
    seg = None
    if segment is not None:
        seg = df[segment]
        missing = seg.isna().to_numpy()
        if missing.any():
            raise CRMDataError(f"missing segment labels in {describe_rows(df.index[missing])}",
                               column=segment)
    return T, E, seg


def _levels(seg: pd.Series) -> list[Any]:
    if isinstance(seg.dtype, pd.CategoricalDtype):
        present = set(seg.unique())
        return [c for c in seg.cat.categories if c in present]
    return sorted(seg.unique().tolist(), key=lambda v: (str(type(v)), v))


def km_fitters(df: pd.DataFrame, duration_col: str = "duration", event_col: str = "event",
               segment: str | None = None, *, alpha: float = 0.05) -> dict[Any, Any]:
    """One fitted :class:`lifelines.KaplanMeierFitter` per segment level (or ``"all customers"``).

    Ordered by level (sorted, or the categories' order).  ``alpha``: 1 - CI level.
    """
    from lifelines import KaplanMeierFitter

    T, E, seg = _prepare(df, duration_col, event_col, segment)
    if seg is None:
        return {ALL: KaplanMeierFitter(alpha=alpha).fit(T, E, label=ALL)}
    out = {}
    values = seg.to_numpy()
    for level in _levels(seg):
        mask = values == level
        out[level] = KaplanMeierFitter(alpha=alpha).fit(T[mask], E[mask], label=str(level))
    return out


def km_table(df: pd.DataFrame, duration_col: str = "duration", event_col: str = "event",
             segment: str | None = None, *, alpha: float = 0.05) -> pd.DataFrame:
    """Tidy Kaplan-Meier curves: one row per segment and distinct time.

    Columns: ``segment``, ``time``, ``survival``, ``lower``, ``upper`` (the ``1 - alpha``
    band), ``at_risk`` (customers still observed just before ``time``), ``churned``,
    ``censored``.
    """
    rows = []
    for level, kmf in km_fitters(df, duration_col, event_col, segment, alpha=alpha).items():
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        et = kmf.event_table.reindex(sf.index)
        rows.append(pd.DataFrame({
            "segment": level, "time": sf.index.to_numpy(), "survival": sf.to_numpy(),
            "lower": ci.iloc[:, 0].to_numpy(), "upper": ci.iloc[:, 1].to_numpy(),
            "at_risk": et["at_risk"].to_numpy(), "churned": et["observed"].to_numpy(),
            "censored": et["censored"].to_numpy(),
        }))
    return pd.concat(rows, ignore_index=True)


def median_lifetime(df: pd.DataFrame, duration_col: str = "duration", event_col: str = "event",
                    segment: str | None = None, *, alpha: float = 0.05) -> pd.DataFrame:
    """Median lifetime per segment from the Kaplan-Meier curve, with its CI.

    Columns: ``n``, ``churned``, ``median`` (``inf`` when fewer than half have churned),
    ``lower``, ``upper``.  Indexed by segment.
    """
    from lifelines.utils import median_survival_times

    rows = {}
    for level, kmf in km_fitters(df, duration_col, event_col, segment, alpha=alpha).items():
        ci = median_survival_times(kmf.confidence_interval_survival_function_)
        rows[level] = {"n": int(kmf.event_table["entrance"].sum()), "churned": int(kmf.event_observed.sum()),
                       "median": float(kmf.median_survival_time_), "lower": float(ci.iloc[0, 0]),
                       "upper": float(ci.iloc[0, 1])}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = segment or "segment"
    return out


def logrank(df: pd.DataFrame, duration_col: str = "duration", event_col: str = "event",
            segment: str = "segment") -> pd.Series:
    """Log-rank test that every segment has the same survival curve.

    Returns ``test_statistic`` (chi-square), ``degrees_of_freedom`` (segments - 1), ``p``
    and ``n_segments`` (lifelines' ``multivariate_logrank_test``; with two segments it is
    the ordinary two-sample log-rank test).
    """
    from lifelines.statistics import multivariate_logrank_test

    T, E, seg = _prepare(df, duration_col, event_col, segment)
    assert seg is not None
    if seg.nunique() < 2:
        raise CRMDataError("the log-rank test needs at least two segments", column=segment)
    res = multivariate_logrank_test(T, seg.to_numpy(), E)
    return pd.Series({"test_statistic": float(res.test_statistic),
                      "degrees_of_freedom": int(res.degrees_of_freedom), "p": float(res.p_value),
                      "n_segments": int(seg.nunique())}, name="logrank")


def pairwise_logrank(df: pd.DataFrame, duration_col: str = "duration", event_col: str = "event",
                     segment: str = "segment", *, adjust: Literal["holm", "bonferroni", "none"] = "holm"
                     ) -> pd.DataFrame:
    """Two-sample log-rank tests for every pair of segments, with adjusted p-values.

    Columns: ``segment_a``, ``segment_b``, ``test_statistic``, ``p``, ``p_adjusted``
    (Holm's step-down by default, or Bonferroni, or none).
    """
    from lifelines.statistics import logrank_test

    if adjust not in ("holm", "bonferroni", "none"):
        raise CRMDataError(f"adjust must be 'holm', 'bonferroni' or 'none', got {adjust!r}")
    T, E, seg = _prepare(df, duration_col, event_col, segment)
    assert seg is not None
    values = seg.to_numpy()
    rows = []
    for a, b in combinations(_levels(seg), 2):
        ma, mb = values == a, values == b
        res = logrank_test(T[ma], T[mb], E[ma], E[mb])
        rows.append({"segment_a": a, "segment_b": b, "test_statistic": float(res.test_statistic),
                     "p": float(res.p_value)})
    if not rows:
        raise CRMDataError("pairwise tests need at least two segments", column=segment)
    out = pd.DataFrame(rows)
    p = out["p"].to_numpy()
    m = len(p)
    if adjust == "bonferroni":
        adj = np.minimum(p * m, 1.0)
    elif adjust == "holm":
        order = np.argsort(p, kind="stable")
        stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
        adj = np.empty(m)
        adj[order] = np.minimum(stepped, 1.0)
    else:
        adj = p.copy()
    out["p_adjusted"] = adj
    return out


def retention_table(df: pd.DataFrame, horizons: Sequence[float], duration_col: str = "duration",
                    event_col: str = "event", segment: str | None = None, *, ci: bool = False,
                    alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier retention (share still a customer) at each horizon, per segment.

    Rows: segments; columns: horizons.  With ``ci=True`` a long table with ``retention``,
    ``lower``, ``upper`` per (segment, horizon).  A horizon beyond a segment's longest
    observed duration gives NaN (the curve is not estimated there).
    """
    horizons = [float(h) for h in horizons]
    if any((not np.isfinite(h)) or h < 0 for h in horizons):
        raise CRMDataError("horizons must be finite and >= 0")
    fitters = km_fitters(df, duration_col, event_col, segment, alpha=alpha)
    long = []
    for level, kmf in fitters.items():
        h = np.asarray(horizons)
        sf = kmf.survival_function_at_times(h).to_numpy()
        ci_df = kmf.confidence_interval_survival_function_
        idx = np.searchsorted(ci_df.index.to_numpy(), h, side="right") - 1
        lower = ci_df.iloc[:, 0].to_numpy()[idx]
        upper = ci_df.iloc[:, 1].to_numpy()[idx]
        beyond = h > kmf.durations.max()
        sf, lower, upper = (np.where(beyond, np.nan, a) for a in (sf, lower, upper))
        for k, hz in enumerate(horizons):
            long.append({"segment": level, "horizon": hz, "retention": sf[k], "lower": lower[k],
                         "upper": upper[k]})
    tab = pd.DataFrame(long)
    if ci:
        return tab
    wide = tab.pivot(index="segment", columns="horizon", values="retention")
    wide = wide.reindex(list(fitters))
    wide.index.name = segment or "segment"
    return wide


def pick_segment(df: pd.DataFrame, candidates: Sequence[str], duration_col: str = "duration",
                 event_col: str = "event", *, max_levels: int = 8) -> str | None:
    """The candidate column (2 to ``max_levels`` levels) whose segments' retention differs most.

    "Most" = the largest log-rank chi-square per degree of freedom.  ``None`` when no
    candidate qualifies.  Meant for a report's default segmentation; state it as such.
    """
    best, best_score = None, -np.inf
    for col in candidates:
        if col not in df.columns or df[col].isna().any():
            continue
        k = df[col].nunique()
        if not 2 <= k <= max_levels:
            continue
        res = logrank(df, duration_col, event_col, segment=col)
        score = res["test_statistic"] / res["degrees_of_freedom"]
        if score > best_score:
            best, best_score = col, score
    return best
