"""The overview report's tables: activity over time and the RFM summary statistics.

Each function returns a pandas ``Styler`` ready to ``display``; the frames passed in are
not modified.
"""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from crm_models.report.i18n import money, t
from crm_models.report.overview.sections import SUMMARY_COLUMNS
from crm_models.report.safe import markdown_translator
from crm_models.report.tables import formatted

__all__ = ["COUNT_COLUMNS", "activity_table", "summary_statistics_table"]

#: Columns of :func:`crm_models.data.customer_activity` that are counts.
COUNT_COLUMNS = ["active_customers", "new_customers", "repeat_customers", "orders", "cumulative_customers"]


def activity_table(activity: pd.DataFrame, currency: str = "", lang: str = "en") -> Styler:
    """Customers, orders, revenue and repeat shares per period (rows: ``YYYY-MM``).

    Parameters
    ----------
    activity : DataFrame
        :func:`crm_models.data.customer_activity`, indexed by period start.
    currency, lang : str
        Currency symbol and report language.

    Returns
    -------
    Styler
    """
    md = markdown_translator(t, lang)
    table = activity.copy()
    table.index = table.index.strftime("%Y-%m").rename(md("lbl_period"))
    fmt = {"revenue": lambda v: money(v, currency), "repeat_share": "{:.1%}", "repeat_buyer_rate": "{:.1%}"}
    fmt.update({c: "{:,}" for c in COUNT_COLUMNS})
    return formatted(table, [md(f"col_{c}") for c in table.columns], fmt)


def summary_statistics_table(summary: pd.DataFrame, currency: str = "", lang: str = "en") -> Styler:
    """Count, mean, spread and quantiles of frequency, recency, T and monetary value (money)."""
    md = markdown_translator(t, lang)
    desc = summary[SUMMARY_COLUMNS].describe().T
    amounts = [c for c in desc.columns if c != "count"]  # the monetary-value row is money
    return (desc.style.format({c: "{:,.0f}" if c == "count" else "{:,.2f}" for c in desc.columns})
            .format(lambda v: money(v, currency), subset=(["monetary_value"], amounts))
            .relabel_index([md(f"var_{c}") for c in desc.index], axis=0)
            .relabel_index([md(f"stat_{c.rstrip('%')}") for c in desc.columns], axis=1))
