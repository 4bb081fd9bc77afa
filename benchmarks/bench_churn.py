"""Benchmark: ChurnModel fitting and churn-probability scoring vs lifelines called directly.

    python -m benchmarks.bench_churn            # 1,000,000 simulated customers
    python -m benchmarks.bench_churn --quick    # 50,000

The same simulated customers (Weibull lifetimes; covariates: two numeric, one binary, one
three-level text column) are fitted by ``ChurnModel(kind)`` from the raw frame (dummy
coding and the input checks included) and by the lifelines fitter on a numeric design
matrix prepared beforehand (preparation not timed: the strictest comparison).  Scoring is
P(churn within 6 months | survived so far) for every customer: ``churn_probability`` on
the raw frame vs lifelines' ``predict_survival_function(X, times=[6], conditional_after=T)``.
Scoring is also timed against ``pd.get_dummies`` on the raw frame + lifelines (what calling
lifelines directly on these data takes).  Each timing is the best of a few interleaved
runs.  Targets: overhead <= 10 %, scoring < 5 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

try:
    from benchmarks.common import machine
except ImportError:  # run as a plain script
    import platform

    def machine() -> str:
        return f"{platform.machine()}, Python {platform.python_version()}"


HORIZON = 6.0


def simulate(n: int, seed: int = 0) -> pd.DataFrame:
    """Customers with Weibull lifetimes (months), censored at 48 months or earlier."""
    rng = np.random.default_rng(seed)
    tenure_fee = rng.gamma(4.0, 10.0, size=n)
    tickets = rng.poisson(1.0, size=n).astype(float)
    paperless = rng.binomial(1, 0.5, size=n).astype(float)
    plan = rng.choice(np.array(["basic", "plus", "pro"]), size=n, p=[0.5, 0.3, 0.2])
    log_lam = (3.0 - 0.004 * tenure_fee - 0.15 * tickets - 0.2 * paperless
               + np.select([plan == "plus", plan == "pro"], [0.2, 0.4], 0.0))
    t = np.exp(log_lam) * rng.weibull(1.3, size=n)
    c = rng.uniform(1.0, 48.0, size=n)
    return pd.DataFrame({"monthly_fee": tenure_fee, "support_tickets": tickets, "paperless": paperless,
                         "plan": plan, "duration": np.minimum(t, c), "event": (t <= c).astype(np.int8)})


def numeric_design(df: pd.DataFrame) -> pd.DataFrame:
    X = df[["monthly_fee", "support_tickets", "paperless"]].copy()
    X["plan_plus"] = (df["plan"] == "plus").astype(float)
    X["plan_pro"] = (df["plan"] == "pro").astype(float)
    return X


def best_interleaved(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    best = dict.fromkeys(fns, np.inf)
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> None:
    import lifelines

    from crm_models.churn import ChurnModel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 customers instead of 1,000,000")
    parser.add_argument("--n", type=int, default=None, help="number of customers")
    parser.add_argument("--kinds", default="cox,weibull")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--with-dummies-fit", action="store_true",
                        help="also time lifelines fitted after pd.get_dummies on the raw frame")
    args = parser.parse_args(argv)
    n = args.n or (50_000 if args.quick else 1_000_000)
    repeat = args.repeat or (5 if args.quick else 3)

    df = simulate(n)
    X = numeric_design(df)
    frame = X.assign(duration=df["duration"].to_numpy(), event=df["event"].to_numpy())
    fitters = {"cox": lifelines.CoxPHFitter, "weibull": lifelines.WeibullAFTFitter,
               "lognormal": lifelines.LogNormalAFTFitter, "loglogistic": lifelines.LogLogisticAFTFitter}

    def dummies(raw: pd.DataFrame) -> pd.DataFrame:
        """What a user calling lifelines directly on the raw frame must do first."""
        return pd.get_dummies(raw[["monthly_fee", "support_tickets", "paperless", "plan"]], columns=["plan"],
                              drop_first=True, dtype=float)

    import warnings

    rows = []
    for kind in args.kinds.split(","):
        holder: dict[str, object] = {}

        def ours_fit(kind: str = kind, holder: dict = holder) -> None:
            holder["ours"] = ChurnModel(kind).fit(df, "duration", "event")

        def direct_fit(kind: str = kind, holder: dict = holder) -> None:
            holder["direct"] = fitters[kind]().fit(frame, "duration", "event")

        def direct_dummies_fit(kind: str = kind) -> None:
            fitters[kind]().fit(dummies(df).assign(duration=df["duration"], event=df["event"]), "duration",
                                "event")

        fit_fns = {"ours": ours_fit, "direct": direct_fit}
        if args.with_dummies_fit:
            fit_fns["direct_dummies"] = direct_dummies_fit
        fit_t = best_interleaved(fit_fns, repeat)
        ours, direct = holder["ours"], holder["direct"]
        coef_diff = float((ours.params_ - direct.params_.loc[ours.params_.index]).abs().max())

        def ours_score(ours=ours, holder: dict = holder) -> None:
            holder["p_ours"] = ours.churn_probability(df, HORIZON)

        def direct_score(direct=direct, holder: dict = holder) -> None:
            sf = direct.predict_survival_function(X, times=[HORIZON],
                                                  conditional_after=df["duration"].to_numpy())
            holder["p_direct"] = 1.0 - sf.iloc[0].to_numpy()

        def direct_dummies_score(direct=direct) -> None:
            sf = direct.predict_survival_function(dummies(df), times=[HORIZON],
                                                  conditional_after=df["duration"].to_numpy())
            1.0 - sf.iloc[0].to_numpy()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            score_t = best_interleaved({"ours": ours_score, "direct": direct_score,
                                        "direct_dummies": direct_dummies_score}, max(repeat, 5))
        p_diff = float(np.max(np.abs(holder["p_ours"].to_numpy() - holder["p_direct"])))
        rows.append((f"fit {kind}", fit_t["ours"], fit_t["direct"], fit_t.get("direct_dummies"), coef_diff))
        rows.append((f"score P(churn in {HORIZON:g} | survived) {kind}", score_t["ours"], score_t["direct"],
                     score_t["direct_dummies"], p_diff))
        rows.append((f"fit + score {kind}", fit_t["ours"] + score_t["ours"],
                     fit_t["direct"] + score_t["direct"], None, None))

    print(f"\nchurn: ChurnModel vs lifelines {lifelines.__version__} direct, {n:,} customers  ({machine()})")
    print("ratio = crm_models / lifelines on a numeric design matrix built beforehand (untimed); "
          "ratio+dm = crm_models / (pd.get_dummies on the raw frame + lifelines). Targets: ratio <= 1.10, "
          "scoring < 5 s.")
    print(f"{'task':<40} {'crm_models':>10} {'lifelines':>10} {'ratio':>7} {'+dummies':>10} {'ratio+dm':>8}"
          f"  {'max |diff|':>10}")
    for task, ours_s, peer_s, peer_dm, diff in rows:
        ratio = ours_s / peer_s
        dm = f"{peer_dm:>9.3f}s {ours_s / peer_dm:>7.3f}x" if peer_dm else f"{'-':>10} {'-':>8}"
        d = f"{diff:>10.2e}" if diff is not None else f"{'-':>10}"
        ok = ratio <= 1.10 and (not task.startswith("score") or ours_s < 5.0)
        flag = "ok" if ok else "over"
        print(f"{task:<40} {ours_s:>9.3f}s {peer_s:>9.3f}s {ratio:>6.3f}x {dm}  {d}  [{flag}]")
    print("max |diff| = largest difference in coefficients (fit) or churn probabilities (score).")

if __name__ == "__main__":
    main()
