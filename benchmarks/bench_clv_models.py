"""Benchmark: the newer CLV models fitted on a million simulated customers, same run.

    python -m benchmarks.bench_clv_models            # 1,000,000 customers (a few minutes)
    python -m benchmarks.bench_clv_models --quick    # 100,000 customers

Sections (times: best of 2 fits; the data are simulated once, seeded, at whole days with
times in weeks, so most customers have their own (frequency, recency, T) row):

1. **Simulated shop** (``crm_models.data.simulate.transactions``, the data of ``bench_clv``'s
   realistic section, with ``litt``): NBD, BG/CNBD-k and MBG/CNBD-k with k chosen by
   likelihood (the search fits k = 1, 2, 3, ...), GGompertz/NBD.  Peer in the same run: with
   k = 1 the regularity models are the BG/NBD and MBG/NBD, so lifetimes' ``BetaGeoFitter`` and
   ``ModifiedBetaGeoFitter`` fit the same likelihood on the same customers (lifetimes has none
   of the four models).
2. **Each model's own data**: customers drawn from the MBG/CNBD-k with k = 3 and from the
   GGompertz/NBD with known parameters; the fit must find k = 3 and the truth (printed).
   Reference: our BG/NBD on the same customers (the Pareto/NBD has no maximum on GGompertz
   data, whose dropout rises with age: it stops with a ConvergenceError saying so).
3. **Covariates**: a Pareto/NBD with three covariates (two binary, one continuous: about 90 %
   distinct rows) on both processes, 100,000 customers, against the same model without
   covariates on the same customers.

Targets (issue 15): every new model fits 1M simulated customers (hundreds of thousands of
distinct rows) in under 5 s; the covariate Pareto/NBD with 3 covariates fits 100,000
customers in under 10 s.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import crm_models as crm
from benchmarks.common import machine

TRUTH_GGOM = {"r": 0.6, "alpha": 8.0, "b": 0.05, "s": 0.8, "beta": 2.0}
TRUTH_CNBD = {"k": 3, "r": 0.85, "alpha": 1.45, "a": 0.79, "b": 2.42}  # BTYDplus's simulation setting
COVARIATE_EFFECTS = ({"online": 0.3, "female": -0.2, "age": 0.1}, {"online": 0.4, "female": 0.0, "age": -0.2})


def best_of_2(fn):
    best, out = np.inf, None
    for _ in range(2):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def shop(n: int) -> pd.DataFrame:
    from crm_models.data import simulate

    tx, _ = simulate.transactions(n, seed=3)
    tx = crm.data.load_transactions(tx, duplicates="keep")  # simulated repeat orders on one day are real
    return crm.data.rfm_summary(tx, "2024-12-31", time_unit="W", litt=True)


def whole_days(s: pd.DataFrame) -> pd.DataFrame:
    """Times rounded down to whole days (in weeks), as an export at day resolution has them."""
    out = s[["frequency", "recency", "T"] + (["litt"] if "litt" in s else [])].copy()
    out["recency"] = np.floor(out["recency"] * 7) / 7
    return out


def ggompertz_data(n: int) -> pd.DataFrame:
    T = np.random.default_rng(1).integers(7, 731, n) / 7.0
    return whole_days(crm.clv.GGompertzNBDModel.from_params(**TRUTH_GGOM).simulate(n, T, seed=2))


def cnbd_data(n: int) -> pd.DataFrame:
    T = np.random.default_rng(1).integers(7, 731, n) / 7.0
    s, _ = crm.clv.ModifiedBetaGeoCNBDModel.from_params(**TRUTH_CNBD).simulate(T, seed=2)
    return whole_days(s)


def covariate_data(n: int, seed: int = 0) -> pd.DataFrame:
    """Pareto/NBD customers with alpha_i = 5 exp(-gamma_p'x_i), beta_i = 12 exp(-gamma_d'x_i)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"online": rng.integers(0, 2, n).astype(float),
                      "female": rng.integers(0, 2, n).astype(float),
                      "age": np.round(rng.normal(0.0, 1.0, n), 1)})
    gp, gd = COVARIATE_EFFECTS
    eta_p = sum(X[k].to_numpy() * v for k, v in gp.items())
    eta_d = sum(X[k].to_numpy() * v for k, v in gd.items())
    lam = rng.gamma(0.6, 1.0 / (5.0 * np.exp(-eta_p)))
    mu = rng.gamma(0.7, 1.0 / (12.0 * np.exp(-eta_d)))
    T = rng.integers(7, 731, n) / 7.0
    span = np.minimum(rng.exponential(1.0 / mu), T)
    x = rng.poisson(lam * span)
    u = rng.uniform(size=n) ** (1.0 / np.maximum(x, 1))
    recency = np.where(x > 0, np.floor(span * u * 7) / 7, 0.0)
    return pd.concat([pd.DataFrame({"frequency": x, "recency": recency, "T": T}), X], axis=1)


