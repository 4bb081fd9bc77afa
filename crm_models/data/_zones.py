"""Engine functions that give the wall-clock time of a UTC timestamp in a time zone.

(Kept apart, without postponed annotations: Ibis reads these signatures at definition.)
"""

import ibis
import ibis.expr.datatypes as dt


@ibis.udf.scalar.builtin(name="timezone")
def duckdb_local_time(tz: str, ts: dt.Timestamp(timezone="UTC")) -> dt.Timestamp():
    """DuckDB ``timezone(zone, timestamptz)``: local wall-clock time without a zone."""


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def spark_local_time(ts: dt.Timestamp(timezone="UTC"), tz: str) -> dt.Timestamp():
    """Spark ``from_utc_timestamp(ts, zone)``: local wall-clock time without a zone."""
