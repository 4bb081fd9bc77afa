"""Every example in README.md and docs/*.md runs, on the bundled sample data.

One test per fenced block, id ``<doc>:L<line of the fence>``:

* ``bash``/``sh``/``shell`` blocks run with ``bash -euo pipefail`` (``console`` blocks: their
  ``$ `` lines), with the virtualenv's ``bin`` first on PATH (so ``crm-report`` is the
  entry point of the environment running the tests) and this checkout on PYTHONPATH;
* ``python`` blocks run in one namespace per document, in document order (a later block
  uses ``tx`` from an earlier one; running a single block runs its predecessors first);
* ``yaml`` blocks that are batch configs (a ``reports:`` key) run as
  ``crm-report run --config`` with ``--out`` in the temporary folder; other YAML is parsed;
* ``cron`` blocks: the command part of each line (after the five schedule fields) runs;
* ``text`` and other output blocks are not run; an untagged fence is an error (tag it).

Each document gets one temporary working directory holding the files its examples name
(:data:`FILES`, made from ``crm_models.data.datasets``) and every named config block
(``# reports.yml`` as first line).  Paths a server would have are mapped into it and a few
commands get safe equivalents (:data:`SUBSTITUTIONS`: each with its reason).

A block that truly cannot run here carries a visible marker on the line before its fence:

* ``<!-- docs-test: skip (reason) -->``: not run; pytest reports it skipped with the reason;
* ``<!-- docs-test: signature -->``: a call signature (``f(a, b=1, *, c=None)``): its names,
  kinds and defaults are compared with the real function's;
* ``<!-- docs-test: bash_command (reason) -->``: a Python block defining an Airflow task
  (Airflow is not installed here): the operator's ``bash_command`` runs instead.

Blocks that need Spark (docs/spark.md, or any block that uses ``engine spark`` /
``crm_models.spark``) follow the ``spark`` fixture (tests/conftest.py): skipped with the reason outside CI
when pyspark or Java is missing, a failure in CI.  A block that names ``CDNOW_sample.txt``
needs ../shared/data (``shared_data``: skipped outside CI when absent).
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from helpers import spark_missing

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL = {"bash", "sh", "shell", "console"}
RUN = SHELL | {"python", "yaml", "yml", "cron"}
MARKER = re.compile(r"<!--\s*docs-test:\s*([\w-]+)\s*(?:\((.*)\))?\s*-->")
AIRFLOW_DS = "2025-01-02"  # {{ ds }}: a run date whose previous month is in the sample data

#: (pattern, replacement, why): applied to every block's text before it runs.  ``{tmp}`` is
#: the document's working directory, ``{repo}`` this checkout.
SUBSTITUTIONS: list[tuple[str, str, str]] = [
    (r"(?<![\w/.-])make (report|test|check|bench|data|lint|clean)\b", r"make -n -C {repo} \1",
     "make targets are shown, not run (dry run: the target exists and its recipe parses); "
     "`make test` would run this suite inside itself, `make report`'s recipe is `crm-report run`, "
     "which the README's CLI block runs"),
    (r"(?<![\w/.-])/srv/crm/", "{tmp}/", "a server's project folder -> the working directory"),
    (r"(?<![\w/.-])/srv/", "{tmp}/srv/", "other server paths -> inside the working directory"),
    (r"(?<![\w/.-])/var/log/", "{tmp}/log/", "log files -> inside the working directory"),
    (r"(?<![\w/.-])/data/", "{tmp}/data/", "absolute data paths -> inside the working directory"),
    (r"s3://shop/", "{tmp}/s3/shop/", "an object store -> a local folder of the same layout"),
    (r"(?<![\w/.-])sales\.orders\b", "{tmp}/warehouse/sales/orders.parquet",
     "a warehouse table -> a Parquet file (a notebook kernel has its own Spark catalog)"),
    (r"\{\{ ds \}\}", AIRFLOW_DS, "Airflow's run date template"),
]


# ----------------------------------------------------------------------------------------
# blocks

@dataclass(frozen=True)
class Block:
    doc: str  # relative to the repository
    line: int  # line of the opening fence (1-based)
    lang: str
    text: str
    marker: str | None = None
    reason: str | None = None

    @property
    def id(self) -> str:
        return f"{self.doc}:L{self.line}"

    @property
    def runs(self) -> bool:
        return self.lang in RUN and self.marker != "skip"


def extract(path: Path) -> list[Block]:
    """The fenced code blocks of a markdown file, with the docs-test marker before each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name
    blocks, i = [], 0
    while i < len(lines):
        stripped = lines[i].lstrip()
        if not stripped.startswith("```"):
            i += 1
            continue
        indent, fence = len(lines[i]) - len(stripped), re.match(r"`{3,}", stripped).group(0)
        info = stripped[len(fence):].strip()
        lang = info.split()[0].lower() if info else ""
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        body = "\n".join(line[indent:] if not line[:indent].strip() else line.lstrip()
                         for line in lines[i + 1:j])  # a fence indented in a list: drop the indent
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        m = MARKER.search(lines[k]) if k >= 0 else None
        blocks.append(Block(doc, i + 1, lang, body + "\n", m.group(1) if m else None,
                            (m.group(2) or "").strip() or None if m else None))
        i = j + 1
    return blocks


