"""Report look for figures, and CJK text that renders on a fresh machine.

Chinese reports need a font with CJK glyphs. The route is an OFL font, Noto Sans CJK
(Debian/Ubuntu: ``apt-get install fonts-noto-cjk``; conda: ``font-ttf-noto-cjk``;
``.ci/run`` installs it). :func:`use_report_style` finds it even when matplotlib's font
cache predates its installation, and puts it after DejaVu Sans in the fallback list, so
Latin text keeps its look and CJK characters fall back to Noto (matplotlib >= 3.6).
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

__all__ = ["use_report_style", "cjk_font_name", "CJK_FAMILIES"]

CJK_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "Noto Sans CJK JP", "Source Han Sans SC",
                "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
                "Microsoft YaHei", "PingFang SC", "Heiti SC"]
_FILE_PATTERNS = ("NotoSansCJK*", "NotoSansSC*", "SourceHanSans*", "wqy-*", "simhei*", "msyh*")
_FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
              "/Library/Fonts", "/System/Library/Fonts", "C:/Windows/Fonts"]


def _known_families() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


def cjk_font_name() -> str | None:
    """Name of an installed CJK font matplotlib can use, registering it if needed."""
    known = _known_families()
    for name in CJK_FAMILIES:
        if name in known:
            return name
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
    known = _known_families()
    return next((name for name in CJK_FAMILIES if name in known), None)


def use_report_style(lang: str = "en") -> str | None:
    """Seaborn's clean style for reports; with ``lang="zh"`` a CJK font in the fallback list.

    Returns the CJK font name in use (None for English or when none is installed).
    """
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    from crm_models.report.safe import use_safe_output  # tables show data as text, never as markup

    use_safe_output()
    mpl.rcParams["figure.dpi"] = 100
    mpl.rcParams["axes.titleweight"] = "bold"
    cjk = cjk_font_name() if lang == "zh" else None
    if cjk:
        # an explicit family list: matplotlib falls back glyph by glyph along it
        mpl.rcParams["font.family"] = ["DejaVu Sans", cjk]
        mpl.rcParams["axes.unicode_minus"] = False
    return cjk
