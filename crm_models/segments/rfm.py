"""RFM analysis: recency / frequency / monetary quantile scores, the RFM cell and named segments.

RFM (Hughes 1994, *Strategic Database Marketing*) scores each customer 1-5 on

* **R**ecency: time since the last purchase (more recent = higher score),
* **F**requency: number of purchases (more = higher),
* **M**onetary value: spend (more = higher),

by quantiles of the customer base, writes the three digits as the RFM cell ("545") and
names groups of cells ("champions", "at risk", ...) with a rule table.

Two inputs are understood:

* the analyst's RFM table from :func:`rfm_table` (columns ``time_since_last``,
  ``frequency``, ``monetary``), the classic definition; or
* the "buy till you die" summary of :func:`crm_models.data.rfm_summary` (``frequency``,
  ``recency``, ``T``, ``monetary_value``).  There ``recency`` is the time from the first
  to the last purchase, so the time since the last purchase is ``T - recency``; that is
  what R scores.  ``frequency`` counts repeat purchases (a monotone shift of the number of
  purchases, so the same scores) and ``monetary_value`` is the mean *repeat* purchase
  value, 0 for one-time buyers: pass ``monetary=`` another column, or use
  :func:`rfm_table`, for total spend.

Scores (``n_bins`` = 5 by default).  Let ``n`` be the number of customers and ``k`` a
customer's rank from the bottom (0-based): ``score = 1 + floor(n_bins * k / n)``, so the
scores cut the customers into ``n_bins`` quantile groups.  Ties are deterministic:

* ``ties="min"`` (default): ``k`` = number of customers with a strictly worse value, so
  equal values always share a score (as ``Series.rank(method="min")``).  Heavily tied
  data (e.g. 60 % one-time buyers) then gives unequal groups and may leave a score empty.
* ``ties="first"``: ``k`` = position in the order by value, then by customer id (the
  smaller id ranks lower), as ``rank(method="first")`` on a frame sorted by id: groups of
  equal size (within one customer), but equal values can get different scores.

Segments come from a rule table (:func:`default_rfm_rules`): one row per rule with
``segment, r_min, r_max, f_min, f_max, m_min, m_max`` (inclusive score ranges); a
customer gets the segment of the **first** rule that matches, ``unmatched`` if none.
The default table covers all 125 cells; replace it with your own DataFrame.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from crm_models.data.periods import check_engine_period
from crm_models.data.tables import TransactionTable
from crm_models.errors import CRMDataError, describe_rows
from crm_models.segments._checks import (
    numeric_column,
    numeric_series,
    require_columns,
    require_frame,
)
from crm_models.segments._queries import (
    as_table,
    count_where,
    literal,
    per_customer,
    period_metrics,
    rfm_frame,
)

__all__ = [
    "RULE_COLUMNS",
    "default_rfm_rules",
    "quantile_score",
    "rfm_table",
    "rfm_segments",
    "segment_summary",
]

RULE_COLUMNS = ["segment", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max"]

_DEFAULT_RULES = [
    # segment,              R       F       M      meaning
    ("champions",           4, 5,   4, 5,   4, 5),  # bought recently, often, and spend the most
    ("loyal",               3, 5,   4, 5,   1, 5),  # buy often and fairly recently
    ("can't lose them",     1, 2,   4, 5,   4, 5),  # were frequent big spenders, gone quiet
    ("at risk",             1, 2,   3, 5,   1, 5),  # bought often, but long ago
    ("new",                 5, 5,   1, 1,   1, 5),  # first purchase very recently
    ("promising",           4, 4,   1, 1,   1, 5),  # one recent purchase
    ("potential loyalists", 4, 5,   2, 3,   1, 5),  # recent, a few purchases
    ("need attention",      3, 3,   3, 3,   1, 5),  # middling on recency and frequency
    ("about to sleep",      3, 3,   1, 2,   1, 5),  # middling recency, few purchases
    ("lost",                1, 1,   1, 2,   1, 2),  # longest ago, fewest purchases, lowest spend
    ("hibernating",         1, 2,   1, 2,   1, 5),  # long ago, few purchases
]


def default_rfm_rules() -> pd.DataFrame:
    """The default segment rules (a fresh copy: edit it and pass it to ``rfm_segments``).

    First match wins, so the order matters.  On the R x F grid (M splits champions
    from loyal, can't-lose-them from at-risk and lost from hibernating)::

        R / F   1                2-3                        4-5
        5       new              potential loyalists        champions if M 4-5, else loyal
        4       promising        potential loyalists        champions if M 4-5, else loyal
        3       about to sleep   about to sleep (F=2),      loyal
                                 need attention (F=3)
        1-2     lost if R=1, F 1-2, M 1-2, else             can't lose them if M 4-5,
                hibernating (F 1-2); at risk (F=3)          else at risk

    It follows the widely used 11-segment RFM map (champions, loyal, potential
    loyalists, new, promising, need attention, about to sleep, at risk, can't lose
    them, hibernating, lost) for ``n_bins=5``.
    """
    return pd.DataFrame(_DEFAULT_RULES, columns=RULE_COLUMNS)


def _ranks(values: np.ndarray, ties: str, tiebreak: np.ndarray | None) -> np.ndarray:
    """0-based rank from the bottom: count strictly below (min) or position (first)."""
    n = len(values)
    if ties == "min":
        sorted_values = np.sort(values, kind="stable")
        return np.searchsorted(sorted_values, values, side="left")
    if tiebreak is None:
        order = np.argsort(values, kind="stable")
    else:  # = np.lexsort((tiebreak, values)), but two stable argsorts are several times faster
        by_id = np.argsort(tiebreak, kind="stable")
        order = by_id[np.argsort(values[by_id], kind="stable")]
    k = np.empty(n, dtype=np.int64)
    k[order] = np.arange(n)
    return k


def _id_order(index: pd.Index) -> np.ndarray | None:
    """Rank of each customer id (for tie-breaking), None when the index is already sorted."""
    if index.is_monotonic_increasing:
        return None
    pos = np.empty(len(index), dtype=np.int64)
    pos[index.argsort(kind="stable")] = np.arange(len(index))
    return pos


def _scores(values: np.ndarray, n_bins: int, ties: str, tiebreak: np.ndarray | None) -> np.ndarray:
    k = _ranks(values, ties, tiebreak)
    return (1 + (n_bins * k) // len(values)).astype(np.int8)


def _check_score_args(n_bins: int, ties: str) -> None:
    if not isinstance(n_bins, int | np.integer) or not 2 <= n_bins <= 9:
        raise CRMDataError(f"n_bins must be an integer from 2 to 9 (one digit per score), not {n_bins!r}")
    if ties not in ("min", "first"):
        raise CRMDataError(f"ties must be 'min' or 'first', not {ties!r}")


def quantile_score(values: pd.Series, n_bins: int = 5, ties: Literal["min", "first"] = "min",
                   higher_is_better: bool = True) -> pd.Series:
    """Quantile score 1..n_bins of one variable: ``1 + floor(n_bins * k / n)``.

    ``k`` is the customer's 0-based rank from the worst value (see the module notes for
    ``ties``); ``higher_is_better=False`` scores small values high (e.g. days since the
    last purchase).  Returns an int8 Series aligned with ``values``.
    """
    _check_score_args(n_bins, ties)
    v = numeric_series(values, "quantile_score").to_numpy()
    sc = _scores(v if higher_is_better else -v, n_bins, ties, _id_order(values.index))
    return pd.Series(sc, index=values.index, name=values.name)


def rfm_table(
    tx: pd.DataFrame | TransactionTable,
    observation_end: str | pd.Timestamp,
    period: str = "D",
    monetary: Literal["total", "mean"] = "total",
) -> pd.DataFrame:
    """The analyst's RFM table from a validated transaction log.

    Parameters
    ----------
    tx:
        ``customer_id, date, amount`` from :func:`crm_models.data.load_transactions`, or a
        :class:`~crm_models.data.tables.TransactionTable` (DuckDB, Spark, ...).
    observation_end:
        The "today" of the analysis; later purchases are left out (their number is in
        ``attrs["excluded_after_end"]``).
    period:
        Purchases in the same period (default the same day) count as one purchase, and
        ``time_since_last`` is counted in these periods.
    monetary:
        ``"total"`` spend (default) or ``"mean"`` spend per purchase period.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted): ``time_since_last`` (periods from the
    last purchase to ``observation_end``; 0 = bought on the last day), ``frequency``
    (number of purchase periods, >= 1), ``monetary``, ``tenure`` (periods since the
    first purchase).

    Notes
    -----
    One query on the transactions' engine: per customer, the distinct purchase periods,
    the first and last one and the total amount up to ``observation_end``, and the number
    of later purchases; one row per customer comes back.
    """
    if monetary not in ("total", "mean"):
        raise CRMDataError(f"monetary must be 'total' or 'mean', not {monetary!r}")
    check_engine_period(period)
    tt = as_table(tx)
    end = pd.Timestamp(observation_end)
    t = tt.expr
    keep = t.date <= literal(end)
    metrics = period_metrics(t, period, keep, "", amount=True)
    metrics["after"] = count_where(t, ~keep)
    frame = per_customer(tt, t, metrics)
    buyers = frame["n"].to_numpy() > 0
    if not buyers.any():
        raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                           source=tt.source, column="date")
    excluded = int(frame["after"].sum())
    return rfm_frame(frame[buyers], end, period, monetary, "", tt.source, excluded)


def _validate_rules(rules: pd.DataFrame, n_bins: int) -> pd.DataFrame:
    rules = require_frame(rules, "rules")
    require_columns(rules, RULE_COLUMNS, "rules",
                    hint="; see crm.segments.default_rfm_rules() for the expected layout")
    if len(rules) == 0:
        raise CRMDataError("the rule table is empty", source="rules")
    bounds = rules[RULE_COLUMNS[1:]]
    for col in RULE_COLUMNS[1:]:
        v = pd.to_numeric(bounds[col], errors="coerce")
        bad = v.isna() | (v != np.round(v)) | (v < 1) | (v > n_bins)
        if bad.any():
            raise CRMDataError(
                f"score bounds must be whole numbers from 1 to {n_bins}; bad in rules "
                f"{list(rules.loc[bad, 'segment'])}", source="rules", column=col)
    for letter in "rfm":
        lo, hi = bounds[f"{letter}_min"].astype(int), bounds[f"{letter}_max"].astype(int)
        bad = lo > hi
        if bad.any():
            raise CRMDataError(
                f"{letter}_min above {letter}_max (out of order) in rules "
                f"{list(rules.loc[bad, 'segment'])}", source="rules", column=f"{letter}_min")
    if rules["segment"].isna().any():
        raise CRMDataError("missing segment names", source="rules", column="segment")
    return rules


def _cell_segments(rules: pd.DataFrame, n_bins: int, unmatched: str) -> tuple[np.ndarray, list[str]]:
    """Segment code of every cell (r, f, m), first matching rule; the category list."""
    names = [str(s) for s in rules["segment"]]
    categories = list(dict.fromkeys(names))
    rule_cat = np.array([categories.index(s) for s in names])
    g = np.arange(1, n_bins + 1)
    r, f, m = (a.ravel() for a in np.meshgrid(g, g, g, indexing="ij"))
    b = {c: rules[c].to_numpy(dtype=int)[:, None] for c in RULE_COLUMNS[1:]}
    match = ((r >= b["r_min"]) & (r <= b["r_max"]) & (f >= b["f_min"]) & (f <= b["f_max"])
             & (m >= b["m_min"]) & (m <= b["m_max"]))
    any_match = match.any(axis=0)
    cell_code = rule_cat[match.argmax(axis=0)]
    if not any_match.all():
        if unmatched in categories:
            cell_code[~any_match] = categories.index(unmatched)
        else:
            categories.append(unmatched)
            cell_code[~any_match] = len(categories) - 1
    return cell_code, categories


def rfm_segments(
    s: pd.DataFrame,
    rules: pd.DataFrame | None = None,
    n_bins: int = 5,
    ties: Literal["min", "first"] = "min",
    monetary: str | None = None,
    unmatched: str = "other",
) -> pd.DataFrame:
    """R, F, M scores, the RFM cell and the named segment of every customer.

    Parameters
    ----------
    s:
        :func:`rfm_table` output (``time_since_last, frequency, monetary``) or the
        :func:`crm_models.data.rfm_summary` summary (``frequency, recency, T,
        monetary_value``; time since last purchase = ``T - recency``).
    rules:
        Segment rule table (default :func:`default_rfm_rules`); first match wins.
    n_bins:
        Number of quantile groups per score (2-9; default 5).
    ties:
        ``"min"`` (equal values share a score) or ``"first"`` (equal-size groups, ties
        broken by customer id); see the module notes.
    monetary:
        Column scored as M (default ``monetary``, else ``monetary_value``).
    unmatched:
        Segment name of cells no rule covers.

    Returns
    -------
    DataFrame aligned with ``s.index``: ``time_since_last, frequency, monetary`` (the
    scored values), ``R, F, M`` (int8, 1..n_bins), ``rfm_cell`` (e.g. "545") and
    ``segment`` (categorical, categories in rule order, so empty segments show with
    count 0).  ``attrs["rules"]`` holds the rule table used.

    Scoring one million customers takes well under a second (three sorts and a
    lookup table over the ``n_bins**3`` cells).
    """
    s = require_frame(s, "RFM input")
    what = s.attrs.get("source", "RFM input")
    _check_score_args(n_bins, ties)
    if "time_since_last" in s.columns:
        require_columns(s, ["frequency"], what)
        since_last = numeric_column(s, "time_since_last", what, nonnegative=True)
        m_col = monetary or "monetary"
    elif {"recency", "T"} <= set(s.columns):
        require_columns(s, ["frequency"], what)
        rec = numeric_column(s, "recency", what, nonnegative=True)
        T = numeric_column(s, "T", what, nonnegative=True)
        since_last = T - rec
        bad = since_last < -1e-9
        if bad.any():
            raise CRMDataError(f"recency larger than T for customers {describe_rows(s.index[bad])}",
                               source=what, column="recency")
        since_last = np.maximum(since_last, 0.0)
        m_col = monetary or ("monetary" if "monetary" in s.columns else "monetary_value")
    else:
        raise CRMDataError(
            "need either time_since_last, frequency, monetary (crm.segments.rfm_table) or "
            "frequency, recency, T, monetary_value (crm.data.rfm_summary)", source=what,
            column="time_since_last")
    require_columns(s, [m_col], what)
    if len(s) == 0:
        raise CRMDataError("no customers (the table is empty)", source=what)
    if s.index.has_duplicates:
        raise CRMDataError(f"duplicate customer ids {describe_rows(s.index[s.index.duplicated()])}",
                           source=what)
    freq = numeric_column(s, "frequency", what, nonnegative=True)
    mon = numeric_column(s, m_col, what)
    rules = default_rfm_rules() if rules is None else _validate_rules(rules, n_bins)

    tiebreak = _id_order(s.index)
    R = _scores(-since_last, n_bins, ties, tiebreak)
    F = _scores(freq, n_bins, ties, tiebreak)
    M = _scores(mon, n_bins, ties, tiebreak)
    cell = (R.astype(np.int64) - 1) * n_bins**2 + (F.astype(np.int64) - 1) * n_bins + (M - 1)

    cell_code, categories = _cell_segments(rules, n_bins, unmatched)
    g = range(1, n_bins + 1)
    cell_labels = [f"{r}{f}{m}" for r in g for f in g for m in g]
    out = pd.DataFrame(
        {
            "time_since_last": since_last,
            "frequency": freq,
            "monetary": mon,
            "R": R,
            "F": F,
            "M": M,
            "rfm_cell": pd.Categorical.from_codes(cell, categories=cell_labels),
            "segment": pd.Categorical.from_codes(cell_code[cell], categories=categories),
        },
        index=s.index.copy(),
    )
    out.attrs.update(rules=rules.reset_index(drop=True).copy(), n_bins=n_bins, ties=ties,
                     monetary_column=m_col)
    return out


def segment_summary(seg: pd.DataFrame, value: pd.Series | None = None) -> pd.DataFrame:
    """Size and value of each segment (empty segments included, with zeros).

    ``seg`` is :func:`rfm_segments` output (or any frame with a ``segment`` column and
    the scored columns); ``value`` (default the scored ``monetary``) is summed per
    segment.  Columns: ``customers, share, time_since_last, frequency, monetary`` (means),
    ``value`` (total) and ``value_share``.
    """
    seg = require_frame(seg, "segments")
    require_columns(seg, ["segment"], "segments")
    if value is None:
        require_columns(seg, ["monetary"], "segments")
        v = seg["monetary"]
    else:
        v = value.reindex(seg.index)
        if v.isna().any():
            raise CRMDataError(f"no value for customers {describe_rows(seg.index[v.isna()])}",
                               source="value")
    means = [c for c in ("time_since_last", "frequency", "monetary") if c in seg.columns]
    g = seg.groupby("segment", observed=False)
    out = pd.DataFrame({"customers": g.size()})
    out["share"] = out["customers"] / max(len(seg), 1)
    out = out.join(g[means].mean())
    out["value"] = v.groupby(seg["segment"], observed=False).sum()
    total = out["value"].sum()
    out["value_share"] = out["value"] / total if total != 0 else 0.0
    out.index.name = "segment"
    return out