ALL_BLOCKS = [b for path in DOCUMENTS for b in extract(path)]
RUN_BLOCKS = [b for b in ALL_BLOCKS if b.lang in RUN]


def substitute(text: str, tmp: Path) -> str:
    for pattern, replacement, _ in SUBSTITUTIONS:
        text = re.sub(pattern, replacement.replace("{tmp}", str(tmp)).replace("{repo}", str(REPO)), text)
    return text


def needs_spark(block: Block) -> bool:
    return block.doc == "docs/spark.md" or bool(re.search(
        r"engine[ =]+\"?spark|crm_models\.spark|\bcrs\.|spark-submit|engine=\"spark\"", block.text))


# ----------------------------------------------------------------------------------------
# the working directory of a document


def _orders(columns: dict[str, str] | None = None):
    from crm_models.data import datasets

    return datasets.sample_transactions().rename(columns=columns or {})


def _gbk_with_a_refund(path: Path) -> None:
    """The sample as a GBK export (Chinese text in it) with one refund row."""
    import pandas as pd

    tx = _orders()
    refund = tx.iloc[[0]].assign(amount=-tx["amount"].iloc[0])
    tx = pd.concat([tx, refund], ignore_index=True).assign(channel="线上商城")
    tx.to_csv(path, index=False, encoding="gbk")


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _parquet(frame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False, coerce_timestamps="us")  # microseconds: Spark reads them


ORDERS_COLUMNS = {"customer_id": "user_id", "date": "order_date", "amount": "total"}

#: Files the examples name -> how they are made (in the document's working directory).
FILES = {
    "orders.csv (user_id, order_date, total: the README's column names)":
        lambda d: _orders(ORDERS_COLUMNS).to_csv(d / "orders.csv", index=False),
    "exports/orders.parquet (the batch config's export, default column names)":
        lambda d: _parquet(_orders(), d / "exports" / "orders.parquet"),
    "warehouse/sales/orders.parquet (the table sales.orders: user_id, order_date, total)":
        lambda d: _parquet(_orders(ORDERS_COLUMNS), d / "warehouse" / "sales" / "orders.parquet"),
    "s3/shop/orders/ (a folder of Parquet files; customer column user_id)":
        lambda d: _parquet(_orders({"customer_id": "user_id"}),
                           d / "s3" / "shop" / "orders" / "part-0.parquet"),
    "data/transactions/ and data/orders.parquet (Spark examples, default column names)":
        lambda d: (_parquet(_orders(), d / "data" / "transactions" / "part-0.parquet"),
                   _parquet(_orders(), d / "data" / "orders.parquet")),
    "orders_gbk.csv (a GBK export with Chinese text and one refund)":
        lambda d: _gbk_with_a_refund(d / "orders_gbk.csv"),
    "tests/data/messy/gbk.csv (the repository's messy-exports corpus, as in a checkout)":
        lambda d: _copy(REPO / "tests/data/messy/gbk.csv", d / "tests/data/messy/gbk.csv"),
    "key (the pseudonym key file of the cron example)":
        lambda d: (d / "key").write_text("docs-test-key\n"),
    "log/ (for >> /var/log/...)": lambda d: (d / "log").mkdir(),
    ".venv and crm_models/.venv (links to the environment running the tests)":
        lambda d: [(d / sub).mkdir(parents=True, exist_ok=True) or (d / sub / ".venv").symlink_to(sys.prefix)
                   for sub in (".", "crm_models")],
}


