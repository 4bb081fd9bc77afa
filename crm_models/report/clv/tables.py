"""The CLV report's tables: one function per table, headers in the report's language.

Each function returns a pandas ``Styler`` (see :func:`crm_models.report.tables.formatted`)
ready to ``display``; the frames passed in are not modified.  Headers are the
``clv_col_<column>`` texts, with the time unit filled in (e.g. "Recency (weeks)").
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pandas.io.formats.style import Styler

from crm_models.report.clv.messages import t
from crm_models.report.i18n import money, unit_name
from crm_models.report.safe import markdown_translator
from crm_models.report.tables import formatted

__all__ = ["PARAMETER_COLUMNS", "headers", "parameters_table", "holdout_by_frequency_table", "errors_table",
           "top_customers_table", "concentration_table"]

#: The columns of a model's ``summary`` shown in the fit section.
PARAMETER_COLUMNS = ["estimate", "std_error", "lower_95", "upper_95"]


def headers(columns: Iterable[object], lang: str = "en", time_unit: str = "W") -> list[str]:
    """The header text ``clv_col_<column>`` of each column, with the time unit's name filled in.

    Parameters
    ----------
    columns : iterable
        Column names.
    lang : str
        Report language.
    time_unit : str
        Time unit code of the data (``"W"``, ``"D"``, ...).

    Returns
    -------
    list of str
    """
    md = markdown_translator(t, lang)
    unit = unit_name(time_unit, lang)
    return [md(f"clv_col_{c}", unit=unit) for c in columns]


def parameters_table(summary: pd.DataFrame, lang: str = "en", time_unit: str = "W", decimals: int = 4
                     ) -> Styler:
    """A fitted model's parameters: estimate, standard error and 95 % interval.

    Parameters
    ----------
    summary : DataFrame
        The model's ``summary`` (one row per parameter).
    lang, time_unit : str
        Report language and time unit code.
    decimals : int
        Decimals of every number (4 for the purchase model, 3 for the spend model).

    Returns
    -------
    Styler
    """
    md = markdown_translator(t, lang)
    return formatted(summary[PARAMETER_COLUMNS], headers(PARAMETER_COLUMNS, lang, time_unit),
                     f"{{:,.{decimals}f}}", index_name=md("clv_col_parameter"))


def holdout_by_frequency_table(by_freq: pd.DataFrame, lang: str = "en", time_unit: str = "W") -> Styler:
    """Actual and predicted holdout purchases per number of calibration purchases."""
    md = markdown_translator(t, lang)
    return formatted(by_freq, headers(by_freq.columns, lang, time_unit),
                     {"customers": "{:,}", "actual": "{:.3f}", "predicted": "{:.3f}"},
                     index_name=md("clv_col_calibration_purchases"))


def errors_table(errors: pd.DataFrame, lang: str = "en", time_unit: str = "W") -> Styler:
    """Holdout errors per level (customer, period, total), levels in words."""
    md = markdown_translator(t, lang)
    shown = errors.rename(index=lambda level: md(f"clv_level_{level}"))
    return formatted(shown, headers(errors.columns, lang, time_unit),
                     {"n": "{:,.0f}", "actual": "{:,.3f}", "predicted": "{:,.3f}", "mae": "{:.3f}",
                      "rmse": "{:.3f}", "bias": "{:+.3f}", "relative_bias": "{:+.1%}"},
                     index_name=md("clv_col_level"))


def top_customers_table(top: pd.DataFrame, lang: str = "en", time_unit: str = "W", currency: str = ""
                        ) -> Styler:
    """The customers of highest value (rows of :func:`~crm_models.report.clv.customer_table`)."""
    md = markdown_translator(t, lang)

    def m(value: float) -> str:
        return money(value, currency)

    return formatted(top, headers(top.columns, lang, time_unit),
                     {"frequency": "{:,.0f}", "recency": "{:,.1f}", "T": "{:,.1f}", "monetary_value": m,
                      "prob_alive": "{:.1%}", "expected_purchases": "{:,.2f}", "expected_spend": m, "clv": m},
                     index_name=md("clv_col_customer_id"))


def concentration_table(concentration: pd.DataFrame, lang: str = "en", time_unit: str = "W",
                        currency: str = "") -> Styler:
    """Value per tenth of customers (:func:`~crm_models.report.clv.value_concentration`)."""
    md = markdown_translator(t, lang)

    def m(value: float) -> str:
        return money(value, currency)

    return formatted(concentration, headers(concentration.columns, lang, time_unit),
                     {"customers": "{:,}", "clv": m, "share": "{:.1%}", "cumulative_share": "{:.1%}"},
                     index_name=md("clv_col_group"))
