"""Ready-made satisfaction models whose blocks are found in a survey by column prefix.

``imag1, imag2, ...`` go to ``IMAG``, ``sat1 ...`` to ``SAT`` and so on (case-insensitive,
``imag_1`` and ``IMAG1`` work too); pass ``prefixes={"EXPE": "CUEX", ...}`` for other names.

* :func:`ecsi` -- European Customer Satisfaction Index (ECSI Technical Committee 1998;
  Tenenhaus et al. 2005): image -> expectations, satisfaction, loyalty; expectations ->
  quality, value, satisfaction; quality -> value, satisfaction; value -> satisfaction;
  satisfaction -> complaints, loyalty; complaints -> loyalty.  Without complaint items it is
  the model of R plspm's ``satisfaction`` example.
* :func:`acsi` -- American Customer Satisfaction Index (Fornell et al. 1996): expectations ->
  quality, value, satisfaction; quality -> value, satisfaction; value -> satisfaction;
  satisfaction -> complaints, loyalty; complaints -> loyalty.
* :func:`retention_model` -- the customer-retention model of the CRM material: perceived
  value -> satisfaction (H1) -> repurchase intention (H2); switching cost -> repurchase
  intention (H3); perceived value -> repurchase intention (H4).  :func:`hypothesis_table`
  reports each hypothesis with its estimate, p-value and interval.
* :func:`retention_value_model` -- the retention value model of the CRM material: *active
  retention* (customer surplus value CSV, psychological attachment PSA) and *passive
  retention* (switching costs SWC, opportunity costs OPC, sunk costs SNK, termination
  barriers TRB) -> retention intention RET (hypotheses RV1-RV6, all positive; the grouping
  is in :data:`RETENTION_VALUE_GROUPS`).  Items ``csv1, csv2, ...``, ``psa1 ...``,
  ``swc1 ...``, ``opc1 ...``, ``snk1 ...``, ``trb1 ...``, ``ret1 ...``.

Each returns an unfitted :class:`~crm_models.csi.pls.PLSPM` (call ``.fit(df)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crm_models.base import check_is_fitted
from crm_models.csi.pls import PLSPM
from crm_models.errors import CRMDataError, ModelSpecificationError

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.csi.bootstrap import BootstrapResult

__all__ = ["build_model", "DEFAULT_PREFIXES", "CONSTRUCT_LABELS", "blocks_by_prefix", "ecsi", "acsi",
           "retention_model", "retention_value_model", "RETENTION_VALUE_PATHS", "RETENTION_VALUE_GROUPS",
           "RETENTION_VALUE_HYPOTHESES",
           "RETENTION_HYPOTHESES", "hypothesis_table", "preset_model", "PRESETS"]

DEFAULT_PREFIXES = {
    "IMAG": "imag", "EXPE": "expe", "QUAL": "qual", "VAL": "val", "SAT": "sat",
    "COMP": "comp", "LOY": "loy", "SWC": "swc",
    "CSV": "csv", "PSA": "psa", "OPC": "opc", "SNK": "snk", "TRB": "trb", "RET": "ret",
}

CONSTRUCT_LABELS = {
    "IMAG": "Image", "EXPE": "Expectations", "QUAL": "Perceived quality", "VAL": "Perceived value",
    "SAT": "Satisfaction", "COMP": "Complaints", "LOY": "Loyalty / repurchase intention",
    "SWC": "Switching cost",
    "CSV": "Customer surplus value", "PSA": "Psychological attachment", "OPC": "Opportunity costs",
    "SNK": "Sunk costs", "TRB": "Termination barriers", "RET": "Retention intention",
}

ECSI_PATHS = {
    "EXPE": ["IMAG"], "QUAL": ["EXPE"], "VAL": ["EXPE", "QUAL"],
    "SAT": ["IMAG", "EXPE", "QUAL", "VAL"], "COMP": ["SAT"], "LOY": ["IMAG", "SAT", "COMP"],
}
ACSI_PATHS = {
    "QUAL": ["EXPE"], "VAL": ["EXPE", "QUAL"], "SAT": ["EXPE", "QUAL", "VAL"],
    "COMP": ["SAT"], "LOY": ["SAT", "COMP"],
}
RETENTION_PATHS = {"SAT": ["VAL"], "LOY": ["SAT", "SWC", "VAL"]}

#: (label, source, target, expected sign, statement)
RETENTION_HYPOTHESES = [
    ("H1", "VAL", "SAT", 1, "Perceived value raises satisfaction"),
    ("H2", "SAT", "LOY", 1, "Satisfaction raises repurchase intention"),
    ("H3", "SWC", "LOY", 1, "Switching cost raises repurchase intention"),
    ("H4", "VAL", "LOY", 1, "Perceived value raises repurchase intention directly"),
]
RETENTION_VALUE_GROUPS = {"active": ["CSV", "PSA"], "passive": ["SWC", "OPC", "SNK", "TRB"]}
RETENTION_VALUE_PATHS = {"RET": RETENTION_VALUE_GROUPS["active"] + RETENTION_VALUE_GROUPS["passive"]}
RETENTION_VALUE_HYPOTHESES = [
    ("RV1", "CSV", "RET", 1, "Customer surplus value raises retention intention (active retention)"),
    ("RV2", "PSA", "RET", 1, "Psychological attachment raises retention intention (active retention)"),
    ("RV3", "SWC", "RET", 1, "Switching costs raise retention intention (passive retention)"),
    ("RV4", "OPC", "RET", 1, "Opportunity costs raise retention intention (passive retention)"),
    ("RV5", "SNK", "RET", 1, "Sunk costs raise retention intention (passive retention)"),
    ("RV6", "TRB", "RET", 1, "Termination barriers raise retention intention (passive retention)"),
]
#: Chinese statements of the built-in hypotheses, by their English statement
_STATEMENTS_ZH = {
    "Perceived value raises satisfaction": "感知价值正向影响顾客满意",
    "Satisfaction raises repurchase intention": "顾客满意正向影响重购意向",
    "Switching cost raises repurchase intention": "转换成本正向影响重购意向",
    "Perceived value raises repurchase intention directly": "感知价值直接正向影响重购意向",
    RETENTION_VALUE_HYPOTHESES[0][4]: "顾客剩余价值正向影响保留意向（主动保留）",
    RETENTION_VALUE_HYPOTHESES[1][4]: "心理依恋正向影响保留意向（主动保留）",
    RETENTION_VALUE_HYPOTHESES[2][4]: "转换成本正向影响保留意向（被动保留）",
    RETENTION_VALUE_HYPOTHESES[3][4]: "机会成本正向影响保留意向（被动保留）",
    RETENTION_VALUE_HYPOTHESES[4][4]: "沉没成本正向影响保留意向（被动保留）",
    RETENTION_VALUE_HYPOTHESES[5][4]: "终止壁垒正向影响保留意向（被动保留）",
}


def _columns(data) -> list[str]:
    if isinstance(data, pd.DataFrame):
        return [str(c) for c in data.columns]
    if isinstance(data, Iterable) and not isinstance(data, str):
        return [str(c) for c in data]
    raise CRMDataError(f"expected a survey DataFrame or a list of column names, got {type(data).__name__}")


def blocks_by_prefix(data, constructs: Iterable[str], prefixes: Mapping[str, str] | None = None) -> dict:
    """``{construct: [columns]}`` for the columns named ``<prefix><number>`` (sorted by number)."""
    cols = _columns(data)
    pref = dict(DEFAULT_PREFIXES)
    if prefixes:
        pref.update({str(k): str(v) for k, v in prefixes.items()})
    out = {}
    for lv in constructs:
        p = pref.get(lv, lv.lower())
        rx = re.compile(rf"^{re.escape(p)}[_\-\s]?(\d+)$", re.IGNORECASE)
        found = sorted(((int(m.group(1)), c) for c in cols if (m := rx.match(c))), key=lambda t: t[0])
        if found:
            out[lv] = [c for _, c in found]
    return out


def _build(data, paths: dict, required: list[str], optional: list[str], prefixes, name: str,
           **kwargs) -> PLSPM:
    blocks = blocks_by_prefix(data, required + optional, prefixes)
    missing = [lv for lv in required if lv not in blocks]
    if missing:
        pref = dict(DEFAULT_PREFIXES, **(prefixes or {}))
        need = ", ".join(f"{lv} ({pref.get(lv, lv.lower())}1, {pref.get(lv, lv.lower())}2, ...)"
                         for lv in missing)
        raise CRMDataError(f"the {name} model needs items for {need}; none found among the columns "
                           f"{_columns(data)[:20]}. Rename the columns or pass prefixes={{...}}")
    keep = set(blocks)
    kept_paths = {}
    for tgt, preds in paths.items():
        if tgt not in keep:
            continue
        ps = [p for p in preds if p in keep]
        if ps:
            kept_paths[tgt] = ps
    order = [lv for lv in required + optional if lv in blocks]
    return PLSPM(kept_paths, {lv: blocks[lv] for lv in order}, **kwargs)


def ecsi(data, prefixes: Mapping[str, str] | None = None, **kwargs) -> PLSPM:
    """ECSI model on the survey's columns (COMP optional). ``kwargs`` go to :class:`PLSPM`."""
    return _build(data, ECSI_PATHS, ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"], ["COMP"],
                  prefixes, "ECSI", **kwargs)