def config_name(block: Block) -> str | None:
    """``reports.yml`` for a YAML batch config whose first line is ``# reports.yml``."""
    m = re.match(r"#\s*(\S+\.ya?ml)\b", block.text)
    return m.group(1) if m else None


def is_batch_config(block: Block) -> bool:
    try:
        data = yaml.safe_load(block.text)
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and "reports" in data


_WORKDIRS: dict[str, Path] = {}
_NAMESPACES: dict[str, dict] = {}
_DONE: dict[str, set[int]] = {}


@pytest.fixture
def workdir(request, tmp_path_factory):
    """The document's working directory (made once per document), with FILES and configs."""
    doc = request.node.callspec.params["block"].doc
    if doc not in _WORKDIRS:
        d = tmp_path_factory.mktemp(doc.replace("/", "_").replace(".md", ""))
        for make in FILES.values():
            make(d)
        for b in ALL_BLOCKS:
            if b.doc == doc and b.lang in {"yaml", "yml"} and config_name(b) and is_batch_config(b):
                (d / config_name(b)).write_text(substitute(b.text, d), encoding="utf-8")
        _WORKDIRS[doc] = d
    return _WORKDIRS[doc]


def _requirements(request, block: Block, workdir: Path) -> None:
    if needs_spark(block):
        reason = spark_missing()
        if reason is not None:
            if os.environ.get("CI"):
                pytest.fail(f"docs example {block.id} needs Spark and must run in CI: {reason}")
            pytest.skip(f"Spark example skipped outside CI: {reason}")
    if "CDNOW_sample.txt" in block.text and not (workdir / "CDNOW_sample.txt").exists():
        shared = request.getfixturevalue("shared_data")  # skips only outside CI
        shutil.copy(shared / "cdnow" / "CDNOW_sample.txt", workdir / "CDNOW_sample.txt")


def _env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["MPLBACKEND"] = "Agg"
    env["CRM_PSEUDONYM_KEY"] = env.get("CRM_PSEUDONYM_KEY", "docs-test-key")
    return env


# ----------------------------------------------------------------------------------------
# running one block


def shell_script(block: Block) -> str:
    """The commands of a shell, console or cron block (before substitution)."""
    if block.lang == "console":
        return "\n".join(line[2:] for line in block.text.splitlines() if line.startswith("$ ")) + "\n"
    if block.lang == "cron":
        lines = [ln for ln in block.text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        return "\n".join(ln.split(None, 5)[5] for ln in lines) + "\n"
    return block.text


def run_shell(script: str, workdir: Path, block: Block) -> None:
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=workdir, env=_env(workdir),
                          capture_output=True, text=True, timeout=1500)
    if proc.returncode != 0:
        logs = "".join(f"\n--- {p.name}:\n{p.read_text()[-3000:]}" for p in (workdir / "log").glob("*"))
        pytest.fail(f"{block.id}: exit {proc.returncode}\n--- script:\n{script}\n--- stdout:\n"
                    f"{proc.stdout[-4000:]}\n--- stderr:\n{proc.stderr[-6000:]}{logs}", pytrace=False)


def airflow_command(block: Block) -> str:
    """The ``bash_command=`` string of an Airflow operator in a Python block."""
    for node in ast.walk(ast.parse(block.text)):
        if isinstance(node, ast.keyword) and node.arg == "bash_command":
            return ast.literal_eval(node.value) + "\n"
    raise AssertionError(f"{block.id}: marked bash_command but has no bash_command=")


