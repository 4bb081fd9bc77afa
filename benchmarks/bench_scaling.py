"""Scaling curves: time and peak memory against the number of customers (10^4 .. 10^7).

    python -m benchmarks.bench_scaling            # 1e4, 1e5, 1e6, 1e7 customers
    python -m benchmarks.bench_scaling --quick    # 1e4, 1e5

Each point runs in its own subprocess so that its peak resident memory (ru_maxrss) is its
own; the "baseline" row is the interpreter with crm_models imported. Tasks:

* ``rfm_summary``: 5 transactions per customer on average (integer ids, two years);
* ``bgnbd_fit``: BG/NBD on the CDNOW summary resampled to N customers;
* ``predict_1y``: conditional expected purchases in 52 weeks and P(alive) for N customers.

The figure is saved to ``benchmarks/scaling.png``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TASKS = ("baseline", "rfm_summary", "bgnbd_fit", "predict_1y")
HERE = Path(__file__).resolve().parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _summary(n: int):
    from benchmarks.bench_clv import cdnow_summary, resample

    return resample(cdnow_summary(), n)


def worker(task: str, n: int) -> dict:
    import pandas as pd

    import crm_models as crm

    if task == "baseline":
        return {"seconds": 0.0, "peak_mb": _peak_mb()}
    if task == "rfm_summary":
        rng = np.random.default_rng(0)
        n_tx = 5 * n
        tx = pd.DataFrame({
            "customer_id": np.sort(rng.integers(0, n, size=n_tx)),
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730, size=n_tx), unit="D"),
            "amount": rng.gamma(2.0, 30.0, size=n_tx),
        }).sort_values(["customer_id", "date"], kind="stable", ignore_index=True)
        start = time.perf_counter()
        crm.data.rfm_summary(tx, "2024-12-31", period="D", time_unit="W")
        return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}
    s = _summary(n)
    if task == "bgnbd_fit":
        start = time.perf_counter()
        crm.clv.BetaGeoModel().fit(s)
        return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}
    if task == "predict_1y":
        m = crm.clv.BetaGeoModel().fit(s.iloc[:200_000])
        start = time.perf_counter()
        m.expected_purchases(s, 52.0)
        m.prob_alive(s)
        return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}
    raise ValueError(task)


def run_point(task: str, n: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_scaling", "--worker", task, str(n)],
                         capture_output=True, text=True, cwd=HERE.parent, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4))
    for task, points in results.items():
        if task == "baseline":
            continue
        ns = sorted(points)
        ax_t.loglog(ns, [points[n]["seconds"] for n in ns], marker="o", label=task)
        ax_m.loglog(ns, [points[n]["peak_mb"] for n in ns], marker="o", label=task)
    ax_t.set(title="Time vs customers", xlabel="customers", ylabel="seconds")
    ax_m.set(title="Peak memory vs customers (process RSS)", xlabel="customers", ylabel="MB")
    for ax in (ax_t, ax_m):
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", nargs=2, metavar=("TASK", "N"))
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return {}
    sizes = [10**4, 10**5] if args.quick else [10**4, 10**5, 10**6, 10**7]
    from benchmarks.common import machine

    results: dict[str, dict[int, dict]] = {}
    print(f"\nScaling ({machine()})")
    print(f"{'task':<14} {'customers':>12} {'seconds':>9} {'peak MB':>9}")
    for task in TASKS:
        results[task] = {}
        for n in sizes if task != "baseline" else sizes[:1]:
            point = run_point(task, n)
            results[task][n] = point
            print(f"{task:<14} {n:>12,} {point['seconds']:>9.3f} {point['peak_mb']:>9.0f}", flush=True)
    plot(results, HERE / "scaling.png")
    print(f"figure: {HERE / 'scaling.png'}")
    return results


if __name__ == "__main__":
    main()
