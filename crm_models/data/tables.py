"""Transactions as a lazy table: one Ibis expression with standard columns, on any engine.

:class:`TransactionTable` is what every per-customer summary of the package consumes
(:func:`~crm_models.data.rfm_summary`, :func:`~crm_models.data.customer_activity`, the
churn durations, the segment inputs).  It is made either

* from a validated pandas frame of :func:`~crm_models.data.load_transactions` (the reader
  for messy exports: encodings, Excel, mixed date formats, currency symbols), registered in
  the embedded DuckDB through Arrow without a copy, by :func:`transaction_table`; or
* from a file, a glob of files, a Spark DataFrame, a catalog table or an Ibis table by
  :func:`scan_transactions`, which validates where the data are (one aggregate pass) and
  never brings per-transaction rows to Python.

Columns of the expression: ``customer_id`` (text or integer), ``date`` (timestamp without
time zone), ``amount`` (float64, when the data have amounts) and any extra columns.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pandas as pd

from crm_models.errors import CRMDataError

__all__ = ["TransactionTable", "transaction_table", "is_lazy_table"]



@dataclasses.dataclass(frozen=True)
class TransactionTable:
    """Validated transactions as an Ibis table expression on one backend.

    Attributes
    ----------
    expr:
        Ibis table with ``customer_id``, ``date``, optional ``amount`` and extra columns.
    source:
        How messages name the input (a path, ``table sales.orders``, ``DataFrame``).
    load_log:
        What validation found and did (same keys as ``load_transactions``' log).
    """

    expr: Any
    source: str = "transactions"
    load_log: dict = dataclasses.field(default_factory=dict, compare=False)

    @property
    def backend(self) -> Any:
        """The Ibis backend that evaluates :attr:`expr`."""
        from crm_models.data.backends import default_connection

        try:
            return self.expr._find_backend(use_default=False)
        except Exception:  # a memtable only: the embedded engine
            return default_connection()

    @property
    def engine(self) -> str:
        """``"duckdb"``, ``"spark"`` or the Ibis backend's name."""
        from crm_models.data.backends import engine_name

        return engine_name(self.backend)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.expr.columns)

    @property
    def has_amount(self) -> bool:
        return "amount" in self.expr.columns

    def execute(self, expr: Any) -> pd.DataFrame:
        """Evaluate a derived expression on this table's backend, as pandas."""
        import pyarrow as pa

        mapping = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
        return self.backend.to_pyarrow(expr).to_pandas(types_mapper=mapping.get)

    def execute_by_customer(self, expr: Any) -> pd.DataFrame:
        """Evaluate a per-customer expression as pandas indexed by ``customer_id`` (columns not copied)."""
        import pyarrow as pa

        table = self.backend.to_pyarrow(expr)
        mapping = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
        ids = table.column("customer_id").to_pandas(types_mapper=mapping.get)
        frame = table.drop_columns(["customer_id"]).to_pandas(types_mapper=mapping.get)
        frame.index = pd.Index(ids, name="customer_id")
        return frame

    def to_pandas(self) -> pd.DataFrame:
        """Every transaction as a pandas frame sorted by customer and date (small data only)."""
        frame = self.execute(self.expr.order_by(["customer_id", "date"]))
        frame.attrs["source"] = self.source
        frame.attrs["load_log"] = dict(self.load_log)
        return frame


def is_lazy_table(obj: Any) -> bool:
    """True for a :class:`TransactionTable`."""
    return isinstance(obj, TransactionTable)


def check_transaction_frame(tx: pd.DataFrame, need_amount: bool) -> str:
    if not isinstance(tx, pd.DataFrame):
        raise CRMDataError("expected transactions from crm.data.load_transactions or "
                           f"crm.data.scan_transactions, got {type(tx).__name__}")
    source = tx.attrs.get("source", "transactions")
    needed = ["customer_id", "date"] + (["amount"] if need_amount else [])
    for col in needed:
        if col not in tx.columns:
            raise CRMDataError(
                "missing column; pass the table through crm.data.load_transactions(...) "
                "to map your column names", source=source, column=col,
            )
    if len(tx) == 0:
        raise CRMDataError("no transactions (the table is empty)", source=source)
    if not pd.api.types.is_datetime64_any_dtype(tx["date"]):
        raise CRMDataError("dates are not parsed; use crm.data.load_transactions",
                           source=source, column="date")
    if getattr(tx["date"].dt, "tz", None) is not None:
        raise CRMDataError("dates carry a time zone; load them with crm.data.load_transactions("
                           "..., timezone=...) to get local dates", source=source, column="date")
    return source


def transaction_table(tx: Any, *, need_amount: bool = False, columns: list[str] | None = None,
                      engine: Any = None) -> TransactionTable:
    """``tx`` as a :class:`TransactionTable` (a TransactionTable is returned as is).

    A pandas frame (the output of :func:`~crm_models.data.load_transactions`) is registered
    in the embedded DuckDB through Arrow (or, with ``engine="spark"`` or an Ibis backend,
    uploaded there); it is not modified.  ``columns`` keeps only those columns of the frame
    (the standard ones are always kept).
    """
    if isinstance(tx, TransactionTable):
        if need_amount and not tx.has_amount:
            raise CRMDataError("the transactions have no amounts; scan them with amount=...",
                               source=tx.source, column="amount")
        return tx
    source = check_transaction_frame(tx, need_amount)
    import ibis

    keep = [c for c in ("customer_id", "date", "amount") if c in tx.columns]
    keep += [c for c in (columns or []) if c in tx.columns and c not in keep]
    frame = tx[keep]
    if frame["date"].dtype != "datetime64[us]":
        # DuckDB timestamps are microseconds; nanosecond remainders would be truncated
        frame = frame.assign(date=frame["date"].astype("datetime64[us]"))
    expr = ibis.memtable(frame)
    if engine is not None:
        from crm_models.data.backends import check_engine, connect

        if not (isinstance(engine, str) and check_engine(engine) == "duckdb"):
            expr = upload(connect(engine), frame)
    return TransactionTable(expr, source=source, load_log=dict(tx.attrs.get("load_log", {})))


_uploads = itertools.count()


def upload(backend: Any, frame: pd.DataFrame) -> Any:
    """A table on ``backend`` holding ``frame`` (Spark: a temporary view of the session)."""
    from crm_models.data.backends import engine_name

    if engine_name(backend) == "spark":
        name = f"crm_models_upload_{next(_uploads)}"
        backend._session.createDataFrame(frame).createOrReplaceTempView(name)
        return backend.table(name)
    import ibis

    return backend.create_table(f"crm_models_upload_{next(_uploads)}", ibis.memtable(frame), temp=True)
