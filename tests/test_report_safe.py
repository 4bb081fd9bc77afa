"""Values from the data show as text in reports: Markdown, Styler tables, exported HTML."""

from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest

from crm_models.report.i18n import translate
from crm_models.report.safe import markdown_translator, md_text, styler_html
from crm_models.report.sanitize import clean_output_html

HOSTILE = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "\"quoted\" 'single'",
    "</th></tr></table>",
    "*bold* _em_ [link](https://example.invalid) ![img](https://example.invalid/x.png)",
    "# heading | a | b |",
    "$x^2$ & &amp; \\ `code` ~~strike~~ www.example.invalid",
    "客户 <b>一</b>",
    "x" * 500,
    "see https://example.invalid/x now",
    "- a list? + or 1. this",
    "1. numbered",
    ": definition",
    "11.2 months, 2,731 customers, 2024-12-31, (vs annual)",
    "_a_ a__b__c x_y_ z _中文_ 中_文_ contract_annual__",
]


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _parse(html):
    page = _Page()
    page.feed(html)
    return page.tags, "".join(page.text)


def _markdown(source):
    """nbconvert's own (permissive) Markdown rendering, as on main."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    return MarkdownWithMath(renderer=IPythonRenderer(escape=False)).render(source)


@pytest.mark.parametrize("value", HOSTILE)
def test_md_text_renders_as_the_literal_value(value):
    tags, text = _parse(_markdown(f"Segment {md_text(value)} wins."))
    assert tags == ["p"]  # no element from the value
    assert text.strip() == f"Segment {value} wins."
    tags, text = _parse(_markdown(md_text(value)))  # at the start of a line, too
    assert tags == ["p"] and text.strip() == value.strip()
    tags, text = _parse(_markdown(f"- {md_text(value)}"))  # and as a list item
    assert tags == ["ul", "li"] and text.strip() == value.strip()


def test_md_text_keeps_a_value_on_its_line():
    value = md_text("a\n# not a heading\r\n- nor a list")
    tags, text = _parse(_markdown(f"- item {value}"))
    assert tags == ["ul", "li"] and "a # not a heading - nor a list" in text


def test_markdown_translator_escapes_text_and_keeps_number_formats():
    T = markdown_translator(translate, "en")
    line = T("ov_kf_customers", customers=12345, transactions=67890, first_date="<b>2024</b>",
             last_date="2024-12-31")
    assert line.startswith("**12,345** customers made **67,890** purchases")
    assert "\\<b\\>2024\\</b\\> and 2024-12-31." in line
    tags, text = _parse(_markdown(line))
    assert tags == ["p", "strong", "strong"] and "between <b>2024</b> and 2024-12-31." in text
    assert T("ov_kf_top20", share=0.8123) == translate("ov_kf_top20", "en", share=0.8123)


def test_styler_escapes_cells_labels_relabels_and_index_names():
    evil = '<script>alert("x")</script>'
    df = pd.DataFrame({"value": [1.5, 2.25], evil: ["<img src=x onerror=alert(1)>", "R&D"]},
                      index=pd.Index([evil, "</th>"], name=f"id {evil}"))
    styler = (df.style.format({"value": "{:.2f}"}).format(precision=1, subset=[evil])
              .relabel_index(["<u>value</u>", evil], axis=1))
    html = styler_html(styler)
    tags, text = _parse(html)
    assert "script" not in tags and "img" not in tags and "u" not in tags
    assert tags.count("th") == 8 and tags.count("td") == 4  # the table's shape is intact
    assert text.count('<script>alert("x")</script>') == 3  # row label, column label, index name
    assert "<img src=x onerror=alert(1)>" in text and "R&D" in text and "<u>value</u>" in text
    assert "1.50" in text and "2.25" in text  # formats kept
    assert "&nbsp;" in html and "&amp;nbsp;" not in html  # empty header cells stay empty
    assert "template_html_table" not in vars(styler)  # the styler itself is unchanged


def test_clean_output_html_keeps_tables_and_styles_drops_scripts():
    df = pd.DataFrame({"a": [1, 2]})
    styled = df.style.map(lambda v: "background-color: #f4c7c3" if v == 1 else "").to_html()
    assert clean_output_html(styled).count("background-color: #f4c7c3") == 1
    assert "<table" in clean_output_html(styled) and "<style" in clean_output_html(styled)
    dirty = clean_output_html('<p onclick="x()">hi</p><script>alert(1)</script><img src=x onerror=alert(1)>'
                              '<iframe src="https://example.invalid"></iframe>')
    tags, text = _parse(dirty)
    assert tags == ["p"] and "onclick" not in dirty
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text


def test_export_neutralises_markup_that_reached_the_notebook(tmp_path):
    from crm_models.report.runner import export_html

    nb = nbformat.v4.new_notebook()
    md = {"text/markdown": "# Title\n\nSegment <script>window.__pwned=1</script> **ok** "
                           "<img src=x onerror=alert(1)> [x](javascript:alert(1))",
          "text/plain": ""}
    table = pd.DataFrame({"a": [1]}).style.map(lambda v: "color: red").to_html()
    cell = nbformat.v4.new_code_cell("", outputs=[
        nbformat.v4.new_output("display_data", data=md),
        nbformat.v4.new_output("display_data", data={"text/html": table + "<script>alert(2)</script>"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(3)"}),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
    ])
    nb.cells = [cell]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    html = export_html(path)
    tags, text = _parse(html[html.index("<body"):])
    assert "script" not in tags and "iframe" not in tags
    assert tags.count("img") == 1  # the figure, not the one from the Markdown
    assert "window.__pwned=1" in text and "alert(2)" in text  # shown as text
    assert "alert(3)" not in html and "javascript:" not in html
    assert "<strong>ok</strong>" in html and "color: red" in html and "data:image/png;base64" in html


def test_styler_labels_with_braces_are_shown_as_given():
    df = pd.DataFrame({"fee": [1.0], "n": [2]})
    html = styler_html(df.style.relabel_index(["fee{eur}", "n {0} }{"], axis=1))
    _, text = _parse(html)
    assert "fee{eur}" in text and "n {0} }{" in text


def test_md_text_leaves_numbers_dates_and_money_readable():
    for plain in ["11.2 months", "€1,234.50", "2024-12-31", "contract: monthly (vs annual)", "63.2%",
                  "contract_annual", "monthly_fee_eur"]:
        assert md_text(plain) == plain
