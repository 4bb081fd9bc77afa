"""The ``read_options`` report parameter: which reader keys a report accepts, and its advice.

Every report notebook has one parameter ``read_options`` (a mapping, ``{}`` by default) whose
keys go to the reader: :func:`crm_models.data.load_transactions` for transaction data,
:func:`crm_models.data.read_table` for subscription tables and surveys.
:func:`check_read_options` refuses a key the reader does not take, listing the valid ones;
:func:`report_hint` turns a reader's keyword advice (``returns='drop'``) into the report form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crm_models.errors import CRMDataError

__all__ = ["TRANSACTION_READ_OPTIONS", "TABLE_READ_OPTIONS", "check_read_options", "read_options_form",
           "report_hint", "with_report_hint"]

#: ``read_options`` keys of the transaction reports (passed to ``load_transactions``).
TRANSACTION_READ_OPTIONS = ("encoding", "sep", "decimal", "thousands", "sheet_name", "date_format",
                            "timezone", "currency_symbols", "returns", "duplicates", "after_end", "future",
                            "as_of")
#: ``read_options`` keys for a table read as it is (a subscription table, a survey: ``read_table``).
TABLE_READ_OPTIONS = ("encoding", "sep", "decimal", "thousands", "sheet_name")

_EXAMPLE = "{encoding: gbk, returns: drop}"


def check_read_options(read_options: Mapping[str, Any] | None,
                       allowed: tuple[str, ...] = TRANSACTION_READ_OPTIONS, *,
                       what: str = "transactions") -> dict[str, Any]:
    """The report parameter ``read_options`` as a dict, checked against the ``allowed`` keys.

    Raises
    ------
    CRMDataError
        ``read_options`` is not a mapping, or has a key the reader of ``what`` does not take
        (the message lists the valid keys).
    """
    if read_options is None:
        return {}
    if not isinstance(read_options, Mapping):
        raise CRMDataError(
            f"read_options must be a mapping such as {_EXAMPLE}, got {read_options!r}; on the command line "
            f"write -p read_options '{_EXAMPLE}' and quote values that start with % or contain ': ' "
            "(e.g. '{date_format: \"%d.%m.%Y\"}')", source="parameters", column="read_options")
    unknown = [str(k) for k in read_options if k not in allowed]
    if unknown:
        raise CRMDataError(f"unknown key {', '.join(map(repr, unknown))} for reading the {what}; "
                           f"valid keys: {', '.join(allowed)}", source="parameters", column="read_options")
    return dict(read_options)


_ADVICE = re.compile(r"\b(" + "|".join(TRANSACTION_READ_OPTIONS) + r")\s*=\s*(?:'([^']*)'|\"([^\"]*)\")?")


def report_hint(message: str) -> str:
    """How to follow a reader's keyword advice (``returns='drop'``) in a report, or ``""``.

    ``"... pass returns='drop' ..."`` -> ``"; in a report: -p read_options '{returns: drop}'
    (batch config: read_options: {returns: drop})"``.
    """
    advice: dict[str, str | None] = {}
    for m in _ADVICE.finditer(message):
        advice.setdefault(m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
    if any(v is not None for v in advice.values()):  # "pass future='drop' (as_of= sets ...)": the fix
        advice = {k: v for k, v in advice.items() if v is not None}
    if not advice:
        return ""
    return "; in a report: " + read_options_form({k: "..." if v is None else v for k, v in advice.items()})


def read_options_form(options: Mapping[str, Any]) -> str:
    """How to give ``options`` to a report, on the command line and in a batch config.

    ``{"returns": "drop"}`` -> ``"-p read_options '{returns: drop}' (batch config: read_options:
    {returns: drop})"``.
    """
    mapping = "{" + ", ".join(f"{k}: {v}" for k, v in options.items()) + "}"
    return f"-p read_options '{mapping}' (batch config: read_options: {mapping})"


def with_report_hint(exc: CRMDataError) -> CRMDataError:
    """``exc`` with :func:`report_hint` appended to its message (itself when there is no advice)."""
    hint = report_hint(exc.problem)
    if not hint or "read_options" in exc.problem:
        return exc
    return CRMDataError(exc.problem + hint, source=exc.source, column=exc.column)
