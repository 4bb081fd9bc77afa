"""Report look for figures, and Chinese text that renders on any machine.

Chinese reports need a font with CJK glyphs.  The font comes with the Python
dependencies: the package ``mplfonts`` ships Noto Sans CJK SC (SIL Open Font License) as
``mplfonts/fonts/NotoSansCJKsc-Regular.otf``.  :func:`use_report_style` with ``lang="zh"``
registers that file with matplotlib's font manager under a family name of its own,
:data:`BUNDLED_FAMILY` (nothing else of mplfonts is used: no matplotlibrc or font cache is
written).  So a fresh machine with no system fonts and an empty matplotlib cache draws the
same Chinese figures as any other, and installed system fonts of the same family do not
change the look.  A system CJK font (e.g. Debian's ``fonts-noto-cjk``) is only the
fallback when the bundled file is missing.

Each candidate must really draw Chinese (its file has glyphs for :data:`CJK_SAMPLE`), not
merely carry a known family name.  When none does, a Chinese report stops with a
:class:`~crm_models.errors.ReportError` saying what to install, instead of drawing boxes.
DejaVu Sans stays first in the family list, so Latin text keeps its look and CJK
characters fall back, glyph by glyph, to the CJK font (matplotlib >= 3.6).
"""

from __future__ import annotations

import functools
import importlib.resources
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import matplotlib as mpl
from matplotlib import font_manager

from crm_models.errors import ReportError

__all__ = ["ensure_script_font", "draws_in_language", "use_report_style", "cjk_font_name", "cjk_font_file",
           "bundled_cjk_font", "has_glyphs",
           "BUNDLED_FAMILY", "CJK_FAMILIES", "CJK_SAMPLE"]

#: Characters a CJK font must be able to draw (from the reports' own words).
CJK_SAMPLE = "客户价值流失满意度"

#: The package and file of the bundled font, and the family name it is registered under.
BUNDLED_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")
BUNDLED_FAMILY = "Noto Sans CJK SC (mplfonts)"

CJK_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "Noto Sans CJK JP", "Source Han Sans SC",
                "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
                "Microsoft YaHei", "PingFang SC", "Heiti SC"]
_FILE_PATTERNS = ("NotoSansCJK*", "NotoSansSC*", "SourceHanSans*", "wqy-*", "simhei*", "msyh*")
_FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
              "/Library/Fonts", "/System/Library/Fonts", "C:/Windows/Fonts"]



def has_glyphs(path: str | os.PathLike, text: str = CJK_SAMPLE) -> bool:
    """Whether the font file at ``path`` has a glyph for every character of ``text``."""
    try:
        font = font_manager.get_font(str(path))
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text)


def bundled_cjk_font() -> Path | None:
    """The Noto Sans CJK SC file shipped by the ``mplfonts`` package, or None without it."""
    package, name = BUNDLED_FONT
    try:
        path = importlib.resources.files(package).joinpath(name)
    except (ImportError, TypeError):  # not installed (or not importable)
        return None
    path = Path(str(path))
    return path if path.is_file() else None


def _register_first(path: Path) -> str:
    """Register ``path`` with matplotlib under :data:`BUNDLED_FAMILY`; that family name.

    A family name of its own, at the front of matplotlib's font list: the figures take
    their CJK glyphs from this file even where system fonts of the same family (or a bold
    face of it) are installed, so they look the same on every machine.
    """
    import dataclasses

    fm = font_manager.fontManager
    fname = str(path)
    mine = [f for f in fm.ttflist if f.fname == fname]
    if not (mine and fm.ttflist[:len(mine)] == mine and {f.name for f in mine} == {BUNDLED_FAMILY}):
        fm.ttflist[:] = [f for f in fm.ttflist if f.fname != fname]
        before = len(fm.ttflist)
        fm.addfont(fname)  # appends its entries (one per name, matplotlib >= 3.10); clears the cache
        added = [dataclasses.replace(f, name=BUNDLED_FAMILY) for f in fm.ttflist[before:]]
        fm.ttflist[:] = added[:1] + fm.ttflist[:before]
    return BUNDLED_FAMILY