def acsi(data, prefixes: Mapping[str, str] | None = None, **kwargs) -> PLSPM:
    """ACSI model on the survey's columns (COMP optional). ``kwargs`` go to :class:`PLSPM`."""
    return _build(data, ACSI_PATHS, ["EXPE", "QUAL", "VAL", "SAT", "LOY"], ["COMP"], prefixes, "ACSI",
                  **kwargs)


def retention_model(data, prefixes: Mapping[str, str] | None = None, **kwargs) -> PLSPM:
    """Customer-retention model: VAL -> SAT -> LOY, SWC -> LOY, VAL -> LOY (hypotheses H1-H4)."""
    return _build(data, RETENTION_PATHS, ["VAL", "SWC", "SAT", "LOY"], [], prefixes, "retention",
                  **kwargs)


def retention_value_model(data, prefixes: Mapping[str, str] | None = None, **kwargs) -> PLSPM:
    """Retention value model: CSV, PSA (active) and SWC, OPC, SNK, TRB (passive) -> RET.

    Test it with ``hypothesis_table(model, boot, hypotheses=RETENTION_VALUE_HYPOTHESES)``.
    """
    return _build(data, RETENTION_VALUE_PATHS, ["CSV", "PSA", "SWC", "OPC", "SNK", "TRB", "RET"], [],
                  prefixes, "retention value", **kwargs)


