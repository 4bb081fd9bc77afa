"""Every report, rendered to HTML in English and Chinese on the bundled samples, shows words
a reader understands: no ``snake_case`` codes or ``VAL -> SAT`` path codes in headings, text or
table headers, and in Chinese no English words except model names, statistics and units
(the allow-list) and the names and values of the user's own data (shown as they are)."""

from __future__ import annotations

import re

import pytest

from crm_models.report.wording import ALLOWED_LATIN, code_tokens, english_words, visible_text

pytestmark = pytest.mark.slow  # renders every report (once per language)

REPORTS = ["overview", "clv", "churn", "csi", "segments"]
REPORT_CURRENCY = "¥"  # helpers.REPORT_TEST_PARAMETERS renders the reports with this symbol


def _data_words() -> set[str]:
    """Column names and text values of the bundled sample data (a reader's own data stays as is)."""
    import crm_models as crm
    from crm_models.data.datasets import sample_transactions

    frames = [crm.report.churn.load_churn_data(None, "contractual")[0], sample_transactions(),
              crm.report.csi.load_survey(None)]
    words: set[str] = set()
    for frame in frames:
        texts = [str(c) for c in frame.columns]
        for col in frame.select_dtypes(exclude="number").columns:
            texts += [str(v) for v in frame[col].dropna().unique()[:5000]]
        for text in texts:
            words.update(re.findall(r"[A-Za-z]+", text))
    return words


@pytest.fixture(scope="module")
def data_words() -> set[str]:
    return _data_words()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reports_show_words_not_codes(rendered_reports, data_words, lang):
    folder = rendered_reports(lang)
    problems = {}
    for name in REPORTS:
        text = visible_text((folder / f"{name}.html").read_text(encoding="utf-8"))
        found = code_tokens(text)
        if lang == "zh":
            found += english_words(text, ALLOWED_LATIN | data_words)
        if found:
            problems[name] = found
    assert problems == {}


def test_the_scan_finds_what_main_used_to_show(data_words):
    """The raw headers and words the reports showed before, caught by the same scan."""
    before = ("<table><tr><th>cronbach_alpha</th><th>ok_alpha</th></tr></table><p>VAL -> SAT</p>"
              "<p>风险比（cox）；效应 medium；处理方式：mean；concentrate here</p>")
    text = visible_text(before)
    assert code_tokens(text) == ["VAL -> SAT", "cronbach_alpha", "ok_alpha"]
    assert english_words(text, ALLOWED_LATIN | data_words) == [
        "SAT", "VAL", "concentrate", "cox", "cronbach", "here", "mean", "medium", "ok"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_overview_amounts_carry_the_currency(rendered_reports, lang):
    """Every money figure of the overview is written with money(value, currency)."""
    import crm_models as crm
    from crm_models.report.i18n import money

    text = visible_text((rendered_reports(lang) / "overview.html").read_text(encoding="utf-8"))
    data = crm.report.load_overview_data(None, "customer_id", "date", "amount", None, period="D",
                                         time_unit="W", activity_freq="M")
    kf = data.key_figures
    for value in (kf["revenue"], kf["average_order_value"], kf["revenue_per_customer"],
                  data.summary["monetary_value"].mean(), data.activity["revenue"].iloc[-1]):
        assert money(value, REPORT_CURRENCY) in text
    # no amount without its symbol: the revenue figure never appears bare
    assert text.count(money(kf["revenue"])) == text.count(money(kf["revenue"], REPORT_CURRENCY))
