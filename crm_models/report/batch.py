"""Batch runs from a YAML config: many reports, one dated folder, an index and run.json.

    # reports.yml
    run_id: "{date}"               # folder under `out`; templated
    out: reports
    lang: en
    anonymize: true                # default for batches: customer ids pseudonymised
    parameters:                    # for every report that declares them
      observation_end: "{prev_month_end}"
    reports:
      - notebook: overview
      - notebook: clv
        name: clv-weekly           # HTML file name (default: the notebook's name): a plain
                                   # file name, no folder, no "..", no leading dot
        parameters: {horizon: 52, discount_rate: 0.002}

String values may use ``{date}``, ``{year}``, ``{month}``, ``{day}``, ``{month_start}``,
``{month_end}``, ``{prev_month_start}``, ``{prev_month_end}``, ``{quarter}`` of the run
date (today, or ``--date`` for a backfill).  Dates may be unquoted (``observation_end:
2024-12-31``): notebooks receive them as ISO text.  Every report is attempted; the index marks
failures; the run succeeds only if every report did.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from crm_models.errors import ReportError
from crm_models.report.fonts import embed_cjk_font
from crm_models.report.i18n import report_title, translate
from crm_models.report.notebooks import discover
from crm_models.report.parameters import unknown_parameters_hint
from crm_models.report.progress import RunProgress, make_progress
from crm_models.report.runner import ReportResult, atomic_write_text, check_parameters, run_report
from crm_models.report.safe import check_file_name

__all__ = ["BatchResult", "load_config", "template_context", "render", "run_batch"]

_TOP_KEYS = {"run_id", "out", "lang", "anonymize", "parameters", "reports"}
_REPORT_KEYS = {"notebook", "name", "parameters"}


def template_context(run_date: dt.date) -> dict[str, str]:
    """Values for ``{...}`` placeholders, all derived from the run date."""
    d = pd.Timestamp(run_date)
    month_start = d.to_period("M").start_time
    prev = (month_start - pd.Timedelta(days=1)).to_period("M")
    return {
        "date": d.date().isoformat(),
        "year": f"{d.year:04d}",
        "month": f"{d.month:02d}",
        "day": f"{d.day:02d}",
        "quarter": f"{d.year}Q{d.quarter}",
        "month_start": month_start.date().isoformat(),
        "month_end": d.to_period("M").end_time.date().isoformat(),
        "prev_month_start": prev.start_time.date().isoformat(),
        "prev_month_end": prev.end_time.date().isoformat(),
    }


def render(value: Any, context: Mapping[str, str]) -> Any:
    """Fill placeholders in every string of a nested structure."""
    if isinstance(value, str):
        try:
            return value.format_map(context)
        except KeyError as exc:
            known = ", ".join("{" + k + "}" for k in context)
            raise ReportError(f"unknown placeholder {{{exc.args[0]}}} in {value!r} (known: {known})") from exc
    if isinstance(value, list):
        return [render(v, context) for v in value]
    if isinstance(value, dict):
        return {k: render(v, context) for k, v in value.items()}
    return value


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and check a batch config; errors name the file and the offending key."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"{path}: config file not found")
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ReportError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(config, dict):
        raise ReportError(f"{path}: expected a mapping at the top level")
    unknown = set(config) - _TOP_KEYS
    if unknown:
        raise ReportError(f"{path}: unknown key(s) {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(sorted(_TOP_KEYS))})")
    reports = config.get("reports")
    if not isinstance(reports, list) or not reports:
        raise ReportError(f"{path}: 'reports' must be a non-empty list")
    names = []
    for i, entry in enumerate(reports):
        if isinstance(entry, str):
            entry = reports[i] = {"notebook": entry}
        if not isinstance(entry, dict) or "notebook" not in entry:
            raise ReportError(f"{path}: reports[{i}] needs a 'notebook'")
        bad = set(entry) - _REPORT_KEYS
        if bad:
            raise ReportError(f"{path}: reports[{i}] has unknown key(s) {', '.join(sorted(bad))}")
        name = entry.get("name", entry["notebook"])
        label = "name" if "name" in entry else "notebook"
        names.append(check_file_name(name, f"{path}: reports[{i}] {label}"))
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ReportError(f"{path}: report names must be unique; repeated: {', '.join(dupes)} (set 'name')")
    config.setdefault("parameters", {})
    config["source"] = str(path)
    return config


@dataclass
class BatchResult:
    run_dir: Path
    results: list[ReportResult]
    started: str
    finished: str

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def run_batch(
    config: Mapping[str, Any] | str | Path,
    *,
    out: str | Path | None = None,
    run_date: dt.date | None = None,
    run_id: str | None = None,
    lang: str | None = None,
    overrides: Mapping[str, object] | None = None,
    only: list[str] | None = None,
    notebook_dir: Path | None = None,
    kernel_name: str = "python3",
    progress: str | RunProgress = "auto",
) -> BatchResult:
    """Run every report of a config into ``out/<run_id>/`` with ``index.html`` and ``run.json``."""
    if not isinstance(config, Mapping):
        config = load_config(config)
    context = template_context(run_date or dt.date.today())
    available = discover(notebook_dir)
    lang = lang or config.get("lang", "en")
    anonymize = bool(config.get("anonymize", True))
    defaults = render(dict(config.get("parameters", {})), context)
    defaults.update(overrides or {})
    defaults["lang"] = lang
    defaults["anonymize"] = anonymize

    plan = []
    for i, entry in enumerate(config["reports"]):
        name = check_file_name(entry.get("name", entry["notebook"]),
                               f"{config.get('source', 'config')}: reports[{i}] name")
        if only and name not in only:
            continue
        if entry["notebook"] not in available:
            raise ReportError(f"{config.get('source', 'config')}: unknown notebook {entry['notebook']!r} "
                              f"(available: {', '.join(available)})")
        info = available[entry["notebook"]]
        own = render(dict(entry.get("parameters") or {}), context)
        check_parameters(info, own)
        params = {k: v for k, v in defaults.items() if k in info.parameters}
        params.update(own)
        plan.append((name, info, params))
    plan.sort(key=lambda item: item[1].name == "overview")  # it links the others: run it last
    run_folder = check_file_name(run_id or render(config.get("run_id", "{date}"), context),
                                 f"{config.get('source', 'config')}: run_id")
    run_dir = Path(out or config.get("out", "reports")) / run_folder
    for _, info, params in plan:
        if "report_dir" in info.parameters and "report_dir" not in params:
            params["report_dir"] = str(run_dir.resolve())  # the overview links this run's reports
    if only:
        missing = sorted(set(only) - {name for name, _, _ in plan})
        if missing:
            raise ReportError(f"no report named {', '.join(missing)} in the config")
    unused = sorted(k for k in (overrides or {}) if not any(k in info.parameters for _, info, _ in plan))
    if unused:
        raise ReportError(f"unknown parameter {', '.join(unused)} for the reports of this config"
                          + unknown_parameters_hint(unused, overrides or {}))

    started = dt.datetime.now().isoformat(timespec="seconds")
    display = make_progress(progress)
    results = []
    for i, (name, info, params) in enumerate(plan, 1):
        display.notebook_start(i, len(plan), name)
        result = run_report(info, run_dir, params, kernel_name=kernel_name, on_cell=display.cell,
                            html_name=f"{name}.html")
        result.name = name
        result.extra["notebook"] = info.name
        result.extra["title"] = info.title
        display.notebook_end(result)
        results.append(result)
    batch = BatchResult(run_dir, results, started, dt.datetime.now().isoformat(timespec="seconds"))
    write_run_json(batch, lang)
    write_index(batch, lang)
    return batch


def _result_record(r: ReportResult, run_dir: Path) -> dict[str, Any]:
    return {
        "name": r.name,
        "notebook": r.extra.get("notebook", r.name),
        "title": r.extra.get("title", r.name),
        "status": r.status,
        "html": r.html_path.name if r.html_path else None,
        "executed_notebook": r.executed_path.name if r.executed_path else None,
        "seconds": round(r.seconds, 2),
        "parameters": r.parameters,
        "error": r.error,
    }


def write_run_json(batch: BatchResult, lang: str = "en") -> Path:
    record = {
        "run_id": batch.run_dir.name,
        "started": batch.started,
        "finished": batch.finished,
        "status": "ok" if batch.ok else "failed",
        "lang": lang,
        "reports": [_result_record(r, batch.run_dir) for r in batch.results],
    }
    path = batch.run_dir / "run.json"
    atomic_write_text(path, json.dumps(record, indent=2, default=str, ensure_ascii=False) + "\n")
    return path


def write_index(batch: BatchResult, lang: str = "en") -> Path:
    """A small self-contained ``index.html`` linking the reports with their status."""
    html_phrase = lambda key: html.escape(translate(key, lang))  # noqa: E731
    rows = []
    for r in batch.results:
        rec = _result_record(r, batch.run_dir)
        title = html.escape(report_title(rec["notebook"], lang, rec["title"]))
        href = html.escape(urllib.parse.quote(rec["html"])) if rec["html"] else ""
        link = f'<a href="{href}">{title}</a>' if rec["html"] else title
        status = html_phrase("status_ok") if r.ok else html_phrase("status_failed")
        params = html.escape(json.dumps(rec["parameters"], default=str, ensure_ascii=False))
        error = f'<pre class="error">{html.escape(r.error or "")}</pre>' if not r.ok else ""
        css = "ok" if r.ok else "failed"
        rows.append(f'<tr class="{css}"><td>{link}</td><td>{html.escape(rec["name"])}</td>'
                    f'<td class="status">{status}{error}</td><td>{float(rec["seconds"]):.1f}</td>'
                    f"<td><code>{params}</code></td></tr>")
    overall = html_phrase("status_ok") if batch.ok else html_phrase("status_failed")
    page = f"""<!DOCTYPE html>
<html lang="{html.escape(lang, quote=True)}"><head><meta charset="utf-8">
<title>{html_phrase("index_title")} {html.escape(batch.run_dir.name)}</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", "Noto Sans SC", sans-serif; max-width: 1100px;
       margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; vertical-align: top; }}
tr.failed td.status {{ color: #b00020; font-weight: bold; }}
tr.ok td.status {{ color: #1b5e20; }}
pre.error {{ white-space: pre-wrap; font-weight: normal; font-size: 0.85em; }}
code {{ font-size: 0.8em; }}
</style></head><body>
<h1>{html_phrase("index_title")} {html.escape(batch.run_dir.name)}</h1>
<p>{html_phrase("run_started")}: {html.escape(batch.started)} &middot;
{html_phrase("run_finished")}: {html.escape(batch.finished)} &middot;
{html_phrase("run_status")}: <strong>{overall}</strong></p>
<table><thead><tr><th>{html_phrase("col_report")}</th><th>{html_phrase("col_name")}</th><th>{html_phrase("col_status")}</th>
<th>{html_phrase("col_seconds")}</th><th>{html_phrase("col_parameters")}</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    path = batch.run_dir / "index.html"
    atomic_write_text(path, embed_cjk_font(page))
    return path
