"""Benchmark: RFM segments and membership tiers for a million customers.

    python benchmarks/bench_segments.py            # 1,000,000 customers
    python benchmarks/bench_segments.py --quick    # 20,000 customers

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
from collections.abc import Callable

import numpy as np
import pandas as pd

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
    """Seeded transactions: customer_id (int), date, amount, sorted by customer and date."""
    rng = np.random.default_rng(seed)
    n_tx = 1 + rng.negative_binomial(1, 0.25, size=n_customers)  # mean 4 purchases
    cust = np.repeat(np.arange(n_customers), n_tx)
    days = rng.integers(0, (END - START).days + 1, size=len(cust))
    amount = np.round(rng.gamma(2.0, 30.0, size=len(cust)) + 1, 2)
    tx = pd.DataFrame({"customer_id": cust, "date": START + pd.to_timedelta(days, unit="D"),
                       "amount": amount})
    return tx.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 customers")
    parser.add_argument("--customers", type=int, default=None)
    args = parser.parse_args()
    n = args.customers or (20_000 if args.quick else 1_000_000)
    repeat = 3 if n <= 100_000 else 1
    t0 = time.perf_counter()
    tx = simulate(n, seed=0)
    print(f"{n:,} customers, {len(tx):,} transactions (simulated in {time.perf_counter() - t0:.1f} s)\n")

    rows = []
    t_table, table = timed(lambda: rfm_table(tx, END), repeat)
    t_seg, seg = timed(lambda: rfm_segments(table, ties="first"), repeat)
    t_naive, naive = timed(lambda: naive_rfm(tx), repeat)
    naive = naive.reindex(seg.index)
    agree = float((naive["rfm_cell"].to_numpy() == seg["rfm_cell"].astype(str).to_numpy()).mean())
    rows.append(("RFM table (groupby of the transactions)", t_table, None, None))
    rows.append(("RFM scores + cells + segments", t_seg, None, None))
    rows.append(("RFM end to end (table + segments)", t_table + t_seg, t_naive, agree))

    as_of = END
    t_tier, tiers = timed(lambda: membership_tiers(tx, as_of), repeat)
    t_ntier, ntier = timed(lambda: naive_tiers(tx, as_of), repeat)
    ntier = ntier.reindex(tiers.index)
    agree_t = float((ntier["tier"].astype(str).to_numpy() == tiers["tier"].astype(str).to_numpy()).mean())
    rows.append(("membership tiers, one date", t_tier, t_ntier, agree_t))
    t_hist, hist = timed(lambda: membership_history(tx), repeat)
    rows.append((f"membership history, {hist.shape[1]} evaluations", t_hist, None, None))

    print(f"{'step':<42} {'crm_models s':>12} {'naive pandas s':>15} {'ratio':>7} {'agree':>7}")
    for name, ours, peer, ag in rows:
        peer_s = f"{peer:15.2f}" if peer is not None else f"{'':>15}"
        ratio = f"{peer / ours:6.1f}x" if peer is not None else f"{'':>7}"
        ag_s = f"{100 * ag:6.2f}%" if ag is not None else ""
        print(f"{name:<42} {ours:12.2f} {peer_s} {ratio} {ag_s:>7}")
    print("\nratio = naive pandas time / crm_models time (higher = crm_models faster)")
    print("segments:", seg["segment"].value_counts().head(4).to_dict())
    print("tiers:", tiers["tier"].value_counts().to_dict())


if __name__ == "__main__":
    main()
