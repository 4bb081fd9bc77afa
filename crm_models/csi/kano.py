"""Kano classification of product or service features (Kano et al. 1984; Berger et al. 1993).

Each feature is asked twice: functional ("how do you feel if the feature is present?") and
dysfunctional ("... if it is absent?"), each answered on five levels: 1 like, 2 must-be
(expect it), 3 neutral, 4 live-with (can tolerate it), 5 dislike.  The standard Kano
evaluation table classifies each answer pair (rows functional, columns dysfunctional):

==========  ====  =======  =======  =========  =======
F \\ D      like  must-be  neutral  live-with  dislike
==========  ====  =======  =======  =========  =======
like        Q     A        A        A          O
must-be     R     I        I        I          M
neutral     R     I        I        I          M
live-with   R     I        I        I          M
dislike     R     R        R        R          Q
==========  ====  =======  =======  =========  =======

A attractive, O one-dimensional, M must-be, I indifferent, R reverse, Q questionable.  A
feature's category is its most frequent one (ties broken M > O > A > I > R > Q, the usual
"must-be first" rule); the customer satisfaction coefficients of Berger et al. (1993,
"Kano's methods for understanding customer-defined quality", Center for Quality Management
Journal 2(4)) are ``better = (A + O) / (A + O + M + I)`` and
``worse = -(O + M) / (A + O + M + I)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError

__all__ = ["KANO_CATEGORIES", "KANO_TABLE", "ANSWERS", "kano_classify", "kano_table"]

ANSWERS = ("like", "must-be", "neutral", "live-with", "dislike")
KANO_CATEGORIES = {"A": "attractive", "O": "one-dimensional", "M": "must-be", "I": "indifferent",
                   "R": "reverse", "Q": "questionable"}
KANO_TABLE = np.array([
    ["Q", "A", "A", "A", "O"],
    ["R", "I", "I", "I", "M"],
    ["R", "I", "I", "I", "M"],
    ["R", "I", "I", "I", "M"],
    ["R", "R", "R", "R", "Q"],
])
_TIE_ORDER = ["M", "O", "A", "I", "R", "Q"]
_ALIASES = {
    "like": 1, "i like it": 1, "must-be": 2, "must be": 2, "mustbe": 2, "expect": 2, "expected": 2,
    "neutral": 3, "indifferent": 3, "live-with": 4, "live with": 4, "tolerate": 4, "can live with": 4,
    "dislike": 5, "i dislike it": 5,
}


def _codes(values, name: str) -> np.ndarray:
    s = pd.Series(values)
    out = np.full(len(s), -1, dtype=int)
    for i, v in enumerate(s.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, str):
            key = v.strip().lower()
            if key in _ALIASES:
                out[i] = _ALIASES[key]
                continue
            try:
                v = float(key)
            except ValueError:
                v = None
        if isinstance(v, (int, float, np.integer, np.floating)) and float(v) in (1, 2, 3, 4, 5):
            out[i] = int(v)
            continue
        raise CRMDataError(f"answer {s.iloc[i]!r} in row {s.index[i]!r} is not a Kano answer "
                           f"(1-5 or one of {ANSWERS})", column=name)
    return out


def kano_classify(functional, dysfunctional) -> pd.Series:
    """Kano category letter (A, O, M, I, R, Q) of each answer pair; missing answers give NaN."""
    f = _codes(functional, "functional")
    d = _codes(dysfunctional, "dysfunctional")
    if len(f) != len(d):
        raise CRMDataError(f"{len(f)} functional answers but {len(d)} dysfunctional ones")
    ok = (f > 0) & (d > 0)
    cat = np.full(len(f), None, dtype=object)
    cat[ok] = KANO_TABLE[f[ok] - 1, d[ok] - 1]
    index = functional.index if isinstance(functional, pd.Series) else None
    return pd.Series(cat, index=index, name="kano")


def kano_table(df: pd.DataFrame, features: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    """Per feature: counts A, O, M, I, R, Q, n, category (letter and name), better, worse.

    ``features`` maps a feature name to its ``(functional column, dysfunctional column)``.
    """
    if not isinstance(df, pd.DataFrame):
        raise CRMDataError(f"expected a DataFrame, got {type(df).__name__}")
    rows = {}
    for feat, pair in features.items():
        if len(pair) != 2:
            raise CRMDataError(f"feature {feat!r}: give a (functional, dysfunctional) column pair")
        for c in pair:
            if c not in df.columns:
                raise CRMDataError(f"feature {feat!r}: column not found", column=c)
        try:
            cats = kano_classify(df[pair[0]], df[pair[1]])
        except CRMDataError as exc:
            col = pair[0] if exc.column == "functional" else pair[1]
            raise CRMDataError(f"feature {feat!r}: {exc.problem}", column=col) from None
        counts = cats.value_counts().reindex(list(KANO_CATEGORIES), fill_value=0)
        n = int(counts.sum())
        if n == 0:
            raise CRMDataError(f"feature {feat!r} has no complete answer pairs")
        top = counts.max()
        letter = next(c for c in _TIE_ORDER if counts[c] == top)
        base = counts[["A", "O", "M", "I"]].sum()
        better = (counts["A"] + counts["O"]) / base if base else np.nan
        worse = -(counts["O"] + counts["M"]) / base if base else np.nan
        rows[feat] = {**counts.to_dict(), "n": n, "category": letter,
                      "category_name": KANO_CATEGORIES[letter], "better": better, "worse": worse}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "feature"
    return out
