"""Every report opens in a real browser (headless Chromium) from disk: no console errors,
no network requests, every image rendered with a non-zero size; a screenshot is taken."""

import pytest
from conftest import require

from crm_models.report.browser import check_page, find_chromium


@pytest.fixture(scope="module", autouse=True)
def chromium():
    require(None if find_chromium() else "Chromium is not installed (apt-get install chromium; "
            ".ci/run installs it)", "real-browser tests")


@pytest.fixture(scope="module")
def report_dir(rendered_reports):
    return rendered_reports("en")  # rendered once per session (conftest), shared with other checks


def test_every_report_renders_cleanly(report_dir, tmp_path):
    pages = sorted(report_dir.glob("*.html"))
    assert pages, "no report was generated"
    for page in pages:
        shot = tmp_path / f"{page.stem}.png"
        check = check_page(page, shot)
        assert check.problems == [], f"{page.name}: {check.problems}"
        assert check.images, f"{page.name} has no figure"
        assert check.title
        assert shot.stat().st_size > 10_000


def test_checker_catches_broken_pages(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<html><head><script src="https://example.invalid/x.js"></script></head>'
                   '<body><img src="missing.png"><script>console.error("boom")</script></body></html>')
    problems = check_page(bad).problems
    assert any("network request: https://example.invalid/x.js" in p for p in problems)
    assert any("boom" in p for p in problems)
    assert "empty image #0" in problems


PAGE_WIDTH = 1200  # px: a report must be readable on a 1200 px wide screen without scrolling sideways


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_table_fits_a_1200px_page(rendered_reports, lang):
    pages = sorted(rendered_reports(lang).glob("*.html"))
    assert {p.stem for p in pages} >= {"overview", "clv", "churn", "csi", "segments"}
    too_wide = []
    for page in pages:
        check = check_page(page)
        assert check.tables, f"{page.name} has no table"
        too_wide += [f"{page.name}: table {i} ({t['columns']} columns, starts {t['header'][:30]!r}) is "
                     f"{t['width']:.0f} px" for i, t in enumerate(check.tables) if t["width"] > PAGE_WIDTH]
        if check.page_width > PAGE_WIDTH:
            too_wide.append(f"{page.name}: the page is {check.page_width:.0f} px wide")
    assert too_wide == []
