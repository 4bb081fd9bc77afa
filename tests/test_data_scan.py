"""scan_transactions: files, globs, frames and Spark tables validated where they are.

The same checks give the same CRMDataError text on DuckDB and on Spark; the summaries of a
scanned table equal those of load_transactions' frame (the former pandas implementation is
the oracle, tests/reference/pandas_summary.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from reference.pandas_summary import rfm_summary as reference_summary

import crm_models as crm
from crm_models.data.io import LOAD_LOG_KEYS

pytest.importorskip("ibis")


@pytest.fixture(scope="module")
def sample():
    return crm.data.load_transactions(crm.data.datasets.sample_transactions())


def _parquet(frame: pd.DataFrame, path) -> str:
    frame.to_parquet(path, coerce_timestamps="us", allow_truncated_timestamps=True)
    return str(path)


def test_parquet_scan_gives_the_same_summary_as_the_loaded_frame(sample, tmp_path):
    path = _parquet(sample, tmp_path / "tx.parquet")
    tt = crm.data.scan_transactions(path, observation_end="2024-12-31")
    assert tt.engine == "duckdb"
    assert set(tt.load_log) == set(LOAD_LOG_KEYS)
    assert tt.load_log["rows_read"] == len(sample) and tt.load_log["rows_used"] == len(sample)
    for kw in ({"period": "D", "time_unit": "W"}, {"period": "M"},
               {"period": "D", "calibration_end": "2024-06-30"}):
        got = crm.data.rfm_summary(tt, "2024-12-31", **kw)
        want = reference_summary(sample, "2024-12-31", **kw)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)


def test_a_glob_of_parquet_files_is_one_table(sample, tmp_path):
    half = len(sample) // 2
    _parquet(sample.iloc[:half], tmp_path / "part-1.parquet")
    _parquet(sample.iloc[half:], tmp_path / "part-2.parquet")
    tt = crm.data.scan_transactions(str(tmp_path / "part-*.parquet"))
    assert tt.load_log["rows_read"] == len(sample)
    got = crm.data.rfm_summary(tt, "2024-12-31")
    pd.testing.assert_frame_equal(got, reference_summary(sample, "2024-12-31"), check_exact=False,
                                  rtol=1e-12)


def test_csv_ids_keep_leading_zeros_and_plain_integers_become_integers(tmp_path):
    text = tmp_path / "zeros.csv"
    text.write_text("customer_id,date,amount\n0012,2024-01-02,10\n0012,2024-01-09,5.5\n7,2024-01-03,1\n")
    tt = crm.data.scan_transactions(text, as_of="2024-12-31")
    s = crm.data.rfm_summary(tt, "2024-01-31")
    assert list(s.index) == ["0012", "7"]
    assert s.loc["0012", "frequency"] == 1 and s.loc["0012", "monetary_value"] == 5.5
    plain = tmp_path / "plain.csv"
    plain.write_text("customer_id,date,amount\n12,2024-01-02,10\n7,2024-01-03,1\n")
    s = crm.data.rfm_summary(crm.data.scan_transactions(plain, as_of="2024-12-31"), "2024-01-31")
    assert s.index.dtype == np.int64 and list(s.index) == [7, 12]


def test_header_spaces_and_semicolons(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(" Kunde ; Datum ; Betrag \nA;2024-01-02;10\nA;2024-01-05;4\n")
    tt = crm.data.scan_transactions(path, "Kunde", "Datum", "Betrag", csv_options={"delim": ";"},
                                    as_of="2024-12-31")
    s = crm.data.rfm_summary(tt, "2024-01-31")
    assert s.loc["A", "frequency"] == 1 and s.loc["A", "monetary_value"] == 4.0


BAD = pd.DataFrame({"customer_id": ["a", "b", "b", "c"],
                    "date": ["2024-01-01", "2024-01-05", "2024-02-01", "2024-03-01"],
                    "amount": [1.0, 2.0, 3.0, 4.0]})

#: (change to BAD, scan options, expected message fragment)
ERRORS = [
    ({"customer_id": ["a", None, "b", "c"]}, {}, "column 'customer_id': missing customer ids in 1 row "
     "(e.g. a row dated: '2024-01-05')"),
    ({"customer_id": ["a", "", "b", "c"]}, {}, "missing customer ids in 1 row"),
    ({"date": ["2024-01-01", "2024-13-01", "2024-02-30", "2024-03-01"]}, {},
     "column 'date': dates that do not parse in 2 rows (e.g. customer 'b': '2024-13-01', "
     "customer 'b': '2024-02-30')"),
    ({"date": ["2024-01-01", None, "2024-02-01", "2024-03-01"]}, {}, "missing dates in 1 row"),
    ({"amount": [1.0, -2.0, 3.0, 4.0]}, {}, "column 'amount': negative amounts (returns or refunds) in "
     "1 row (e.g. customer 'b': -2.0); net them against their orders first, or pass returns='drop'"),
    ({"amount": [1.0, np.nan, 3.0, 4.0]}, {}, "non-numeric or missing amounts in 1 row"),
    ({"date": ["2024-01-01", "2024-01-05", "2031-02-01", "2024-03-01"]}, {"as_of": "2024-12-31"},
     "dates after the day of the run 2024-12-31 in 1 row (e.g. customer 'b': '2031-02-01')"),
    ({}, {"observation_end": "2024-02-15"}, "dates after the observation end 2024-02-15 in 1 row "
     "(e.g. customer 'c': '2024-03-01'); pass after_end='drop'"),
]


def _scan_error(frame, engine, **options) -> str:
    with pytest.raises(crm.CRMDataError) as info:
        crm.data.scan_transactions(frame, engine=engine, **{"as_of": "2024-12-31", **options})
    return str(info.value)


@pytest.mark.parametrize(("change", "options", "expected"), ERRORS)
def test_each_check_names_the_column_the_customer_and_the_value(change, options, expected):
    assert expected in _scan_error(BAD.assign(**change), "duckdb", **options)


def test_drop_policies_and_the_log():
    frame = BAD.assign(amount=[1.0, -2.0, 3.0, 4.0],
                       date=["2024-01-01", "2024-01-05", "2024-02-01", "2031-03-01"])
    tt = crm.data.scan_transactions(frame, returns="drop", future="drop", as_of="2024-12-31")
    log = tt.load_log
    assert (log["rows_read"], log["rows_used"], log["returns_dropped"], log["future_dropped"]) == (4, 2, 1, 1)
    assert log["last_date"] == "2024-02-01T00:00:00"
    assert list(tt.to_pandas()["customer_id"]) == ["a", "b"]
    late = crm.data.scan_transactions(BAD, observation_end="2024-02-15", after_end="drop", as_of="2024-12-31")
    assert late.load_log["after_end_dropped"] == 1 and late.load_log["rows_used"] == 3


def test_duplicates_warn_drop_keep_error():
    frame = pd.concat([BAD, BAD.iloc[[1]]], ignore_index=True)
    with pytest.warns(crm.errors.CRMDataWarning, match="1 exact duplicate row .*customer_id='b'"):
        warned = crm.data.scan_transactions(frame, as_of="2024-12-31")
    assert warned.load_log["duplicate_rows"] == 1 and warned.load_log["rows_used"] == 5
    dropped = crm.data.scan_transactions(frame, duplicates="drop", as_of="2024-12-31")
    assert dropped.load_log["rows_used"] == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kept = crm.data.scan_transactions(frame, duplicates="keep", as_of="2024-12-31")
    assert kept.load_log["duplicate_rows"] is None and kept.load_log["rows_used"] == 5
    with pytest.raises(crm.CRMDataError, match="duplicates='drop'"):
        crm.data.scan_transactions(frame, duplicates="error", as_of="2024-12-31")
    # surplus copies are counted: row 1 three times and row 3 twice are 2 + 1 = 3 duplicates
    triple = pd.concat([BAD, BAD.iloc[[1, 1, 3]]], ignore_index=True)
    with pytest.warns(crm.errors.CRMDataWarning, match="3 exact duplicate rows"):
        counted = crm.data.scan_transactions(triple, as_of="2024-12-31")
    assert counted.load_log["duplicate_rows"] == 3 and counted.load_log["rows_used"] == 7
    deduplicated = crm.data.scan_transactions(triple, duplicates="drop", as_of="2024-12-31")
    assert deduplicated.load_log["rows_used"] == 4


def test_sources_that_cannot_be_scanned_say_what_to_do(tmp_path):
    with pytest.raises(crm.CRMDataError, match="file or folder not found"):
        crm.data.scan_transactions(tmp_path / "missing.parquet")
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    with pytest.raises(crm.CRMDataError, match="load_transactions"):
        crm.data.scan_transactions(tmp_path / "x.xlsx")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("客户,日期,金额\n张三,2024-01-02,10\n".encode("gbk"))
    with pytest.raises(crm.CRMDataError, match="not UTF-8 .*load_transactions"):
        crm.data.scan_transactions(gbk, "客户", "日期", "金额")
    with pytest.raises(crm.CRMDataError, match=r"missing column \(available: customer_id, date, amount\)"):
        crm.data.scan_transactions(BAD, customer_id="client")
    with pytest.raises(crm.CRMDataError, match="empty"):
        crm.data.scan_transactions(BAD.iloc[:0])
    with pytest.raises(crm.CRMDataError, match="returns must be one of"):
        crm.data.scan_transactions(BAD, returns="net")


def test_time_zone_aware_dates_become_wall_clock_time(tmp_path):
    utc = pd.DataFrame({"customer_id": ["a", "a"],
                        "date": pd.to_datetime(["2024-01-01 20:00", "2024-01-02 03:00"], utc=True),
                        "amount": [1.0, 2.0]})
    path = _parquet(utc, tmp_path / "utc.parquet")
    own = crm.data.scan_transactions(path, as_of="2024-12-31").to_pandas()
    assert list(own["date"]) == [pd.Timestamp("2024-01-01 20:00"), pd.Timestamp("2024-01-02 03:00")]
    shanghai = crm.data.scan_transactions(path, timezone="Asia/Shanghai", as_of="2024-12-31")
    assert list(shanghai.to_pandas()["date"]) == [pd.Timestamp("2024-01-02 04:00"),
                                                  pd.Timestamp("2024-01-02 11:00")]
    # both purchases fall on 2 January in Shanghai: one purchase day
    assert crm.data.rfm_summary(shanghai, "2024-01-31").loc["a", "frequency"] == 0


def test_memory_limit_reaches_duckdb(sample, tmp_path):
    path = _parquet(sample, tmp_path / "tx.parquet")
    tt = crm.data.scan_transactions(path, memory_limit="500MB", threads=1)
    setting = tt.backend.raw_sql("select current_setting('memory_limit')").fetchall()[0][0]
    assert setting.replace(" ", "").upper() in ("500.0MB", "476.8MIB", "500MB")
    assert crm.data.rfm_summary(tt, "2024-12-31")["frequency"].sum() == \
        reference_summary(sample, "2024-12-31")["frequency"].sum()
    with pytest.raises(crm.CRMDataError, match="cannot start DuckDB"):
        crm.data.scan_transactions(path, memory_limit="lots")


@pytest.mark.slow
def test_spark_gives_the_same_messages_and_summaries(spark, sample, tmp_path):
    for change, options, _ in ERRORS:
        frame = BAD.assign(**change)
        assert _scan_error(frame, "spark", **options) == _scan_error(frame, "duckdb", **options)
    twice = pd.concat([BAD, BAD.iloc[[1, 1]]], ignore_index=True)
    assert "2 exact duplicate rows" in _scan_error(twice, "spark", duplicates="error")
    assert _scan_error(twice, "spark", duplicates="error") == _scan_error(twice, "duckdb", duplicates="error")
    sdf = spark.createDataFrame(sample.assign(customer_id=sample["customer_id"].astype(str)))
    tt = crm.data.scan_transactions(sdf, as_of="2025-01-01")
    assert tt.engine == "spark"
    got = crm.data.rfm_summary(tt, "2024-12-31", period="D", time_unit="W", calibration_end="2024-06-30")
    want = reference_summary(sample, "2024-12-31", period="D", time_unit="W", calibration_end="2024-06-30")
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)
    path = _parquet(sample, tmp_path / "tx.parquet")
    from_file = crm.data.scan_transactions(path, engine="spark", as_of="2025-01-01")
    pd.testing.assert_frame_equal(crm.data.rfm_summary(from_file, "2024-12-31"),
                                  reference_summary(sample, "2024-12-31"), check_exact=False, rtol=1e-12)


def test_ids_with_surrounding_blanks_are_stripped_and_blank_ids_refused():
    frame = pd.DataFrame({"customer_id": [" a", "a ", "b"],
                          "date": ["2024-01-01", "2024-01-02", "2024-01-03"], "amount": [1.0, 2.0, 3.0]})
    s = crm.data.rfm_summary(crm.data.scan_transactions(frame, as_of="2025-01-01"), "2024-01-31")
    assert list(s.index) == ["a", "b"] and s.loc["a", "frequency"] == 1
    blank = pd.concat([frame, frame.iloc[[0]].assign(customer_id="  ")], ignore_index=True)
    with pytest.raises(crm.CRMDataError, match="missing customer ids in 1 row"):
        crm.data.scan_transactions(blank, as_of="2025-01-01")
