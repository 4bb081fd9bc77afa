"""Messy real-world exports (tests/data/messy): each loads to the clean table, or is refused
with a CRMDataError that names the fix.  The files come from make_messy.py."""

import importlib.util
import logging
import warnings
from pathlib import Path

import pandas as pd
import pytest

import crm_models as crm
from crm_models.errors import CRMDataError, CRMDataWarning

MESSY = Path(__file__).parent / "data" / "messy"


def _load(name, **kw):
    kw.setdefault("extra_columns", ["channel"])
    return crm.data.load_transactions(MESSY / name, **kw)


@pytest.fixture(scope="module")
def clean():
    tx = _load("clean.csv")
    assert len(tx) == 60 and tx.attrs["load_log"]["rows_used"] == 60
    return tx


def _same(tx, clean):
    pd.testing.assert_frame_equal(tx, clean)


def test_corpus_files_are_what_the_generator_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_messy", MESSY / "make_messy.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for path in mod.write_all(tmp_path):
        assert path.read_bytes() == (MESSY / path.name).read_bytes(), path.name


def test_clean_file_ids_keep_leading_zeros_and_log(clean):
    assert isinstance(clean["customer_id"].dtype, pd.StringDtype)
    assert clean["customer_id"].str.fullmatch(r"00\d{3}").all()
    assert clean["amount"].max() > 1000
    log = clean.attrs["load_log"]
    assert log["encoding"] == "utf-8" and log["timezone"] is None and log["duplicate_rows"] == 0
    assert log["first_date"] == clean["date"].min().isoformat()
    assert log["last_date"] == clean["date"].max().isoformat()


def test_utf8_bom(clean):
    tx = _load("utf8_bom.csv")
    _same(tx, clean)
    assert tx.attrs["load_log"]["encoding"] == "utf-8-sig"
    assert "customer_id" in crm.data.read_table(MESSY / "utf8_bom.csv").columns


def test_utf16_tab_text(clean):
    tx = _load("utf16.txt")
    _same(tx, clean)
    assert tx.attrs["load_log"]["encoding"] == "utf-16" and tx.attrs["load_log"]["separator"] == "\t"


def test_gbk_with_chinese_names_and_values(clean):
    tx = crm.data.load_transactions(MESSY / "gbk.csv", customer_id="客户编号", date="日期", amount="金额",
                                    extra_columns=["渠道"])
    _same(tx.rename(columns={"渠道": "channel"}), clean)
    assert tx.attrs["load_log"]["encoding"] == "gb18030"
    assert set(tx["渠道"]) <= {"线上", "门店", "电话"}


def test_gbk_given_explicitly(clean):
    tx = crm.data.load_transactions(MESSY / "gbk.csv", customer_id="客户编号", date="日期", amount="金额",
                                    extra_columns=["渠道"], encoding="gbk")
    _same(tx.rename(columns={"渠道": "channel"}), clean)


def test_gbk_read_as_utf8_names_the_fix():
    with pytest.raises(CRMDataError, match=r"cannot decode the file as utf-8 .*leave encoding unset"):
        crm.data.read_table(MESSY / "gbk.csv", encoding="utf-8")


def test_western_file_is_not_taken_for_chinese():
    # 'Müller' in cp1252 decodes as GB18030 into rare characters; refused with the encoding to use
    with pytest.raises(CRMDataError) as err:
        _load("latin1.csv")
    msg = str(err.value)
    assert "latin1.csv" in msg and "encoding=" in msg and "read_options: {encoding:" in msg
    assert "cp1252" in msg or "latin" in msg or "1252" in msg
    tx = _load("latin1.csv", encoding="cp1252")
    assert set(tx["channel"]) <= {"Müller", "Jürgen", "Größe"} and len(tx) == 10


def test_crlf(clean):
    _same(_load("crlf.csv"), clean)


def test_trailing_spaces_in_ids_and_headers(clean):
    _same(_load("spaces.csv"), clean)


def test_empty_lines(clean):
    tx = _load("empty_lines.csv")
    _same(tx, clean)
    assert tx.attrs["load_log"]["blank_rows_dropped"] == 2 and tx.attrs["load_log"]["rows_read"] == 62


def test_thousands_separators(clean):
    _same(_load("thousands.csv"), clean)


def test_european_semicolon_decimal_comma_day_first(clean):
    tx = _load("european.csv", decimal=",")
    _same(tx, clean)
    assert tx.attrs["load_log"]["separator"] == ";"


def test_european_without_decimal_option_names_it():
    with pytest.raises(CRMDataError, match=r"decimal=','"):
        _load("european.csv")


def test_currency_symbols(clean):
    _same(_load("currency.csv"), clean)
    with pytest.raises(CRMDataError, match="currency_symbols=True"):
        _load("currency.csv", currency_symbols=False)


def test_plus_0800_timestamps_keep_their_wall_clock(clean):
    tx = _load("tz_offset.csv")
    _same(tx, clean)
    assert tx.attrs["load_log"]["timezone"] == "UTC+08:00"


def test_utc_timestamps_converted_to_a_zone(clean):
    tx = _load("tz_utc.csv", timezone="Asia/Shanghai")
    _same(tx, clean)
    assert tx.attrs["load_log"]["timezone"] == "Asia/Shanghai"


def test_mixed_offsets_refused_without_timezone_then_converted(clean):
    with pytest.raises(CRMDataError) as err:
        _load("tz_mixed.csv")
    msg = str(err.value)
    assert "2 different UTC offsets" in msg and "UTC+01:00" in msg and "UTC+08:00" in msg
    assert "timezone='Asia/Shanghai'" in msg
    _same(_load("tz_mixed.csv", timezone="Asia/Shanghai"), clean)


