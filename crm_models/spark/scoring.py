"""Score fitted pandas models back onto Spark DataFrames, partition by partition.

A model fitted on the driver (usually on :func:`~crm_models.spark.compress_summary`'s
sufficient statistics) is pickled once, shipped to the workers (as a broadcast variable
when it is large) and called through ``mapInPandas`` on each Arrow batch of the Spark
frame, through the models' pandas methods:

* ``model.prob_alive(df)`` and ``model.expected_purchases(df, t)`` (BG/NBD, Pareto/NBD,
  ...: columns ``frequency, recency, T``),
* ``crm_models.clv.customer_lifetime_value(model, spend_model, df, horizon,
  discount_rate, margin)`` (also needs ``monetary_value``),
* ``churn_model.churn_probability(df, horizon)`` (columns: the model's covariates and
  duration).

Nothing per customer reaches the driver: the result is the input Spark DataFrame with the
score columns added, to be written back to the warehouse or joined to other tables.  Every
prediction above is a function of the customer's own row, so scoring in batches gives the
numbers pandas gives on the whole frame.

The model and its libraries must be importable on the workers: install ``crm_models``
there (a cluster image, ``--py-files`` or a packed environment in ``spark.archives``).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from crm_models.clv.value import customer_lifetime_value
from crm_models.errors import CRMDataError, ModelSpecificationError, NotFittedError

__all__ = ["score_clv", "score_churn", "BROADCAST_ABOVE_BYTES"]

#: Models whose pickle is larger than this are shipped as a broadcast variable (once per
#: executor) instead of inside every task.
BROADCAST_ABOVE_BYTES = 1 << 20
SUMMARY_COLUMNS = ("frequency", "recency", "T")


def _check_columns(sdf: Any, columns: list[str], source: str) -> None:
    """CRMDataError unless ``sdf`` is a Spark DataFrame with ``columns``."""
    if not hasattr(sdf, "schema") or not hasattr(sdf, "mapInPandas"):
        raise CRMDataError(f"expected a Spark DataFrame, got {type(sdf).__name__} "
                           "(score a pandas frame with the model's own methods)")
    available = list(sdf.columns)
    for col in columns:
        if col not in available:
            raise CRMDataError(f"missing column (available: {', '.join(available[:20])})", source=source,
                               column=col)


def _check_model(model: Any, methods: tuple[str, ...], what: str) -> None:
    for name in methods:
        if not callable(getattr(model, name, None)):
            raise ModelSpecificationError(
                f"{what} {type(model).__name__} has no method {name}(); pass a fitted crm_models model "
                f"(or any object with the method {name})")
    try:
        _ = model.params_
    except NotFittedError:
        raise
    except AttributeError:  # a duck-typed model without params_: its methods will say
        pass


def _ship(spark: Any, obj: Any, what: str) -> Callable[[], Any]:
    """A picklable zero-argument function returning ``obj`` on the workers."""
    from pyspark import cloudpickle

    try:
        payload = cloudpickle.dumps(obj)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise ModelSpecificationError(
            f"the {what} ({type(obj).__name__}) cannot be pickled, so it cannot be sent to the Spark "
            f"workers: {exc}") from exc
    if len(payload) > BROADCAST_ABOVE_BYTES:
        try:
            # the cloudpickle bytes, not the object: broadcast values are read back with plain
            # pickle, which cannot rebuild classes defined in notebooks or scripts
            handle = spark.sparkContext.broadcast(payload)
        except Exception:  # noqa: BLE001 - Spark Connect has no SparkContext: ship with the task
            pass
        else:
            return lambda: pickle.loads(handle.value)
    return lambda: obj


def _add_columns(sdf: Any, names: list[str]) -> Any:
    from pyspark.sql import types as T

    clash = [n for n in names if n in sdf.columns]
    if clash:
        raise CRMDataError("the output column already exists; drop or rename it first", column=clash[0])
    return T.StructType(sdf.schema.fields + [T.StructField(n, T.DoubleType(), True) for n in names])


def _values(result: Any, n: int, name: str) -> np.ndarray:
    values = np.asarray(result.to_numpy() if isinstance(result, pd.Series | pd.DataFrame) else result,
                        dtype="float64").reshape(-1)
    if values.shape != (n,):
        raise ModelSpecificationError(f"{name} returned {values.size} values for {n} rows")
    return values


def _indexed(pdf: pd.DataFrame, customer_id: str | None) -> pd.DataFrame:
    if customer_id is not None and customer_id in pdf.columns:
        return pdf.set_index(customer_id, drop=True)
    return pdf


def score_clv(
    summary_sdf: Any,
    model: Any,
    t: float | None = None,
    spend_model: Any = None,
    horizon: float | None = None,
    discount_rate: float | None = None,
    margin: float = 1.0,
    *,
    customer_id: str = "customer_id",
    value_function: Callable[..., Any] | None = None,
) -> Any:
    """Add P(alive), expected purchases and CLV columns to a Spark RFM summary.

    Parameters
    ----------
    summary_sdf:
        Output of :func:`crm_models.spark.rfm_summary` (or any Spark frame with
        ``frequency, recency, T`` and, for CLV, ``monetary_value``).
    model:
        A fitted transaction model (``crm.clv.BetaGeoModel`` ...), picklable.
    t:
        If given, ``expected_purchases`` = ``model.expected_purchases(df, t)``: expected
        purchases in (T, T + t], in the summary's time unit.
    spend_model, horizon, discount_rate, margin:
        If ``spend_model`` (a fitted ``crm.clv.GammaGammaModel``) is given, ``clv`` =
        ``crm_models.clv.customer_lifetime_value(model, spend_model, df, horizon,
        discount_rate, margin)``; ``horizon`` and ``discount_rate`` are then required.
    customer_id:
        The id column, used as the index of the frames given to the model.
    value_function:
        Replaces ``crm_models.clv.customer_lifetime_value`` (same signature), e.g. for a
        company's own value formula.

    Returns
    -------
    The input Spark DataFrame (lazy) plus ``prob_alive`` and, as requested,
    ``expected_purchases`` and ``clv`` (double).
    """
    needed = {c: c for c in SUMMARY_COLUMNS}
    if spend_model is not None:
        needed["monetary_value"] = "monetary_value"
    _check_columns(summary_sdf, list(needed), source="summary")
    _check_model(model, ("prob_alive",) + (("expected_purchases",) if t is not None else ()), "model")
    names = ["prob_alive"] + (["expected_purchases"] if t is not None else [])
    if spend_model is not None:
        if horizon is None or discount_rate is None:
            raise ModelSpecificationError("CLV needs horizon= and discount_rate= with spend_model=")
        _check_model(spend_model, (), "spend_model")
        if value_function is None:
            value_function = customer_lifetime_value
        names.append("clv")
    schema = _add_columns(summary_sdf, names)
    spark = summary_sdf.sparkSession
    get_model = _ship(spark, model, "model")
    get_spend = _ship(spark, spend_model, "spend model") if spend_model is not None else None
    get_value = _ship(spark, value_function, "value function") if spend_model is not None else None

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        m = get_model()
        for pdf in batches:
            out = pdf.copy()
            n = len(pdf)
            if n == 0:
                yield out.assign(**{name: np.zeros(0) for name in names})
                continue
            frame = _indexed(pdf, customer_id)
            out["prob_alive"] = _values(m.prob_alive(frame), n, "prob_alive")
            if t is not None:
                out["expected_purchases"] = _values(m.expected_purchases(frame, t), n, "expected_purchases")
            if get_spend is not None:
                value = get_value()(m, get_spend(), frame, horizon, discount_rate, margin)
                out["clv"] = _values(value, n, "customer_lifetime_value")
            yield out

    return summary_sdf.mapInPandas(score, schema)


def score_churn(
    sdf: Any,
    churn_model: Any,
    horizon: float,
    *,
    customer_id: str | None = "customer_id",
    column: str = "churn_probability",
) -> Any:
    """Add ``churn_probability`` = ``churn_model.churn_probability(df, horizon)`` to a Spark frame.

    ``sdf`` holds what the model was fitted on: its covariates and the duration column
    (time survived so far; e.g. the censored rows of
    :func:`crm_models.spark.durations_from_transactions`, joined to customer features).
    ``horizon`` is in the model's time unit.  Returns the input (lazy) plus the column.
    """
    _check_model(churn_model, ("churn_probability",), "churn model")
    if horizon is None or not np.isfinite(float(horizon)) or float(horizon) < 0:
        raise ModelSpecificationError(f"horizon must be a non-negative number, got {horizon!r}")
    schema = _add_columns(sdf, [column])
    get_model = _ship(sdf.sparkSession, churn_model, "churn model")

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        m = get_model()
        for pdf in batches:
            out = pdf.copy()
            if len(pdf) == 0:
                yield out.assign(**{column: np.zeros(0)})
                continue
            out[column] = _values(m.churn_probability(_indexed(pdf, customer_id), horizon), len(pdf),
                                  "churn_probability")
            yield out

    return sdf.mapInPandas(score, schema)