def distinct(s: pd.DataFrame, cols=("frequency", "recency", "T")) -> int:
    return len(s[list(cols)].drop_duplicates())


def row(task: str, n: int, rows: int, ours: float, peer: str = "", peer_s: float | None = None,
        target: str = "", note: str = "") -> dict:
    return {"task": task, "customers": n, "distinct rows": rows, "crm_models s": round(ours, 3),
            "peer": peer, "peer s": None if peer_s is None else round(peer_s, 3),
            "ratio": "" if peer_s is None else f"{peer_s / ours:.1f}x", "target": target, "note": note}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_clv_models", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 customers instead of 1,000,000")
    parser.add_argument("--covariate-n", type=int, default=100_000)
    args, _ = parser.parse_known_args(argv)
    n = 100_000 if args.quick else 1_000_000
    clv = crm.clv
    rows: list[dict] = []

    # ---- 1. the simulated shop
    s = shop(n)
    d = distinct(s)
    t, nbd = best_of_2(lambda: clv.NBDModel().fit(s))
    rows.append(row("NBD fit", n, distinct(s, ("frequency", "T")), t, target="< 5 s"))
    try:
        import lifetimes
    except ImportError:
        lifetimes = None
    for name, ours, peer_cls in (("BG/CNBD-k fit, k chosen", clv.BetaGeoCNBDModel, "BetaGeoFitter"),
                                 ("MBG/CNBD-k fit, k chosen", clv.ModifiedBetaGeoCNBDModel,
                                  "ModifiedBetaGeoFitter")):
        t, m = best_of_2(lambda cls=ours: cls().fit(s))
        peer_s = None
        if lifetimes is not None:
            peer = getattr(lifetimes, peer_cls)()
            peer_s, _ = best_of_2(lambda p=peer: p.fit(s["frequency"], s["recency"], s["T"]))
        rows.append(row(name, n, d, t, f"lifetimes {peer_cls} (k = 1)", peer_s, "< 5 s",
                        f"k tried {list(m.k_search_.index)}, chose k = {m.k_}"))
        t1, _ = best_of_2(lambda cls=ours: cls(k=1).fit(s))
        rows.append(row(name.replace("k chosen", "k = 1"), n, d, t1, f"lifetimes {peer_cls}", peer_s))
    t, g = best_of_2(lambda: clv.GGompertzNBDModel().fit(s))
    rows.append(row("GGompertz/NBD fit", n, d, t, target="< 5 s",
                    note=f"b = {g.params_['b']:.2g}: the shop's lifetimes are exponential"))

    # ---- 2. each model's own data
    gd = ggompertz_data(n)
    t, g = best_of_2(lambda: clv.GGompertzNBDModel().fit(gd))
    t_p, _ = best_of_2(lambda: clv.BetaGeoModel().fit(gd))
    est = ", ".join(f"{k} {g.params_[k]:.3g} ({v})" for k, v in TRUTH_GGOM.items())
    rows.append(row("GGompertz/NBD fit, GGompertz data", n, distinct(gd), t, "BG/NBD (ours)", t_p,
                    "< 5 s", f"estimate (truth): {est}"))
    cd = cnbd_data(n)
    for name, cls in (("MBG/CNBD-k fit, k chosen, MBG/CNBD-3 data", clv.ModifiedBetaGeoCNBDModel),
                      ("BG/CNBD-k fit, k chosen, MBG/CNBD-3 data", clv.BetaGeoCNBDModel)):
        t, m = best_of_2(lambda c=cls: c().fit(cd))
        rows.append(row(name, n, distinct(cd), t, target="< 5 s",
                        note=f"k tried {list(m.k_search_.index)}, chose k = {m.k_}; "
                        + ", ".join(f"{k} {m.params_[k]:.3g}" for k in ("r", "alpha", "a", "b"))))

    # ---- 3. covariates
    nc = args.covariate_n
    cv = covariate_data(nc)
    names = ["online", "female", "age"]
    t, m = best_of_2(lambda: clv.ParetoNBDModel().fit(cv, purchase_covariates=names,
                                                      dropout_covariates=names))
    t_p, _ = best_of_2(lambda: clv.ParetoNBDModel().fit(cv[["frequency", "recency", "T"]]))
    gp, gdrop = COVARIATE_EFFECTS
    est = ", ".join([f"purchase {k} {m.params_['purchase: ' + k]:.3f} ({v})" for k, v in gp.items()]
                    + [f"dropout {k} {m.params_['dropout: ' + k]:.3f} ({v})" for k, v in gdrop.items()])
    rows.append(row("Pareto/NBD fit, 3 covariates on both processes", nc,
                    distinct(cv, ("frequency", "recency", "T", *names)), t,
                    "Pareto/NBD without covariates (ours)", t_p, "< 10 s", f"estimate (truth): {est}"))

    print(f"\nNewer CLV models on simulated customers  ({machine()})")
    with pd.option_context("display.width", 250, "display.max_colwidth", 140):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
