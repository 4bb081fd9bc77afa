"""Chinese figures on a fresh machine: the CJK font comes with the Python dependencies
(mplfonts' Noto Sans CJK SC), and without any usable CJK font a Chinese report stops with
an error that says what to install, instead of drawing boxes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib
import pytest
from helpers import bare_machine_env

from crm_models.errors import ReportError
from crm_models.plotting import style

REPO = Path(__file__).resolve().parents[1]
DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


FIGURE_SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    import numpy as np
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    from crm_models.plotting import style
    from crm_models.plotting.style import use_report_style, bundled_cjk_font

    if sys.argv[1] == "hide":
        # matplotlib reads font folders itself, not only through fontconfig: a font list
        # built from matplotlib's own fonts only, as on a machine without system fonts
        own = font_manager.findSystemFonts
        font_manager.findSystemFonts = lambda fontpaths=None, fontext="ttf": (
            own(fontpaths, fontext) if fontpaths else [])
        font_manager.fontManager = font_manager.FontManager()
        font_manager.findfont = font_manager.fontManager.findfont
        style._FONT_DIRS = []
    system_cjk = sorted({f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name})

    def pixels(text, family=None):
        fig = plt.figure(figsize=(1, 1), dpi=50)
        kw = {"family": family} if family else {}
        fig.text(0.1, 0.3, text, fontsize=30, **kw)
        fig.canvas.draw()
        arr = np.asarray(fig.canvas.buffer_rgba())[..., 0].copy()
        plt.close(fig)
        return arr

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        name = use_report_style("zh")
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        ax.set_title("客户价值 (CLV)")
        ax.set_xlabel("周期")
        ax.set_ylabel("客户数")
        fig.canvas.draw()
        files = [[str(f) for f in font_manager.fontManager._find_fonts_by_props(text.get_fontproperties())]
                 for text in (ax.title, ax.xaxis.label, ax.yaxis.label)]
        plt.close(fig)
        ke, hu = pixels("客"), pixels("户")
    tofu_ke, tofu_hu = pixels("客", "DejaVu Sans"), pixels("户", "DejaVu Sans")
    print(json.dumps({
        "name": name, "system_cjk": system_cjk, "bundled": str(bundled_cjk_font()), "files": files,
        "warnings": [str(w.message) for w in caught],
        "glyphs_differ": bool((ke != hu).any()), "ink": int((ke < 128).sum()),
        "tofu_alike": bool((tofu_ke == tofu_hu).all()), "not_tofu": bool((ke != tofu_ke).any()),
    }))
""")


