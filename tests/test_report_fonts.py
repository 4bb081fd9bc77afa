"""Chinese HTML pages embed the glyphs they show (crm_models.report.fonts): the subset's cmap
is checked with fontTools against the page's characters, English pages stay byte-identical,
and a real browser loads the embedded face without a network request."""

import base64
import io
import re

import pytest
from fontTools.ttLib import TTFont
from helpers import REPORT_TEST_PARAMETERS, require
from helpers.browser import check_page, find_chromium

from crm_models.report.fonts import (
    FONT_FAMILY,
    embed_cjk_font,
    embed_cjk_font_svg,
    font_notice,
    page_characters,
    unicode_range,
    visible_text,
)

IMG = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>').decode()
ZH_PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>客户报告</title>
<style>body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; } h1 { font-weight: 500; }
td { font-family: inherit; } code { font-family: var(--mono); }</style>
<script>var hidden = "脚本里的字";</script></head><body>
<h1>顾客满意度 &amp; 忠诚</h1><p>R² — 0.5，占比 <b>73%</b>。</p>
<img src="{IMG}" alt="直方图"><table><tr><td title="提示">表格</td></tr></table>
</body></html>
""".replace("{IMG}", IMG)
EN_PAGE = ZH_PAGE.replace('lang="zh"', 'lang="en"')
EN_PAGE = re.sub(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", "x", EN_PAGE)


def _embedded(html: str) -> TTFont:
    m = re.search(r'url\(data:font/(woff2?);base64,([A-Za-z0-9+/=]+)\)', html)
    assert m, "no embedded font"
    return TTFont(io.BytesIO(base64.b64decode(m.group(2))))


def test_visible_text_skips_script_and_style_and_keeps_alt_and_title():
    text = visible_text(ZH_PAGE)
    assert "直方图" in text and "提示" in text and "客户报告" in text and "顾客满意度 & 忠诚" in text
    assert "脚本" not in text and "font-family" not in text


def test_subset_draws_exactly_the_pages_cjk_characters():
    out = embed_cjk_font(ZH_PAGE)
    wanted = set(page_characters(ZH_PAGE))
    assert wanted == set("客户报告顾客满意度忠诚占比，。直方图表格提示")
    cmap = set(_embedded(out).getBestCmap())
    assert cmap == {ord(ch) for ch in wanted}  # every CJK character of the page, nothing more
    assert "脚" not in "".join(chr(c) for c in cmap)  # text of scripts is not shown, not embedded
    # the face covers only those characters: Latin text and symbols keep the page's fonts
    assert f"unicode-range:{unicode_range(''.join(wanted))};" in out


def test_font_family_lists_get_the_embedded_face_and_licence_notice():
    out = embed_cjk_font(ZH_PAGE)
    assert f'font-family: "{FONT_FAMILY}", system-ui, "Noto Sans CJK SC", sans-serif;' in out
    assert "font-family: inherit;" in out and "font-family: var(--mono);" in out  # left as they were
    notice = font_notice()
    assert "Noto Sans CJK SC" in notice and "Adobe" in notice and "SIL Open Font License 1.1" in notice
    assert notice in out
    # the face is declared first in <head>, before the style sheets that name it
    assert out.index("@font-face") < out.index("body { font-family")


def test_unicode_range_merges_runs():
    assert unicode_range("一丁七") == "U+4E00-4E01,U+4E03"


def test_english_pages_are_unchanged():
    assert not re.search(r"[\u4e00-\u9fff]", EN_PAGE)
    assert embed_cjk_font(EN_PAGE) is EN_PAGE


@pytest.mark.slow
def test_browser_loads_the_embedded_face_without_network(tmp_path):
    require(None if find_chromium() else "Chromium is not installed", "real-browser tests")
    page = tmp_path / "zh.html"
    page.write_text(embed_cjk_font(ZH_PAGE), encoding="utf-8")
    # document.fonts.check is also true when no face of the family exists: check it is loaded too
    check = check_page(page, tmp_path / "zh.png", evaluate={
        "check": "document.fonts.ready.then(() => document.fonts.check('16px \"CRM CJK\"', '顾客'))",
        "loaded": "document.fonts.ready.then(() => Array.from(document.fonts)"
                  ".filter(f => f.status === 'loaded').map(f => f.family))"})
    assert check.problems == []  # no network request, no console error
    assert check.values == {"check": True, "loaded": [FONT_FAMILY]}


def test_svg_images_carry_their_own_glyphs():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="90" height="20" font-family="sans-serif">'
           '<text x="2" y="14">平均分 10.00</text></svg>')
    out = embed_cjk_font_svg(svg)
    assert set(_embedded(out).getBestCmap()) == {ord(ch) for ch in "平均分"}
    assert f'svg{{font-family:"{FONT_FAMILY}", sans-serif}}' in out and out.endswith("</text></svg>")
    english = svg.replace("平均分", "mean")
    assert embed_cjk_font_svg(english) is english


@pytest.mark.slow
def test_a_chinese_report_embeds_its_glyphs_and_loads_them_offline(tmp_path):
    from crm_models.report.runner import run_reports

    results = run_reports(["csi"], parameters={"n_boot": REPORT_TEST_PARAMETERS["n_boot"]}, out=tmp_path,
                          run_id="zh", lang="zh", progress="off")
    assert [r.status for r in results] == ["ok"], [r.error for r in results]
    html = results[0].html_path.read_text(encoding="utf-8")
    cmap = set(_embedded(html).getBestCmap())
    assert cmap == {ord(ch) for ch in page_characters(html)}
    assert {ord(ch) for ch in "顾客满意度指数报告"} <= cmap
    if find_chromium():
        check = check_page(results[0].html_path, evaluate={
            "loaded": "document.fonts.ready.then(() => Array.from(document.fonts)"
                      ".filter(f => f.status === 'loaded').map(f => f.family))"})
        assert check.problems == [] and check.values["loaded"] == [FONT_FAMILY]
