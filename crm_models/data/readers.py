"""Read a table file: CSV/TSV/TXT (any common encoding), Parquet or Excel ``.xlsx``.

Text files are decoded here, not by pandas, so that the encoding can be detected on the bytes
(UTF-8, UTF-8 with BOM, UTF-16 with BOM, GB18030 - a superset of GBK and GB2312 - in that
order) and a file that fits none is refused with the likely encoding and the fix.  The
separator is taken from the header line when not given.  Column names lose surrounding
spaces and a byte-order mark.  ``text_columns`` are read as text, so ids such as ``00123``
keep their leading zeros.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crm_models.errors import CRMDataError

__all__ = ["detect_encoding", "read_table", "sniff_separator", "clean_column_names"]

#: Tried in this order on the bytes of a text file when no encoding is given.
DETECTED_ENCODINGS = ("utf-8", "gb18030")

_EXCEL = (".xlsx", ".xlsm")
_OLD_EXCEL = (".xls", ".xlsb", ".ods")
_PARQUET = (".parquet", ".pq")
_SEPARATORS = (",", ";", "\t", "|")


def clean_column_names(columns: Sequence[Any]) -> list[Any]:
    """Column names without surrounding spaces or a byte-order mark (other names unchanged)."""
    return [c.replace("\ufeff", "").strip() if isinstance(c, str) else c for c in columns]


def _report_hint(option: str, value: str) -> str:
    return f"pass {option}={value!r} (in a report: read_options: {{{option}: {value}}})"


def _guess_encoding(data: bytes) -> str:
    """The most likely encoding of bytes that are neither UTF-8 nor GB18030."""
    sample = data[:200_000]
    if sample.count(b"\x00") > len(sample) // 10:
        return "utf-16"
    high = [i for i, byte in enumerate(sample) if byte > 127]
    # Western single-byte text: accented letters stand alone between ASCII letters
    alone = sum(1 for i in high if (i == 0 or sample[i - 1] < 128)
                and (i + 1 == len(sample) or sample[i + 1] < 128))
    if high and alone >= 0.5 * len(high):
        return "cp1252"
    for enc in ("big5", "shift_jis"):
        try:
            sample.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return "cp1252"


def detect_encoding(data: bytes, source: str = "file") -> tuple[str, str]:
    """``(encoding, text)``: the first of BOM, UTF-8, GB18030 that decodes ``data`` entirely.

    Raises :class:`CRMDataError` naming the likely encoding and the fix when none fits.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", data.decode("utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", data.decode("utf-16")
    first_error: UnicodeDecodeError | None = None
    for enc in DETECTED_ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
            continue
        if enc == "utf-8" or _plausible_chinese(text):
            return enc, text
    guess = _guess_encoding(data)
    pos = first_error.start if first_error else 0
    raise CRMDataError(
        f"cannot decode the file as UTF-8 or GB18030 (byte 0x{data[pos]:02x} at position {pos}); "
        f"it looks like {guess}: {_report_hint('encoding', guess)}, or save it as UTF-8",
        source=source,
    )


def _plausible_chinese(text: str) -> bool:
    """Most non-ASCII characters are common (GB2312) ones, as in real GBK/GB18030 exports.

    Western text in cp1252 often decodes as GB18030 too ("Müller" -> rare characters of the
    GBK extension); such a decode is not taken.
    """
    counts = Counter(ch for ch in text if ord(ch) > 127)
    if not counts:
        return True
    common = 0
    for ch, n in counts.items():
        try:
            ch.encode("gb2312")
            common += n
        except UnicodeEncodeError:
            pass
    return common >= 0.5 * sum(counts.values())


def _decode(data: bytes, encoding: str, source: str) -> str:
    if codecs.lookup(encoding).name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"  # a BOM never ends up in the first column name
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise CRMDataError(
            f"cannot decode the file as {encoding} (byte 0x{data[exc.start]:02x} at position "
            f"{exc.start}); leave encoding unset to detect UTF-8/GB18030, or give the file's encoding",
            source=source,
        ) from exc


def _read_bytes(p: Path, suffixes: list[str]) -> bytes | None:
    """The file's (decompressed) bytes; ``None`` for a compression read only by pandas."""
    if ".gz" in suffixes:
        return gzip.decompress(p.read_bytes())
    if ".bz2" in suffixes:
        return bz2.decompress(p.read_bytes())
    if ".xz" in suffixes:
        return lzma.decompress(p.read_bytes())
    if ".zip" in suffixes:
        with zipfile.ZipFile(p) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            if len(names) != 1:
                return None
            return zf.read(names[0])
    if ".zst" in suffixes:
        return None
    return p.read_bytes()


def sniff_separator(text: str) -> str:
    """The most frequent of ``, ; TAB |`` in the first non-empty line (``,`` if none occurs)."""
    for line in io.StringIO(text[:100_000]):
        if line.strip():
            counts = {sep: line.count(sep) for sep in _SEPARATORS}
            best = max(counts, key=counts.__getitem__)
            return best if counts[best] > 0 else ","
    return ","


def _text_dtypes(columns: Sequence[Any], text_columns: Sequence[str] | None) -> dict[Any, str]:
    """``dtype=`` entries that read ``text_columns`` (matched without spaces/BOM) as text."""
    if not text_columns:
        return {}
    wanted = set(clean_column_names(list(text_columns)))
    return {orig: "str" for orig, clean in zip(columns, clean_column_names(list(columns)), strict=True)
            if clean in wanted}


