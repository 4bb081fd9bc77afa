"""Write the messy-export corpus: one small clean table and the ways real exports spoil it.

Run ``python tests/data/messy/make_messy.py`` to rewrite the files next to this script; the
output is deterministic (tests/test_data_messy.py checks the committed files against it).
Every file is derived from ``clean.csv``: loading it with the options the test names gives
the clean table again, or a CRMDataError that names the fix.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
HEADER = ["customer_id", "date", "amount", "channel"]
HEADER_ZH = ["客户编号", "日期", "金额", "渠道"]
CHANNELS = ["线上", "门店", "电话"]


def clean_rows(n: int = 60, seed: int = 7) -> list[tuple[str, datetime, float, str]]:
    """``(id, timestamp, amount, channel)``: ids with leading zeros, half the times at midnight,
    some amounts above 1,000, at least one day above 12 in every month used."""
    rng = np.random.default_rng(seed)
    ids = [f"{i:05d}" for i in rng.choice(np.arange(1, 400), size=18, replace=False)]
    rows = []
    for k in range(n):
        day = datetime(2024, 1, 1) + timedelta(days=int(rng.integers(0, 180)))
        if k % 2:
            day += timedelta(hours=int(rng.integers(8, 22)), minutes=int(rng.integers(0, 60)),
                             seconds=int(rng.integers(0, 60)))
        amount = round(float(rng.choice([rng.gamma(2.0, 40.0), rng.uniform(1000, 5000)], p=[0.8, 0.2])), 2)
        rows.append((ids[k % len(ids)], day, amount, CHANNELS[int(rng.integers(0, 3))]))
    return rows


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d") if ts.time() == datetime.min.time() else ts.strftime("%Y-%m-%d %H:%M:%S")


def amount_text(a: float) -> str:
    return f"{a:.2f}"


def csv_text(rows: list[list[str]], sep: str = ",", newline: str = "\n") -> str:
    def field(v: str) -> str:
        return f'"{v}"' if sep in v or '"' in v else v
    return "".join(sep.join(field(v) for v in r) + newline for r in rows)


def table(rows, date=iso, amount=amount_text, header=HEADER) -> list[list[str]]:
    return [list(header)] + [[i, date(t), amount(a), c] for i, t, a, c in rows]


def _time_part(ts: datetime) -> str:
    return "" if ts.time() == datetime.min.time() else ts.strftime(" %H:%M:%S")


def files(rows) -> dict[str, bytes]:
    """File name -> bytes of every messy case."""
    out: dict[str, bytes] = {}
    utf8 = csv_text(table(rows))
    out["clean.csv"] = utf8.encode()
    out["utf8_bom.csv"] = b"\xef\xbb\xbf" + utf8.encode()
    out["utf16.txt"] = csv_text(table(rows), sep="\t", newline="\r\n").encode("utf-16")
    out["gbk.csv"] = csv_text(table(rows, header=HEADER_ZH)).encode("gbk")
    out["crlf.csv"] = csv_text(table(rows), newline="\r\n").encode()
    spaced = table(rows)
    spaced[0] = ["customer_id ", " date", "amount  ", "channel"]
    for r in spaced[1::3]:
        r[0] = r[0] + "  "
    out["spaces.csv"] = csv_text(spaced).encode()
    lines = utf8.splitlines(keepends=True)
    out["empty_lines.csv"] = "".join(lines[:5] + ["\n", ",,,\n"] + lines[5:20] + ["\n\n"] + lines[20:]
                                     + [",,,\n"]).encode()
    out["thousands.csv"] = csv_text(table(rows, amount=lambda a: f"{a:,.2f}")).encode()
    euro = table(rows, date=lambda t: t.strftime("%d.%m.%Y") + _time_part(t),
                 amount=lambda a: f"{a:,.2f}".replace(",", "X").replace(".", ",").replace("X", "."))
    out["european.csv"] = csv_text(euro, sep=";").encode()
    symbols = ["¥{:,.2f}", "￥{:.2f}", "${:.2f}", "{:.2f}元", "RMB {:.2f}", "€ {:.2f}", "CNY{:,.2f}"]
    cur = table(rows)
    for k, r in enumerate(cur[1:]):
        r[2] = symbols[k % len(symbols)].format(rows[k][2])
    out["currency.csv"] = csv_text(cur).encode()
    out["tz_offset.csv"] = csv_text(table(
        rows, date=lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+08:00"))).encode()
    out["tz_utc.csv"] = csv_text(table(
        rows, date=lambda t: (t - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"))).encode()
    mixed_tz = table(rows, date=lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+08:00"))
    for k in range(1, len(mixed_tz), 4):  # the same instants written in Central European Time
        mixed_tz[k][1] = (rows[k - 1][1] - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S+01:00")
    out["tz_mixed.csv"] = csv_text(mixed_tz).encode()
    formats = [lambda t: t.strftime("%Y-%m-%d") + _time_part(t),
               lambda t: t.strftime("%Y/%m/%d") + _time_part(t),
               lambda t: t.strftime("%Y%m%d") if not _time_part(t) else t.strftime("%Y-%m-%dT%H:%M:%S"),
               lambda t: f"{t.year}年{t.month}月{t.day}日" + _time_part(t),
               lambda t: t.strftime("%d/%m/%Y") + _time_part(t)]
    mixed = table(rows)
    for k, r in enumerate(mixed[1:]):
        r[1] = formats[k % len(formats)](rows[k][1])
    out["mixed_formats.csv"] = csv_text(mixed).encode()
    out["chinese_dates.csv"] = csv_text(table(
        rows, date=lambda t: f"{t.year}年{t.month}月{t.day}日" + _time_part(t))).encode()
    typo = table(rows)
    typo[7][1] = "2024-13-01"
    typo[12][1] = "2024-02-30"
    out["typo_date.csv"] = csv_text(typo).encode()
    future = f"{rows[3][0]},2030-01-01,{amount_text(rows[3][2])},{rows[3][3]}\n"
    out["future_date.csv"] = (utf8 + future).encode()
    dup_lines = utf8.splitlines(keepends=True)
    copies = [dup_lines[1 + (3 * k) % len(rows)] for k in range(20)]
    out["duplicates.csv"] = "".join(dup_lines + copies).encode()
    refunds = [f"{rows[k][0]},{iso(rows[k][1])},-{amount_text(rows[k][2])},{rows[k][3]}\n"
               for k in (2, 9, 30)]
    out["refunds.csv"] = (utf8 + "".join(refunds)).encode()
    miss = table(rows)
    miss[5][2] = ""
    miss[17][2] = ""
    out["missing_amounts.csv"] = csv_text(miss).encode()
    ambiguous = [r for r in rows if r[1].day <= 12 and not _time_part(r[1])]
    out["ambiguous_dates.csv"] = csv_text(table(ambiguous, date=lambda t: t.strftime("%d/%m/%Y"))).encode()
    out["latin1.csv"] = csv_text(table(
        rows[:10], amount=amount_text)).replace("线上", "Müller").replace("门店", "Jürgen").replace(
            "电话", "Größe").encode("cp1252")
    out["orders.xlsx"] = xlsx(rows)
    out["orders.xls"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # an old-format header
    return out


def xlsx(rows) -> bytes:
    """An Excel workbook: ids as text cells, dates as date cells, amounts as numbers.

    Zip entry times and document properties are fixed so that the bytes are reproducible.
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "orders"
    ws.append(HEADER)
    for i, t, a, c in rows:
        ws.append([i, t, a, c])
        ws.cell(row=ws.max_row, column=1).number_format = "@"
        ws.cell(row=ws.max_row, column=2).number_format = "yyyy-mm-dd hh:mm:ss"
    fixed = datetime(2024, 7, 1)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "crm_models"
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist()):
            data = src.read(name)
            if name == "docProps/core.xml":  # openpyxl stamps the save time into 'modified'
                data = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>",
                              b'<dcterms:modified xsi:type="dcterms:W3CDTF">2024-07-01T00:00:00Z'
                              b"</dcterms:modified>", data)
            info = zipfile.ZipInfo(name, date_time=(2024, 7, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
    return out.getvalue()


def write_all(directory: Path = HERE) -> list[Path]:
    """Write every file into ``directory``; returns the paths."""
    written = []
    for name, data in files(clean_rows()).items():
        path = directory / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(p.name, p.stat().st_size)
