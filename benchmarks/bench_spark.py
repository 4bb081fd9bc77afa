"""Benchmark: 10M simulated transactions summarised, compressed, fitted and scored on local Spark.

    python -m benchmarks.bench_spark            # ~10,000,000 transactions (~2.3M customers)
    python -m benchmarks.bench_spark --quick    # ~200,000 transactions

The transactions come from :func:`crm_models.data.simulate.transactions` (BG/NBD with
Gamma-Gamma spend), generated once in chunks and written as parquet under
``/tmp/crm_spark_bench`` (reused by later runs; never in the repository).  Spark runs in
local mode on the machine's cores (``local[2]`` here), reading the parquet files:

1. ``crm.data.scan_transactions(..., engine="spark")``: the checks, as aggregate queries
   on Spark (the table stays lazy);
2. ``crm.data.rfm_summary`` of that table (daily purchases, weeks, calibration/holdout
   split): one Ibis query run by Spark, one row per customer back on the driver as pandas,
   written to parquet (the input of the Spark scoring step);
3. compression to distinct (frequency, recency, T) rows with their counts (a pandas
   ``groupby`` on the driver);
4. a BG/NBD fit on the driver on those weighted rows (``crm.clv.BetaGeoModel``; without
   the CLV area, ``lifetimes.BetaGeoFitter`` with weights) and a Gamma-Gamma fit on the
   repeat buyers' (frequency, monetary value), collected;
5. ``score_clv`` (P(alive), expected purchases and CLV over 52 weeks) written to parquet;
6. ``crm.churn.durations_from_transactions`` of the scanned table (churn survival data:
   one query run by Spark, one row per customer back on the driver).

The peer, measured in the same run in a separate process, is the in-memory path
(``crm.data.load_transactions`` of the whole table + ``crm.data.rfm_summary`` of the frame,
evaluated by DuckDB); it also checks that the Spark summary it reads back is equal to its
own (customers, counts and times exactly; amounts are sums whose order differs between
engines, so they agree to the last bits).  Memory: peak RSS of the Python
driver, of the JVM, and of the driver + JVM + Python workers together (sampled).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import machine

BENCH_DIR = Path(os.environ.get("CRM_SPARK_BENCH_DIR", "/tmp/crm_spark_bench"))
END, CAL = "2024-12-31", "2024-06-30"
CHUNK_CUSTOMERS = 250_000


# --- data ------------------------------------------------------------------------------------

def make_data(n_tx: int, seed: int = 0) -> tuple[Path, dict]:
    """Parquet directory of >= n_tx simulated transactions (one file per chunk of customers)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import crm_models as crm

    path = BENCH_DIR / f"tx_{n_tx}_seed{seed}"
    info_file = path / "_info.json"
    if info_file.exists():
        return path, json.loads(info_file.read_text())
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    total, customers, chunk = 0, 0, 0
    per_chunk = min(CHUNK_CUSTOMERS, max(1000, n_tx // 4))
    while total < n_tx:
        tx, _ = crm.data.simulate.transactions(per_chunk, seed=seed * 10_000 + chunk)
        tx["customer_id"] = f"K{chunk:03d}-" + tx["customer_id"].astype(str)
        pq.write_table(pa.Table.from_pandas(tx, preserve_index=False), path / f"part-{chunk:04d}.parquet",
                       coerce_timestamps="us")
        total, customers, chunk = total + len(tx), customers + per_chunk, chunk + 1
    info = {"transactions": total, "customers": customers, "files": chunk}
    info_file.write_text(json.dumps(info))
    return path, info


# --- memory ----------------------------------------------------------------------------------

def _proc_tree_rss(root: int) -> tuple[int, int]:
    """(total RSS of root and its descendants, RSS of the largest java process) in bytes (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, java, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            name = status.split("\n", 1)[0].split()[-1]
            rss = next(int(line.split()[1]) * 1024 for line in status.splitlines()
                       if line.startswith("VmRSS:"))
        except (OSError, StopIteration, ValueError):
            continue
        total += rss
        if name == "java":
            java = max(java, rss)
    return total, java


class MemorySampler(threading.Thread):
    """Samples the RSS of this process tree every ``interval`` seconds; keeps the peaks."""

    def __init__(self, interval: float = 0.25):
        super().__init__(daemon=True)
        self.interval, self.peak_total, self.peak_java = interval, 0, 0
        self._stop_event = threading.Event()
        self.available = os.path.isdir("/proc")

    def run(self) -> None:
        while self.available and not self._stop_event.is_set():
            total, java = _proc_tree_rss(os.getpid())
            self.peak_total, self.peak_java = max(self.peak_total, total), max(self.peak_java, java)
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _java_hwm(root: int) -> int:
    """VmHWM (the kernel's peak RSS) of the JVM started by this driver, in bytes."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            if status.split("\n", 1)[0].split()[-1] == "java" and f"PPid:\t{root}\n" in status:
                return next(int(line.split()[1]) * 1024 for line in status.splitlines()
                            if line.startswith("VmHWM:"))
    return 0


# --- the model fitted on the driver ----------------------------------------------------------

class LifetimesBGNBD:
    """lifetimes' BG/NBD behind the DESIGN.md prediction names (used when crm.clv has none)."""

    def __init__(self) -> None:
        from lifetimes import BetaGeoFitter

        self.fitter = BetaGeoFitter()

    def fit(self, compressed: pd.DataFrame) -> LifetimesBGNBD:
        c = compressed
        self.fitter.fit(c["frequency"], c["recency"], c["T"], weights=c["weight"])
        self.params_ = self.fitter.params_
        return self

    def prob_alive(self, df: pd.DataFrame) -> pd.Series:
        return pd.Series(self.fitter.conditional_probability_alive(df["frequency"], df["recency"], df["T"]),
                         index=df.index)

    def expected_purchases(self, df: pd.DataFrame, t: float) -> pd.Series:
        return pd.Series(self.fitter.conditional_expected_number_of_purchases_up_to_time(
            t, df["frequency"], df["recency"], df["T"]), index=df.index)

    def __getstate__(self) -> dict:  # ship parameters only, not lifetimes' copy of the data
        return {"params": dict(self.fitter.params_)}

    def __setstate__(self, state: dict) -> None:
        from lifetimes import BetaGeoFitter

        self.fitter = BetaGeoFitter()
        self.fitter.params_ = pd.Series(state["params"])
        self.params_ = self.fitter.params_


def fit_models(compressed: pd.DataFrame, spend: pd.DataFrame):
    """(name, BG/NBD on the weighted distinct rows, Gamma-Gamma on the repeat buyers or None)."""
    try:
        from crm_models.clv import BetaGeoModel, GammaGammaModel
    except ImportError:
        from pyspark import cloudpickle

        cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import benchmarks/
        return "lifetimes BetaGeoFitter (weights)", LifetimesBGNBD().fit(compressed), None
    return ("crm.clv.BetaGeoModel (weights) + GammaGammaModel",
            BetaGeoModel().fit(compressed, weights="weight"), GammaGammaModel().fit(spend))


# --- the pandas peer, in its own process -----------------------------------------------------

def pandas_peer(data: str, summary: str) -> None:
    """Child process: rfm_summary of the whole table in memory; compare with Spark's output."""
    import crm_models as crm

    t0 = time.perf_counter()
    tx = pd.read_parquet(data)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tx = crm.data.load_transactions(tx)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = crm.data.rfm_summary(tx, END, period="D", time_unit="W", calibration_end=CAL)
    summary_s = time.perf_counter() - t0
    spark_s = pd.read_parquet(summary).set_index("customer_id").sort_index()
    spark_s.index = spark_s.index.astype(ours.index.dtype)
    same_shape = spark_s.shape == ours.shape and bool((spark_s.index == ours.index).all())
    amounts = [c for c in ours.columns if c.startswith("monetary_value")]
    # counts and times exactly; amounts are sums whose order differs between engines (last bits)
    equal = same_shape and all(np.array_equal(spark_s[c].to_numpy(), ours[c].to_numpy())
                               for c in ours.columns if c not in amounts)
    rel = max((float(np.max(np.abs(spark_s[c].to_numpy() - ours[c].to_numpy())
                            / np.maximum(np.abs(ours[c].to_numpy()), 1e-300), initial=0.0))
               for c in amounts), default=0.0) if same_shape else float("inf")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"read_s": read_s, "load_s": load_s, "summary_s": summary_s, "equal": bool(equal),
                      "amounts_rel_diff": rel, "peak_rss": peak, "customers": len(ours)}))


