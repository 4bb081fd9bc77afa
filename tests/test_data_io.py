"""Validation of raw transactions: one test per bad-input case."""

import pandas as pd
import pytest

import crm_models as crm
from crm_models.errors import CRMDataError


def _frame(**overrides):
    df = pd.DataFrame({
        "cust": ["a", "b", "c"],
        "day": ["2021-01-03", "2021-02-10", "2021-03-01"],
        "value": [10.0, 20.5, 3.25],
    })
    for k, v in overrides.items():
        df[k] = v
    return df


def _load(df, **kw):
    return crm.data.load_transactions(df, customer_id="cust", date="day", amount="value", **kw)


def test_maps_columns_and_parses():
    tx = _load(_frame())
    assert list(tx.columns) == ["customer_id", "date", "amount"]
    assert pd.api.types.is_datetime64_any_dtype(tx["date"])
    assert tx["amount"].sum() == pytest.approx(33.75)


def test_input_frame_is_not_modified():
    df = _frame()
    before = df.copy()
    _load(df)
    pd.testing.assert_frame_equal(df, before)


def test_missing_column_names_it_and_lists_available(tmp_path):
    path = tmp_path / "orders.csv"
    _frame().drop(columns="value").to_csv(path, index=False)
    with pytest.raises(CRMDataError) as err:
        crm.data.load_transactions(path, customer_id="cust", date="day", amount="value")
    msg = str(err.value)
    assert "orders.csv" in msg and "'value'" in msg and "available: cust, day" in msg


def test_missing_file_names_it(tmp_path):
    with pytest.raises(CRMDataError, match="nope.csv: file not found"):
        crm.data.load_transactions(tmp_path / "nope.csv")


def test_unparseable_dates_counted_with_examples():
    with pytest.raises(CRMDataError) as err:
        _load(_frame(day=["2021-01-03", "31/02/2021", "soon"]))
    msg = str(err.value)
    assert "column 'day'" in msg and "2 rows" in msg and "'soon'" in msg


def test_non_numeric_amounts():
    with pytest.raises(CRMDataError) as err:
        _load(_frame(value=["10", "n/a", "3"]))
    msg = str(err.value)
    assert "column 'value'" in msg and "non-numeric" in msg and "1 row" in msg and "'n/a'" in msg


def test_negative_amounts_are_refused_unless_dropped_explicitly():
    df = _frame(value=[10.0, -5.0, 3.0])
    with pytest.raises(CRMDataError, match="negative amounts .*1 row.*returns='drop'"):
        _load(df)
    tx = _load(df, returns="drop")
    assert len(tx) == 2 and (tx["amount"] >= 0).all()


def test_missing_customer_ids():
    with pytest.raises(CRMDataError, match="column 'cust': missing customer ids in 2 rows"):
        _load(_frame(cust=["a", None, " "]))


def test_empty_data(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("cust,day,value\n")
    with pytest.raises(CRMDataError, match="empty.csv: no transactions"):
        crm.data.load_transactions(path, customer_id="cust", date="day", amount="value")


def test_dates_after_observation_end():
    with pytest.raises(CRMDataError, match="dates after the observation end 2021-02-28 in 1 row"):
        _load(_frame(), observation_end="2021-02-28")


def test_integer_dates_and_whitespace_files(tmp_path):
    path = tmp_path / "cdnow.txt"
    path.write_text(" 00001 19970101  1   11.77\n 00002 19970112  1   12.00\n")
    tx = crm.data.load_transactions(path, customer_id="id", date="date", amount="usd",
                                    sep=r"\s+", header=None, names=["id", "date", "cds", "usd"])
    assert tx["date"].iloc[1] == pd.Timestamp("1997-01-12")


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "orders.parquet"
    _frame().to_parquet(path)
    tx = crm.data.load_transactions(path, customer_id="cust", date="day", amount="value")
    assert len(tx) == 3


def test_error_is_a_value_error():
    assert issubclass(CRMDataError, ValueError)


# --- reader robustness: encodings, ids, dates, time zones, policies -------------------------

def test_plain_integer_ids_stay_integers_leading_zeros_stay_text(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("cust,day,value\n12,2021-01-03,1\n7,2021-01-04,2\n")
    assert crm.data.load_transactions(path, "cust", "day", "value")["customer_id"].tolist() == [7, 12]
    path.write_text("cust,day,value\n00123,2021-01-03,1\n123,2021-01-04,2\n")
    tx = crm.data.load_transactions(path, "cust", "day", "value")
    assert tx["customer_id"].tolist() == ["00123", "123"]  # two customers, as written


def test_mixed_unambiguous_formats_parse():
    tx = _load(_frame(day=["2024-01-05", "2024/01/06", "2024-01-07 13:45:00"]).iloc[:3]
               .pipe(lambda d: pd.concat([d, d.iloc[[0]].assign(day="20240108", cust="d")])))
    assert tx["date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-06"),
                                   pd.Timestamp("2024-01-07 13:45"), pd.Timestamp("2024-01-08")]


def test_only_unreadable_dates_are_listed():
    with pytest.raises(CRMDataError) as err:
        _load(_frame(day=["2024-01-05", "yesterday", "2024/01/06"]))
    msg = str(err.value)
    assert "1 row (e.g. 1: 'yesterday')" in msg and "2024-01-05" not in msg and "mixed" not in msg


def test_day_first_inferred_from_a_day_above_12():
    tx = _load(_frame(day=["05/01/2024", "13/01/2024", "02/03/2024"]))
    assert tx["date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-13"),
                                   pd.Timestamp("2024-03-02")]
    with pytest.raises(CRMDataError, match="both day-first .*'13/01/2024'.*month-first .*'01/13/2024'"):
        _load(_frame(day=["05/01/2024", "13/01/2024", "01/13/2024"]))


