"""Benchmark: churn classification at a cut-off - features, labels and backtest, and scoring.

    python -m benchmarks.bench_churn_classify            # 1,000,000 simulated customers
    python -m benchmarks.bench_churn_classify --quick    # 100,000

Simulated transactions (seeded): each customer joins at a uniform date in the first year of a
two-year window, buys as a Poisson process (rate ~ Gamma) until an exponential dropout time,
amounts log-normal; about 6 purchases per customer.  Timed:

* ``features_at_cutoff`` (per purchase day: recency, frequency, spend, tenure, gap statistics,
  recent spend and trend) against a plain pandas ``groupby`` implementation of the same
  features (checked equal);
* ``backtest`` over three quarterly cut-offs (90-day horizon) with the logistic-regression
  pipeline: features and labels at every cut-off, fit at one, score at the next - the
  target is one minute for 1M customers;
* scoring every customer with a fitted classifier (the full pipeline from the raw feature
  frame: imputation, scaling, model) against scikit-learn's own ``predict_proba`` of the
  model step on the already transformed matrix - the target is 5 s for 1M customers.

Fits and predictions run on one OpenMP and one BLAS thread, as the report does (the gradient
boosting scoring is also timed on every core, as a scoring job would run it): on the shared
2-core machine the threads contend (a logistic fit on 100,000 customers took 1.42 s with two
BLAS threads and 0.47 s with one).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

try:
    from benchmarks.common import machine
except ImportError:  # run as a plain script
    import platform

    def machine() -> str:
        return f"{platform.machine()}, Python {platform.python_version()}"


START = pd.Timestamp("2023-01-01")
CUTOFFS = ["2024-03-31", "2024-06-29", "2024-09-27"]
HORIZON = 90


def simulate(n: int, seed: int = 0) -> pd.DataFrame:
    """Purchases of ``n`` customers over 2023-01-01 .. 2024-12-31 (seeded)."""
    rng = np.random.default_rng(seed)
    join = rng.uniform(0, 365, n)
    rate = rng.gamma(2.0, 1 / 60, n)  # purchases per day, mean 1 per month
    life = rng.exponential(300.0, n)
    end = np.minimum(join + life, 730.0)
    k = rng.poisson(rate * (end - join)) + 1  # the first purchase on joining
    cid = np.repeat(np.arange(n), k)
    first = np.r_[0, np.cumsum(k)[:-1]]
    offset = rng.uniform(0, 1, k.sum()) * np.repeat(end - join, k)
    offset[first] = 0.0
    day = np.floor(np.repeat(join, k) + offset).astype("int64")
    amount = np.round(rng.lognormal(3.5, 0.6, k.sum()), 2)
    return pd.DataFrame({"customer_id": cid, "date": START + pd.to_timedelta(day, unit="D"),
                         "amount": amount})


def pandas_features(tx: pd.DataFrame, cutoff: str, recent_days: int = 90) -> pd.DataFrame:
    """The features of ``features_at_cutoff`` with plain pandas groupby (the peer)."""
    c = pd.Timestamp(cutoff)
    past = tx[tx["date"] <= c]
    days = past.groupby(["customer_id", "date"], sort=True)["amount"].sum().reset_index()
    days["gap"] = days.groupby("customer_id")["date"].diff().dt.days
    days["recent"] = days["amount"].where(days["date"] > c - pd.Timedelta(days=recent_days), 0.0)
    g = days.groupby("customer_id", sort=True)
    out = pd.DataFrame({"recency": (c - g["date"].max()).dt.days.astype(float),
                        "frequency": g.size().astype(float),
                        "total_spend": g["amount"].sum(),
                        "tenure": (c - g["date"].min()).dt.days.astype(float),
                        "gap_mean": g["gap"].mean(),
                        "gap_std": g["gap"].std(ddof=0),
                        "gap_last": g["gap"].last(),
                        "spend_recent": g["recent"].sum()})
    out["monetary"] = out["total_spend"] / out["frequency"]
    out.loc[g["gap"].count() < 2, "gap_std"] = np.nan
    return out


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, result = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return float(best), result


def main(argv: list[str] | None = None) -> None:
    import crm_models as crm

    ap = argparse.ArgumentParser(prog="bench_churn_classify")
    ap.add_argument("--quick", action="store_true", help="100,000 customers")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None, help="runs per timing (best is kept)")
    args = ap.parse_args(argv)
    n = args.n or (100_000 if args.quick else 1_000_000)
    repeat = args.repeat or (3 if args.quick else 1)

    t0 = time.perf_counter()
    tx = simulate(n)
    print(f"\nchurn classification, {n:,} customers, {len(tx):,} purchases (simulated in "
          f"{time.perf_counter() - t0:.1f} s)  ({machine()})")
    rows = []
    with threadpool_limits(limits=1):  # OpenMP and BLAS
        ours_s, X = timed(lambda: crm.churn.features_at_cutoff(tx, CUTOFFS[-1]), repeat)
        peer_s, P = timed(lambda: pandas_features(tx, CUTOFFS[-1]), repeat)
        cols = list(P.columns)
        diff = np.nanmax(np.abs(X[cols].to_numpy() - P.loc[X.index, cols].to_numpy()))
        assert diff < 1e-6, diff
        rows.append(("features at one cut-off", ours_s, "pandas groupby", peer_s, ""))

        model = crm.churn.churn_classifier("logit", seed=0)
        bt_s, bt = timed(lambda: crm.churn.backtest(tx, CUTOFFS, HORIZON, model), 1)
        rows.append(("features + labels + backtest (3 cut-offs, logit)", bt_s, "", None, "< 60 s"))
        y = crm.churn.churn_labels(tx, CUTOFFS[-1], HORIZON, X.index)
        for kind in ("logit", "hgb"):
            fitted = crm.churn.churn_classifier(kind, seed=0).fit(X, y)
            score_s, _ = timed(lambda f=fitted: f.predict_proba(X)[:, 1], repeat)
            Z = fitted[:-1].transform(X)
            step_s, _ = timed(lambda f=fitted, z=Z: f[-1].predict_proba(z)[:, 1], repeat)
            rows.append((f"score {len(X):,} customers ({kind} pipeline)", score_s,
                         "sklearn model step alone", step_s, "< 5 s"))
            if kind == "hgb":  # tree traversal parallelises over rows: scoring on every core
                with threadpool_limits(limits=os.cpu_count()):
                    all_s, _ = timed(lambda f=fitted: f.predict_proba(X)[:, 1], repeat)
                    all_step, _ = timed(lambda f=fitted, z=Z: f[-1].predict_proba(z)[:, 1], repeat)
                rows.append((f"score {len(X):,} customers ({kind}, {os.cpu_count()} threads)", all_s,
                             "sklearn model step alone", all_step, "< 5 s"))
    print(f"backtest ROC-AUC per scored cut-off: {', '.join(f'{v:.3f}' for v in bt.metrics['roc_auc'])}")
    print(f"{'task':<52} {'crm_models':>11} {'peer':>26} {'peer / ours':>12}  target")
    for task, ours, peer, peer_t, target in rows:
        p = f"{peer}: {peer_t:.2f}s" if peer_t else "-"
        ratio = f"{peer_t / ours:.2f}x" if peer_t else "-"
        print(f"{task:<52} {ours:>10.2f}s {p:>26} {ratio:>12}  {target}")


if __name__ == "__main__":
    main()