def _system_cjk_font() -> tuple[str, Path] | None:
    """A system CJK font (family name, file) with real CJK glyphs, registering it if needed."""
    def usable() -> tuple[str, Path] | None:
        for name in CJK_FAMILIES:
            for entry in font_manager.fontManager.ttflist:
                if entry.name == name and has_glyphs(entry.fname):
                    return name, Path(entry.fname)
        return None

    found = usable()
    if found:
        return found
    dirs = list(_FONT_DIRS)
    if os.environ.get("CONDA_PREFIX"):
        dirs.append(os.path.join(os.environ["CONDA_PREFIX"], "fonts"))
    for d in dirs:
        base = Path(d).expanduser()
        if not base.is_dir():
            continue
        for pattern in _FILE_PATTERNS:
            for path in sorted(base.rglob(pattern)):
                if any(w in path.name for w in ("Black", "Light", "Thin", "Medium", "DemiLight")):
                    continue
                try:
                    font_manager.fontManager.addfont(str(path))
                except (RuntimeError, OSError, ValueError):
                    continue
    return usable()


def _cjk_font() -> tuple[str, Path] | None:
    bundled = bundled_cjk_font()
    if bundled is not None and has_glyphs(bundled):
        return _register_first(bundled), bundled
    return _system_cjk_font()


def cjk_font_name() -> str | None:
    """Family name of a CJK font that draws Chinese, registered with matplotlib; None if none.

    The font bundled with ``mplfonts`` first, else a system CJK font.
    """
    found = _cjk_font()
    return found[0] if found else None


def cjk_font_file() -> Path | None:
    """The file of the font :func:`cjk_font_name` names (None when there is none)."""
    found = _cjk_font()
    return found[1] if found else None


def _no_font_error() -> ReportError:
    from crm_models.report.i18n import translate

    return ReportError(f"{translate('style_no_cjk_font', 'zh')}\n{translate('style_no_cjk_font', 'en')}")


def ensure_script_font(lang: str = "en") -> str | None:
    """Make the figures drawn next able to show ``lang``'s script (for ``"zh"``: a CJK font).

    Adds the CJK font (see :func:`cjk_font_name`) after the fonts already in matplotlib's
    ``font.family`` list, so Latin text keeps its look and Chinese characters fall back to it,
    glyph by glyph.  Nothing changes for other languages or when the font is already listed.

    Raises
    ------
    ReportError
        For ``lang="zh"`` when no font can draw Chinese (the message says what to install).
    """
    if lang != "zh":
        return None
    cjk = cjk_font_name()
    if cjk is None:
        raise _no_font_error()
    family = mpl.rcParams["font.family"]
    family = [family] if isinstance(family, str) else list(family)
    if cjk not in family:
        mpl.rcParams["font.family"] = [*family, cjk]
        mpl.rcParams["axes.unicode_minus"] = False
    return cjk


_Plot = TypeVar("_Plot", bound=Callable[..., Any])


def draws_in_language(func: _Plot) -> _Plot:
    """Decorator of a plotting function with a ``lang`` argument: Chinese figures get a CJK font.

    A figure drawn in Jupyter with ``lang="zh"`` shows Chinese characters even when
    :func:`use_report_style` was not called (never missing-glyph boxes).  Text drawn by the
    function is never read as matplotlib mathtext: ``$`` in a name from the data stays a
    dollar sign.
    """
    signature = inspect.signature(func)
    default = signature.parameters["lang"].default

    @functools.wraps(func)
    def plot(*args: Any, **kwargs: Any) -> Any:
        ensure_script_font(signature.bind_partial(*args, **kwargs).arguments.get("lang", default))
        # names from the data ("plan $5-$10", "a $^$ b") are text, not TeX: every text made here
        # keeps parse_math off for good (a malformed formula would fail the figure when drawn)
        with mpl.rc_context({"text.parse_math": False}):
            return func(*args, **kwargs)

    return plot  # type: ignore[return-value]


def use_report_style(lang: str = "en") -> str | None:
    """Seaborn's clean style for reports; with ``lang="zh"`` a CJK font in the fallback list.

    Returns
    -------
    str or None
        The CJK font's family name for ``lang="zh"``, None for other languages.

    Raises
    ------
    ReportError
        For ``lang="zh"`` when no font can draw Chinese (the message says what to install).
    """
    import seaborn as sns

    cjk = None
    if lang == "zh":
        cjk = cjk_font_name()
        if cjk is None:
            raise _no_font_error()
    sns.set_theme(style="whitegrid", context="notebook")
    from crm_models.report.safe import use_safe_output  # tables show data as text, never as markup

    use_safe_output()
    mpl.rcParams["figure.dpi"] = 100
    mpl.rcParams["text.parse_math"] = False  # "$" in names from the data is text, not TeX
    mpl.rcParams["axes.titleweight"] = "bold"
    if cjk:
        # an explicit family list: matplotlib falls back glyph by glyph along it
        mpl.rcParams["font.family"] = ["DejaVu Sans", cjk]
        mpl.rcParams["axes.unicode_minus"] = False
    return cjk
