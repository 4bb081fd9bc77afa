"""Load the CSI report's satisfaction survey (a file, a Spark table, or the bundled sample).

    survey = load_survey(None)                          # the bundled sample survey
    model = crm.csi.build_model("ecsi", survey)         # or "acsi", "retention", a path spec
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from crm_models.data.backends import ENGINES, check_engine

__all__ = ["ENGINES", "load_survey"]


def load_survey(path: str | os.PathLike | None = None, *, engine: str = "pandas", spark: Any = None,
                read_options: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The survey at ``path`` (CSV or Parquet), or the bundled sample survey when ``None``.

    ``engine="spark"``: ``path`` may also be a table name of the Spark catalog (or a Spark
    DataFrame); Spark reads it (session ``spark``, default: the active one, else a local one)
    and the whole survey is collected to the driver, one row per respondent: surveys are small
    (thousands of rows), and the PLS fit and its bootstrap need every row in memory anyway.  The
    frame is the one pandas reads from the same file (file order, CSV integers as int64).

    ``read_options``: the report parameter, passed to :func:`crm_models.data.read_table`
    (encoding, sep, decimal, thousands, sheet_name); with ``engine="spark"`` only encoding
    and sep, for Spark's CSV reader.
    """
    from crm_models.data.options import TABLE_READ_OPTIONS, check_read_options

    engine = check_engine(engine)
    allowed = TABLE_READ_OPTIONS if engine == "duckdb" else ("encoding", "sep")
    options = check_read_options(read_options, allowed, what=f"survey (engine={engine!r})")
    if path is None:
        from crm_models.data import datasets

        return datasets.sample_survey()
    if engine != "duckdb":  # a table of the engine's catalog or a file it reads; one row per respondent
        from crm_models.data.backends import connect
        from crm_models.data.scan import collect_table

        backend = connect(engine, session=spark) if engine == "spark" else connect(engine)
        csv = {"nullValue": "NA", **options} if engine == "spark" else options
        df = collect_table(os.fspath(path) if isinstance(path, os.PathLike) else path, engine=backend,
                           csv_options=csv)
        # an empty header (R's write.csv row index) is "_c<position>" in Spark
        return df.drop(columns=[c for i, c in enumerate(df.columns) if c == f"_c{i}"])
    from crm_models.data.io import read_table

    df = read_table(path, **options)
    unnamed = [c for c in df.columns if str(c).startswith("Unnamed: ")]
    df = df.drop(columns=unnamed)  # a written-out row index (R's write.csv)
    df.attrs["source"] = str(path)  # errors of the fit name the file
    return df
