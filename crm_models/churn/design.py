"""Design matrices for the churn models: covariates -> numeric columns, with checks that name the column.

Numeric (and boolean) covariates enter as they are.  Text and categorical covariates are
dummy-coded (treatment contrasts): one 0/1 column ``"<column>_<level>"`` per level except
the *reference level*, whose effect is absorbed by the baseline.  The reference is the
first level (sorted values, or the categories' order for a pandas ``Categorical``), as in
``pd.get_dummies(drop_first=True)``, unless named in ``reference_levels={column: level}``.
With a ``formula`` the matrix is built by formulaic (the engine lifelines uses), with the
named reference levels put first.

Before a model is fitted, :func:`check_design` refuses designs lifelines would choke on
with an obscure message ("delta contains nan", a singular Hessian): a constant covariate,
a covariate that is an exact linear combination of others (checked on the centred
columns, since the baseline hazard or the intercept absorbs constants), missing values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError, describe_rows

__all__ = ["DesignSpec", "build_design", "check_design"]


def _is_categorical(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return False
    return not pd.api.types.is_numeric_dtype(values)


class _Text:
    """One pass over a text/categorical column: integer codes per row and the distinct values.

    Everything else (missing or blank entries, numeric-looking text, the levels, the dummy
    columns) is worked out on the distinct values, so a million rows cost one hash pass.
    """

    def __init__(self, values: pd.Series):
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        self.values = values
        self.codes = codes
        self.uniques = list(uniques)
        self.blank = np.array([isinstance(u, str) and u.strip() == "" for u in self.uniques], dtype=bool)

    def missing_rows(self) -> np.ndarray:
        miss = self.codes < 0
        if self.blank.any():
            miss |= self.blank[np.where(miss, 0, self.codes)] & ~miss
        return miss

    def counts(self) -> np.ndarray:
        return np.bincount(self.codes[self.codes >= 0], minlength=len(self.uniques))

    def looks_numeric(self) -> tuple[bool, np.ndarray]:
        """(most rows parse as numbers, per-unique 'does not parse' flags)."""
        if not self.uniques:
            return False, np.zeros(0, dtype=bool)
        parsed = pd.to_numeric(pd.Series(self.uniques, dtype=object), errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(parsed)
        counts = self.counts()
        total = counts.sum()
        share = counts[~bad].sum() / total if total else 0.0
        return bool(share >= 0.95), bad

    def rows_where(self, flags: np.ndarray) -> np.ndarray:
        ok = self.codes >= 0
        out = np.zeros(len(self.codes), dtype=bool)
        out[ok] = flags[self.codes[ok]]
        return out


def _refuse_numeric_text(text: _Text, column: str) -> None:
    """A numeric column read as text (e.g. blanks in a CSV) is refused with the offending rows."""
    if isinstance(text.values.dtype, pd.CategoricalDtype):
        return
    looks_num, bad_unique = text.looks_numeric()
    if looks_num:
        bad = text.rows_where(bad_unique) | (text.codes < 0)
        values = text.values
        where = (f", with non-numeric entries in {describe_rows(values.index[bad], values[bad].tolist())}"
                 if bad.any() else "")
        raise CRMDataError(
            f"looks numeric but is stored as text{where}; convert it with pd.to_numeric and decide "
            f"explicitly what the blanks mean (drop, impute)", column=column)


def _raise_missing(values: pd.Series, missing: np.ndarray, column: str) -> None:
    if missing.any():
        raise CRMDataError(
            f"missing values in a covariate: "
            f"{describe_rows(values.index[missing], values[missing].tolist())}; "
            f"impute or drop these rows before fitting", column=column)


def _check_missing(values: pd.Series, column: str, text: _Text | None = None) -> None:
    if _is_categorical(values):
        text = text or _Text(values)
        _raise_missing(values, text.missing_rows(), column)
    else:
        _raise_missing(values, values.isna().to_numpy(), column)


@dataclass
class DesignSpec:
    """How raw covariates become design columns; learnt on the training data, reused for scoring.

    Attributes
    ----------
    covariates:
        The raw columns used.
    levels:
        For each categorical covariate, its levels with the reference level first.
    columns:
        The design column names, in order (the names lifelines reports in ``params_``).
    terms:
        One row per design column: ``variable``, ``level`` (None for numeric ones) and
        ``reference`` (the reference level a dummy is compared against).
    formula:
        The formula, if the design was given as one.
    """

    covariates: list[str]
    levels: dict[str, list[Any]] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    terms: pd.DataFrame = field(default_factory=pd.DataFrame)
    formula: str | None = None
    _formula_spec: Any = None

    def transform(self, df: pd.DataFrame, *, index: bool = True) -> pd.DataFrame:
        """The design matrix (float64) for new data; unseen levels raise.

        ``index=False`` gives it a RangeIndex instead of ``df``'s (no reindexing cost).
        """
        missing_cols = [c for c in self.covariates if c not in df.columns]
        if missing_cols:
            raise CRMDataError("covariate missing from the data to score", column=missing_cols[0])
        if self._formula_spec is not None:
            for col in self.covariates:
                _check_missing(df[col], col)
                if col in self.levels:
                    unseen = (~df[col].isin(self.levels[col])).to_numpy()
                    if unseen.any():
                        raise CRMDataError(
                            f"levels not seen when the model was fitted in "
                            f"{describe_rows(df.index[unseen], df[col][unseen].tolist())}; "
                            f"known levels: {self.levels[col]}", column=col)
            data = _categorise(df[self.covariates], self.levels)
            mm = self._formula_spec.get_model_matrix(data)
            out = pd.DataFrame(np.asarray(mm, dtype=float), columns=list(mm.columns),
                               index=df.index if index else None)
            return out[self.columns]
        cols: dict[str, np.ndarray] = {}
        for col in self.covariates:
            values = df[col]
            if col in self.levels:
                levels = self.levels[col]
                text = _Text(values)
                _raise_missing(values, text.missing_rows(), col)
                known = pd.Index(levels, dtype=object)
                pos = known.get_indexer(pd.Index(text.uniques, dtype=object))
                codes = pos[text.codes] if len(pos) else np.full(len(values), -1)
                unseen = codes < 0
                if unseen.any():
                    raise CRMDataError(
                        f"levels not seen when the model was fitted in "
                        f"{describe_rows(values.index[unseen], values[unseen].tolist())}; "
                        f"known levels: {levels}", column=col)
                for k, level in enumerate(levels[1:], start=1):
                    cols[_dummy_name(col, level)] = (codes == k).astype(float)
            else:
                if _is_categorical(values):
                    raise CRMDataError(f"expected a numeric covariate, got dtype {values.dtype}", column=col)
                _raise_missing(values, values.isna().to_numpy(), col)
                arr = values.to_numpy(dtype=float, na_value=np.nan)
                bad = ~np.isfinite(arr)
                if bad.any():
                    raise CRMDataError(f"infinite values in {describe_rows(values.index[bad], arr[bad])}",
                                       column=col)
                cols[col] = arr
        X = pd.DataFrame(cols, columns=self.columns)
        if index:
            X.index = df.index
        return X


def _dummy_name(column: str, level: Any) -> str:
    return f"{column}_{level}"


def _categorise(data: pd.DataFrame, levels: Mapping[str, list[Any]]) -> pd.DataFrame:
    data = data.copy()
    for col, lev in levels.items():
        data[col] = pd.Categorical(data[col], categories=lev)
    return data


def _levels_for(text: _Text, column: str, reference: Any, max_levels: int) -> list[Any]:
    values = text.values
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = {u for u, b in zip(text.uniques, text.blank, strict=True) if not b}
        levels = [c for c in values.cat.categories if c in present]
    else:
        levels = sorted((u for u, b in zip(text.uniques, text.blank, strict=True) if not b),
                        key=lambda v: (str(type(v)), v))
    if len(levels) > max_levels:
        raise CRMDataError(
            f"categorical covariate with {len(levels)} levels (more than max_levels={max_levels}); "
            f"an identifier? leave it out of covariates, or group rare levels", column=column)
    if reference is not None:
        if reference not in levels:
            raise CRMDataError(f"reference level {reference!r} not found; levels: {levels}", column=column)
        levels = [reference] + [lev for lev in levels if lev != reference]
    return levels


def build_design(
    df: pd.DataFrame,
    covariates: Sequence[str] | None = None,
    *,
    formula: str | None = None,
    reference_levels: Mapping[str, Any] | None = None,
    drop_first: bool = True,
    max_levels: int = 50,
) -> tuple[DesignSpec, pd.DataFrame]:
    """Learn the encoding of ``covariates`` (or a ``formula``) on ``df`` and return (spec, matrix).

    Parameters
    ----------
    df:
        The data (not modified).
    covariates:
        Raw columns; numeric ones enter as they are, the others are dummy-coded.
    formula:
        Alternatively a formulaic / patsy-style right-hand side, e.g.
        ``"tenure_band + C(Contract) + MonthlyCharges:SeniorCitizen"``; the intercept is
        dropped (lifelines supplies the baseline).
    reference_levels:
        ``{column: level}``: the level every other level of ``column`` is compared to.
    drop_first:
        Drop the reference level's dummy (default).  ``False`` keeps every level, which is
        only identifiable in special cases (the checks will say so otherwise).
    max_levels:
        A text column with more levels than this is refused (an id or free text).
    """
    reference_levels = dict(reference_levels or {})
    if formula is not None:
        return _build_formula_design(df, formula, reference_levels, max_levels)
    if covariates is None:
        raise CRMDataError("no covariates given")
    covariates = list(covariates)
    missing = [c for c in covariates if c not in df.columns]
    if missing:
        raise CRMDataError("covariate not found in the data", column=missing[0])
    unknown_ref = [c for c in reference_levels if c not in covariates]
    if unknown_ref:
        raise CRMDataError("reference level given for a column that is not a covariate",
                           column=unknown_ref[0])
    if len(covariates) == 0:
        raise CRMDataError("no covariates: the model needs at least one covariate column")

    levels: dict[str, list[Any]] = {}
    columns: list[str] = []
    term_rows: list[dict[str, Any]] = []
    for col in covariates:
        values = df[col]
        if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_timedelta64_dtype(values):
            raise CRMDataError(
                f"a date/time column cannot be a covariate (dtype {values.dtype}); derive a number from it "
                f"or leave it out of covariates", column=col)
        text = _Text(values) if _is_categorical(values) else None
        if text is not None:
            _refuse_numeric_text(text, col)
        _check_missing(values, col, text)
        if text is not None:
            lev = _levels_for(text, col, reference_levels.get(col), max_levels)
            if not drop_first:
                lev = [None, *lev]  # keep every level: a placeholder reference that never occurs
            levels[col] = lev
            for level in lev[1:]:
                columns.append(_dummy_name(col, level))
                term_rows.append({"variable": col, "level": level, "reference": lev[0]})
        else:
            if col in reference_levels:
                raise CRMDataError("reference level given for a numeric covariate", column=col)
            columns.append(col)
            term_rows.append({"variable": col, "level": None, "reference": None})
    dup = pd.Index(columns)[pd.Index(columns).duplicated()]
    if len(dup):
        raise CRMDataError("two design columns get the same name; rename the covariate", column=str(dup[0]))
    terms = pd.DataFrame(term_rows, index=pd.Index(columns, name="term"))
    spec = DesignSpec(covariates=covariates, levels=levels, columns=columns, terms=terms)
    X = spec.transform(df, index=False)
    X.index = df.index
    return spec, X


def _build_formula_design(df: pd.DataFrame, formula: str, reference_levels: dict[str, Any],
                          max_levels: int) -> tuple[DesignSpec, pd.DataFrame]:
    import formulaic

    rhs = formula.split("~", 1)[1] if "~" in formula else formula
    try:
        parsed = formulaic.Formula(rhs)
        # formulaic does not list the variables inside stateful transforms (center(age)):
        # add every name of the formula that is a column
        named = set(parsed.required_variables) | set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rhs)) | set(
            re.findall(r"`([^`]+)`", rhs))
        variables = sorted(v for v in named if v in df.columns)
    except Exception as exc:  # formulaic raises several parser errors
        raise CRMDataError(f"cannot parse the formula {formula!r}: {exc}") from exc
    levels: dict[str, list[Any]] = {}
    for col in variables:
        text = _Text(df[col]) if _is_categorical(df[col]) else None
        _check_missing(df[col], col, text)
        if text is not None and not pd.api.types.is_datetime64_any_dtype(df[col]):
            levels[col] = _levels_for(text, col, reference_levels.get(col), max_levels)
    unknown_ref = [c for c in reference_levels if c not in levels]
    if unknown_ref:
        raise CRMDataError("reference level given for a column that is not a categorical covariate in the "
                           "formula", column=unknown_ref[0])
    data = _categorise(df[variables], levels)
    try:
        # with the intercept in, formulaic codes every factor against its reference level (the
        # first category); the intercept column is then dropped (lifelines supplies the baseline)
        mm = formulaic.model_matrix(rhs, data, na_action="raise")
    except Exception as exc:
        raise CRMDataError(f"cannot build the design from the formula {formula!r}: {exc}") from exc
    columns = [c for c in mm.columns if c != "Intercept"]
    terms = pd.DataFrame({"variable": columns, "level": [None] * len(columns),
                          "reference": [None] * len(columns)}, index=pd.Index(columns, name="term"))
    spec = DesignSpec(covariates=variables, levels=levels, columns=columns, terms=terms, formula=formula,
                      _formula_spec=mm.model_spec)
    X = pd.DataFrame(np.asarray(mm, dtype=float), columns=list(mm.columns), index=df.index)[columns]
    return spec, X


def check_design(X: pd.DataFrame, *, rel_tol: float = 1e-8) -> None:
    """Refuse a constant covariate or one that is an exact linear combination of the others.

    Works on the centred columns (a constant is absorbed by the baseline): column ``j`` is
    collinear when its residual variance after regressing on the earlier accepted columns
    (computed from the Gram matrix) is below ``rel_tol`` times its variance.
    """
    if X.shape[1] == 0:
        raise CRMDataError("no covariates: the design matrix has no columns")
    A = X.to_numpy(dtype=float)
    n = A.shape[0]
    if n < 2:
        raise CRMDataError(f"need at least two rows to fit a model, got {n}")
    const = A.max(axis=0) == A.min(axis=0)
    if const.any():
        j = int(np.flatnonzero(const)[0])
        raise CRMDataError(
            f"covariate is constant (every row = {A[0, j]!r}); it carries no information, leave it out "
            f"(for a dummy: no customer, or every customer, has this level)", column=str(X.columns[j]))
    # covariance of the centred columns, in row chunks (bounded memory, no cancellation)
    mean = A.mean(axis=0)
    C = np.zeros((A.shape[1], A.shape[1]))
    for a in range(0, n, 262_144):
        B = A[a:a + 262_144] - mean
        C += B.T @ B
    C /= n
    sd = np.sqrt(np.clip(np.diag(C), 0.0, None))
    sd = np.where(sd > 0, sd, np.finfo(float).tiny)
    G = C / np.outer(sd, sd)
    accepted: list[int] = []
    for j in range(G.shape[0]):
        if accepted:
            Ga = G[np.ix_(accepted, accepted)]
            g = G[accepted, j]
            coef = np.linalg.solve(Ga, g)
            resid = G[j, j] - g @ coef
        else:
            coef, resid = np.array([]), G[j, j]
        if resid <= rel_tol:
            # express the combination in original units for the message
            involved = [(X.columns[a], c * sd[j] / sd[a]) for a, c in zip(accepted, coef, strict=True)
                        if abs(c) > 1e-8]
            combo = " + ".join(f"{w:.4g}*{name!r}" for name, w in involved) or "a constant"
            others = ", ".join(repr(str(name)) for name, _ in involved)
            raise CRMDataError(
                f"covariate is perfectly collinear with {others or 'the baseline'} "
                f"({X.columns[j]!r} = {combo} + constant); its effect cannot be separated, leave one out "
                f"(for dummies: drop a level or use drop_first=True)", column=str(X.columns[j]))
        accepted.append(j)
