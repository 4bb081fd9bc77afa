"""Text from data never becomes markup: escaping for report tables, Markdown and file names.

Customer ids, column, item, segment, covariate and construct names come from the user's
data and may contain anything (``<script>``, ``*``, ``](``, quotes, Chinese).  A report
shows them as text:

* :func:`use_safe_output` (called by every report's setup through
  :func:`crm_models.plotting.style.use_report_style`) makes every pandas ``Styler`` shown in
  the notebook escape its cells, index and column labels (also those set with
  ``relabel_index``) and index names;
* :func:`md_text` escapes a value for Markdown (HTML and Markdown syntax), and
  :func:`markdown_translator` gives a report a translator (the notebooks bind it to ``T``) that
  does so for every text value filled into a phrase;
* :func:`check_file_name` refuses report and run names that are not plain file names.

The HTML export (:mod:`crm_models.report.runner`) adds a second line of defence:
raw HTML inside Markdown is shown as text, and HTML outputs are cleaned of scripts,
event handlers and anything a report table does not need.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from crm_models.errors import ReportError

__all__ = ["md_text", "markdown_translator", "check_file_name", "use_safe_output", "styler_html"]

# characters that start HTML, entities, emphasis, strikethrough, links and images, code, math,
# tables and headings anywhere in a line; plain punctuation (",", ".", "-", "(", ":") stays, so
# numbers, dates and money read the same in the Markdown source
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>&$|~#]|(?<![^\W_])_|_(?![^\W_]))")  # "a_b" stays: no emphasis
_URL_SCHEME = re.compile(r"(?<=[A-Za-z0-9]):(?=//)")  # "https://x" would become a link
_BULLET = re.compile(r"^(\s*)([-+=:])")  # a value at the start of a line: no list, no heading
_ORDERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")  # ... and no numbered list
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c]+")


def md_text(value: object) -> str:
    """``value`` as literal text inside Markdown: no HTML, no emphasis, links, lists or math.

    Line breaks become spaces (a value cannot start a heading or a list), other control
    characters are dropped; the rendered text shows the value's characters unchanged.

    Examples
    --------
    >>> print(md_text("<b>*x*</b> 1,234.50"))
    \\<b\\>\\*x\\*\\</b\\> 1,234.50
    """
    text = _LINE_BREAKS.sub(" ", str(value))
    text = "".join(ch for ch in text if ch == "\t" or unicodedata.category(ch) != "Cc")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _URL_SCHEME.sub(r"\\:", text)
    text = _BULLET.sub(r"\1\\\2", text)
    return _ORDERED.sub(r"\1\\\2", text)


def markdown_translator(translate: Callable[..., str], lang: str) -> Callable[..., str]:
    """``translate_markdown(key, **values)``: ``translate(key, lang, **values)`` with text values escaped.

    Numbers keep their format specs (``{share:.1%}``); strings (names from the data, lists
    joined from them, other phrases) are escaped with :func:`md_text`, so they show as
    written and cannot add markup.  Use it for text that goes into ``Markdown(...)``;
    figure labels and table headers take the plain phrase.
    """
    def translate_markdown(key: str, **values: object) -> str:
        return translate(key, lang, **{k: md_text(v) if isinstance(v, str) else v for k, v in values.items()})

    return translate_markdown


_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                     *(f"lpt{i}" for i in range(1, 10))}
_BAD_CHARS = set('/\\<>:"|?*')


def check_file_name(name: object, what: str) -> str:
    """``name`` if it is a plain file name (no folder, no "..", no leading dot), else a ReportError.

    ``what`` names the offending entry in the message, e.g. ``"reports.yml: reports[2] name"``.
    Refused as well: control characters and the characters and names Windows forbids, so a
    config works on every system.
    """
    problem = None
    if not isinstance(name, str) or not name.strip():
        problem = "must be a non-empty text"
    elif any(c in "/\\" for c in name):
        problem = "must be a plain file name without a folder ('/' or '\\')"
    elif ".." in name:
        problem = "must not contain '..'"
    elif name.startswith("."):
        problem = "must not start with '.' (hidden file)"
    elif any(unicodedata.category(c) == "Cc" for c in name):
        problem = "must not contain control characters (line breaks, tabs, ...)"
    elif _BAD_CHARS & set(name):
        problem = f"must not contain any of {' '.join(sorted(_BAD_CHARS - {'/', chr(92)}))}"
    elif name != name.strip() or name.endswith("."):
        problem = "must not start or end with a space or end with '.'"
    elif name.split(".")[0].lower() in _WINDOWS_RESERVED:
        problem = "is a reserved device name on Windows"
    elif len(name) > 200:
        problem = "is longer than 200 characters"
    if problem:
        raise ReportError(f"{what} {name!r} {problem}; use letters, digits, '-', '_' or '.'")
    return name


# --- pandas Styler: escape everything the table shows ---------------------------------------

_BLANK = "&nbsp;"  # pandas' filler for empty header cells


def _cell_text(value: object) -> str:
    from markupsafe import Markup, escape

    if isinstance(value, str) and value == _BLANK:
        return Markup(_BLANK)
    return escape(value)  # Markup (already escaped by Styler.format(escape="html")) stays as is


@lru_cache(maxsize=1)
def _safe_table_template():
    """pandas' own table template with every shown value (and the caption) escaped."""
    import jinja2
    from pandas.io.formats.style import Styler

    source, _, _ = Styler.loader.get_source(Styler.env, "html_table.tpl")
    safe, cells = re.subn(r"\{\{\s*c\.display_value\s*\}\}", "{{ c.display_value|crm_cell }}", source)
    safe, captions = re.subn(r"\{\{\s*(caption(?:\[0\])?)\s*\}\}", r"{{ \1|crm_cell }}", safe)
    if cells == 0:  # a pandas whose template we do not know: fail loudly rather than unescaped
        raise RuntimeError("pandas' Styler table template changed: crm_models.report.safe needs an update")
    env = jinja2.Environment(loader=jinja2.DictLoader({"html_table.tpl": safe}), trim_blocks=True)
    env.filters["crm_cell"] = _cell_text
    return env.get_template("html_table.tpl")


