"""Bootstrap inference for PLS path models, vectorised across resamples.

Each resample ``b`` draws ``n`` respondents with replacement (``np.random.default_rng(seed)``).
Everything PLS-PM computes depends on the data only through the covariance matrix of the
treated items (see :mod:`crm_models.csi._kernel`), and the covariance of a resample is
``C_b = X' diag(c_b) X / n - m_b m_b'`` with ``c_b`` the resample counts of each respondent.
So one matrix product ``counts (B x n) @ [x_i x_j] (n x p^2)`` gives every resample's
covariance matrix, and the PLS iterations then run on the stack ``(B, p, p)`` at once.
Each resample is re-treated as plspm does (re-centred; re-standardised when ``scaled``) and
iterated to its own convergence with the same tolerance as the original fit.

Sign changes (Tenenhaus et al. 2005, section 5.4): a construct's sign is arbitrary, so a
resample may estimate it reversed.

* ``"construct"`` (default): construct-level changes: the construct is reversed in a
  resample when its loadings are closer to the negatives of the original loadings
  (``sum|l - l_b| > sum|l + l_b|``); weights, loadings and correlations are flipped before the
  paths are estimated.
* ``"individual"``: every parameter takes the sign of its original estimate.
* ``"none"``: only plspm's rule (most items load positively) in each resample.

Statistics: original estimate, bootstrap mean, standard error (sd of the draws, ddof=1),
t = estimate / se and its two-sided normal p-value, percentile interval, and BCa interval
(Efron 1987: bias correction ``z0`` from the share of draws below the estimate, acceleration
``a`` from the jackknife, ``a = sum(d^3) / (6 (sum d^2)^{3/2})``, ``d = mean - theta_(i)``).
HTMT is bootstrapped too (Henseler et al. 2015: discriminant validity is established when
the upper bound stays below 0.85 / 0.90 / 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from crm_models.base import check_is_fitted
from crm_models.csi._resampling import KINDS, SIGN_CHANGES, BootstrapResult

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.csi.pls import PLSPM

__all__ = ["BootstrapResult", "bootstrap", "SIGN_CHANGES", "KINDS"]


def bootstrap(model: PLSPM, n: int = 5000, seed: int | None = 0, sign_change: str = "construct",
              level: float = 0.95, bca: bool = True, n_jobs: int = 1, chunk_size: int = 1000,
              data: pd.DataFrame | None = None) -> BootstrapResult:
    """Bootstrap a fitted PLS path model (see the module docstring for the method).

    Parameters
    ----------
    model:
        A fitted :class:`~crm_models.csi.pls.PLSPM`.
    n:
        Number of resamples.
    seed:
        Seed of ``np.random.default_rng``; results do not depend on ``n_jobs`` or ``chunk_size``.
    sign_change:
        ``"construct"`` (default), ``"individual"`` or ``"none"``.
    level:
        Confidence level of the percentile and BCa intervals.
    bca:
        Also compute BCa intervals (needs ``n_obs`` extra jackknife fits, done in one batch).
    n_jobs:
        Threads processing chunks of resamples in parallel (numpy releases the GIL).
    chunk_size:
        Resamples per batch (memory ~ ``chunk_size * p^2 * 8`` bytes a few times over).
    data:
        The survey the model was fitted on, needed only when the model keeps no survey rows
        (``keep_data=False``, or a model read from a file); see :meth:`PLSPM.training_items`.

    Returns
    -------
    BootstrapResult
        Tables of every bootstrapped statistic and the draws.
    """
    check_is_fitted(model)
    return model.bootstrap(n=n, seed=seed, sign_change=sign_change, level=level, bca=bca, n_jobs=n_jobs,
                           chunk_size=chunk_size, data=data)
