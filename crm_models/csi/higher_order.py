"""Higher-order constructs (HOC) in PLS path models.

``PLSPM(paths, blocks, higher_order={"SAT": ["IMAG", "VAL"]}, hoc_method=...)`` adds a
construct ``SAT`` measured through its *dimensions* (lower-order constructs) ``IMAG`` and
``VAL``, which are ordinary blocks of survey items. ``paths`` use the HOC like any construct
(``{"SAT": ["EXPE", "QUAL"], "LOY": ["SAT"]}``); the dimensions have no paths of their own,
their structural relations go through the HOC. Two methods:

* ``"two_stage"`` (default; as seminr's ``two_stage``, the approach of Sarstedt, Hair,
  Cheah, Becker & Ringle 2019, "How to specify, estimate, and validate higher-order
  constructs in PLS-SEM", Australasian Marketing Journal 27(3), and Becker, Klein & Wetzels
  2012, "Hierarchical latent variable models in PLS-SEM", Long Range Planning 45):
  *stage 1* estimates the model with each HOC replaced by its dimensions (every antecedent
  of the HOC points to each dimension, each dimension points to every outcome of the HOC;
  this is what seminr 3.6 does, and what reproduces its outputs); *stage 2* estimates the
  model with the dimensions dropped and the HOC measured by one item per dimension, named
  like the dimension, whose values are the dimension's stage-1 construct scores. The stage-2
  outer weights and loadings of those items are the weights and loadings of the dimensions
  on the HOC (``model.hoc_loadings_``); the stage-1 weights and loadings of the dimensions'
  items are ``model.first_stage_`` (the whole stage-1 fit is ``model.estimation_.first_stage``).
* ``"repeated_indicators"`` (Lohmoeller 1989): one model in which the HOC is
  measured by copies of all its dimensions' items (named ``"{item}@{HOC}"``) and each
  dimension points to the HOC. The dimensions then explain the HOC almost entirely
  (R^2 near 1), so other antecedents of the HOC get paths near 0: use it for a HOC that
  only predicts (exogenous HOC), and the two-stage method otherwise (Becker et al. 2012).
  ``hoc_loadings_`` reports the path dimension -> HOC as ``weight`` and the correlation of
  the two scores as ``loading``.

Every bootstrap draw re-runs both stages on its resample
(:func:`crm_models.csi._resampling.run_bootstrap` receives the stage-1 step), so the
intervals carry the stage-1 uncertainty. :meth:`~crm_models.csi.PLSPM.transform` scores new
respondents with the fitted stage-1 weights, item means and sds, then the stage-2 weights; a
saved model keeps the stage-1 fit. Interactions (:mod:`crm_models.csi.moderation`) are built
on the stage-2 model (a HOC may be an interaction's focal construct or moderator).
:func:`~crm_models.csi.predict_pls`, :func:`~crm_models.csi.mga` and the 0-100 index refuse a
two-stage HOC model with a clear error.
"""

from __future__ import annotations

from crm_models.csi._higher_order import HOC_METHODS, HigherOrder, HigherOrderDesign, build_hoc_design

__all__ = ["HOC_METHODS", "HigherOrder", "HigherOrderDesign", "build_hoc_design"]