def run_python(block: Block, workdir: Path, request, monkeypatch, *, itself: bool = True) -> None:
    """Run the document's earlier Python blocks (once), then this one, in one namespace."""
    ns = _NAMESPACES.setdefault(block.doc, {"__name__": "__docs__"})
    done = _DONE.setdefault(block.doc, set())
    monkeypatch.chdir(workdir)
    for var, value in _env(workdir).items():
        if var != "PATH":
            monkeypatch.setenv(var, value)
    if re.search(r"\bspark\s*[.=,)]", block.text) and "spark" not in ns:
        ns["spark"] = request.getfixturevalue("spark")  # the session a cluster notebook has
    for b in ALL_BLOCKS:
        if b.doc != block.doc or b.lang != "python" or b.line > block.line or b.line in done:
            continue
        if (b.marker is not None and b is not block) or (b is block and not itself):
            continue  # skipped, signature and Airflow blocks define nothing later blocks use
        if b is not block:
            _requirements(request, b, workdir)
        code = compile(substitute(b.text, workdir), b.id, "exec")
        done.add(b.line)  # a failing block is not run again for its successors
        exec(code, ns)


def check_signatures(block: Block) -> int:
    """Compare each ``f(a, b=1, *, c=None)`` in the block with ``inspect.signature(f)``."""
    ns = _NAMESPACES.get(block.doc, {})
    text, count = block.text, 0
    for m in re.finditer(r"^([A-Za-z_][\w.]*)\(", text, flags=re.M):
        depth, end = 0, m.end() - 1
        for end in range(m.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        args = ast.parse(f"def f({text[m.end():end]}): pass").body[0].args
        obj = eval(m.group(1), dict(ns))  # noqa: S307  (a dotted name from our own docs)
        real = inspect.signature(obj).parameters
        positional = args.posonlyargs + args.args
        shown = [(a.arg, "kw" if a in args.kwonlyargs else "pos") for a in positional + args.kwonlyargs]
        expected = [(p.name, "kw" if p.kind is p.KEYWORD_ONLY else "pos") for p in real.values()]
        assert shown == expected, f"{block.id}: {m.group(1)} documented as {shown}, is {expected}"
        defaults = dict(zip([a.arg for a in positional][len(positional) - len(args.defaults):],
                            args.defaults, strict=True))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d})
        for name, p in real.items():
            if name in defaults:
                assert ast.literal_eval(defaults[name]) == p.default, \
                    f"{block.id}: {m.group(1)}({name}=...) default is {p.default!r} in the code"
            else:
                assert p.default is inspect.Parameter.empty, \
                    f"{block.id}: {m.group(1)}: no default for {name} in the docs, {p.default!r} in the code"
        count += 1
    assert count, f"{block.id}: marked signature but shows no call"
    return count


@pytest.mark.slow
@pytest.mark.parametrize("block", RUN_BLOCKS, ids=[b.id for b in RUN_BLOCKS])
def test_docs_example(block: Block, workdir: Path, request, monkeypatch):
    if block.marker == "skip":
        pytest.skip(f"docs-test marker: {block.reason or 'no reason given'}")
    _requirements(request, block, workdir)
    if block.marker == "signature":
        run_python(block, workdir, request, monkeypatch, itself=False)  # imports, e.g. crs
        check_signatures(block)
    elif block.marker == "bash_command":
        run_shell(substitute(airflow_command(block), workdir), workdir, block)
    elif block.marker is not None:
        pytest.fail(f"{block.id}: unknown docs-test marker {block.marker!r} (skip, signature, bash_command)")
    elif block.lang == "python":
        run_python(block, workdir, request, monkeypatch)
    elif block.lang in {"yaml", "yml"}:
        if not is_batch_config(block):
            yaml.safe_load(block.text)  # not a config: it must at least parse
            return
        path = workdir / (config_name(block) or f"config-L{block.line}.yml")
        path.write_text(substitute(block.text, workdir), encoding="utf-8")
        run_shell(f"crm-report run --config {path} --out {workdir}/config-L{block.line} --progress log\n",
                  workdir, block)
        assert list((workdir / f"config-L{block.line}").glob("*/index.html"))
    else:
        run_shell(substitute(shell_script(block), workdir), workdir, block)


