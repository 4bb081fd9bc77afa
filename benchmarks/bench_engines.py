"""Benchmark: the RFM summary of large transaction files on the data engine (issue #13).

    python -m benchmarks.bench_engines                 # 5M transactions of 1M customers
    python -m benchmarks.bench_engines --size 1e7      # 50M transactions of 10M customers (~6 GB)
    python -m benchmarks.bench_engines --huge          # 200M transactions of 40M customers,
                                                       # DuckDB memory limit 8 GB
    python -m benchmarks.bench_engines --quick         # 500k transactions of 100k customers
    python -m benchmarks.bench_engines --repeat 5      # 5 interleaved rounds, medians reported

The peer is the hand-written DuckDB query of the issue (Parquet -> pandas, one query, no
checks), copied verbatim below as ``REFERENCE_QUERY``.  Rows, all on the same file:

(a) the reference query;
(b) ``crm.data.scan_transactions`` + ``crm.data.rfm_summary`` end to end, default checks
    (the exact-duplicate count included);
(c) the same with ``duplicates="keep"`` (no duplicate count);
(d) the previous pandas path: ``crm.data.load_transactions`` (read into pandas, validate)
    + the numpy summary kept as the test oracle in ``tests/reference/pandas_summary.py``
    (skipped from 10M customers on unless ``--with-old``: it needs ~12 GB);
(e) CSV input: the reference query on the CSV copy vs ``scan_transactions`` of the CSV;

plus, on 2M transactions of 200k customers, ``lifetimes.utils.summary_data_from_transaction_data``
(``pd.read_parquet`` + lifetimes) vs ``scan_transactions`` + ``rfm_summary`` of the same file.

Every measurement runs in its own Python process, so the peak resident memory
(``ru_maxrss``) is that task's alone.  Imports are timed separately (reported once); the
times in the table are the work after the imports.  The three checksums (sum of frequency,
of T, of monetary_value) and the customer count must agree across all rows of one file
(to 1e-9 relative), else the script stops.

Data (generated once with DuckDB SQL under ``--data-dir``, default ``/tmp/crm_engine_bench``,
never in the repository): customer ids ``'C' || k`` with k uniform in [0, customers) - five
transactions per customer on average - dates 2023-01-01 + 0..729 days, amounts
Gamma(2, 30) rounded to cents (as ``-30 ln(U1 U2)``), seeded with ``setseed``; the CSV is
a copy of the Parquet file.  Summary: daily purchase periods, in weeks, to 2024-12-31.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

DATA_DIR = Path(os.environ.get("CRM_ENGINE_BENCH_DIR", "/tmp/crm_engine_bench"))
END = "2024-12-31"
SEED = 0.42

# The hand-written DuckDB query of the issue, verbatim (daily periods, weeks, end 2024-12-31).
REFERENCE_QUERY = """
      with d as (select customer_id, cast(date as date) as day, sum(amount) as v from '{path}' group by 1, 2),
      c as (select customer_id, count(*) - 1 as frequency, min(day) as first, max(day) as last,
             sum(v) as total, arg_min(v, day) as first_v from d group by 1)
      select customer_id, frequency, date_diff('day', first, last) / 7.0 as recency,
             date_diff('day', first, date '{end}') / 7.0 as T,
             case when frequency > 0 then (total - first_v) / frequency else 0 end as monetary_value
      from c"""


# --- data ------------------------------------------------------------------------------------

def make_data(n_customers: int, n_tx: int, data_dir: Path, csv: bool = False) -> Path:
    """Parquet file (and its CSV copy when ``csv``) of n_tx transactions of n_customers."""
    import duckdb

    data_dir.mkdir(parents=True, exist_ok=True)
    parquet = data_dir / f"tx_{n_tx}_{n_customers}.parquet"
    con = duckdb.connect(config={"threads": 1})  # one thread: the random stream is reproducible
    if not parquet.exists():
        tmp = parquet.with_suffix(".tmp")
        t0 = time.perf_counter()
        con.execute(f"SELECT setseed({SEED})").fetchall()
        con.execute(f"""COPY (
            SELECT 'C' || CAST(floor(random() * {n_customers}) AS BIGINT) AS customer_id,
                   TIMESTAMP '2023-01-01' + to_days(CAST(floor(random() * 730) AS INTEGER)) AS date,
                   round(-30 * ln((1 - random()) * (1 - random())), 2) AS amount
            FROM range({n_tx})) TO '{tmp}' (FORMAT parquet)""")
        tmp.rename(parquet)
        print(f"wrote {parquet} ({parquet.stat().st_size / 2**20:.0f} MB) in {time.perf_counter() - t0:.1f}s",
              flush=True)
    if csv:
        path = parquet.with_suffix(".csv")
        if not path.exists():
            tmp = path.with_suffix(".csvtmp")
            con.execute(f"COPY (SELECT * FROM '{parquet}') TO '{tmp}' (FORMAT csv, HEADER)")
            tmp.rename(path)
            print(f"wrote {path} ({path.stat().st_size / 2**20:.0f} MB)", flush=True)
        return path
    return parquet


# --- one measurement, in a child process -----------------------------------------------------

def one(task: str, path: str, memory_limit: str | None) -> dict:
    """Run one task in this (fresh) process; returns times, peak RSS and checksums."""
    t0 = time.perf_counter()
    if task == "reference":
        import duckdb
        import pandas as pd  # noqa: F401 - .df() needs it
        import pyarrow  # noqa: F401
    elif task == "lifetimes":
        import pandas as pd
        from lifetimes.utils import summary_data_from_transaction_data
    else:
        import duckdb  # noqa: F401
        import ibis
        import ibis.backends.duckdb  # noqa: F401
        import pyarrow  # noqa: F401

        import crm_models as crm

        if task == "old":
            import importlib.util

            oracle = Path(__file__).resolve().parents[1] / "tests" / "reference" / "pandas_summary.py"
            spec = importlib.util.spec_from_file_location("pandas_summary_oracle", oracle)
            pandas_summary = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(pandas_summary)
    t1 = time.perf_counter()
    rss_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    steps: dict[str, float] = {}
    if task == "reference":
        con = duckdb.connect()
        if memory_limit:
            con.execute(f"SET memory_limit='{memory_limit}'")
        s = con.sql(REFERENCE_QUERY.format(path=path, end=END)).df()
    elif task == "lifetimes":
        tx = pd.read_parquet(path)
        steps["read"] = time.perf_counter() - t1
        s = summary_data_from_transaction_data(tx, "customer_id", "date", monetary_value_col="amount",
                                               observation_period_end=END, freq="D", freq_multiplier=7)
    elif task == "old":
        tx = crm.data.load_transactions(path, "customer_id", "date", "amount")
        steps["load"] = time.perf_counter() - t1
        s = pandas_summary.rfm_summary(tx, END, period="D", time_unit="W")
    else:  # crm, crm_keep
        duplicates = "keep" if task == "crm_keep" else "warn"
        tt = crm.data.scan_transactions(path, "customer_id", "date", "amount", observation_end=END,
                                        duplicates=duplicates, memory_limit=memory_limit)
        steps["scan"] = time.perf_counter() - t1
        s = crm.data.rfm_summary(tt, END, period="D", time_unit="W")
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"task": task, "import_s": t1 - t0, "work_s": t2 - t1, "steps": steps, "peak_rss": peak,
            "rss_imports": rss_imports, "customers": len(s), "sum_frequency": float(s["frequency"].sum()),
            "sum_T": float(s["T"].sum()), "sum_monetary_value": float(s["monetary_value"].sum())}


#: rounds (``--repeat``): each round runs every task once, in turn; a task's figures are
#: those of its median run
REPEAT = 1


def run_all(jobs: dict[str, tuple[str, Path, str | None]]) -> dict[str, dict]:
    """Every job ``name -> (task, path, memory_limit)`` in REPEAT interleaved rounds.

    Interleaving (query, ours, query, ours, ...) exposes both to the same drift of the
    machine; each job's result is its run of median time (with that run's memory and steps).
    """
    runs: dict[str, list[dict]] = {name: [] for name in jobs}
    for _ in range(REPEAT):
        for name, (task, path, limit) in jobs.items():
            runs[name].append(_run_process(task, path, limit))
    results = {}
    for name, (task, path, _) in jobs.items():
        ordered = sorted(runs[name], key=lambda r: r["work_s"])
        result = ordered[len(ordered) // 2]
        times = ", ".join(f"{r['work_s']:.2f}" for r in runs[name])
        print(f"  {task:<10} {Path(path).name:<32} {result['work_s']:8.2f}s  peak {_gb(result['peak_rss'])}"
              + (f"  (runs in order: {times} s)" if REPEAT > 1 else ""), flush=True)
        results[name] = result
    return results


def _run_process(task: str, path: Path, memory_limit: str | None) -> dict:
    root = Path(__file__).resolve().parents[1]
    code = ("import json, sys; from benchmarks.bench_engines import one; "
            "print(json.dumps(one(sys.argv[1], sys.argv[2], sys.argv[3] or None)))")
    path_var = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path_var}
    # cwd: the data folder, where DuckDB spills (its ".tmp") beyond the memory limit
    out = subprocess.run([sys.executable, "-c", code, task, str(path), memory_limit or ""],
                         cwd=Path(path).parent, env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{task} on {path} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def check_same(results: list[dict]) -> None:
    """Checksums of every result equal to the first one's (1e-9 relative; counts exact)."""
    first = results[0]
    for r in results[1:]:
        assert r["customers"] == first["customers"], (first, r)
        for key in ("sum_frequency", "sum_T", "sum_monetary_value"):
            assert abs(r[key] - first[key]) <= 1e-9 * abs(first[key]), (key, first, r)


