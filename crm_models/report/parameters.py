"""Notebook parameters as users type them, made plain for papermill.

``-p observation_end 2024-12-31`` and an unquoted date in a ``--config`` file are read by
YAML as :class:`datetime.date` (``2024-12-31 08:30:00`` as :class:`datetime.datetime`).
Papermill stores parameters as JSON in the executed notebook, which has no date type, so
every value is converted here, once, for both the ``-p`` and the config path
(:func:`crm_models.report.runner.run_report` calls :func:`plain_parameters`):

* dates and timestamps -> ISO strings (``"2024-12-31"``, ``"2024-12-31T08:30:00"``), also
  inside lists and mappings (keys included);
* paths -> strings, tuples -> lists, numpy scalars -> Python numbers;
* anything else that JSON cannot hold is a :class:`~crm_models.errors.ReportError`
  naming the parameter, before a notebook is started.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from crm_models.errors import ReportError

__all__ = ["plain_value", "plain_parameters", "unknown_parameters_hint"]

_SCALARS = (str, bool, int, float, type(None))


def plain_value(value: Any, name: str = "value") -> Any:
    """Return ``value`` with every date, timestamp, path and numpy scalar made JSON-plain.

    Parameters
    ----------
    value : object
        A parameter value as parsed from YAML or passed from Python.
    name : str
        The parameter's name, for the error message.

    Returns
    -------
    object
        The same structure made of str, int, float, bool, None, lists and dicts.

    Raises
    ------
    ReportError
        When a value cannot be stored in a notebook (e.g. a DataFrame).
    """
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, (dt.date, dt.time)):  # datetime.datetime and pd.Timestamp included
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [plain_value(v, f"{name}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        return {plain_value(k, name): plain_value(v, f"{name}[{k!r}]") for k, v in value.items()}
    item = getattr(value, "item", None)  # numpy scalars: np.int64(3) -> 3
    if callable(item) and type(value).__module__ == "numpy":
        return plain_value(item(), name)
    raise ReportError(f"parameter {name}: a {type(value).__name__} cannot be passed to a notebook "
                      "(use text, numbers, true/false, null, dates, lists or mappings)")


def plain_parameters(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every value of ``parameters`` through :func:`plain_value` (a new dict).

    Parameters
    ----------
    parameters : mapping or None
        Notebook parameters by name.

    Returns
    -------
    dict
        The parameters with JSON-plain values, ready for papermill.
    """
    return {key: plain_value(value, key) for key, value in (parameters or {}).items()}


def unknown_parameters_hint(unknown: list[str], parameters: Mapping[str, Any]) -> str:
    """Advice for unknown report parameters that are reader options (``-p encoding gbk``).

    Reader options are not parameters of their own: they go into the one ``read_options``
    mapping.  Returns ``""`` when none of ``unknown`` is a reader option.
    """
    from crm_models.data.options import TRANSACTION_READ_OPTIONS, read_options_form

    options = {k: parameters[k] for k in unknown if k in TRANSACTION_READ_OPTIONS}
    if not options:
        return ""
    return "; reader options go into the parameter read_options: " + read_options_form(options)