PRESETS = {"ecsi": ecsi, "acsi": acsi, "retention": retention_model, "retention_value": retention_value_model}


def preset_model(name: str, data, prefixes: Mapping[str, str] | None = None, **kwargs) -> PLSPM:
    """One of :data:`PRESETS` by name (``"ecsi"``, ``"acsi"``, ``"retention"``, ``"retention_value"``)."""
    key = str(name).lower()
    if key not in PRESETS:
        raise ModelSpecificationError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return PRESETS[key](data, prefixes=prefixes, **kwargs)


def hypothesis_table(model: PLSPM, boot: BootstrapResult | None = None, alpha: float = 0.05,
                    hypotheses=None, lang: str = "en") -> pd.DataFrame:
    """Test directional path hypotheses (default: the retention model's H1-H4; the retention value
    model's are :data:`RETENTION_VALUE_HYPOTHESES`).

    With a bootstrap result the standard error, t and p-value and the percentile interval come
    from it; otherwise from the OLS inner model.  A hypothesis is supported when the estimate
    has the expected sign and ``p < alpha``.  ``lang="zh"`` gives the built-in statements in Chinese.
    """
    check_is_fitted(model)
    hyps = RETENTION_HYPOTHESES if hypotheses is None else hypotheses
    rows = []
    summ = model.summary
    for label, src, tgt, sign, text in hyps:
        key = f"{src} -> {tgt}"
        if key not in summ.index:
            raise ModelSpecificationError(f"{label}: the model has no path {key}")
        est = summ.loc[key, "estimate"]
        if boot is not None:
            r = boot.paths.loc[key]
            se, t, p, lo, hi = r["std_error"], r["t_value"], r["p_value"], r["lower"], r["upper"]
        else:
            se, t, p = summ.loc[key, ["std_error", "t_value", "p_value"]]
            lo, hi = np.nan, np.nan
        supported = bool(np.sign(est) == sign and p < alpha)
        if lang == "zh":
            text = _STATEMENTS_ZH.get(text, text)
        rows.append((label, text, key, "+" if sign > 0 else "-", est, se, t, p, lo, hi, supported))
    return pd.DataFrame(rows, columns=["hypothesis", "statement", "path", "expected_sign", "estimate",
                                       "std_error", "t_value", "p_value", "lower", "upper",
                                       "supported"]).set_index("hypothesis")


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