def test_offsets_no_longer_raise_a_raw_type_error():
    shanghai = ["2024-01-05T23:30:00+08:00", "2024-01-06T08:00:00+08:00", "2024-01-07T00:00:00+08:00"]
    tx = _load(_frame(day=shanghai))
    assert tx["date"].iloc[0] == pd.Timestamp("2024-01-05 23:30")  # the wall clock in +08:00
    assert tx.attrs["load_log"]["timezone"] == "UTC+08:00"
    utc = _load(_frame(day=shanghai), timezone="UTC")
    assert utc["date"].iloc[0] == pd.Timestamp("2024-01-05 15:30")


def test_naive_values_among_aware_ones_are_local_times():
    tx = _load(_frame(day=["2024-01-05T10:00:00Z", "2024-01-06", "2024-01-07 09:00"]),
               timezone="Asia/Shanghai")
    assert tx["date"].tolist() == [pd.Timestamp("2024-01-05 18:00"), pd.Timestamp("2024-01-06"),
                                   pd.Timestamp("2024-01-07 09:00")]
    assert tx.attrs["load_log"]["naive_dates_as_local"] == 2


def test_tz_aware_datetime_column():
    days = pd.to_datetime(["2024-01-05 02:00", "2024-01-06 00:00", "2024-01-07 00:00"]).tz_localize("UTC")
    df = _frame(day=days)
    tx = _load(df, timezone="Asia/Shanghai")
    assert tx["date"].iloc[0] == pd.Timestamp("2024-01-05 10:00")
    assert tx.attrs["load_log"]["timezone"] == "Asia/Shanghai"
    assert _load(df)["date"].iloc[0] == pd.Timestamp("2024-01-05 02:00")
    assert df["day"].dt.tz is not None  # the caller's frame keeps its zone


def test_unknown_time_zone():
    with pytest.raises(CRMDataError, match="unknown time zone 'Mars/Base'.*Asia/Shanghai"):
        _load(_frame(), timezone="Mars/Base")


def test_future_dates_refused_by_default_and_counted_when_dropped():
    df = _frame(day=["2021-01-03", "2030-01-01", "2021-03-01"])
    with pytest.raises(CRMDataError, match=r"after the day of the run .*'b': '2030-01-01'.*future='drop'"):
        _load(df)
    tx = _load(df, future="drop")
    assert tx["customer_id"].tolist() == ["a", "c"] and tx.attrs["load_log"]["future_dropped"] == 1
    assert len(_load(df, as_of="2031-01-01")) == 3
    # with after_end="drop" a future typo is still refused: the run-day check comes first
    with pytest.raises(CRMDataError, match="future='drop'"):
        _load(df, observation_end="2021-12-31", after_end="drop")


def test_load_log_keys():
    tx = _load(_frame())
    log = tx.attrs["load_log"]
    assert set(crm.data.io.LOAD_LOG_KEYS) == set(log)
    assert log["rows_read"] == log["rows_used"] == 3 and log["encoding"] is None
    assert log["first_date"] == "2021-01-03T00:00:00" and log["last_date"] == "2021-03-01T00:00:00"
    assert tx.attrs["source"] == "DataFrame"


def test_padded_and_bom_column_names_in_a_frame():
    df = _frame().rename(columns={"cust": "\ufeffcust ", "value": " value"})
    assert _load(df)["amount"].sum() == pytest.approx(33.75)


