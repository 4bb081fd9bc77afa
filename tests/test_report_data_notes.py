"""Report loaders: the ``read_options`` parameter, the observation end, and the "Data used" section."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import crm_models as crm
from crm_models.cli import parse_value
from crm_models.errors import CRMDataError
from crm_models.report.data_notes import (
    TRANSACTION_READ_OPTIONS,
    DataUsed,
    check_read_options,
    data_used_lines,
    data_used_markdown,
    load_report_transactions,
    report_hint,
)
from crm_models.report.notebooks import discover


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    """400 simulated customers up to 2024-12-31 (text ids, day dates)."""
    tx, _ = crm.data.simulate.transactions(400, seed=11)
    return tx


def _write(frame: pd.DataFrame, path, **kwargs) -> str:
    frame.to_csv(path, index=False, **kwargs)
    return str(path)


# --- the parameter ---------------------------------------------------------------------------------

def test_every_report_notebook_has_read_options_and_the_cli_reads_a_flow_mapping():
    for name, info in discover().items():
        assert info.parameters.get("read_options") == {}, name
    assert parse_value("{encoding: gbk, returns: drop}") == {"encoding": "gbk", "returns": "drop"}
    assert parse_value('{date_format: "%d.%m.%Y", sep: ";"}') == {"date_format": "%d.%m.%Y", "sep": ";"}


def test_a_batch_config_passes_read_options_as_a_mapping(tmp_path):
    from crm_models.report.batch import load_config
    from crm_models.report.runner import check_parameters

    path = tmp_path / "reports.yml"
    path.write_text("parameters:\n  read_options: {encoding: gbk, returns: drop}\n"
                    "reports:\n  - notebook: clv\n"
                    "    parameters:\n      read_options:\n        after_end: drop\n", encoding="utf-8")
    config = load_config(path)
    assert config["parameters"]["read_options"] == {"encoding": "gbk", "returns": "drop"}
    assert config["reports"][0]["parameters"]["read_options"] == {"after_end": "drop"}
    for info in discover().values():
        check_parameters(info, config["parameters"])  # every report declares it


def test_unknown_or_malformed_read_options_are_refused_with_the_valid_keys():
    assert check_read_options(None) == {}
    with pytest.raises(CRMDataError, match=r"unknown key 'encodign' for reading the transactions; "
                                           r"valid keys: encoding, sep, decimal") as err:
        check_read_options({"encodign": "gbk"})
    assert err.value.column == "read_options"
    with pytest.raises(CRMDataError, match=r"read_options must be a mapping such as \{encoding: gbk"):
        check_read_options("encoding=gbk")
    with pytest.raises(CRMDataError, match="unknown key 'returns' for reading the survey"):
        crm.report.csi.load_survey(None, read_options={"returns": "drop"})
    with pytest.raises(CRMDataError, match="unknown key 'returns' for reading the subscription table; "
                                           "valid keys: encoding, sep, decimal, thousands, sheet_name"):
        crm.report.churn.load_churn_data(None, "contractual", read_options={"returns": "drop"})
    with pytest.raises(CRMDataError, match="unknown key 'nrows'"):
        crm.report.clv.load_report_data(read_options={"nrows": 10})


def test_spark_takes_only_the_options_its_reader_supports():
    from crm_models.report.data_notes import load_report_transactions

    # refused before any Spark work: no session is needed to see it
    with pytest.raises(CRMDataError, match=r"unknown key 'date_format' for reading the transactions; "
                                           r"valid keys: encoding, sep, timezone, returns, duplicates"):
        load_report_transactions("orders.csv", read_options={"date_format": "%d.%m.%Y"}, engine="spark")


def test_parquet_is_scanned_where_it_is_unless_a_pandas_option_is_given(tmp_path):
    from crm_models.data import TransactionTable
    from crm_models.report.data_notes import load_report_transactions

    path = tmp_path / "orders.parquet"
    crm.data.datasets.sample_transactions().to_parquet(path)
    scanned, end, used = load_report_transactions(str(path), observation_end="2024-12-31")
    assert isinstance(scanned, TransactionTable) and scanned.engine == "duckdb"
    loaded, end2, used2 = load_report_transactions(str(path), observation_end="2024-12-31",
                                                   read_options={"currency_symbols": False})
    assert isinstance(loaded, pd.DataFrame)
    facts = (used.rows_used, used.customers, used.last_date)
    assert facts == (used2.rows_used, used2.customers, used2.last_date) == (12_809, 3000, "2024-12-30")
    pd.testing.assert_frame_equal(crm.data.rfm_summary(scanned, end), crm.data.rfm_summary(loaded, end2),
                                  check_exact=False, rtol=1e-12)


def test_the_readers_keyword_advice_is_translated_for_a_report_user():
    hint = report_hint("negative amounts ...; net them first, or pass returns='drop' to remove them")
    assert hint == ("; in a report: -p read_options '{returns: drop}' "
                    "(batch config: read_options: {returns: drop})")
    assert report_hint("pass date_format= if the format is unusual").startswith(
        "; in a report: -p read_options '{date_format: ...}'")
    assert report_hint("2030-01-01; pass future='drop' to remove them (as_of= sets the run day)").startswith(
        "; in a report: -p read_options '{future: drop}'")
    assert report_hint("file not found") == ""


# --- the loaders -------------------------------------------------------------------------------

def test_a_gbk_export_loads_through_read_options(shop, tmp_path):
    names = {cid: f"客户{i:03d}" for i, cid in enumerate(shop["customer_id"].unique())}
    chinese = shop.assign(customer_id=shop["customer_id"].map(names)).rename(
        columns={"customer_id": "客户", "date": "日期", "amount": "金额"})
    path = _write(chinese, tmp_path / "orders_gbk.csv", encoding="gbk")
    data = crm.report.clv.load_report_data(path, "客户", "日期", "金额", read_options={"encoding": "gbk"})
    assert len(data.full) == 400 and data.n_transactions == len(shop)
    assert data.full.index.str.startswith("客户").all()
    assert data.data_used.encoding.lower() == "gbk"
    assert "File encoding: gbk" in data_used_markdown(data.data_used).replace("GBK", "gbk")
    # the other transaction reports take the same option
    seg = crm.report.segments.load_segment_inputs(path, customer_id="客户", date="日期", amount="金额",
                                           read_options={"encoding": "gbk"})
    assert seg.customers == 400 and seg.transactions == len(shop)


def test_returns_are_refused_with_the_report_advice_or_dropped_and_counted(shop, tmp_path):
    refund = pd.DataFrame({"customer_id": [shop["customer_id"].iloc[0]], "date": [pd.Timestamp("2024-06-01")],
                           "amount": [-20.0]})
    path = _write(pd.concat([shop, refund]), tmp_path / "with_refund.csv")
    with pytest.raises(CRMDataError, match=r"returns='drop'.*-p read_options '\{returns: drop\}'"):
        crm.report.clv.load_report_data(path)
    data = crm.report.clv.load_report_data(path, read_options={"returns": "drop"})
    assert data.n_transactions == len(shop) and data.data_used.rows_read == len(shop) + 1
    assert data.data_used.returns_dropped == 1
    assert "Rows left out: 1 returns, 0 after the observation end, 0 dated in the future." in \
        data_used_markdown(data.data_used)


def test_rows_after_a_given_end_are_refused_naming_them_or_dropped_and_counted(shop, tmp_path):
    path = _write(shop, tmp_path / "shop.csv")
    late = shop[shop["date"] > "2024-11-30"]
    assert len(late) > 3
    with pytest.raises(CRMDataError, match="2024-11-30") as err:
        crm.report.load_overview_data(path, observation_end="2024-11-30")
    assert str(late["customer_id"].iloc[0]) in str(err.value) or f"{len(late)} rows" in str(err.value)
    assert "read_options" in str(err.value)  # how to drop them instead
    options = {"after_end": "drop"}
    overview = crm.report.load_overview_data(path, observation_end="2024-11-30", read_options=options)
    kept = shop[shop["date"] <= "2024-11-30"]
    # the report's counts describe exactly the data used
    assert overview.key_figures["transactions"] == len(kept)
    assert overview.key_figures["last_date"] == f"{kept['date'].max():%Y-%m-%d}"
    used = overview.data_used
    assert (used.rows_read, used.rows_used, used.after_end_dropped) == (len(shop), len(kept), len(late))
    assert (used.observation_end, used.end_source) == ("2024-11-30", "given")
    clv = crm.report.clv.load_report_data(path, observation_end="2024-11-30", read_options=options)
    assert clv.n_transactions == len(kept) and clv.data_used == used
    seg = crm.report.segments.load_segment_inputs(path, observation_end="2024-11-30", read_options=options)
    assert seg.transactions == len(kept) and seg.data_used == used
    _, info = crm.report.churn.load_churn_data(path, "non-contractual", observation_end="2024-11-30",
                                        read_options=options)
    assert info["data_used"] == used and info["observation_end"] == "2024-11-30"


def test_one_future_order_is_refused_and_dropping_it_gives_the_clean_numbers(shop, tmp_path):
    first = shop["customer_id"].iloc[0]
    future = pd.DataFrame({"customer_id": [first], "date": [pd.Timestamp("2030-01-01")], "amount": [50.0]})
    path = _write(pd.concat([shop, future]), tmp_path / "future.csv")
    clean = _write(shop, tmp_path / "clean.csv")
    with pytest.raises(CRMDataError, match="2030-01-01") as err:
        crm.report.clv.load_report_data(path)
    assert str(first) in str(err.value) and "read_options" in str(err.value)
    got = crm.report.clv.load_report_data(path, read_options={"future": "drop"})
    want = crm.report.clv.load_report_data(clean)
    assert (got.observation_end, got.calibration_end, got.n_transactions) == (
        want.observation_end, want.calibration_end, want.n_transactions)
    assert got.observation_end == pd.Timestamp("2024-12-30")  # derived: the last purchase date
    pd.testing.assert_frame_equal(got.full, want.full)
    bg, gg = crm.clv.BetaGeoModel().fit(got.full), crm.clv.GammaGammaModel().fit(got.full)
    equity = crm.report.clv.customer_table(bg, gg, got.full, 52, 0.0018, 0.3)["clv"].sum()
    bg0, gg0 = crm.clv.BetaGeoModel().fit(want.full), crm.clv.GammaGammaModel().fit(want.full)
    want_equity = crm.report.clv.customer_table(bg0, gg0, want.full, 52, 0.0018, 0.3)["clv"].sum()
    assert equity == pytest.approx(want_equity)
    assert got.data_used.future_dropped == 1 and got.data_used.end_source == "derived"


def test_duplicates_are_warned_about_and_reported(shop, tmp_path):
    path = _write(pd.concat([shop, shop.head(2)]), tmp_path / "dups.csv")
    with pytest.warns(UserWarning, match=r"2 exact duplicate rows.*-p read_options '\{duplicates: drop\}'"):
        data = crm.report.segments.load_segment_inputs(path)
    assert (data.data_used.duplicate_rows, data.data_used.duplicates_policy) == (2, "warn")
    assert "Identical rows (duplicates): 2, kept and warned about." in data_used_markdown(data.data_used)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dropped = crm.report.segments.load_segment_inputs(path, read_options={"duplicates": "drop"})
    assert dropped.transactions == len(shop) and dropped.data_used.duplicates_policy == "drop"


def test_the_sample_keeps_its_numbers_and_every_report_states_the_same_dates():
    clv = crm.report.clv.load_report_data()
    overview = crm.report.load_overview_data()
    seg = crm.report.segments.load_segment_inputs()
    _, info = crm.report.churn.load_churn_data(None, "non-contractual")
    assert clv.n_transactions == seg.transactions == overview.key_figures["transactions"] == 12_809
    end = pd.Timestamp("2024-12-31")
    assert clv.observation_end == overview.observation_end == seg.observation_end == end
    assert f"{clv.last_purchase:%Y-%m-%d}" == overview.key_figures["last_date"] == "2024-12-30"
    assert clv.data_used == overview.data_used == seg.data_used == info["data_used"]
    assert data_used_lines(clv.data_used)[1] == (
        "Observation end **2024-12-31** (the sample's extraction date); "
        "purchases from 2023-01-01 to 2024-12-30.")
    assert data_used_lines(clv.data_used)[2:] == [
        "Identical rows (duplicates): none.",
        "Rows left out: 0 returns, 0 after the observation end, 0 dated in the future."]


# --- the section ------------------------------------------------------------------------------

FULL = DataUsed(source="exports/orders.csv", rows_read=1_250, rows_used=1_180, customers=400,
                first_date="2023-01-02", last_date="2024-11-30", observation_end="2024-11-30",
                end_source="given", duplicate_rows=20, duplicates_policy="drop", returns_dropped=30,
                after_end_dropped=20, future_dropped=0, encoding="gb18030", timezone="Asia/Shanghai")


def test_data_used_section_in_english():
    assert data_used_markdown(FULL) == (
        "### Data used\n\n"
        "- Source: `exports/orders.csv`; **1,250** rows read, **1,180** used (400 customers).\n"
        "- Observation end **2024-11-30** (given); purchases from 2023-01-02 to 2024-11-30.\n"
        "- Identical rows (duplicates): 20, dropped.\n"
        "- Rows left out: 30 returns, 20 after the observation end, 0 dated in the future.\n"
        "- File encoding: gb18030.\n"
        "- Times converted to the time zone Asia/Shanghai.")
    derived = DataUsed(**{**FULL.as_dict(), "end_source": "derived", "duplicate_rows": None,
                          "returns_dropped": None, "after_end_dropped": None, "future_dropped": None,
                          "encoding": None, "timezone": None})
    assert data_used_lines(derived)[1:] == [
        "Observation end **2024-11-30** (derived: the last purchase date; set `observation_end` to the "
        "extraction date); purchases from 2023-01-02 to 2024-11-30."]
    assert data_used_markdown(None) == ""


def test_data_used_section_in_chinese():
    assert data_used_markdown(FULL, "zh", level=2) == (
        "## 所用数据\n\n"
        "- 数据来源：`exports/orders.csv`；读取 **1,250** 行，使用 **1,180** 行（400 位客户）。\n"
        "- 观察截止日 **2024-11-30**（由参数指定）；购买日期从 2023-01-02 到 2024-11-30。\n"
        "- 完全相同的行（重复行）：20 行，已删除。\n"
        "- 未使用的行：退货 30 行，观察截止日之后 20 行，未来日期 0 行。\n"
        "- 文件编码：gb18030。\n"
        "- 时间已转换到时区 Asia/Shanghai。")


def test_transaction_options_cover_the_reader_contract():
    import inspect

    from crm_models.data.io import load_transactions

    accepted = inspect.signature(load_transactions).parameters
    assert [k for k in TRANSACTION_READ_OPTIONS if k not in accepted] == []
    tx, end, used = load_report_transactions(None, observation_end="2024-06-30")
    assert end == pd.Timestamp("2024-06-30") and tx["date"].max() <= end
    assert used.after_end_dropped == used.rows_read - used.rows_used > 0  # the sample is cut, and says so


# --- one real report run (slow: a kernel) ----------------------------------------------------------

@pytest.mark.slow  # over 3 s
def test_clv_report_on_a_gb18030_export_through_the_cli(shop, tmp_path):
    from crm_models.cli import main

    names = {cid: f"客户{i:03d}" for i, cid in enumerate(shop["customer_id"].unique())}
    export = shop.assign(customer_id=shop["customer_id"].map(names))
    path = _write(export, tmp_path / "订单.csv", encoding="gb18030")
    code = main(["run", "clv", "-p", "transactions_path", path, "-p", "n_draws", "10",
                 "-p", "read_options", "{encoding: gb18030}", "--out", str(tmp_path / "out"),
                 "--run-id", "r", "--progress", "off"])
    assert code == 0
    html = (tmp_path / "out" / "r" / "clv.html").read_text(encoding="utf-8")
    last = f"{shop['date'].max():%Y-%m-%d}"
    assert (f"<strong>400</strong> customers made <strong>{len(shop):,}</strong> purchases between "
            f"{shop['date'].min():%Y-%m-%d} and {last}") in html
    assert "Data used" in html and "File encoding: gb18030" in html.replace("GB18030", "gb18030")
    assert f"Observation end <strong>{last}</strong> (derived: the last purchase date" in html
    assert re.search(r">客户\d{3}<", html)  # the top-customer table shows the Chinese ids
