"""Build hook of the documentation site: list the rendered sample reports.

`make docs-reports` renders the report notebooks into docs/sample-reports/sample/ (not
committed); mkdocs copies those HTML files into the site. This hook replaces the
``<!-- sample-reports -->`` marker of sample-reports.md with links to the reports that exist,
so the site builds (with --strict) whether or not they were rendered.
"""

from __future__ import annotations

from pathlib import Path

MARKER = "<!-- sample-reports -->"
FOLDER = "sample-reports/sample"
TITLES = {
    "index": "Index of the run",
    "overview": "Overview",
    "clv": "Customer lifetime value",
    "churn": "Churn",
    "csi": "Customer satisfaction index",
    "segments": "Segments",
}


def _listing(docs_dir: Path) -> str:
    folder = docs_dir / FOLDER
    pages = sorted(folder.glob("*.html")) if folder.is_dir() else []
    if not pages:
        return ("*No sample reports were rendered for this build.* Run `make docs` (or "
                "`make docs-reports`, then `mkdocs build`) to render them.")
    order = list(TITLES)
    pages.sort(key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem))
    return "\n".join(f"- [{TITLES.get(p.stem, p.stem)}]({FOLDER}/{p.name})" for p in pages)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001 (mkdocs hook)
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, _listing(Path(config["docs_dir"])))
