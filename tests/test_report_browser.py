"""Every report opens in a real browser (headless Chromium) from disk: no console errors,
no network requests, every image rendered with a non-zero size; a screenshot is taken."""

from html.parser import HTMLParser

import pytest
from helpers import require
from helpers.browser import check_page, find_chromium

pytestmark = pytest.mark.slow


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


# --- hostile data: values from the data show as text, never run or add elements -------------

# each payload, if it became markup, would set the title, log a console error, or load a URL:
# all three are caught by check_page (title, console errors, network requests)
PAYLOADS = [
    '<script>document.title="PWNED";console.error("PWNED")</script>',
    "<img src=x onerror=\"document.title='PWNED';console.error('PWNED')\">",
    '"\'><svg onload=console.error("PWNED")>{x}',
    "</td></th></tr></table>",
    "*a*_b_[l](https://example.invalid)![i](https://example.invalid/p.png)",
    "客" + "x" * 499,
    "中文客户",
]


def _hostile(i: int) -> str:
    return f"{PAYLOADS[i % len(PAYLOADS)]}{i}"


def _hostile_inputs(folder):
    """The bundled sample with hostile customer ids, covariate names and levels, survey items
    and construct names; returns the parameters of each report."""
    from crm_models.csi.presets import ECSI_PATHS
    from crm_models.data import datasets

    tx, survey = datasets.sample_transactions(), datasets.sample_survey()
    subs = datasets.sample_subscriptions()
    ids = {c: _hostile(i) for i, c in enumerate(tx["customer_id"].unique())}
    tx = tx.assign(customer_id=tx["customer_id"].map(ids))
    survey = survey.assign(customer_id=survey["customer_id"].map(ids))
    sub_ids = {c: _hostile(i + 3) for i, c in enumerate(subs["customer_id"].unique())}
    subs = subs.assign(customer_id=subs["customer_id"].map(sub_ids))
    for k, col in enumerate(["plan", "contract", "channel"]):
        subs[col] = subs[col].map(lambda v, k=k: f"{v} {PAYLOADS[k]}")
    subs = subs.rename(columns={c: f"{c} {PAYLOADS[k + 3]}" for k, c in
                                enumerate(["plan", "contract", "channel", "support_tickets"])})
    loy = {f"loy{j}": f"loy{j} {PAYLOADS[j]}" for j in (1, 2, 3)}
    names = {lv: f"{lv} {PAYLOADS[k % 5]}" for k, lv in
             enumerate(["SAT", "IMAG", "EXPE", "QUAL", "VAL", "COMP", "LOY"])}
    paths = {names[target]: [names[s] for s in sources] for target, sources in ECSI_PATHS.items()}
    items = [c for c in survey.columns if c != "customer_id"]
    item_names = {c: f"{c}{PAYLOADS[i % len(PAYLOADS)]}" for i, c in enumerate(items)}
    blocks = {names[lv]: [item_names[c] for c in items if c.rstrip("0123456789") == lv.lower()]
              for lv in names}
    files = {"tx": folder / "orders.csv", "survey": folder / "survey.csv", "subs": folder / "subs.csv",
             "items": folder / "items.csv", "loy": folder / "loyalty.csv"}
    tx.to_csv(files["tx"], index=False)
    survey.to_csv(files["survey"], index=False)
    survey.rename(columns=loy).to_csv(files["loy"], index=False)
    survey.rename(columns=item_names).to_csv(files["items"], index=False)
    subs.to_csv(files["subs"], index=False)
    end = datasets.SAMPLE_OBSERVATION_END
    return {
        "overview": {"transactions_path": str(files["tx"]), "subscriptions_path": str(files["subs"]),
                     "survey_path": str(files["survey"]), "observation_end": end},
        "clv": {"transactions_path": str(files["tx"]), "n_draws": 20},
        "churn": {"data_path": str(files["subs"]), "observation_end": end},
        "csi": {"survey_path": str(files["items"]), "model": {"paths": paths, "blocks": blocks},
                "target": names["SAT"], "n_boot": 100},
        "segments": {"transactions_path": str(files["tx"]), "survey_path": str(files["loy"]),
                     "attitude_items": list(loy.values())},
    }


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.handlers, self.foreign_images, self.text = 0, [], [], []

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.handlers += [f"<{tag} {k}>" for k, _ in attrs if k.startswith("on")]
        src = dict(attrs).get("src") or ""
        if tag in ("img", "iframe", "svg", "image") and not src.startswith("data:"):
            self.foreign_images.append(f"<{tag} src={src!r}>")

    def handle_data(self, data):
        self.text.append(data)


def _elements(page):
    found = _Elements()
    found.feed(page.read_text(encoding="utf-8"))
    return found


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    from crm_models.report.notebooks import discover
    from crm_models.report.runner import run_report

    folder = tmp_path_factory.mktemp("hostile")
    params = _hostile_inputs(folder)
    out = folder / "reports"
    available = discover()
    failed = []
    for name in ["clv", "churn", "csi", "segments", "overview"]:  # the overview links the others
        extra = {"report_dir": str(out)} if name == "overview" else {}
        result = run_report(available[name], out, {**params[name], **extra})
        if not result.ok:
            failed.append(f"{name}: {result.error}")
    assert not failed, failed
    return out


@pytest.mark.parametrize("name", ["overview", "clv", "churn", "csi", "segments"])
def test_hostile_data_shows_as_text_in_every_report(hostile_dir, report_dir, name):
    page = hostile_dir / f"{name}.html"
    check = check_page(page)
    assert check.problems == [], f"{name}: {check.problems}"  # nothing ran, logged or loaded
    assert "PWNED" not in check.title
    found, clean = _elements(page), _elements(report_dir / f"{name}.html")
    assert found.scripts == clean.scripts and found.handlers == clean.handlers == []
    assert found.foreign_images == []  # every image is an embedded figure
    assert all(im["width"] > 0 for im in check.images)
    text = "".join(found.text)
    if name in ("clv", "churn", "csi"):  # ids, covariates and levels, items and constructs: verbatim
        shown = [p for p in PAYLOADS if p in text]
        assert len(shown) >= 4, f"{name}: hostile values did not reach the report: {shown}"