# ----------------------------------------------------------------------------------------
# the inventory


def test_every_fence_says_what_it_is():
    """An untagged fence cannot be told apart from output: tag it (```text for output)."""
    untagged = [b.id for b in ALL_BLOCKS if not b.lang]
    assert not untagged, f"untagged code fences (use ```bash, ```python, ```text ...): {untagged}"


def test_inventory(request):
    """Print what runs, what is skipped and why; the markers must be known and sparing."""
    counts: dict[str, list[str]] = {}
    for b in ALL_BLOCKS:
        kind = (f"skipped ({b.reason})" if b.marker == "skip" else
                "compared with the code's signature" if b.marker == "signature" else
                f"its bash_command run ({b.reason})" if b.marker == "bash_command" else
                ("run, needs Spark" if needs_spark(b) else "run") if b.lang in RUN else
                f"not run ({b.lang or 'untagged'})")
        counts.setdefault(kind, []).append(b.id)
    lines = [f"docs examples: {len(ALL_BLOCKS)} blocks in {len(DOCUMENTS)} documents"]
    lines += [f"  {len(ids):3d} {kind}: {', '.join(ids)}" for kind, ids in sorted(counts.items())]
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # shown in the run's output, not captured
            reporter.write_line("\n" + "\n".join(lines))
    assert all(b.marker in (None, "skip", "signature", "bash_command") for b in ALL_BLOCKS)
    assert all(b.reason for b in ALL_BLOCKS if b.marker == "skip"), "a docs-test skip needs a reason"
    assert len(RUN_BLOCKS) >= 20, lines  # the extractor still finds the examples


def test_extractor_markers_indentation_and_substitutions(tmp_path):
    md = tmp_path / "x.md"
    md.write_text("Intro\n\n<!-- docs-test: skip (needs a cluster) -->\n\n```bash\nspark-submit x\n```\n"
                  "1. a list\n\n   ```python\n   if True:\n       y = 1\n   ```\n"
                  "```console\n$ crm-report list\noverview: ...\n```\n```\nplain\n```\n", encoding="utf-8")
    blocks = extract(md)
    assert [(b.id, b.lang, b.marker, b.reason) for b in blocks] == [
        ("x.md:L5", "bash", "skip", "needs a cluster"), ("x.md:L10", "python", None, None),
        ("x.md:L14", "console", None, None), ("x.md:L18", "", None, None)]
    assert blocks[1].text == "if True:\n    y = 1\n"
    assert shell_script(blocks[2]) == "crm-report list\n"
    cron = Block("x.md", 1, "cron",
                 "# m h dom mon dow\n0 6 2 * * cd /srv/crm/app && make report >> /var/log/r.log\n")
    assert substitute(shell_script(cron), tmp_path) == (
        f"cd {tmp_path}/app && make -n -C {REPO} report >> {tmp_path}/log/r.log\n")
    assert substitute('read("sales.orders"); x = "my/data/y"; open("/data/z")', tmp_path) == (
        f'read("{tmp_path}/warehouse/sales/orders.parquet"); x = "my/data/y"; open("{tmp_path}/data/z")')


def test_signature_blocks_must_match_the_code():
    def score(sdf, model, t=None, *, customer_id="customer_id"):
        return None

    _NAMESPACES["sig.md"] = {"crs": type("M", (), {"score": staticmethod(score)})}
    ok = Block("sig.md", 1, "python",
               'crs.score(sdf, model, t=None, *,\n          customer_id="customer_id")\n', "signature")
    assert check_signatures(ok) == 1
    for wrong, message in [('crs.score(sdf, model, t=1, *, customer_id="customer_id")\n', "default is None"),
                           ('crs.score(sdf, model, t=None, customer_id="customer_id")\n', "documented as"),
                           ("crs.score(sdf, model, t, *, customer_id='customer_id')\n", "no default for t")]:
        with pytest.raises(AssertionError, match=message):
            check_signatures(Block("sig.md", 1, "python", wrong, "signature"))
