"""rfm_summary vs lifetimes.utils.summary_data_from_transaction_data on the same data.

Target (foundation issue): at least 10x faster on 2M transactions of 200k customers.
    python -m benchmarks.bench_data [--quick]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

import crm_models as crm
from benchmarks.common import best_of, print_table


def make_transactions(n_tx: int, n_customers: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customer = np.char.add("C", np.char.zfill(rng.integers(0, n_customers, size=n_tx).astype(str), 7))
    day = rng.integers(0, 730, size=n_tx)
    tx = pd.DataFrame({
        "customer_id": customer,
        "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(day, unit="D"),
        "amount": np.round(rng.gamma(2.0, 30.0, size=n_tx), 2),
    })
    return crm.data.load_transactions(tx)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="200k transactions instead of 2M")
    args = parser.parse_args(argv)
    n_tx, n_cust = (200_000, 20_000) if args.quick else (2_000_000, 200_000)
    tx = make_transactions(n_tx, n_cust)
    end = "2024-12-31"
    ours_s, ours = best_of(lambda: crm.data.rfm_summary(tx, end, period="D", time_unit="W"))
    rows = [{"task": f"rfm_summary {n_tx:,} tx / {n_cust:,} customers", "ours_s": ours_s,
             "target": ">= 10x"}]
    try:
        from lifetimes.utils import summary_data_from_transaction_data
    except ImportError:
        rows[0]["peer"] = "lifetimes not installed"
    else:
        peer_s, theirs = best_of(lambda: summary_data_from_transaction_data(
            tx, "customer_id", "date", monetary_value_col="amount", observation_period_end=end,
            freq="D", freq_multiplier=7), repeat=1)
        theirs = theirs.loc[ours.index]
        assert np.allclose(theirs["frequency"], ours["frequency"])
        assert np.allclose(theirs["T"], ours["T"]) and np.allclose(theirs["recency"], ours["recency"])
        assert np.allclose(theirs["monetary_value"], ours["monetary_value"])
        rows[0].update(peer="lifetimes", peer_s=peer_s)
    print_table(rows, "Foundation: RFM summary")
    return rows


if __name__ == "__main__":
    main()
