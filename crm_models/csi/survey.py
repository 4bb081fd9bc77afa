"""Load a satisfaction survey and turn a model choice (preset name or path spec) into a PLSPM.

Used by the CSI report notebook so that it holds no logic:

    survey = load_survey(None)                     # the bundled sample survey
    model = build_model("ecsi", survey)            # or "acsi", "retention"
    model = build_model({"paths": {"SAT": ["VAL"], "LOY": ["SAT"]}}, survey)   # blocks by prefix
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pandas as pd

from crm_models.csi.pls import PLSPM
from crm_models.csi.presets import PRESETS, blocks_by_prefix, preset_model
from crm_models.errors import CRMDataError, ModelSpecificationError

__all__ = ["load_survey", "build_model"]


def load_survey(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The survey at ``path`` (CSV or Parquet), or the bundled sample survey when ``None``."""
    if path is None:
        from crm_models.data import datasets

        return datasets.sample_survey()
    from crm_models.data.io import read_table

    df = read_table(path)
    unnamed = [c for c in df.columns if str(c).startswith("Unnamed: ")]
    return df.drop(columns=unnamed)  # a written-out row index (R's write.csv)


def build_model(model: str | Mapping, survey: pd.DataFrame, **kwargs) -> PLSPM:
    """A :class:`PLSPM` for ``survey`` from a preset name or ``{"paths": ..., "blocks": ..., "modes": ...}``.

    With a spec, ``blocks`` may be omitted: each construct's items are then the columns named
    after it (``SAT`` -> ``sat1, sat2, ...``) or after ``prefixes`` given in the spec.
    ``kwargs`` (scheme, scaled, missing, ...) go to :class:`PLSPM`.
    """
    if isinstance(model, str):
        if model.lower() not in PRESETS:
            raise ModelSpecificationError(f"unknown model {model!r}: use one of {sorted(PRESETS)} or a "
                                          "{'paths': {...}} specification")
        return preset_model(model, survey, **kwargs)
    if not isinstance(model, Mapping) or "paths" not in model:
        raise ModelSpecificationError("model must be a preset name or a dict with 'paths' "
                                      "(and optionally 'blocks', 'modes', 'prefixes')")
    paths = model["paths"]
    blocks = model.get("blocks")
    if blocks is None:
        if isinstance(paths, Mapping):
            names = list(dict.fromkeys([*paths, *(p for ps in paths.values() for p in
                                                  ([ps] if isinstance(ps, str) else ps))]))
        else:
            names = list(dict.fromkeys(n for pair in paths for n in pair))
        blocks = blocks_by_prefix(survey, names, model.get("prefixes"))
        missing = [n for n in names if n not in blocks]
        if missing:
            raise CRMDataError(f"no items found for construct(s) {missing}: name the columns "
                               f"{missing[0].lower()}1, {missing[0].lower()}2, ... or give 'blocks'")
    return PLSPM(paths, blocks, modes=model.get("modes"), **kwargs)
