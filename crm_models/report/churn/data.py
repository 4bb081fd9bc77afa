"""Input preparation for the churn report notebook: from a path (or the bundled samples) to survival data.

Kept out of the notebook so that it is unit-tested; the notebook only calls it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_models.churn._checks import check_columns, check_events, days_per_unit
from crm_models.churn.durations import (
    durations_from_subscriptions,
    durations_from_transactions,
    first_spell_spend,
)
from crm_models.data.backends import ENGINES
from crm_models.errors import CRMDataError

__all__ = ["ENGINES", "load_churn_data"]



def load_churn_data(
    data_path: Any = None,
    mode: Literal["contractual", "non-contractual"] = "contractual",
    *,
    observation_end: Any = None,
    time_unit: Literal["D", "W", "M", "Y"] = "M",
    customer_id: str = "customer_id",
    start: str = "signup_date",
    end: str = "cancel_date",
    duration_col: str | None = None,
    event_col: str | None = None,
    event_value: Any = None,
    date: str = "date",
    amount: str = "amount",
    inactivity_window: Any = None,
    covariates: Sequence[str] | None = None,
    engine: str = "duckdb",
    spark: Any = None,
    read_options: Mapping[str, Any] | None = None,
    keep_transactions: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Survival data for the report and a description of how it was built.

    * ``data_path=None``: the bundled sample (``sample_subscriptions()`` for contractual,
      ``sample_transactions()`` for non-contractual; observation end 2024-12-31).
    * contractual, with ``duration_col`` and ``event_col``: a table already in survival form
      (e.g. IBM Telco: ``"tenure"``, ``"Churn"``, ``event_value="Yes"``).  ``event_value``:
      the value that means churned (else the column must be 0/1).  Rows with a missing
      value in a used covariate are refused (not dropped) by the model.
    * contractual otherwise: a subscription table (``customer_id``, ``start``, ``end``)
      through :func:`durations_from_subscriptions`.
    * non-contractual: a transaction table (``customer_id``, ``date``, ``amount``) through
      ``load_transactions`` and :func:`durations_from_transactions`; ``spend_per_period``
      (spend in the spell per ``time_unit``, at least one unit) is added as a margin
      candidate, not as a covariate.

    ``engine="spark"``: ``data_path`` is a Spark table name, a Parquet/CSV path or a Spark
    DataFrame (``None``: the bundled sample, handed to Spark), read with ``spark`` (default: the
    active session, else a local one); the result is the same frame.  Transactions stay in
    Spark: the same queries as on the embedded engine build the survival data there (one row
    per customer or spell is collected).  Subscription and survival-form tables (one row per
    customer or subscription) are read by Spark and collected, then converted as on pandas.

    ``read_options``: for transactions the keys of ``load_transactions``
    (:func:`crm_models.report.data_notes.load_report_transactions`: a given ``observation_end``
    with purchases after it is refused unless ``{"after_end": "drop"}``); for a subscription or
    survival-form file the keys of ``read_table`` (encoding, sep, decimal, thousands, sheet_name).
    On Spark: for transactions the keys of ``SCAN_READ_OPTIONS``, for tables ``encoding`` and ``sep``.

    Returns ``(d, info)``: ``d`` has ``duration`` / ``event`` (or the given column names)
    and the covariates; ``info`` has ``duration_col``, ``event_col``, ``setting``,
    ``observation_end``, ``time_unit``, ``description`` (one sentence for the report),
    ``margin`` (a sensible default margin: a fee column if there is one, else
    ``spend_per_period``, else 1.0), ``id_col`` and ``data_used`` (non-contractual: a
    :class:`crm_models.report.data_notes.DataUsed`, else None).  ``keep_transactions=True``
    (non-contractual only) adds ``transactions``: the loaded purchases (columns ``customer_id``,
    ``date``, ``amount``; a pandas frame or a lazy ``TransactionTable``), which the classifier
    comparison (:mod:`crm_models.report.churn.classify`) backtests over cut-offs.
    """
    from crm_models.data import datasets, read_table
    from crm_models.data.backends import check_engine
    from crm_models.data.scan import collect_table
    from crm_models.report.data_notes import TABLE_READ_OPTIONS, check_read_options, load_report_transactions

    if mode not in ("contractual", "non-contractual"):
        raise CRMDataError(f"mode must be 'contractual' or 'non-contractual', got {mode!r}")
    engine = check_engine(engine)
    days_per_unit(time_unit)
    unit_name = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}[time_unit]
    used = None
    if mode == "contractual":
        table_options = check_read_options(read_options, TABLE_READ_OPTIONS, what="subscription table")
        if data_path is None:
            raw = datasets.sample_subscriptions()
            observation_end = observation_end or datasets.SAMPLE_OBSERVATION_END
        elif isinstance(data_path, pd.DataFrame):
            raw = data_path
        elif engine == "duckdb":
            raw = read_table(data_path, **table_options)
            raw.attrs["source"] = str(data_path)  # errors name the file
        else:  # one row per subscription or customer: read by the engine, then collected
            if spark is not None and engine == "spark":
                from crm_models.data.backends import connect

                engine = connect("spark", session=spark)
            csv = {k: table_options.pop(k) for k in ("encoding", "sep") if k in table_options}
            if table_options:
                raise CRMDataError(f"read_options {sorted(table_options)} are not used for a table read by "
                                   f"engine={engine!r} (only encoding and sep)", source="parameters",
                                   column="read_options")
            raw = collect_table(data_path, engine=engine, csv_options=csv)
        if duration_col is not None:
            if event_col is None:
                raise CRMDataError("duration_col given without event_col")
            d = _survival_form(raw, customer_id, duration_col, event_col, event_value, covariates)
            desc = (f"{len(d):,} customers, durations as given in '{duration_col}' ({unit_name}), "
                    f"churn = '{event_col}'" + (f" == {event_value!r}" if event_value is not None else ""))
            setting = "contractual"
        else:
            if observation_end is None:
                raise CRMDataError("observation_end is needed for a subscription table (the extraction date)")
            d = durations_from_subscriptions(raw, customer_id, start, end, observation_end,
                                             time_unit=time_unit)
            duration_col, event_col = "duration", "event"
            desc = (f"{len(d):,} subscription spells of {d[customer_id].nunique():,} customers; "
                    f"still active on {pd.Timestamp(observation_end).date()} = censored; "
                    f"durations in {unit_name}")
            setting = "contractual"
    else:
        tx, observation_end, used = load_report_transactions(data_path, customer_id, date, amount,
                                                             observation_end, read_options, engine=engine,
                                                             spark=spark)
        d = durations_from_transactions(tx, observation_end, inactivity_window, time_unit=time_unit)
        spell_spend = first_spell_spend(tx, d)
        d["spend_per_period"] = spell_spend / np.maximum(d["duration"].to_numpy(), 1.0)
        d.attrs["crm_churn"]["non_covariates"] = [*d.attrs["crm_churn"]["non_covariates"],
                                                  "spend_per_period"]
        meta = d.attrs["crm_churn"]
        duration_col, event_col = "duration", "event"
        desc = (f"{len(d):,} customers; churned = no purchase for {meta['inactivity_window_days']:g} days "
                f"({meta['window_rule']}); customers who bought within that window before "
                f"{pd.Timestamp(observation_end).date()} are censored; durations in {unit_name}")
        setting = "non-contractual"

    fee_cols = [c for c in d.columns if any(k in str(c).lower() for k in ("fee", "monthlycharges", "charge"))
                and pd.api.types.is_numeric_dtype(d[c]) and c not in (duration_col, event_col)]
    margin: Any = 1.0
    if fee_cols:
        margin = fee_cols[0]
    elif "spend_per_period" in d.columns:
        margin = "spend_per_period"
    # transactions are loaded with the id column renamed to "customer_id"
    id_col = customer_id if setting == "contractual" else "customer_id"
    info = {"duration_col": duration_col, "event_col": event_col, "setting": setting,
            "observation_end": None if observation_end is None else str(pd.Timestamp(observation_end).date()),
            "time_unit": time_unit, "unit_name": unit_name, "description": desc, "margin": margin,
            "id_col": id_col if id_col in d.columns else None, "data_used": used}
    if keep_transactions and setting == "non-contractual":
        info["transactions"] = tx
    return d, info


def _survival_form(raw: pd.DataFrame, customer_id: str, duration_col: str, event_col: str, event_value: Any,
                   covariates: Sequence[str] | None) -> pd.DataFrame:
    """A table already in survival form: the id, the covariates, duration and event (mapped to 0/1)."""
    check_columns(raw, [duration_col, event_col], source=raw.attrs.get("source", "DataFrame"))
    d = raw.copy()
    if event_value is not None:
        d[event_col] = (d[event_col] == event_value).astype(np.int8)
    else:  # refused here, naming the file, rather than later by the model
        try:
            check_events(d[event_col], event_col)
        except CRMDataError as exc:
            raise CRMDataError(exc.problem, source=raw.attrs.get("source", "DataFrame"),
                               column=event_col) from exc
    keep = list(covariates) if covariates is not None else [c for c in d.columns if c != customer_id]
    cols = [c for c in dict.fromkeys([customer_id, *keep, duration_col, event_col]) if c in d.columns]
    d = d[cols]
    # how and where the file was read: not data
    d.attrs = {k: v for k, v in d.attrs.items() if k not in ("read_info", "source")}
    d.attrs["crm_churn"] = {"duration_col": duration_col, "event_col": event_col,
                            "non_covariates": [customer_id]}
    return d