def _literal_labels(styler) -> None:
    """Labels set with ``relabel_index`` are shown as given: pandas formats them with
    ``label.format(key)``, so a name from the data with braces (``"fee{eur}"``) would fail."""
    from functools import partial

    for funcs in (getattr(styler, "_display_funcs_index", {}), getattr(styler, "_display_funcs_columns", {})):
        for key, func in list(funcs.items()):
            if not (isinstance(func, partial) and getattr(func.func, "__name__", "") == "alias_"):
                continue
            label = func.keywords.get("value")
            if isinstance(label, str) and ("{" in label or "}" in label):
                funcs[key] = partial(_keep, label)


def _keep(label: str, _key: object) -> str:
    return label


def styler_html(styler) -> str:
    """A Styler's HTML with every cell, label and index name escaped (formats kept)."""
    _literal_labels(styler)
    template = _safe_table_template()
    had = "template_html_table" in vars(styler)
    old = vars(styler).get("template_html_table")
    styler.template_html_table = template
    try:
        return styler.to_html()
    finally:
        if had:
            styler.template_html_table = old
        else:
            del styler.template_html_table


def use_safe_output() -> None:
    """Make the running IPython kernel show pandas Stylers with everything escaped.

    Called by :func:`crm_models.plotting.style.use_report_style`; does nothing outside IPython.
    DataFrames shown directly are escaped by pandas already.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return
    shell = get_ipython()
    if shell is None:
        return
    from pandas.io.formats.style import Styler

    shell.display_formatter.formatters["text/html"].for_type(Styler, styler_html)