def run_peer(data: Path, summary: Path) -> dict:
    code = ("import sys; from benchmarks.bench_spark import pandas_peer; "
            "pandas_peer(sys.argv[1], sys.argv[2])")
    root = Path(__file__).resolve().parents[1]
    path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, "-c", code, str(data), str(summary)], capture_output=True,
                         text=True, cwd=root, env={**os.environ, "PYTHONPATH": path}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- main ------------------------------------------------------------------------------------

def _gb(n: int) -> str:
    return f"{n / 2**30:.2f} GB" if n else "n/a"


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="~200k transactions instead of ~10M")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--driver-memory", default="2g", help="JVM heap of the local Spark driver")
    parser.add_argument("--no-peer", action="store_true", help="skip the pandas peer")
    args = parser.parse_args(argv)
    n_tx = 200_000 if args.quick else 10_000_000

    import crm_models as crm
    import crm_models.spark as crs

    t0 = time.perf_counter()
    data, info = make_data(n_tx)
    data_s = time.perf_counter() - t0
    out_dir = BENCH_DIR / f"out_{n_tx}"
    shutil.rmtree(out_dir, ignore_errors=True)

    sampler = MemorySampler()
    sampler.start()
    t0 = time.perf_counter()
    spark = crs.local_session(args.cores, app_name="crm_models-bench", driver_memory=args.driver_memory,
                              **{"spark.sql.shuffle.partitions": str(max(8, 4 * args.cores))})
    start_s = time.perf_counter() - t0
    timings: dict[str, float] = {}

    def timed(name: str, fn):
        t = time.perf_counter()
        result = fn()
        timings[name] = time.perf_counter() - t
        return result

    tt = timed("scan_transactions (checks on Spark)",
               lambda: crm.data.scan_transactions(str(data), engine="spark"))

    def summarise() -> pd.DataFrame:
        frame = crm.data.rfm_summary(tt, END, period="D", time_unit="W", calibration_end=CAL)
        (out_dir / "summary").mkdir(parents=True)
        frame.reset_index().to_parquet(out_dir / "summary" / "part-0.parquet", index=False)
        return frame

    local = timed("rfm_summary -> pandas on the driver -> parquet", summarise)
    summary = spark.read.parquet(str(out_dir / "summary"))
    compressed = timed("compress (pandas groupby on the driver)", lambda: local.groupby(
        ["frequency", "recency", "T"]).size().rename("weight").astype("int64").reset_index())
    spend = timed("repeat buyers' (frequency, monetary_value)",
                  lambda: local.loc[local["frequency"] > 0, ["frequency", "monetary_value"]])
    model_name, model, gg = timed("BG/NBD + Gamma-Gamma fit on the driver",
                                  lambda: fit_models(compressed, spend))
    clv_args = {} if gg is None else {"spend_model": gg, "horizon": 52, "discount_rate": 0.0019}
    timed("score_clv (P(alive), E[purchases], CLV) -> parquet",
          lambda: crs.score_clv(summary, model, t=52, **clv_args).write.parquet(str(out_dir / "scores")))
    timed("durations_from_transactions -> pandas on the driver",
          lambda: crm.churn.durations_from_transactions(tt, END, time_unit="W"))
    scored = spark.read.parquet(str(out_dir / "scores")).selectExpr(
        "count(*) AS n", "avg(prob_alive) AS pa", "sum(expected_purchases) AS ep",
        *(["sum(clv) AS clv"] if gg is not None else [])).first()
    sampler.stop()
    driver_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    java_peak = _java_hwm(os.getpid()) or sampler.peak_java
    spark.stop()

    peer = None if args.no_peer else run_peer(data, out_dir / "summary")
    spark_total = sum(timings.values())
    print(f"\nSpark scale-out  ({machine()}, local[{args.cores}], driver heap {args.driver_memory})")
    print(f"data: {info['transactions']:,} transactions of {info['customers']:,} customers "
          f"({info['files']} parquet files in {data}; prepared in {data_s:.1f}s)")
    print(f"Spark session start: {start_s:.1f}s;  model: {model_name}, params "
          + ", ".join(f"{k}={v:.3f}" for k, v in dict(model.params_).items()))
    print(f"compressed summary: {len(compressed):,} distinct (frequency, recency, T) rows for "
          f"{int(compressed['weight'].sum()):,} customers")
    print(f"scored {scored['n']:,} customers: mean P(alive) {scored['pa']:.4f}, "
          f"expected purchases in 52 weeks {scored['ep']:,.0f}"
          + (f", total 52-week CLV {scored['clv']:,.0f}" if gg is not None else ""))
    print(f"\n{'step':<54} {'Spark':>9} {'pandas peer':>12} {'ratio':>7}")
    rows = []
    for name, sec in timings.items():
        peer_s = None
        if peer and name.startswith("rfm_summary"):
            peer_s = peer["summary_s"]
        elif peer and name.startswith("scan_transactions"):  # vs read parquet + load_transactions
            peer_s = peer["read_s"] + peer["load_s"]
        ratio = f"{peer_s / sec:.3f}x" if peer_s else "-"
        print(f"{name:<54} {sec:>8.1f}s {f'{peer_s:.1f}s' if peer_s else '-':>12} {ratio:>7}")
        rows.append({"task": name, "ours_s": sec, "peer": "pandas crm.data" if peer_s else None,
                     "peer_s": peer_s})
    print(f"{'total':<54} {spark_total:>8.1f}s")
    print("\nmemory peaks: Python driver " + _gb(driver_peak) + ", JVM " + _gb(java_peak)
          + ", driver + JVM + Python workers (sampled) " + _gb(sampler.peak_total))
    if peer:
        print(f"pandas peer: read parquet {peer['read_s']:.1f}s + load_transactions {peer['load_s']:.1f}s + "
              f"rfm_summary {peer['summary_s']:.1f}s, peak RSS {_gb(peer['peak_rss'])}; "
              f"Spark summary vs in-memory: customers, counts and times equal exactly: {peer['equal']}, "
              f"amounts to {peer['amounts_rel_diff']:.1e} relative")
    return rows


if __name__ == "__main__":
    main()
