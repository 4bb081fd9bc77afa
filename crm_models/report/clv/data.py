"""Building blocks of the CLV report: choose a model by name, per-customer value table,
value concentration.  The notebook ``notebooks/clv.ipynb`` only calls these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crm_models.clv.base import SummaryModel
from crm_models.clv.bgnbd import BetaGeoModel
from crm_models.clv.gammagamma import GammaGammaModel
from crm_models.clv.mbgnbd import ModifiedBetaGeoModel
from crm_models.clv.paretonbd import ParetoNBDModel
from crm_models.clv.validation import tracking_counts
from crm_models.clv.value import customer_lifetime_value
from crm_models.errors import CRMDataError, ModelSpecificationError

__all__ = ["PURCHASE_MODELS", "make_model", "customer_table", "value_concentration", "ReportData",
           "load_report_data"]

PURCHASE_MODELS: dict[str, type[SummaryModel]] = {
    "bgnbd": BetaGeoModel,
    "paretonbd": ParetoNBDModel,
    "mbgnbd": ModifiedBetaGeoModel,
}


def make_model(name: str, penalizer: float = 0.0) -> SummaryModel:
    """A purchase model by short name: ``"bgnbd"``, ``"paretonbd"`` or ``"mbgnbd"``."""
    key = str(name).lower().replace("/", "").replace("-", "").replace("_", "")
    if key not in PURCHASE_MODELS:
        raise ModelSpecificationError(f"unknown model {name!r}; use one of {', '.join(PURCHASE_MODELS)}")
    return PURCHASE_MODELS[key](penalizer=penalizer)


def customer_table(model: SummaryModel, gg: GammaGammaModel | float | None, summary: pd.DataFrame,
                   horizon: float, discount_rate: float, margin: float = 1.0) -> pd.DataFrame:
    """One row per customer, sorted by CLV (highest first).

    Columns: the summary's frequency, recency, T and monetary_value, ``prob_alive``,
    ``expected_purchases`` over the horizon, ``expected_spend`` per purchase and ``clv``
    (discounted, times ``margin``).
    """
    cols = [c for c in ("frequency", "recency", "T", "monetary_value") if c in summary.columns]
    out = summary[cols].copy()
    out["prob_alive"] = model.prob_alive(summary)
    out["expected_purchases"] = model.expected_purchases(summary, horizon)
    if isinstance(gg, GammaGammaModel):
        out["expected_spend"] = gg.expected_spend(summary)
    elif gg is not None:
        out["expected_spend"] = float(gg)
    out["clv"] = customer_lifetime_value(model, gg, summary, horizon, discount_rate, margin)
    return out.sort_values("clv", ascending=False, kind="stable")


def value_concentration(clv: pd.Series, groups: int = 10) -> pd.DataFrame:
    """Customers ranked by CLV in ``groups`` equal-size groups (deciles by default).

    Columns: ``customers``, ``clv`` (total), ``share`` of the total and ``cumulative_share``;
    row 1 holds the most valuable customers.
    """
    values = np.sort(np.asarray(clv, dtype=float))[::-1]
    if values.size == 0:
        raise ModelSpecificationError("no customers")
    edges = np.linspace(0, values.size, groups + 1).round().astype(int)
    totals = np.array([values[a:b].sum() for a, b in zip(edges[:-1], edges[1:], strict=True)])
    total = values.sum()
    share = totals / total if total > 0 else np.zeros_like(totals)
    return pd.DataFrame({"customers": np.diff(edges), "clv": totals, "share": share,
                         "cumulative_share": np.cumsum(share)},
                        index=pd.Index(np.arange(1, groups + 1), name="group"))




@dataclass
class ReportData:
    """The two summaries the CLV report needs, and the few aggregates it takes from the transactions.

    ``transactions`` is the frame of ``crm.data.load_transactions`` (embedded engine) or the
    lazy :class:`~crm_models.data.TransactionTable` of ``crm.data.scan_transactions``
    (``engine="spark"``); the report itself only uses ``n_transactions``, ``first_purchase``
    and ``tracking_counts``.
    """

    transactions: Any
    calibration: pd.DataFrame  # summary to calibration_end, with the holdout columns
    full: pd.DataFrame  # summary of the whole observation window
    observation_end: pd.Timestamp
    calibration_end: pd.Timestamp
    time_unit: str
    n_transactions: int = 0  # purchases used (rows after the observation end are refused or dropped)
    first_purchase: pd.Timestamp | None = None  # day of the first purchase in the table
    tracking_counts: pd.DataFrame | None = None  # crm.clv.tracking_counts of the calibration cohort
    period: str = "D"
    engine: str = "duckdb"
    last_purchase: pd.Timestamp | None = None  # day of the last purchase used
    data_used: Any = None  # crm_models.report.data_notes.DataUsed


def _default_window(first: pd.Timestamp, last: pd.Timestamp, observation_end: str | None,
                    calibration_end: str | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    end = pd.Timestamp(observation_end) if observation_end else last.normalize()
    first = first.normalize()
    if calibration_end:
        return end, pd.Timestamp(calibration_end)
    return end, (first + (end - first) * 2 / 3).normalize()


def load_report_data(
    transactions_path: str | None = None,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    observation_end: str | None = None,
    calibration_end: str | None = None,
    period: str = "D",
    time_unit: str | None = "W",
    anonymize: bool = False,
    engine: str = "duckdb",
    spark: Any = None,
    read_options: Mapping[str, Any] | None = None,
) -> ReportData:
    """Load the transactions (None: the bundled sample shop) and summarise them.

    Defaults: the observation ends on the sample's end date (2024-12-31) or on the last
    purchase date; the calibration period ends on the sample's 2024-06-30, or after the
    first two thirds of the data's time span (the last third is the holdout period).
    A given ``observation_end`` with purchases after it is refused (naming them) unless
    ``read_options={"after_end": "drop"}``; ``read_options`` go to the reader
    (see :func:`crm_models.report.data_notes.load_report_transactions`), and ``data_used``
    of the result records what was read and used.

    ``engine``: ``"duckdb"`` (default; ``"pandas"`` is the same) reads the file with
    ``load_transactions``; ``"spark"`` takes a Spark table name or a Parquet/CSV path (None:
    the sample, uploaded to Spark) and checks it there (``spark``: the session, default the
    active or a local one).  Either way the same queries summarise the data on its engine
    and only one row per customer is collected, so both engines give the same report.
    """
    from crm_models.data import datasets, rfm_summary
    from crm_models.data.backends import check_engine
    from crm_models.report.data_notes import load_report_transactions

    engine = check_engine(engine)
    tx, end, used = load_report_transactions(transactions_path, customer_id, date, amount, observation_end,
                                             read_options, engine=engine, spark=spark)
    first, last = pd.Timestamp(used.first_date), pd.Timestamp(used.last_date)
    if transactions_path is None:
        cal_end = pd.Timestamp(calibration_end or datasets.SAMPLE_CALIBRATION_END)
    else:
        end, cal_end = _default_window(first, end, end, calibration_end)
    if cal_end >= end:
        raise CRMDataError(f"calibration_end {cal_end.date()} must be before observation_end {end.date()}")
    # litt: the regular-purchase (CNBD) models of the model comparison need it
    cal = rfm_summary(tx, end, period=period, time_unit=time_unit, calibration_end=cal_end, litt=True)
    full = rfm_summary(tx, end, period=period, time_unit=time_unit)
    counts = tracking_counts(tx, cal, end, period)
    if anonymize:
        from crm_models.report.privacy import anonymize_frame

        cal, full = (anonymize_frame(s).sort_index() for s in (cal, full))
    return ReportData(tx, cal, full, end, cal_end, full.attrs.get("time_unit", time_unit or period),
                      n_transactions=used.rows_used, first_purchase=first, tracking_counts=counts,
                      period=period, engine=engine, last_purchase=last, data_used=used)
