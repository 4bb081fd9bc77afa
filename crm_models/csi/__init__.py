"""Customer satisfaction index: PLS path modelling (ACSI, ECSI, retention model), index, IPMA.

    from crm_models.csi import PLSPM, predict_pls
    m = PLSPM(paths={"SAT": ["IMAG", "VAL"], "LOY": ["SAT"]},
              blocks={"IMAG": ["imag1", "imag2"], "VAL": ["val1", "val2"],
                      "SAT": ["sat1", "sat2"], "LOY": ["loy1", "loy2"]},
              scaled=False).fit(survey)
    m.path_coefficients_, m.r2_, m.outer_weights_, m.gof_
    boot = m.bootstrap(n=5000, seed=0)
    pred = predict_pls(m, n_folds=10, seed=0)     # PLSpredict: out-of-sample RMSE/MAE vs LM, Q2predict
    groups = mga(m, survey.gender, seed=0)       # multi-group analysis: permutation test, PLS-MGA, MICOM
"""

from crm_models._moved import moved_names
from crm_models.csi.bootstrap import BootstrapResult, bootstrap
from crm_models.csi.careless import careless_responses, drop_straightliners
from crm_models.csi.higher_order import HOC_METHODS
from crm_models.csi.index import (
    csi_index,
    csi_scores,
    ipma,
    positive_weight_constructs,
    rescale_items,
    unstandardised_weights,
)
from crm_models.csi.kano import KANO_CATEGORIES, kano_classify, kano_table
from crm_models.csi.measures import (
    SATISFACTION_LEVELS,
    gap_scores,
    gap_summary,
    ratio_scores,
    satisfaction_levels,
    satisfaction_scale_summary,
)
from crm_models.csi.mediation import MEDIATION_TYPES, mediation_table, specific_effect, specific_effects
from crm_models.csi.moderation import INTERACTION_METHODS, interaction_f2, simple_slopes
from crm_models.csi.multigroup import INVARIANCE_LEVELS, MGA_KINDS, MGAResult, mga
from crm_models.csi.pls import PLSPM, SCHEMES
from crm_models.csi.predict import POWER_LEVELS, TECHNIQUES, PLSPredictResult, predict_pls
from crm_models.csi.presets import (
    CONSTRUCT_LABELS,
    PRESETS,
    RETENTION_HYPOTHESES,
    RETENTION_VALUE_GROUPS,
    RETENTION_VALUE_HYPOTHESES,
    acsi,
    blocks_by_prefix,
    build_model,
    ecsi,
    hypothesis_table,
    preset_model,
    retention_model,
    retention_value_model,
)
from crm_models.csi.quality import (
    THRESHOLDS,
    ave,
    block_eigenvalues,
    composite_reliability,
    cronbach_alpha,
    dillon_goldstein_rho,
    f_squared,
    fornell_larcker,
    htmt,
    measurement_quality,
    reliability,
    rho_a,
    unidimensionality,
    vif,
)
from crm_models.csi.scale import COMMON_SCALES, AnswerScale, answer_scale, fitting_scale, resolve_scale
from crm_models.csi.spec import ModelSpec, build_spec

__all__ = [
    "PLSPM", "SCHEMES", "HOC_METHODS", "ModelSpec", "build_spec", "BootstrapResult", "bootstrap",
    "THRESHOLDS", "ave", "block_eigenvalues", "composite_reliability", "cronbach_alpha",
    "dillon_goldstein_rho", "f_squared", "fornell_larcker", "htmt", "measurement_quality",
    "reliability", "rho_a", "unidimensionality", "vif",
    "csi_index", "csi_scores", "ipma", "rescale_items", "unstandardised_weights",
    "positive_weight_constructs",
    "COMMON_SCALES", "AnswerScale", "answer_scale", "fitting_scale", "resolve_scale",
    "careless_responses", "drop_straightliners",
    "build_model",
    "acsi", "ecsi", "retention_model", "hypothesis_table", "preset_model", "blocks_by_prefix", "PRESETS",
    "CONSTRUCT_LABELS", "RETENTION_HYPOTHESES", "retention_value_model", "RETENTION_VALUE_GROUPS",
    "RETENTION_VALUE_HYPOTHESES",
    "KANO_CATEGORIES", "kano_classify", "kano_table",
    "SATISFACTION_LEVELS", "gap_scores", "gap_summary", "ratio_scores", "satisfaction_levels",
    "satisfaction_scale_summary",
    "MEDIATION_TYPES", "mediation_table", "specific_effect", "specific_effects",
    "INTERACTION_METHODS", "interaction_f2", "simple_slopes",
    "predict_pls", "PLSPredictResult", "TECHNIQUES", "POWER_LEVELS",
    "mga", "MGAResult", "MGA_KINDS", "INVARIANCE_LEVELS",
]


#: names that moved to the report layer (the package's models never import reports)
__getattr__ = moved_names("crm_models.csi", {
    "load_survey": "crm_models.report.csi.load_survey",
}, "the report layer: import it from there")
