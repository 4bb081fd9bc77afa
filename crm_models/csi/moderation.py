"""Moderation (interaction effects) in PLS path models.

``PLSPM(paths, blocks, interactions={"IMAG*EXPE": ("IMAG", "EXPE")}, interaction_method=...)``
adds an interaction construct ``IMAG*EXPE`` (the product of a focal construct and a
moderator) that the ``paths`` use like any other construct, e.g.
``{"SAT": ["IMAG", "EXPE", "IMAG*EXPE"]}``. Its items are computed from the other
constructs' items, by one of three methods:

* ``"two_stage"`` (default; Henseler & Chin 2010, "A comparison of approaches for the
  analysis of interaction effects between latent variables using PLS path modeling",
  Structural Equation Modeling 17(1); as seminr's ``two_stage``, and the method seminr and
  SmartPLS recommend): stage 1 estimates the model *without* the interaction constructs; the
  interaction's single item is the product of the stage-1 scores of the two constructs (not
  re-standardised); stage 2 estimates the full model with that single-item construct.
* ``"product_indicator"`` (Chin, Marcolin & Newsted 2003): the items are all pairwise
  products ``z_a z_b`` of the standardised items of the two constructs (mode A).
* ``"orthogonal"`` (Little, Bovaird & Widaman 2006): each product ``z_a z_b`` is regressed
  (OLS with intercept) on all the items of both constructs; the residuals are the items.

Items are standardised with the population standard deviation and scores have unit
population variance (the package's convention); seminr uses the sample standard deviation,
so its interaction item values are ours times ``(n - 1) / n`` and its interaction path (on
the product scale, below) ours times ``sqrt(n / (n - 1))``; every other estimate is the same,
because stage 2 standardises every item again.

A product-indicator or orthogonal interaction construct is oriented so that its score
correlates positively with ``Y_focal * Y_moderator`` (in the fit and in every bootstrap draw;
see :func:`crm_models.csi.estimation.orient_interactions`).

Every bootstrap draw recomputes the interaction items on its resample (stage 1 included),
so the intervals carry the uncertainty of the interaction term
(:func:`crm_models.csi._resampling.run_bootstrap` receives
:meth:`crm_models.csi._interaction.InteractionDesign.augment`).

Paths *from* an interaction are on the scale of the product term (the standardised path
divided by :attr:`~crm_models.csi.estimation.PLSFit.lv_scale`, seminr's loading-weighted mean
standard deviation of the interaction's items), as seminr reports them for PLS; so the effect
of the focal construct at moderator level ``m`` is ``b_focal + b_interaction * m``. With
``consistent=True`` (PLSc) the interaction construct keeps ``rho_A = 1`` (seminr's rule: its
items are products, not reflective measures), the other reflective constructs are
disattenuated; the interaction path stays on the product scale (seminr's PLSc prints the
standardised one, ``path * lv_scale``).

:func:`interaction_f2` gives Cohen's ``f^2 = (R^2_in - R^2_out) / (1 - R^2_in)`` of the
interaction, :func:`simple_slopes` the effect of the focal construct at chosen levels of the
moderator (Aiken & West 1991): ``d target / d focal = b_focal + b_interaction * m``,
with ``m`` the moderator in standard deviations from its mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crm_models.base import check_is_fitted
from crm_models.csi._interaction import INTERACTION_METHODS, Interaction, InteractionDesign, build_design
from crm_models.errors import ModelSpecificationError

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.csi.pls import PLSPM

__all__ = ["INTERACTION_METHODS", "Interaction", "InteractionDesign", "build_design", "interaction_f2",
           "simple_slopes"]

def _design(model: PLSPM, interaction: str | None = None):
    check_is_fitted(model)
    design = model.interaction_design
    if design is None:
        raise ModelSpecificationError("the model has no interactions (PLSPM(..., interactions={...}))")
    if interaction is None:
        return design, list(design.interactions)
    found = [i for i in design.interactions if i.name == interaction]
    if not found:
        raise ModelSpecificationError(
            f"unknown interaction {interaction!r}; the model's interactions are "
            f"{[i.name for i in design.interactions]}")
    return design, found


def _r2(R: np.ndarray, k: int, preds: list[int]) -> float:
    if not preds:
        return 0.0
    Rpp = R[np.ix_(preds, preds)]
    Rpk = R[preds, k]
    return float(Rpk @ np.linalg.solve(Rpp, Rpk))


def interaction_f2(model: PLSPM) -> pd.DataFrame:
    """Cohen's ``f^2`` of each interaction on each of its targets.

    ``f^2 = (R^2_included - R^2_excluded) / (1 - R^2_included)``, the R^2 of the target with
    and without the interaction among its predictors, both from the construct correlations of
    the fitted model (as :func:`crm_models.csi.quality.f_squared`, which gives the same number
    for every path). Kenny's (2018) rule of thumb for interactions: 0.005 small, 0.01 medium,
    0.025 large.

    Returns
    -------
    DataFrame
        Index ``"interaction -> target"``; columns interaction, target, r2_included,
        r2_excluded, f2, size.
    """
    design, inters = _design(model)
    fit = model.estimation_
    spec = fit.spec
    R = fit.construct_correlations
    lvs = list(spec.lvs)
    rows = []
    for inter in inters:
        j = lvs.index(inter.name)
        for k in spec.endogenous:
            preds = list(spec.predecessors(k))
            if j not in preds:
                continue
            r2_in = _r2(R, k, preds)
            r2_out = _r2(R, k, [q for q in preds if q != j])
            f2 = (r2_in - r2_out) / (1.0 - r2_in)
            size = "large" if f2 >= 0.025 else "medium" if f2 >= 0.01 else "small" if f2 >= 0.005 else "none"
            rows.append((inter.name, lvs[k], r2_in, r2_out, f2, size))
    out = pd.DataFrame(rows, columns=["interaction", "target", "r2_included", "r2_excluded", "f2", "size"])
    out.index = out["interaction"] + " -> " + out["target"]
    return out


def simple_slopes(model: PLSPM, interaction: str, moderator_values: Sequence[float] = (-1.0, 0.0, 1.0),
                  target: str | None = None, boot=None) -> pd.DataFrame:
    """Simple slopes of the focal construct at chosen levels of the moderator.

    In the standardised structural model ``target = b_f focal + b_m moderator +
    b_fm (focal x moderator) + ...`` the effect of the focal construct when the moderator is
    ``m`` standard deviations from its mean is ``b_f + b_fm m`` (Aiken & West 1991, "Multiple
    regression: testing and interpreting interactions"), and the intercept of that line is
    ``b_m m``.

    Parameters
    ----------
    model:
        A fitted :class:`~crm_models.csi.PLSPM` with interactions.
    interaction:
        The interaction construct's name.
    moderator_values:
        Moderator levels in standard deviations (default -1 SD, mean, +1 SD).
    target:
        The dependent construct (default: the only target of the interaction).
    boot:
        Optional :class:`~crm_models.csi.BootstrapResult` of the model: adds the percentile
        interval of every slope (``lower``, ``upper``), from the same draws of ``b_f`` and
        ``b_fm``.

    Returns
    -------
    DataFrame
        One row per moderator value: interaction, focal, moderator, target, moderator_value,
        intercept, slope (and lower, upper with ``boot``).
    """
    _, (inter,) = _design(model, interaction)
    fit = model.estimation_
    lvs = list(fit.spec.lvs)
    j = lvs.index(inter.name)
    targets = [lvs[k] for k in fit.spec.endogenous if fit.spec.path[k, j]]
    if target is None:
        if len(targets) != 1:
            raise ModelSpecificationError(
                f"interaction {interaction!r} predicts {targets}; choose one with target=")
        target = targets[0]
    if target not in targets:
        raise ModelSpecificationError(f"interaction {interaction!r} does not predict {target!r}; its targets "
                                      f"are {targets}")
    k = lvs.index(target)
    values = np.asarray(moderator_values, dtype=float).ravel()
    if values.size == 0 or not np.isfinite(values).all():
        raise ModelSpecificationError(f"moderator_values must be finite numbers, got {moderator_values!r}")
    P = fit.P
    b_f, b_m, b_fm = P[k, lvs.index(inter.focal)], P[k, lvs.index(inter.moderator)], P[k, j]
    out = pd.DataFrame({"interaction": inter.name, "focal": inter.focal, "moderator": inter.moderator,
                        "target": target, "moderator_value": values, "intercept": b_m * values,
                        "slope": b_f + b_fm * values})
    if boot is not None:
        draws = boot.draws["paths"]
        df_ = draws[f"{inter.focal} -> {target}"].to_numpy()
        dfm = draws[f"{inter.name} -> {target}"].to_numpy()
        s = df_[:, None] + dfm[:, None] * values[None, :]
        alpha = (1 - boot.level) / 2
        out["lower"] = np.quantile(s, alpha, axis=0)
        out["upper"] = np.quantile(s, 1 - alpha, axis=0)
    return out