def _read_text(p: Path, suffixes: list[str], encoding: str | None, sep: str | None, decimal: str,
               thousands: str | None, text_columns: Sequence[str] | None,
               read_kwargs: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    source = str(p)
    explicit_compression = read_kwargs.get("compression", "infer") != "infer"
    data = None if explicit_compression else _read_bytes(p, suffixes)
    if data is None:  # a compression only pandas reads: no detection on the bytes
        buffer: Any = p
        used = encoding or "utf-8"
        read_kwargs = {**read_kwargs, "encoding": used}
        text = ""
    elif encoding is None:
        used, text = detect_encoding(data, source)
        buffer = io.StringIO(text)
    else:
        text = _decode(data, encoding, source)
        used = encoding
        buffer = io.StringIO(text)
    if sep is None and "delimiter" not in read_kwargs and not read_kwargs.get("delim_whitespace"):
        sep = "\t" if ".tsv" in suffixes else sniff_separator(text) if text else ","
    options: dict[str, Any] = {"decimal": decimal, "thousands": thousands, **read_kwargs}
    if sep is not None:
        options["sep"] = sep
    if text_columns:
        peek_options = {k: v for k, v in options.items() if k not in ("nrows", "chunksize", "iterator")}
        header = pd.read_csv(io.StringIO(text) if text else p, nrows=0, **peek_options).columns
        options["dtype"] = {**_text_dtypes(header, text_columns), **(options.get("dtype") or {})}
    df = pd.read_csv(buffer, **options)
    return df, {"encoding": used, "sep": sep}


def _sheet_names(p: Path) -> list[str]:
    try:
        import openpyxl

        return list(openpyxl.load_workbook(p, read_only=True).sheetnames)
    except Exception:  # noqa: BLE001 - only for a message
        return []


def _read_excel(p: Path, sheet_name: Any, text_columns: Sequence[str] | None,
                read_kwargs: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    try:
        import openpyxl  # noqa: F401
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise CRMDataError("reading .xlsx needs openpyxl: pip install openpyxl", source=str(p)) from exc
    if sheet_name is None or isinstance(sheet_name, list):
        raise CRMDataError("give one sheet: sheet_name='name' or a position (0 = the first sheet)",
                           source=str(p))
    options = {"sheet_name": sheet_name, "engine": "openpyxl", **read_kwargs}
    try:
        if text_columns:
            header = pd.read_excel(p, **{**options, "nrows": 0}).columns
            options["dtype"] = {**_text_dtypes(header, text_columns), **(options.get("dtype") or {})}
        df = pd.read_excel(p, **options)
    except (ValueError, IndexError, KeyError) as exc:
        if "not found" in str(exc) or isinstance(exc, IndexError | KeyError):
            sheets = ", ".join(map(repr, _sheet_names(p)))
            raise CRMDataError(f"no sheet {sheet_name!r} (the workbook has: {sheets}); pass sheet_name=",
                               source=str(p)) from exc
        raise
    return df, {"encoding": None, "sep": None, "sheet_name": sheet_name}


def read_table(
    path: str | os.PathLike,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    sheet_name: int | str = 0,
    text_columns: Sequence[str] | None = None,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """Read a CSV/TSV/TXT (also compressed), Parquet or Excel ``.xlsx``/``.xlsm`` file.

    Parameters
    ----------
    path:
        The file.  ``.xls`` (the old Excel format) is refused with the fix (save as .xlsx or CSV).
    encoding:
        ``None`` detects UTF-8, UTF-8 with BOM, UTF-16 with BOM and GB18030 (which covers GBK
        and GB2312); else the codec to use.
    sep:
        Field separator; ``None`` takes the most frequent of ``, ; TAB |`` in the first line
        (``TAB`` for ``.tsv``).
    decimal, thousands:
        Decimal and thousands separators of numbers (``decimal=","`` for European exports).
    sheet_name:
        Excel sheet, by name or position.
    text_columns:
        Columns read as text (CSV/Excel), e.g. ids whose leading zeros must survive.
    read_kwargs:
        Passed to :func:`pandas.read_csv`, :func:`pandas.read_excel` or :func:`pandas.read_parquet`.

    Returns
    -------
    DataFrame whose column names have no surrounding spaces or BOM; ``attrs["read_info"]``
    holds the ``encoding`` used (``None`` for Parquet/Excel) and the separator.

    Raises
    ------
    CRMDataError
        Missing, undecodable or unreadable file, naming the file and the fix.
    """
    p = Path(path)
    if not p.exists():
        raise CRMDataError("file not found", source=str(p))
    suffixes = [s.lower() for s in p.suffixes]
    last = suffixes[-1] if suffixes else ""
    if last in _OLD_EXCEL:
        raise CRMDataError(
            f"cannot read {last} files; open it in Excel or LibreOffice and save it as .xlsx "
            "(Excel workbook) or as CSV UTF-8", source=str(p))
    try:
        if last in _EXCEL:
            df, info = _read_excel(p, sheet_name, text_columns, read_kwargs)
        elif any(s in _PARQUET for s in suffixes):
            df, info = pd.read_parquet(p, **read_kwargs), {"encoding": None, "sep": None}
        else:
            df, info = _read_text(p, suffixes, encoding, sep, decimal, thousands, text_columns,
                                  read_kwargs)
    except CRMDataError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError,
            ValueError, zipfile.BadZipFile, EOFError, LookupError) as exc:
        raise CRMDataError(f"cannot read the file: {exc}", source=str(p)) from exc
    df.columns = clean_column_names(list(df.columns))
    df.attrs["read_info"] = info
    return df
