"""The default stopping rule converges beyond the printed digits; ``convergence="plspm"`` is plspm's.

Reference: a fit iterated to ``tol=1e-14`` (max absolute weight change), i.e. the converged
solution up to rounding; R plspm's outputs (``satisfaction.*.csv``) for the plspm rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.csi import MOBI_BLOCKS, MOBI_PATHS, SAT_BLOCKS, SAT_PATHS, mobi, ref

from crm_models.csi import PLSPM
from crm_models.errors import ModelSpecificationError

CASES = {
    "satisfaction centroid": ("sat", {"scaled": False}),
    "satisfaction mode B": ("sat", {"scaled": False, "modes": dict.fromkeys(SAT_BLOCKS, "B")}),
    "mobi path, IMAG mode B": ("mobi", {"scheme": "path", "modes": {"IMAG": "B"}}),
    "mobi path, PERQ mode B": ("mobi", {"scheme": "path", "modes": {"PERQ": "B"}}),
}


def _fits(name, satisfaction, shared_data, **extra):
    data, kw = CASES[name]
    paths, blocks = (SAT_PATHS, SAT_BLOCKS) if data == "sat" else (MOBI_PATHS, MOBI_BLOCKS)
    df = satisfaction if data == "sat" else mobi(shared_data)
    return PLSPM(paths, blocks, **kw, **extra).fit(df)


def _tables(m) -> list[np.ndarray]:
    return [m.outer_weights_.to_numpy(), m.outer_loadings_.to_numpy(), m.path_coefficients_.to_numpy(),
            m.r2_.to_numpy(), m.effects_[["direct", "indirect", "total"]].to_numpy(), np.array([m.gof_])]


@pytest.mark.parametrize("name", list(CASES))
def test_default_equals_fully_converged_fit(name, satisfaction, shared_data):
    default = _fits(name, satisfaction, shared_data)
    tight = _fits(name, satisfaction, shared_data, tol=1e-14)
    plspm_rule = _fits(name, satisfaction, shared_data, convergence="plspm")
    assert default.estimation_.tol == 1e-10 and default.estimation_.convergence == "max"
    assert tight.iterations_ > default.iterations_ > plspm_rule.iterations_
    for a, b in zip(_tables(default), _tables(tight), strict=True):
        assert np.max(np.abs(a - b)) < 1e-9
    # plspm's rule stops visibly earlier (this is why it is not the default)
    assert max(np.max(np.abs(c - b)) for b, c in zip(_tables(tight), _tables(plspm_rule), strict=True)) > 1e-7


def test_plspm_rule_reproduces_r_where_default_moves_on(satisfaction, shared_data):
    """All-mode-B satisfaction model: plspm's rule matches R to 1e-6, the converged fit does not."""
    r = ref(shared_data, "modeb.inner-summary", index_col=0)["r_squared"]
    kw = {"modes": dict.fromkeys(SAT_BLOCKS, "B"), "scaled": False}
    compat = PLSPM(SAT_PATHS, SAT_BLOCKS, convergence="plspm", **kw).fit(satisfaction)
    conv = PLSPM(SAT_PATHS, SAT_BLOCKS, **kw).fit(satisfaction)
    assert np.max(np.abs(compat.inner_summary_["r_squared"] - r)) < 1e-6
    assert np.max(np.abs(conv.inner_summary_["r_squared"] - r)) > 1e-6
    assert compat.estimation_.tol == 1e-6 and compat.estimation_.max_iter == 100


def test_bootstrap_uses_the_fit_rule(satisfaction):
    m = PLSPM(SAT_PATHS, SAT_BLOCKS, scaled=False, modes={"VAL": "B"}).fit(satisfaction)
    b = m.bootstrap(n=5, bca=False)
    # the bootstrap re-estimates the original through the batch kernel with the same rule
    assert np.max(np.abs(b.paths["original"] - m.summary["estimate"])) < 1e-12


def test_saved_rule_round_trips(satisfaction, tmp_path):
    from crm_models import load_model

    m = PLSPM(SAT_PATHS, SAT_BLOCKS, convergence="plspm").fit(satisfaction)
    loaded = load_model(m.save(tmp_path / "m.json"))
    assert loaded.estimation_.convergence == "plspm" and loaded.estimation_.tol == 1e-6
    state = m.estimation_.to_dict()
    del state["convergence"]  # a file saved before the rule existed was fitted with plspm's rule
    assert type(m.estimation_).from_dict(state).convergence == "plspm"


def test_unknown_rule(satisfaction):
    with pytest.raises(ModelSpecificationError, match="convergence='fast'"):
        PLSPM(SAT_PATHS, SAT_BLOCKS, convergence="fast").fit(satisfaction)
    assert isinstance(satisfaction, pd.DataFrame)
