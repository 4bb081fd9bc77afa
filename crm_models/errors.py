"""User-facing errors: one place, so every message names the source, the column and the problem.

All data problems raise :class:`CRMDataError`, a ``ValueError`` subclass, so callers that
already catch ``ValueError`` keep working.  Messages are built with :func:`describe_rows`
so that they carry a count and a few examples of the offending rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "CRMError",
    "CRMDataError",
    "CRMDataWarning",
    "ConvergenceError",
    "ModelSpecificationError",
    "NotFittedError",
    "ReportError",
    "describe_rows",
]


class CRMError(Exception):
    """Base class of every error raised on purpose by crm_models."""


class CRMDataError(CRMError, ValueError):
    """Input data is unusable: missing column, bad values, inconsistent summaries.

    Parameters
    ----------
    message:
        What is wrong, in plain words.
    source:
        The file name or a description of the frame ("DataFrame") the data came from.
    column:
        The offending column, when there is one.
    """

    def __init__(self, message: str, *, source: str | None = None, column: str | None = None):
        self.source = source
        self.column = column
        self.problem = message
        parts = []
        if source:
            parts.append(str(source))
        if column:
            parts.append(f"column {column!r}")
        prefix = ": ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class CRMDataWarning(UserWarning):
    """The data are usable but look suspicious: exact duplicate rows, answers that fit a narrower
    scale than stated.  The message names the fix; loaders also log it (``"crm_models.data"``).
    """


class ModelSpecificationError(CRMError, ValueError):
    """A model was specified inconsistently (unknown kind, cycle in paths, bad thresholds)."""


class ConvergenceError(CRMError, RuntimeError):
    """An optimiser or iterative algorithm did not converge; the message says what to try."""


class NotFittedError(CRMError, _SklearnNotFittedError):
    """A fitted attribute or prediction was asked for before ``fit()``.

    Also a scikit-learn ``NotFittedError`` (a ``ValueError`` and an ``AttributeError``), so
    scikit-learn tools recognise it.
    """


class ReportError(CRMError, RuntimeError):
    """A report notebook failed; the message carries the failing cell's error."""


def describe_rows(labels: Iterable[Any], values: Sequence[Any] | None = None, limit: int = 5) -> str:
    """``"3 rows (e.g. row 4: 'abc', row 9: 'x')"``: a count plus a few examples.

    ``labels`` are row labels (index values or customer ids); ``values`` the offending
    values in the same order, if they help the reader.
    """
    labels = list(labels)
    n = len(labels)
    shown = labels[:limit]
    if values is not None:
        vals = list(values)[:limit]
        examples = ", ".join(f"{lab}: {val!r}" for lab, val in zip(shown, vals, strict=False))
    else:
        examples = ", ".join(str(lab) for lab in shown)
    noun = "row" if n == 1 else "rows"
    more = ", ..." if n > limit else ""
    return f"{n} {noun} (e.g. {examples}{more})"
