"""Report tables a reader can read: every header in words, numbers formatted on purpose.

:func:`labelled` turns a result frame into a pandas ``Styler`` whose column headers (and
optionally row labels and the index title) are the report-language words given, with
per-column formats.  A column without a label is an error, so that no ``snake_case``
column name reaches a report by accident.  Headers may wrap, so that a table with many
columns still fits a 1200 px page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

__all__ = ["HEADER_STYLE", "formatted", "labelled"]

#: Column headers wrap and stay narrow; row labels and numbers stay on one line.
HEADER_STYLE = [
    {"selector": "thead th", "props": [("white-space", "normal"), ("max-width", "9em"),
                                       ("overflow-wrap", "anywhere"), ("vertical-align", "bottom")]},
    {"selector": "tbody th", "props": [("white-space", "nowrap")]},
    {"selector": "td", "props": [("white-space", "nowrap")]},
]

Formatter = str | Callable[[Any], str]


def labelled(frame: pd.DataFrame, columns: Mapping[object, str], *, index: Sequence[str] | None = None,
             index_name: str | None = None, formats: Mapping[object, Formatter] | None = None,
             precision: int = 3, na_rep: str = "", hide_index: bool = False,
             wrap: Sequence[object] = ()) -> Styler:
    """A ``Styler`` of ``frame`` with reader-facing headers.

    Parameters
    ----------
    frame : DataFrame
        The result table; not modified.
    columns : mapping
        Header text for every column of ``frame`` (in the report's language).
    index : sequence of str, optional
        Row labels to show instead of the index values.
    index_name : str, optional
        Title of the index column; ``None`` shows none.
    formats : mapping, optional
        Format string or function per column (original column names); other numeric
        columns get ``precision`` decimals.
    precision : int
        Decimals of numeric columns without an explicit format.
    na_rep : str
        Text of missing values.
    hide_index : bool
        Leave the index column out.
    wrap : sequence
        Columns with long text that may wrap inside their cells.

    Returns
    -------
    Styler

    Raises
    ------
    KeyError
        If a column of ``frame`` has no header in ``columns``.
    """
    missing = [c for c in frame.columns if c not in columns]
    if missing:
        raise KeyError(f"no reader-facing header for column(s) {missing}; add them to the labels")
    shown = frame.copy()
    shown.columns = pd.Index(list(frame.columns))
    if index is not None:
        if len(index) != len(frame):
            raise ValueError(f"{len(index)} row labels for {len(frame)} rows")
        shown.index = pd.Index(list(index))
    shown.index.name = index_name
    shown.columns.name = None
    own = {c: f for c, f in (formats or {}).items() if c in shown.columns}
    styler = shown.style.format(own, precision=precision, na_rep=na_rep)
    styler = styler.relabel_index([columns[c] for c in frame.columns], axis=1)
    styles = list(HEADER_STYLE)
    if wrap:
        styler = styler.set_properties(subset=[c for c in wrap if c in shown.columns],
                                       **{"white-space": "normal", "min-width": "12em", "text-align": "left"})
    styler = styler.set_table_styles(styles, overwrite=False)
    if hide_index:
        styler = styler.hide(axis="index")
    return styler


def formatted(frame: pd.DataFrame, headers: Sequence[str], formats: Formatter | Mapping[object, Formatter],
              *, index_name: str | None = None, na_rep: str | None = None, hide_index: bool = False
              ) -> Styler:
    """``frame.style.format(formats).relabel_index(headers, axis=1)``: the reports' plain table.

    Unlike :func:`labelled` it adds no header styles: the table renders as the notebooks'
    ``.style.format(...).relabel_index(...)`` chains always did.

    Parameters
    ----------
    frame : DataFrame
        The table; not modified.
    headers : sequence of str
        Reader-facing header of every column, in column order.
    formats : str, callable or mapping
        One format for all cells, or a format per column.
    index_name : str, optional
        Title of the index column (``frame.rename_axis(index_name)``); ``None`` keeps the
        frame's own.
    na_rep : str, optional
        Text of missing values (default: pandas' own).
    hide_index : bool
        Leave the index column out.

    Returns
    -------
    Styler

    Raises
    ------
    ValueError
        If the number of headers differs from the number of columns.
    """
    if len(headers) != len(frame.columns):
        raise ValueError(f"{len(headers)} headers for {len(frame.columns)} columns")
    shown = frame if index_name is None else frame.rename_axis(index_name)
    styler = shown.style.format(formats, na_rep=na_rep)
    if hide_index:
        styler = styler.hide(axis="index")
    return styler.relabel_index(list(headers), axis=1)
