"""Synthetic CRM data with known truth, for tests, teaching and the bundled samples.

Three generators, each seeded and returning ``(data, truth)``:

* :func:`transactions` — a purchase log drawn from the BG/NBD model (Fader, Hardie & Lee
  2005) with Gamma-Gamma spend (Fader, Hardie & Lee 2005, JMR; Colombo & Jiang 1999):
  each customer buys at Poisson rate lambda ~ Gamma(r, alpha) while active, drops out
  after each *repeat* purchase with probability p ~ Beta(a, b), and spends
  z ~ Gamma(p_spend, nu) per purchase with nu ~ Gamma(q, gamma).
* :func:`survey` — item responses from a recursive structural model on standardised
  latent variables (ECSI-like by default), items ``x = loading * eta + e`` mapped onto a
  1-10 scale.
* :func:`subscriptions` — a contractual customer table whose lifetimes follow a Weibull
  accelerated-failure-time model with covariates, right-censored at the observation end
  (S(t | x) = exp(-(t / lambda(x))^rho), log lambda(x) = b0 + b'x, as lifelines'
  ``WeibullAFTFitter``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_models.errors import ModelSpecificationError

__all__ = ["transactions", "survey", "subscriptions", "ECSI_PATHS", "ECSI_BLOCK_SIZES",
           "RETENTION_VALUE_PATHS", "RETENTION_VALUE_BLOCK_SIZES", "retention_value_survey"]

_DAYS = {"D": 1.0, "W": 7.0}


def _ids(n: int, prefix: str = "C") -> np.ndarray:
    width = max(6, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def transactions(
    n_customers: int = 1000,
    *,
    r: float = 0.5,
    alpha: float = 5.0,
    a: float = 0.8,
    b: float = 3.0,
    p_spend: float = 4.0,
    q_spend: float = 3.0,
    gamma_spend: float = 30.0,
    start: str = "2023-01-01",
    acquisition_days: int = 365,
    observation_end: str = "2024-12-31",
    time_unit: str = "W",
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Purchase log from BG/NBD + Gamma-Gamma with known per-customer truth.

    Rates are per ``time_unit`` ("D" or "W"). First purchases are spread uniformly over
    ``acquisition_days`` from ``start``; purchases on the same day stay separate rows
    (the summary merges them, as real data would be).

    Returns
    -------
    transactions:
        ``customer_id, date, amount`` sorted by customer and date.
    truth:
        Per customer: ``lambda_`` (purchase rate per time unit), ``p`` (dropout
        probability), ``nu`` (spend rate; mean spend = p_spend / nu), ``mean_spend``,
        ``alive`` at the observation end, ``n_purchases``, ``first_purchase``.
    """
    if time_unit not in _DAYS:
        raise ModelSpecificationError(f"time_unit must be 'D' or 'W', not {time_unit!r}")
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    unit = _DAYS[time_unit]
    t0 = pd.Timestamp(start)
    end = pd.Timestamp(observation_end)
    first_day = rng.integers(0, acquisition_days, size=n)
    horizon = ((end - t0).days - first_day) / unit  # T in time units (whole days)
    if (horizon <= 0).any():
        raise ModelSpecificationError("acquisition period reaches past the observation end")

    lam = rng.gamma(r, 1.0 / alpha, size=n)
    p = rng.beta(a, b, size=n)
    nu = rng.gamma(q_spend, 1.0 / gamma_spend, size=n)

    cust_idx = [np.arange(n)]
    times = [np.zeros(n)]
    t = np.zeros(n)
    active = np.arange(n)
    alive = np.ones(n, dtype=bool)
    while active.size:
        t_next = t[active] + rng.exponential(1.0, size=active.size) / lam[active]
        buys = t_next <= horizon[active]
        active = active[buys]
        t[active] = t_next[buys]
        cust_idx.append(active)
        times.append(t[active])
        drop = rng.random(active.size) < p[active]
        alive[active[drop]] = False
        active = active[~drop]

    cust = np.concatenate(cust_idx)
    when = np.concatenate(times)
    spend = rng.gamma(p_spend, 1.0 / nu[cust])
    days = first_day[cust] + np.floor(when * unit).astype(np.int64)
    ids = _ids(n)
    tx = pd.DataFrame({
        "customer_id": ids[cust],
        "date": t0 + pd.to_timedelta(days, unit="D"),
        "amount": np.round(np.maximum(spend, 0.01), 2),
    })
    tx = tx.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    truth = pd.DataFrame({
        "lambda_": lam,
        "p": p,
        "nu": nu,
        "mean_spend": p_spend / nu,
        "alive": alive,
        "n_purchases": np.bincount(cust, minlength=n),
        "first_purchase": t0 + pd.to_timedelta(first_day, unit="D"),
    }, index=pd.Index(ids, name="customer_id"))
    truth.attrs.update(r=r, alpha=alpha, a=a, b=b, p=p_spend, q=q_spend, v=gamma_spend,
                       time_unit=time_unit, observation_end=str(end.date()))
    return tx, truth