@pytest.mark.slow  # over 3 s
@pytest.mark.parametrize("system_fonts", ["hide", "keep"])
def test_bundled_font_draws_chinese_on_a_fresh_machine(tmp_path, system_fonts):
    """"hide": nothing but matplotlib's own fonts; "keep": whatever this machine has (with
    fonts-noto-cjk installed, its Noto Sans CJK SC regular and bold faces): same font."""
    env = dict(os.environ, **bare_machine_env(tmp_path), MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    # the premise: fontconfig, as configured, lists no font at all
    listed = subprocess.run(["fc-list"], env=env, capture_output=True, text=True)
    if listed.returncode == 0:
        assert listed.stdout.strip() == ""
    res = subprocess.run([sys.executable, "-c", FIGURE_SCRIPT, system_fonts], env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout.strip().splitlines()[-1])
    bundled = Path(got["bundled"])
    assert bundled.name == "NotoSansCJKsc-Regular.otf" and bundled.parent.parent.name == "mplfonts"
    assert got["name"] == style.BUNDLED_FAMILY
    if system_fonts == "hide":
        assert got["system_cjk"] == []
    # the font lists of the title (bold) and the axis labels: DejaVu Sans for Latin text, then
    # the bundled Noto CJK file for the Chinese characters
    title, xlabel, ylabel = got["files"]
    assert [Path(f).name for f in title] == ["DejaVuSans-Bold.ttf", bundled.name]
    for label in (xlabel, ylabel):
        assert [Path(f).name for f in label] == ["DejaVuSans.ttf", bundled.name]
    assert {Path(fonts[1]) for fonts in got["files"]} == {bundled}
    assert not [w for w in got["warnings"] if "missing from font" in w], got["warnings"]
    # real glyphs: two characters look different, and not like DejaVu's boxes (which all look alike)
    assert got["tofu_alike"] and got["glyphs_differ"] and got["not_tofu"] and got["ink"] > 20


def test_glyph_coverage_is_checked_in_the_font_file():
    bundled = style.bundled_cjk_font()
    assert bundled is not None
    assert style.has_glyphs(bundled) and style.has_glyphs(bundled, "客户价值")
    assert not style.has_glyphs(DEJAVU)  # a real font, but without CJK glyphs
    assert style.has_glyphs(DEJAVU, "CLV 123")
    assert not style.has_glyphs(REPO / "README.md")  # not a font at all


@pytest.mark.parametrize("bundled", [None, DEJAVU], ids=["no-mplfonts", "font-without-cjk-glyphs"])
def test_chinese_style_without_a_usable_font_says_what_to_install(monkeypatch, bundled):
    monkeypatch.setattr(style, "bundled_cjk_font", lambda: bundled)
    monkeypatch.setattr(style, "_system_cjk_font", lambda: None)
    with pytest.raises(ReportError, match="pip install mplfonts") as err:
        style.use_report_style("zh")
    message = str(err.value)
    assert "fonts-noto-cjk" in message and "--lang en" in message
    assert "中文图表需要能显示汉字的字体" in message  # said in the report's language too
    assert style.use_report_style("en") is None  # English needs no CJK font


def test_a_system_font_with_the_right_name_but_no_glyphs_is_not_taken(monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setattr(style, "bundled_cjk_font", lambda: None)
    monkeypatch.setattr(style, "_FONT_DIRS", [])
    fake = font_manager.FontEntry(fname=str(DEJAVU), name="Noto Sans CJK SC")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [fake])
    assert style.cjk_font_name() is None
    with pytest.raises(ReportError):
        style.use_report_style("zh")


def test_the_bundled_font_comes_first():
    name = style.cjk_font_name()
    assert style.cjk_font_file() == style.bundled_cjk_font()
    from matplotlib import font_manager

    def bundled_entries():
        return [i for i, f in enumerate(font_manager.fontManager.ttflist)
                if Path(f.fname) == style.bundled_cjk_font()]

    first = font_manager.fontManager.ttflist[0]
    assert name == style.BUNDLED_FAMILY and Path(first.fname) == style.bundled_cjk_font()
    entries = bundled_entries()
    assert entries == list(range(len(entries)))  # all of its names come before any system font
    assert font_manager.findfont(font_manager.FontProperties(family=name)) == str(style.bundled_cjk_font())
    style.cjk_font_name()  # registering again does not add copies
    assert bundled_entries() == entries


PLOT_WITHOUT_STYLE = r"""
import json, warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from crm_models.plotting import csi as plots

index = pd.DataFrame({"index": [71.2, 64.8], "std_error": [1.1, 1.4]}, index=["SAT", "LOY"])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    ax = plots.plot_csi_index(index, lang="zh")  # no use_report_style: straight from Jupyter
    ax.figure.canvas.draw()
print(json.dumps({"family": list(matplotlib.rcParams["font.family"]),
                  "title": ax.get_title(),
                  "missing": [str(w.message) for w in caught if "missing from font" in str(w.message)]}))
"""


@pytest.mark.slow  # over 3 s
def test_a_chinese_plot_draws_its_glyphs_without_the_report_style(tmp_path):
    """An analyst calls a plotting function with lang="zh" in Jupyter, without use_report_style:
    the CJK font is added after the default fonts, so no character is drawn as a box."""
    env = dict(os.environ, **bare_machine_env(tmp_path), MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    res = subprocess.run([sys.executable, "-c", PLOT_WITHOUT_STYLE], env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["family"] == ["sans-serif", style.BUNDLED_FAMILY]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in got["title"])  # the title is Chinese
    assert got["missing"] == []


def test_an_english_plot_leaves_the_fonts_alone(monkeypatch):
    import matplotlib as mpl

    monkeypatch.setitem(mpl.rcParams, "font.family", ["sans-serif"])
    assert style.ensure_script_font("en") is None
    assert list(mpl.rcParams["font.family"]) == ["sans-serif"]
    monkeypatch.setattr(style, "cjk_font_name", lambda: None)  # Chinese without any CJK font: an error
    with pytest.raises(ReportError, match="mplfonts"):
        style.ensure_script_font("zh")


@pytest.mark.parametrize("name", ["a $^$ b", "plan $5-$10", r"$\frac{$ x"])
def test_dollar_signs_from_the_data_are_text_not_formulas(name):
    """A construct or segment name with "$" (malformed TeX for matplotlib) draws as it is."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from crm_models.plotting import csi as plots

    index = pd.DataFrame({"index": [71.2], "std_error": [1.1]}, index=["SAT"])
    ax = plots.plot_csi_index(index, labels={"SAT": name})
    ax.figure.canvas.draw()  # with mathtext this raised ValueError (ParseSyntaxException)
    assert [t.get_text() for t in ax.get_yticklabels()] == [name]
    plt.close(ax.figure)