def test_unknown_duplicates_policy():
    with pytest.raises(CRMDataError, match="duplicates must be one of"):
        _load(_frame(), duplicates="ignore")


def test_duplicates_policies_on_a_frame():
    df = pd.concat([_frame(), _frame().iloc[[1]]], ignore_index=True)
    with pytest.warns(crm.errors.CRMDataWarning, match="1 exact duplicate row "):
        assert len(_load(df)) == 4
    tx = _load(df, duplicates="drop")
    assert len(tx) == 3 and tx.attrs["load_log"]["duplicate_rows"] == 1
    # equal id, date and amount but another extra column value: not a duplicate
    df2 = df.assign(channel=["x", "y", "z", "w"])
    tx2 = _load(df2, duplicates="error", extra_columns=["channel"])
    assert tx2["channel"].tolist() == ["x", "y", "w", "z"]


def test_read_table_old_call_forms_and_tsv(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\n1\t2\n")
    assert crm.data.read_table(path).to_dict("list") == {"a": [1], "b": [2]}
    path2 = tmp_path / "t.txt"
    path2.write_text("1;2\n3;4\n")
    assert crm.data.read_table(path2, sep=";", header=None, names=["x", "y"])["y"].tolist() == [2, 4]


def test_survey_reader_detects_gbk_and_reads_xlsx(tmp_path):
    from crm_models.report.csi.data import load_survey

    df = pd.DataFrame({"满意度1": [7, 8], "满意度2": [6, 9]})
    (tmp_path / "s.csv").write_bytes(df.to_csv(index=False).encode("gbk"))
    pd.testing.assert_frame_equal(load_survey(tmp_path / "s.csv"), df)
    df.to_excel(tmp_path / "s.xlsx", index=False)
    pd.testing.assert_frame_equal(load_survey(tmp_path / "s.xlsx"), df)


def test_order_is_customer_then_date_ties_in_input_order():
    import numpy as np

    rng = np.random.default_rng(3)
    ids = ["".join(rng.choice(list("aZ0_é中"), size=rng.integers(1, 3))) for _ in range(500)]
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 4, 500), unit="D")
    df = pd.DataFrame({"cust": ids, "value": np.arange(500.0), "day": days})
    tx = _load(df)
    ref = (df.rename(columns={"cust": "customer_id", "day": "date", "value": "amount"})
           [["customer_id", "date", "amount"]].astype({"customer_id": "string[pyarrow]"})
           .sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True))
    pd.testing.assert_frame_equal(tx, ref)


def test_object_column_of_datetimes_and_text():
    import datetime as dt

    df = _frame(day=pd.Series([dt.datetime(2021, 1, 3, 12), "2021-02-10", dt.date(2021, 3, 1)], dtype=object))
    assert _load(df)["date"].tolist() == [pd.Timestamp("2021-01-03 12:00"), pd.Timestamp("2021-02-10"),
                                          pd.Timestamp("2021-03-01")]


def test_excel_numeric_ids_keep_their_text_form(tmp_path):
    path = tmp_path / "o.xlsx"
    days = pd.to_datetime(["2021-01-03", "2021-02-10", "2021-03-01"])
    pd.DataFrame({"cust": ["007", 12, 13], "day": days, "value": [1.0, 2.0, 3.0]}).to_excel(path, index=False)
    tx = crm.data.load_transactions(path, "cust", "day", "value")
    assert tx["customer_id"].tolist() == ["007", "12", "13"]


def test_compressed_csv_detected_and_explicit_compression(tmp_path):
    import gzip

    path = tmp_path / "o.csv.gz"
    path.write_bytes(gzip.compress(_frame().to_csv(index=False).encode("gb18030")))
    tx = crm.data.load_transactions(path, "cust", "day", "value")
    assert tx.attrs["load_log"]["encoding"] == "utf-8" and len(tx) == 3  # ASCII content
    odd = tmp_path / "o.bin"
    odd.write_bytes(path.read_bytes())
    assert len(crm.data.read_table(odd, compression="gzip")) == 3


def test_us_export_with_am_pm_and_fractions():
    tx = _load(_frame(day=["1/15/2024 1:45:00 PM", "1/16/2024 12:30 AM", "2024-01-05 10:00:00.25"]))
    assert sorted(tx["date"].tolist()) == [pd.Timestamp("2024-01-05 10:00:00.25"),
                                           pd.Timestamp("2024-01-15 13:45"), pd.Timestamp("2024-01-16 00:30")]