# ECSI-like structure (Tenenhaus et al. 2005) extended with the customer-retention model's
# switching cost: target -> {predictor: standardised path}.
ECSI_PATHS: dict[str, dict[str, float]] = {
    "EXPE": {"IMAG": 0.5},
    "QUAL": {"EXPE": 0.6},
    "VAL": {"EXPE": 0.2, "QUAL": 0.5},
    "SAT": {"IMAG": 0.2, "QUAL": 0.3, "VAL": 0.4},
    "COMP": {"SAT": 0.5},
    "LOY": {"IMAG": 0.2, "SAT": 0.45, "COMP": 0.1, "SWC": 0.25},
}
ECSI_BLOCK_SIZES: dict[str, int] = {
    "IMAG": 4, "EXPE": 3, "QUAL": 4, "VAL": 3, "SAT": 3, "COMP": 2, "LOY": 3, "SWC": 3,
}


def _topological(paths: Mapping[str, Mapping[str, float]], constructs: list[str]) -> list[str]:
    order: list[str] = []
    remaining = set(constructs)
    while remaining:
        ready = sorted(c for c in remaining if all(p in order for p in paths.get(c, {})))
        if not ready:
            raise ModelSpecificationError(f"paths contain a cycle among {sorted(remaining)}")
        order.extend(ready)
        remaining -= set(ready)
    return order


