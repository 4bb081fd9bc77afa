"""Specific indirect effects and mediation types.

Checks: the specific effects over all chains from X to Y add up to the model's total indirect
effect (``effects_``, from ``(I - B)^-1``); the bootstrap statistics equal a second, plain
loop over the draws (product of each draw's path coefficients, then quantiles / sd / BCa);
simulations with a planted mediation structure are classified as planted (Zhao, Lynch &
Chen 2010).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import csi as fx
from helpers.csi import MOBI_BLOCKS, MOBI_PATHS, SAT_BLOCKS, SAT_PATHS
from scipy import special

from crm_models import csi
from crm_models.csi import PLSPM
from crm_models.errors import ModelSpecificationError


@pytest.fixture(scope="module")
def sat_boot(satisfaction):
    m = PLSPM(SAT_PATHS, SAT_BLOCKS, scaled=False).fit(satisfaction)
    return m, m.bootstrap(n=300, seed=3)


def _sum_check(m, boot):
    eff = m.effects_
    table = boot.specific_effects()
    for (src, tgt), row in eff.set_index(["from", "to"]).iterrows():
        chosen = table[(table["from"] == src) & (table["to"] == tgt)]
        assert abs(chosen["original"].sum() - row["indirect"]) < 1e-12, (src, tgt)
        assert len(chosen) == len(csi.mediation.chains(boot, src, tgt))


def test_specific_effects_add_up_to_total_indirect(sat_boot, shared_data):
    _sum_check(*sat_boot)
    df = fx.mobi(shared_data)
    m = PLSPM(MOBI_PATHS, MOBI_BLOCKS, scheme="path", modes={"IMAG": "B"}).fit(df)
    _sum_check(m, m.bootstrap(n=20, seed=0, bca=False))


def test_bootstrap_statistics_equal_a_plain_loop_over_draws(sat_boot):
    m, boot = sat_boot
    chain = ("IMAG", "EXPE", "QUAL", "VAL", "SAT")
    got = boot.specific_effect(*chain)
    paths = boot.draws["paths"]
    values = []
    for i in range(len(paths)):  # independent: one draw at a time, edge by edge
        v = 1.0
        for a, b in zip(chain[:-1], chain[1:], strict=True):
            v *= float(paths.iloc[i][f"{a} -> {b}"])
        values.append(v)
    values = np.array(values)
    theta = np.prod([m.path_coefficients_.loc[b, a] for a, b in zip(chain[:-1], chain[1:], strict=True)])
    assert got["original"] == pytest.approx(theta, abs=1e-12)
    assert got["mean"] == pytest.approx(values.mean(), abs=1e-12)
    assert got["std_error"] == pytest.approx(values.std(ddof=1), abs=1e-12)
    assert got["lower"] == pytest.approx(np.quantile(values, 0.025), abs=1e-12)
    assert got["upper"] == pytest.approx(np.quantile(values, 0.975), abs=1e-12)
    # BCa (Efron 1987) from the jackknife products, written out directly
    jp = boot.jackknife["paths"]
    jack = np.array([np.prod([float(jp.iloc[i][f"{a} -> {b}"]) for a, b in zip(chain[:-1], chain[1:],
                                                                               strict=True)])
                     for i in range(len(jp))])
    z0 = special.ndtri((np.sum(values < theta) + 0.5 * np.sum(values == theta)) / len(values))
    d = jack.mean() - jack
    a = np.sum(d ** 3) / (6 * np.sum(d ** 2) ** 1.5)
    for q, col in ((0.025, "bca_lower"), (0.975, "bca_upper")):
        zq = special.ndtri(q)
        prob = special.ndtr(z0 + (z0 + zq) / (1 - a * (z0 + zq)))
        assert got[col] == pytest.approx(np.quantile(values, prob), abs=1e-12)


def test_mediation_table_and_errors(sat_boot):
    _, boot = sat_boot
    table = csi.mediation_table(boot)
    assert set(table["type"]) <= set(csi.MEDIATION_TYPES)
    row = table.loc["VAL -> SAT -> LOY"]
    assert not row["direct_path"] and row["direct"] == 0 and row["type"] == "indirect-only"
    row = table.loc["IMAG -> SAT -> LOY"]  # IMAG -> LOY is a path of the model and clearly positive
    assert row["direct_path"] and row["direct_significant"]
    assert row["type"] == ("complementary" if row["indirect_significant"] else "direct-only")
    assert (boot.mediation_table("bca")["type"].isin(csi.MEDIATION_TYPES)).all()
    with pytest.raises(ModelSpecificationError, match="no path SAT -> IMAG"):
        boot.specific_effect("SAT", "IMAG", "LOY")
    with pytest.raises(ModelSpecificationError, match="at least one mediator"):
        boot.specific_effect("SAT", "LOY")
    with pytest.raises(ModelSpecificationError, match="interval='normal'"):
        boot.mediation_table("normal")
    with pytest.raises(ModelSpecificationError, match="source='NOPE'"):
        boot.specific_effects(source="NOPE")


@pytest.mark.parametrize("a,b,c,expected", [
    (0.5, 0.5, 0.0, "indirect-only"),   # full mediation
    (0.5, 0.0, 0.4, "direct-only"),
    (0.5, 0.5, 0.3, "complementary"),
    (0.5, 0.5, -0.3, "competitive"),
    (0.0, 0.0, 0.0, "no effect"),
])
def test_planted_mediation_is_classified(a, b, c, expected):
    paths = {"M": ["X"], "Y": ["X", "M"]}
    sizes = {"X": 3, "M": 3, "Y": 3}
    Sigma, items, _ = fx.composite_population(paths, {("X", "M"): a, ("M", "Y"): b, ("X", "Y"): c}, {},
                                              sizes)
    df = fx.simulate_composite_survey(600, seed=11, Sigma=Sigma, items=items)
    blocks = {lv: [f"{lv.lower()}{i + 1}" for i in range(k)] for lv, k in sizes.items()}
    boot = PLSPM(paths, blocks).fit(df).bootstrap(n=500, seed=5)
    row = boot.mediation_table().loc["X -> M -> Y"]
    assert row["type"] == expected
    assert row["original"] == pytest.approx(a * b, abs=0.08)
