"""``crm-report``: list the report notebooks and run them into dated HTML reports.

    crm-report list
    crm-report run [NAMES ...] [-p KEY VALUE]... [--out DIR] [--lang en|zh] [--run-id ID]
                   [--progress auto|bar|log|off]
    crm-report run --config reports.yml [--date YYYY-MM-DD] [NAMES ...]
    crm-report assignment new (--student ID ... | --roster CSV) [--out DIR] [--lang en|zh] [--key FILE]
                              [--solution] [--config assignment.yml]
    crm-report assignment grade DIR [--key FILE] [--report-lang en|zh]

Exit codes: 0 all reports written; 1 a notebook failed (the others are still written,
no earlier good report is replaced); 2 a usage or input error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

import yaml

from crm_models.errors import CRMError
from crm_models.report.batch import load_config, run_batch
from crm_models.report.notebooks import discover
from crm_models.report.privacy import key_source
from crm_models.report.progress import MODES
from crm_models.report.runner import run_reports

__all__ = ["main", "parse_value"]

_LEADING_ZERO = re.compile(r"[+-]?0[0-9_]+")


def parse_value(text: str) -> object:
    """``-p`` values are read as YAML scalars: 3 -> int, 0.1 -> float, null -> None, [a, b] -> list,
    true/false -> bool (YAML 1.2: ``Yes``, ``no``, ``on`` stay text, e.g. ``-p event_value Yes``).

    A plain date (``2024-12-31``) becomes a :class:`datetime.date`; the runner passes it to
    the notebook as ISO text (:mod:`crm_models.report.parameters`).  Digits with a leading
    zero (an id such as ``0012``, which YAML would read as the number 10) stay text.
    """
    if _LEADING_ZERO.fullmatch(text.strip()):
        return text.strip()
    try:
        return yaml.load(text, Loader=_ParameterLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        return text


class _ParameterLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false; yes/no/on/off stay text (Telco's churn flag is "Yes")."""


_ParameterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_ParameterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from exc


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm-report", description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=None, help="folder of report notebooks")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="show the notebooks and their parameters")
    run = sub.add_parser("run", help="execute notebooks and write HTML reports")
    run.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                     metavar=("KEY", "VALUE"), help="set a notebook parameter")
    run.add_argument("--out", type=Path, default=None, help="output folder (default: reports)")
    run.add_argument("--run-id", default=None, help="sub-folder name (default: today's date)")
    run.add_argument("--lang", choices=["en", "zh"], default=None, help="report language")
    run.add_argument("--kernel", default="python3", help="Jupyter kernel name (default: python3)")
    run.add_argument("--config", type=Path, default=None,
                     help="YAML batch config: reports, parameters, {date} templating")
    run.add_argument("--progress", choices=list(MODES), default="auto",
                     help="per-notebook and per-cell progress: a bar on a terminal, timestamped log "
                          "lines otherwise (default: auto)")
    run.add_argument("--date", type=date_arg, default=None,
                     help="run date for {date}-style placeholders (default: today)")
    assignment = sub.add_parser("assignment", help="coursework: make and grade student workbooks")
    asub = assignment.add_subparsers(dest="action", required=True)
    new = asub.add_parser("new", help="make a student's workbook with personal data")
    who = new.add_mutually_exclusive_group(required=True)
    who.add_argument("--student", action="append", help="student id (repeatable)")
    who.add_argument("--roster", type=Path, help="class list CSV with columns student_id,name (UTF-8)")
    new.add_argument("--out", type=Path, default=Path("assignments"), help="folder (default: assignments)")
    new.add_argument("--lang", choices=["en", "zh"], default=None,
                     help="workbook language (default: the assignment file's, else en)")
    new.add_argument("--config", type=Path, default=None,
                     help="assignment YAML: questions from the bank, points, lang, due date "
                          "(default: the course's, else the six data questions)")
    new.add_argument("--solution", action="store_true",
                     help="write the teacher's answer key to OUT/answer-key/ (never graded) instead")
    new.add_argument("--key", type=Path, default=None,
                     help="course key file (default: OUT/course.key, created if missing; keep it private)")
    grade = asub.add_parser("grade", help="execute and grade every student folder in DIR")
    grade.add_argument("directory", type=Path)
    grade.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    grade.add_argument("--key", type=Path, default=None, help="the course key file (default: DIR/course.key)")
    grade.add_argument("--report-lang", choices=["en", "zh"], default=None,
                       help="language of DIR/class_report.html (default: the assignment's)")
    return parser


def _assignment(args) -> int:
    from crm_models import coursework
    from crm_models.coursework.reporting import CLASS_REPORT_FILE

    if args.action == "new":
        if args.roster is not None:
            roster = coursework.read_roster(args.roster)
            students = list(zip(roster["student_id"], roster["name"], strict=True))
        else:
            students = [(sid, "") for sid in args.student]
        for sid, name in students:
            print(coursework.new_assignment(sid, args.out, lang=args.lang, key=args.key, name=name,
                                            solution=args.solution, config=args.config))
        return 0
    sheet = coursework.grade(args.directory, timeout=args.timeout, key=args.key,
                             report_lang=args.report_lang,
                             log=lambda m: print(m, file=sys.stderr, flush=True))
    print(sheet.to_string(index=False))
    print(f"grades: {args.directory / coursework.assignment.GRADES_FILE}; class report: "
          f"{args.directory / CLASS_REPORT_FILE}", file=sys.stderr)
    return 0


def _list(notebook_dir: Path | None) -> int:
    for name, info in discover(notebook_dir).items():
        print(f"{name}: {info.title}")
        for key, default in info.parameters.items():
            print(f"    {key} = {default!r}")
    return 0


def _announce_key(anonymize: bool) -> None:
    """Say once where the pseudonym key is (creating it now, before any notebook runs)."""
    if anonymize:
        print(f"crm-report: {key_source().describe()}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "list":
            return _list(args.notebooks)
        if args.command == "assignment":
            return _assignment(args)
        params = {key: parse_value(value) for key, value in args.parameter}
        if args.config is not None:
            config = load_config(args.config)
            _announce_key(bool(config.get("anonymize", True)))
            batch = run_batch(config, out=args.out, run_date=args.date, run_id=args.run_id,
                              lang=args.lang, overrides=params, only=args.names or None,
                              notebook_dir=args.notebooks, kernel_name=args.kernel,
                              progress=args.progress)
            results = batch.results
            print(f"index: {batch.run_dir / 'index.html'}", file=sys.stderr)
        else:
            _announce_key(bool(params.get("anonymize")))
            results = run_reports(args.names, params, out=args.out or Path("reports"), run_id=args.run_id,
                                  lang=args.lang, notebook_dir=args.notebooks, kernel_name=args.kernel,
                                  progress=args.progress)
    except CRMError as exc:
        print(f"crm-report: error: {exc}", file=sys.stderr)
        return 2
    failed = [r for r in results if not r.ok]
    print(f"{len(results) - len(failed)} of {len(results)} reports written", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