def survey(
    n: int = 500,
    *,
    paths: Mapping[str, Mapping[str, float]] | None = None,
    block_sizes: Mapping[str, int] | None = None,
    loading: float | Mapping[str, float] = 0.85,
    scale: tuple[int, int] | None = (1, 10),
    location: float = 7.0,
    spread: float = 1.6,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict]:
    """Survey items from a recursive structural model on standardised latent variables.

    Each endogenous construct is ``eta_j = sum_k beta_jk eta_k + zeta_j`` with
    ``var(zeta_j) = 1 - beta' Sigma beta`` so every construct has unit variance (then
    ``beta`` are the standardised paths PLS estimates); exogenous constructs are
    independent N(0, 1).  Items are ``x = l * eta + sqrt(1 - l^2) e``; with ``scale``
    they are mapped to ``round(location + spread * x)`` clipped to the scale, as on a
    1-10 questionnaire (``scale=None`` keeps them continuous).  Item names are the
    construct's lower-case name plus 1, 2, ...

    Returns ``(items, truth)`` with truth keys ``paths``, ``loadings``, ``r2``,
    ``scores`` (the latent variables, a DataFrame), ``blocks``.
    """
    paths = {k: dict(v) for k, v in (paths or ECSI_PATHS).items()}
    sizes = dict(block_sizes or ECSI_BLOCK_SIZES)
    constructs = list(sizes)
    for target, preds in paths.items():
        for c in [target, *preds]:
            if c not in sizes:
                raise ModelSpecificationError(f"construct {c!r} in paths has no block size")
    rng = np.random.default_rng(seed)
    order = _topological(paths, constructs)
    k = len(order)
    pos = {c: i for i, c in enumerate(order)}
    sigma = np.eye(k)
    eta = np.zeros((n, k))
    r2: dict[str, float] = {}
    for c in order:
        j = pos[c]
        preds = paths.get(c, {})
        if not preds:
            eta[:, j] = rng.standard_normal(n)
            continue
        idx = [pos[p] for p in preds]
        beta = np.array(list(preds.values()))
        explained = float(beta @ sigma[np.ix_(idx, idx)] @ beta)
        if explained >= 1:
            raise ModelSpecificationError(f"paths into {c} explain {explained:.2f} >= 1 of its variance")
        r2[c] = explained
        eta[:, j] = eta[:, idx] @ beta + np.sqrt(1 - explained) * rng.standard_normal(n)
        cov_with = sigma[:, idx] @ beta  # cov(eta_i, eta_j) for all i
        sigma[j, :] = cov_with
        sigma[:, j] = cov_with
        sigma[j, j] = 1.0

    loadings: dict[str, float] = {}
    columns: dict[str, np.ndarray] = {}
    blocks: dict[str, list[str]] = {}
    for c in constructs:
        lam = loading[c] if isinstance(loading, Mapping) else loading
        items = [f"{c.lower()}{i}" for i in range(1, sizes[c] + 1)]
        blocks[c] = items
        for item in items:
            x = lam * eta[:, pos[c]] + np.sqrt(1 - lam**2) * rng.standard_normal(n)
            if scale is not None:
                x = np.clip(np.round(location + spread * x), scale[0], scale[1]).astype(int)
            columns[item] = x
            loadings[item] = lam
    items_df = pd.DataFrame(columns)
    truth = {
        "paths": paths,
        "loadings": loadings,
        "r2": r2,
        "scores": pd.DataFrame(eta, columns=order)[constructs],
        "blocks": blocks,
    }
    return items_df, truth


# Retention value model of the CRM course material: active retention (customer surplus value CSV,
# psychological attachment PSA) and passive retention (switching costs SWC, opportunity costs
# OPC, sunk costs SNK, termination barriers TRB) raise the retention intention RET.
RETENTION_VALUE_PATHS: dict[str, dict[str, float]] = {
    "RET": {"CSV": 0.35, "PSA": 0.30, "SWC": 0.20, "OPC": 0.15, "SNK": 0.12, "TRB": 0.18},
}
RETENTION_VALUE_BLOCK_SIZES: dict[str, int] = {
    "CSV": 3, "PSA": 3, "SWC": 3, "OPC": 3, "SNK": 3, "TRB": 3, "RET": 3,
}


def retention_value_survey(n: int = 500, *, seed: int = 0, loading: float = 0.85,
                           scale: tuple[int, int] | None = (1, 7)) -> tuple[pd.DataFrame, dict]:
    """A survey for the retention value model with known truth (:data:`RETENTION_VALUE_PATHS`).

    :func:`survey` with the retention value structure: six independent standardised drivers
    (exogenous constructs), retention intention ``RET = sum beta_k driver_k + zeta`` (unit
    variance, R^2 = sum beta_k^2 = 0.317), items ``csv1..3, psa1..3, swc1..3, opc1..3,
    snk1..3, trb1..3, ret1..3`` loading ``loading`` on their construct, answers on a 1-7
    scale (``scale=None``: continuous).  Returns ``(items, truth)`` as :func:`survey`.
    """
    return survey(n, paths=RETENTION_VALUE_PATHS, block_sizes=RETENTION_VALUE_BLOCK_SIZES, loading=loading,
                  scale=scale, location=4.5, spread=1.1, seed=seed)


