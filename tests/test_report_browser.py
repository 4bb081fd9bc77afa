"""Every report opens in a real browser (headless Chromium) from disk: no console errors,
no network requests, every image rendered with a non-zero size; a screenshot is taken."""

import pytest
from conftest import require

from crm_models.report.browser import check_page, find_chromium
from crm_models.report.runner import run_reports


@pytest.fixture(scope="module", autouse=True)
def chromium():
    require(None if find_chromium() else "Chromium is not installed (apt-get install chromium; "
            ".ci/run installs it)", "real-browser tests")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    results = run_reports(out=out, run_id="browser")
    failed = [f"{r.name}: {r.error}" for r in results if not r.ok]
    assert not failed, failed
    return out / "browser"


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