# --- main ------------------------------------------------------------------------------------

def _gb(n: float) -> str:
    return f"{n / 2**30:.2f} GB"


def print_rows(rows: list[dict], title: str) -> None:
    """rows: task, ours (result), peer name, peer (result); ratio = peer / ours (time, memory)."""
    from benchmarks.common import machine

    print(f"\n{title}  ({machine()}; load average {os.getloadavg()[0]:.1f})")
    print(f"{'task':<58} {'crm_models':>19} {'peer':>34} {'time ratio':>10} {'memory ratio':>12}")
    for r in rows:
        ours, peer = r["ours"], r.get("peer")
        mine = f"{ours['work_s']:.2f}s {_gb(ours['peak_rss'])}"
        if peer is None:
            print(f"{r['task']:<58} {mine:>19} {'-':>34}")
            continue
        theirs = f"{r['peer_name']}: {peer['work_s']:.2f}s {_gb(peer['peak_rss'])}"
        print(f"{r['task']:<58} {mine:>19} {theirs:>34} {peer['work_s'] / ours['work_s']:>9.2f}x "
              f"{peer['peak_rss'] / ours['peak_rss']:>11.2f}x")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=float, default=1e6, help="customers (5 transactions each); 1e6 or 1e7")
    parser.add_argument("--huge", action="store_true",
                        help="4e7 customers (200M transactions), DuckDB memory limit 8 GB; "
                             "reference query and crm_models only")
    parser.add_argument("--quick", action="store_true", help="1e5 customers; lifetimes on 200k transactions")
    parser.add_argument("--with-old", action="store_true", help="the pandas path also from 1e7 customers on")
    parser.add_argument("--no-csv", action="store_true")
    parser.add_argument("--no-lifetimes", action="store_true")
    parser.add_argument("--memory-limit", default=None,
                        help="DuckDB memory limit of query and crm_models (default none; --huge: 8GB)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every task, interleaved; each task's median run is reported")
    args = parser.parse_args(argv)
    global REPEAT
    REPEAT = max(1, args.repeat)
    n_cust = int(4e7) if args.huge else int(1e5) if args.quick else int(args.size)
    n_tx = 5 * n_cust
    limit = args.memory_limit or ("8GB" if args.huge else None)
    parquet = make_data(n_cust, n_tx, args.data_dir)
    print(f"{n_tx:,} transactions of {n_cust:,} customers (load average {os.getloadavg()[0]:.1f}; "
          f"median of {REPEAT} run{'s' if REPEAT > 1 else ''} per task)", flush=True)

    size = f"{n_tx / 1e6:g}M tx"
    with_old = not args.huge and (n_cust < 1e7 or args.with_old)
    jobs = {"ref": ("reference", parquet, limit), "crm": ("crm", parquet, limit),
            "keep": ("crm_keep", parquet, limit)}
    if with_old:
        jobs["old"] = ("old", parquet, None)
    if not args.huge and not args.no_csv:
        csv = make_data(n_cust, n_tx, args.data_dir, csv=True)
        jobs.update(ref_csv=("reference", csv, None), crm_csv=("crm", csv, None))
    small_c, small_tx = (20_000, 200_000) if args.quick else (200_000, 2_000_000)
    if not args.huge and not args.no_lifetimes:
        small = make_data(small_c, small_tx, args.data_dir)
        jobs.update(lt=("lifetimes", small, None), crm_small=("crm", small, None))
    got = run_all(jobs)
    ref, crm_row, keep, old, lt = got["ref"], got["crm"], got["keep"], got.get("old"), got.get("lt")
    check_same([got[k] for k in ("ref", "crm", "keep", "old", "ref_csv", "crm_csv") if k in got])
    rows = [{"task": f"(b) scan + rfm_summary, default checks, Parquet {size}", "ours": crm_row,
             "peer_name": "query", "peer": ref},
            {"task": f"(c) scan(duplicates='keep') + rfm_summary, Parquet {size}", "ours": keep,
             "peer_name": "query", "peer": ref}]
    if old:
        rows.append({"task": f"(b) vs (d) load_transactions + numpy summary, {size}", "ours": crm_row,
                     "peer_name": "old path", "peer": old})
        rows.append({"task": f"(c) vs (d) load_transactions + numpy summary, {size}", "ours": keep,
                     "peer_name": "old path", "peer": old})
    if "crm_csv" in got:
        rows.append({"task": f"(e) scan + rfm_summary, CSV {size}", "ours": got["crm_csv"],
                     "peer_name": "query", "peer": got["ref_csv"]})
    if lt:
        check_same([lt, got["crm_small"]])
        rows.append({"task": f"scan + rfm_summary vs lifetimes, {small_tx / 1e6:g}M tx / {small_c // 1000}k",
                     "ours": got["crm_small"], "peer_name": "lifetimes", "peer": lt})

    title = f"Data engines: RFM summary of {n_tx:,} transactions / {n_cust:,} customers"
    if limit:
        title += f", DuckDB memory_limit {limit}"
    print_rows(rows, title)
    print(f"(a) reference query: {ref['work_s']:.2f}s, peak {_gb(ref['peak_rss'])}; checksums agree: "
          f"{ref['customers']:,} customers, sum frequency {ref['sum_frequency']:,.0f}, "
          f"sum T {ref['sum_T']:,.4f}, sum monetary_value {ref['sum_monetary_value']:,.4f}")
    print(f"steps: (b) scan {crm_row['steps']['scan']:.2f}s + summary "
          f"{crm_row['work_s'] - crm_row['steps']['scan']:.2f}s; (c) scan {keep['steps']['scan']:.2f}s"
          + (f"; (d) load_transactions {old['steps']['load']:.2f}s + summary "
             f"{old['work_s'] - old['steps']['load']:.2f}s" if old else "")
          + (f"; lifetimes: read_parquet {lt['steps']['read']:.2f}s" if lt else ""))
    print(f"imports (fresh process, not in the times above): duckdb + pandas {ref['import_s']:.2f}s "
          f"(RSS {_gb(ref['rss_imports'])}), crm_models + ibis + duckdb {crm_row['import_s']:.2f}s "
          f"(RSS {_gb(crm_row['rss_imports'])})"
          + (f", pandas + lifetimes {lt['import_s']:.2f}s" if lt else ""))
    return [{"task": r["task"], "ours_s": r["ours"]["work_s"], "peer": r["peer_name"],
             "peer_s": r["peer"]["work_s"]} for r in rows]


if __name__ == "__main__":
    main()