SUBSCRIPTION_COEFS: dict[str, float] = {
    # Weibull AFT on log(days): positive = longer lifetime
    "intercept": 6.2,
    "plan_standard": 0.15,
    "plan_premium": 0.35,
    "contract_annual": 0.8,
    "monthly_fee": -0.01,
    "support_tickets": -0.15,
    "channel_store": 0.1,
    "channel_partner": -0.2,
}


def subscriptions(
    n: int = 2000,
    *,
    rho: float = 1.3,
    coefs: Mapping[str, float] | None = None,
    start: str = "2022-01-01",
    observation_end: str = "2024-12-31",
    seed: int = 0,
) -> tuple[pd.DataFrame, dict]:
    """Subscription table with Weibull AFT lifetimes (in days) and right-censoring.

    Covariates: ``plan`` (basic/standard/premium), ``contract`` (monthly/annual),
    ``monthly_fee`` (the plan's base fee plus optional add-ons), ``support_tickets`` (Poisson),
    ``channel`` (web/store/partner).  ``log lambda = coefs['intercept'] + sum of the
    dummy/numeric terms`` (reference levels: basic, monthly, web); the lifetime is
    ``lambda * W`` with ``W ~ Weibull(rho)``.  ``cancel_date`` is missing (NaT) for
    customers still active at ``observation_end``.

    Returns ``(table, truth)``; truth has ``rho``, ``coefs``, the latent ``lifetime_days``.
    """
    coefs = dict(SUBSCRIPTION_COEFS if coefs is None else coefs)
    rng = np.random.default_rng(seed)
    t0, end = pd.Timestamp(start), pd.Timestamp(observation_end)
    span = (end - t0).days
    signup_day = rng.integers(0, span - 30, size=n)
    plan = rng.choice(np.array(["basic", "standard", "premium"]), size=n, p=[0.5, 0.3, 0.2])
    contract = rng.choice(np.array(["monthly", "annual"]), size=n, p=[0.7, 0.3])
    base_fee = np.select([plan == "basic", plan == "standard"], [9.99, 19.99], 34.99)
    add_ons = rng.choice(np.array([0.0, 4.99, 9.99, 14.99]), size=n, p=[0.4, 0.3, 0.2, 0.1])
    monthly_fee = np.round(base_fee + add_ons, 2)
    tickets = rng.poisson(1.2, size=n)
    channel = rng.choice(np.array(["web", "store", "partner"]), size=n, p=[0.6, 0.25, 0.15])
    design = {
        "plan_standard": (plan == "standard").astype(float),
        "plan_premium": (plan == "premium").astype(float),
        "contract_annual": (contract == "annual").astype(float),
        "monthly_fee": monthly_fee,
        "support_tickets": tickets.astype(float),
        "channel_store": (channel == "store").astype(float),
        "channel_partner": (channel == "partner").astype(float),
    }
    log_lambda = np.full(n, coefs.get("intercept", 0.0))
    for name, x in design.items():
        log_lambda += coefs.get(name, 0.0) * x
    lifetime = np.exp(log_lambda) * rng.weibull(rho, size=n)
    signup = t0 + pd.to_timedelta(signup_day, unit="D")
    cancel_day = signup_day + np.ceil(lifetime).astype(np.int64)
    churned = cancel_day <= span
    cancel = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    cancel[churned] = (t0 + pd.to_timedelta(cancel_day[churned], unit="D")).to_numpy()
    table = pd.DataFrame({
        "customer_id": _ids(n, prefix="S"),
        "signup_date": signup,
        "cancel_date": cancel.to_numpy(),
        "plan": plan,
        "contract": contract,
        "monthly_fee": monthly_fee,
        "support_tickets": tickets,
        "channel": channel,
    })
    truth = {"rho": rho, "coefs": coefs, "lifetime_days": np.ceil(lifetime),
             "observation_end": str(end.date())}
    return table, truth