def test_mixed_date_formats(clean):
    _same(_load("mixed_formats.csv"), clean)


def test_chinese_dates(clean):
    _same(_load("chinese_dates.csv"), clean)


def test_typo_dates_listed_alone():
    with pytest.raises(CRMDataError) as err:
        _load("typo_date.csv")
    msg = str(err.value)
    assert "column 'date'" in msg and "2 rows" in msg
    assert "'2024-13-01'" in msg and "'2024-02-30'" in msg
    assert "2024-05-22" not in msg  # valid dates are not listed as unreadable
    assert "correct them" in msg and "mixed" not in msg


def test_ambiguous_day_month_refused_with_the_fix(clean):
    with pytest.raises(CRMDataError, match=r"ambiguous dates .*date_format='%d/%m/%Y'.*'%m/%d/%Y'"):
        _load("ambiguous_dates.csv")
    tx = _load("ambiguous_dates.csv", date_format="%d/%m/%Y")
    expected = clean[(clean["date"].dt.day <= 12) & (clean["date"] == clean["date"].dt.normalize())]
    assert len(expected) > 5
    _same(tx, expected.reset_index(drop=True))
    with pytest.raises(CRMDataError, match="ambiguous dates"):
        crm.data.load_transactions(pd.DataFrame({"customer_id": ["a", "b"], "amount": [1.0, 2.0],
                                                 "date": ["01/02/2024", "03/04/2024"]}))


def test_future_date_refused_naming_id_and_date(clean):
    with pytest.raises(CRMDataError) as err:
        _load("future_date.csv")
    msg = str(err.value)
    assert f"customer {clean_id(3)!r}: '2030-01-01'" in msg and "future='drop'" in msg
    tx = _load("future_date.csv", future="drop")
    _same(tx, clean)
    assert tx.attrs["load_log"]["future_dropped"] == 1


def clean_id(k):
    return pd.read_csv(MESSY / "clean.csv", dtype=str)["customer_id"].iloc[k]


def test_as_of_moves_the_run_day(clean):
    with pytest.raises(CRMDataError, match="after the day of the run 2024-03-31"):
        _load("clean.csv", as_of="2024-03-31")
    tx = _load("clean.csv", as_of="2024-03-31", future="drop")
    assert tx["date"].max() < pd.Timestamp("2024-04-01")
    assert tx.attrs["load_log"]["future_dropped"] == (clean["date"] >= "2024-04-01").sum() > 0


def test_after_observation_end_dropped_and_counted(clean):
    with pytest.raises(CRMDataError, match="after_end='drop'"):
        _load("clean.csv", observation_end="2024-03-31")
    tx = _load("clean.csv", observation_end="2024-03-31", after_end="drop")
    expected = clean[clean["date"] <= "2024-03-31"].reset_index(drop=True)
    _same(tx, expected)
    assert tx.attrs["load_log"]["after_end_dropped"] == len(clean) - len(expected) > 0


def test_duplicates_warned_by_default(clean, caplog):
    with caplog.at_level(logging.WARNING, logger="crm_models.data"):
        with pytest.warns(CRMDataWarning, match=r"20 exact duplicate rows.*duplicates='drop'"):
            tx = _load("duplicates.csv")
    assert len(tx) == 80 and tx.attrs["load_log"]["duplicate_rows"] == 20
    assert tx["amount"].sum() > clean["amount"].sum()
    assert any("20 exact duplicate rows" in r.getMessage() for r in caplog.records)


def test_duplicates_dropped(clean):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tx = _load("duplicates.csv", duplicates="drop")
    _same(tx, clean)
    assert tx.attrs["load_log"]["duplicate_rows"] == 20
    assert tx.attrs["load_log"]["duplicates_policy"] == "drop"


def test_duplicates_kept_or_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tx = _load("duplicates.csv", duplicates="keep")
    assert len(tx) == 80 and tx.attrs["load_log"]["duplicate_rows"] == 20
    with pytest.raises(CRMDataError, match="20 exact duplicate rows.*duplicates='drop'"):
        _load("duplicates.csv", duplicates="error")


def test_refunds(clean):
    with pytest.raises(CRMDataError, match=r"negative amounts .*3 rows.*returns='drop'"):
        _load("refunds.csv")
    tx = _load("refunds.csv", returns="drop")
    _same(tx, clean)
    assert tx.attrs["load_log"]["returns_dropped"] == 3


def test_missing_amounts_name_the_fix():
    with pytest.raises(CRMDataError) as err:
        _load("missing_amounts.csv")
    msg = str(err.value)
    assert "column 'amount'" in msg and "2 rows" in msg and "fill in the missing amounts" in msg


def test_xlsx(clean):
    tx = _load("orders.xlsx")
    _same(tx, clean)
    assert tx.attrs["load_log"]["encoding"] is None
    assert _load("orders.xlsx", sheet_name="orders").equals(tx)


def test_xlsx_unknown_sheet_lists_the_sheets():
    with pytest.raises(CRMDataError, match=r"no sheet 'Sheet9' \(the workbook has: 'orders'\)"):
        _load("orders.xlsx", sheet_name="Sheet9")


def test_xls_refused_with_the_fix():
    with pytest.raises(CRMDataError, match=r"orders.xls: cannot read .xls files.*save it as .xlsx"):
        _load("orders.xls")
