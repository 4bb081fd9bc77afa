"""Second line of defence when a report is exported to HTML: nothing in it can run script.

The report's own code escapes every value from the data (:mod:`crm_models.report.safe`).
Whatever slips through is neutralised here, in the executed notebook before export:

* Markdown (outputs and cells) is rendered with raw HTML shown as text and no
  ``javascript:`` links (:class:`SafeHTMLExporter`);
* HTML outputs keep only what tables need (:func:`clean_output_html`): table elements,
  ``<style>`` blocks, ``id``/``class``/``colspan``/``rowspan``; a ``<script>``, an
  ``<img onerror=...>`` or an ``<iframe>`` is shown as text, event-handler attributes
  are dropped;
* script and widget outputs are removed (:func:`strip_active_outputs`).

nbconvert's own ``sanitize_html`` is not used: it also turns headings, paragraphs and the
tables' ``<style>`` blocks into visible text.
"""

from __future__ import annotations

from nbconvert import HTMLExporter

try:
    from jinja2 import pass_context
except ImportError:  # pragma: no cover - jinja2 < 3
    from jinja2 import contextfilter as pass_context

__all__ = ["SafeHTMLExporter", "clean_output_html", "strip_active_outputs", "ACTIVE_MIME_TYPES"]

#: output types that run code in the reader's browser: never part of a report
ACTIVE_MIME_TYPES = ("application/javascript", "text/javascript", "application/x-javascript",
                     "application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")

_TAGS = ["table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "style",
         "div", "span", "p", "br", "b", "strong", "i", "em", "code", "pre", "sub", "sup", "small",
         "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "abbr"]
_ATTRIBUTES = {"*": ["id", "class", "title"], "td": ["colspan", "rowspan"], "th": ["colspan", "rowspan"],
               "table": ["border"], "style": ["type", "scoped"], "col": ["span"], "colgroup": ["span"]}


def clean_output_html(html: str) -> str:
    """``html`` with only table-report elements and attributes; anything else shown as text."""
    import bleach

    return bleach.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, protocols=[], strip=False,
                        strip_comments=True)


def strip_active_outputs(nb) -> None:
    """Drop script/widget outputs and clean HTML outputs of ``nb`` (an nbformat node), in place."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data:
                continue
            for mime in ACTIVE_MIME_TYPES:
                data.pop(mime, None)
            if "text/html" in data:
                html = data["text/html"]
                data["text/html"] = clean_output_html("".join(html) if isinstance(html, list) else html)
        shown = ("execute_result", "display_data")
        cell.outputs = [o for o in cell.outputs if o.get("output_type") not in shown or o.get("data")]


class SafeHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter with Markdown rendered safely (raw HTML escaped, no harmful links)."""

    @pass_context
    def markdown2html(self, context, source):
        from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        renderer = IPythonRenderer(
            escape=True, allow_harmful_protocols=False, attachments=cell.get("attachments", {}),
            embed_images=self.embed_images, path=path,
            anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)
