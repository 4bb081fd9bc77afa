"""Benchmark: RFM segments and membership tiers for a million customers.

    python -m benchmarks.bench_segments            # 1,000,000 customers
    python -m benchmarks.bench_segments --quick    # 20,000 customers

The data are simulated (seeded): each customer buys 1 + NegBin times on days spread
over two years, order values Gamma-distributed.  Each step of ``crm_models.segments`` is
timed against the naive pandas code an analyst would write for the same job, measured
in the same run: ``groupby().agg`` + ``pd.qcut`` on ranks + boolean masks per segment
rule, and ``groupby().sum`` + ``pd.cut`` for the tiers.  "agree" is the share of
customers on which both give the same answer (RFM: ``ties="first"`` vs ``qcut`` of
``rank(method="first")``, which differ only on the rounding of the quantile edges).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import crm_models as crm
from benchmarks.common import best_of, print_table
from crm_models.segments import (
    default_rfm_rules,
    membership_history,
    membership_tiers,
    rfm_segments,
    rfm_table,
)

END = pd.Timestamp("2024-12-31")
START = pd.Timestamp("2023-01-01")


def simulate(n_customers: int, seed: int = 0) -> pd.DataFrame:
    """Seeded transactions (ids "C0000001", ...) validated by ``load_transactions``."""
    rng = np.random.default_rng(seed)
    n_tx = 1 + rng.negative_binomial(1, 0.25, size=n_customers)  # mean 4 purchases
    cust = np.repeat(np.arange(n_customers), n_tx)
    days = rng.integers(0, (END - START).days + 1, size=len(cust))
    amount = np.round(rng.gamma(2.0, 30.0, size=len(cust)) + 1, 2)
    ids = np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 7))
    tx = pd.DataFrame({"customer_id": ids[cust], "date": START + pd.to_timedelta(days, unit="D"),
                       "amount": amount})
    return crm.data.load_transactions(tx)


def naive_rfm(tx: pd.DataFrame) -> pd.DataFrame:
    """What a typical pandas notebook does: groupby, qcut on ranks, a mask per rule."""
    g = tx.groupby("customer_id")
    t = pd.DataFrame({"last": g["date"].max(), "frequency": g["date"].nunique(),
                      "monetary": g["amount"].sum()})
    t["recency"] = (END - t["last"]).dt.days
    t["R"] = pd.qcut((-t["recency"]).rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    t["F"] = pd.qcut(t["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    t["M"] = pd.qcut(t["monetary"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    t["rfm_cell"] = t["R"].astype(str) + t["F"].astype(str) + t["M"].astype(str)
    t["segment"] = "other"
    for rule in default_rfm_rules().iloc[::-1].itertuples():  # reverse: the first rule wins
        mask = (t["R"].between(rule.r_min, rule.r_max) & t["F"].between(rule.f_min, rule.f_max)
                & t["M"].between(rule.m_min, rule.m_max))
        t.loc[mask, "segment"] = rule.segment
    return t


def naive_tiers(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    upto = tx[tx["date"] <= as_of]
    win = upto[upto["date"] > as_of - pd.Timedelta(days=365)]
    pts = win.groupby("customer_id")["amount"].sum().reindex(upto["customer_id"].unique(), fill_value=0.0)
    tier = pd.cut(pts, [-np.inf, 300, 3000, 10000, np.inf], right=False,
                  labels=["ordinary", "gold", "platinum", "diamond"])
    return pd.DataFrame({"points": pts, "tier": tier})


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 customers instead of 1,000,000")
    parser.add_argument("--customers", type=int, default=None)
    args = parser.parse_args(argv)
    n = args.customers or (20_000 if args.quick else 1_000_000)
    repeat = 3 if n <= 100_000 else 1
    t0 = time.perf_counter()
    tx = simulate(n, seed=0)
    print(f"{n:,} customers, {len(tx):,} transactions (simulated and validated in "
          f"{time.perf_counter() - t0:.1f} s)")

    t_table, table = best_of(lambda: rfm_table(tx, END), repeat)
    t_seg, seg = best_of(lambda: rfm_segments(table, ties="first"), repeat)
    t_naive, naive = best_of(lambda: naive_rfm(tx), repeat)
    naive = naive.reindex(seg.index)
    agree = float((naive["rfm_cell"].to_numpy() == seg["rfm_cell"].astype(str).to_numpy()).mean())
    t_tier, tiers = best_of(lambda: membership_tiers(tx, END), repeat)
    t_ntier, ntier = best_of(lambda: naive_tiers(tx, END), repeat)
    ntier = ntier.reindex(tiers.index)
    agree_t = float((ntier["tier"].astype(str).to_numpy() == tiers["tier"].astype(str).to_numpy()).mean())
    t_hist, hist = best_of(lambda: membership_history(tx), repeat)

    rows = [
        {"task": f"RFM table, {n:,} customers", "ours_s": t_table},
        {"task": f"RFM scores + cells + segments, {n:,}", "ours_s": t_seg, "target": "~1 s at 1M"},
        {"task": f"RFM end to end ({100 * agree:.2f}% same cells)", "ours_s": t_table + t_seg,
         "peer": "pandas qcut", "peer_s": t_naive, "target": "seconds at 1M"},
        {"task": f"membership tiers, one date ({100 * agree_t:.2f}% same)", "ours_s": t_tier,
         "peer": "pandas groupby+cut", "peer_s": t_ntier, "target": "seconds at 1M"},
        {"task": f"membership history, {hist.shape[1]} evaluations", "ours_s": t_hist},
    ]
    print_table(rows, "Segments: RFM segments and membership tiers")
    print("ratio = naive pandas time / crm_models time (higher = crm_models faster)")
    return rows


if __name__ == "__main__":
    main()
