"""The CLV report notebook on the bundled sample shop and on a user's CSV (the CDNOW sample)."""

from __future__ import annotations

import json

import pytest
from helpers.clv import PNBD_REF, assert_close_to_published

import crm_models as crm

pytestmark = pytest.mark.slow  # each test runs a report notebook


def _summary(nb) -> dict:
    last = nb.cells[-1]
    text = "".join(o.get("text", "") for o in last.outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


def _images(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_notebook_on_the_bundled_sample(run_notebook):
    nb = run_notebook("clv", {"n_draws": 30, "lang": "en"})
    got = _summary(nb)
    assert got["customers"] == 3000
    # the sample is simulated from a BG/NBD with r = 0.5, alpha = 5, a = 0.8, b = 3 (weeks) and
    # Gamma-Gamma p = 4, q = 3, gamma = 30: the report recovers them within sampling error
    data = crm.clv.load_report_data()
    m = crm.clv.BetaGeoModel().fit(data.full)
    assert got["params"] == pytest.approx(m.params_.to_dict(), rel=1e-6)
    truth = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 3.0}
    tab = m.summary
    for name, value in truth.items():
        assert tab.loc[name, "lower_95"] * 0.9 < value < tab.loc[name, "upper_95"] * 1.1
    assert got["gamma_gamma"]["p"] == pytest.approx(4.0, rel=0.2)
    # holdout forecast of total purchases within 10 %; equity interval around the estimate
    assert got["holdout_predicted"] == pytest.approx(got["holdout_actual"], rel=0.1)
    eq = got["equity"]
    assert eq["lower"] < eq["estimate"] < eq["upper"]
    assert eq["estimate"] == pytest.approx(got["clv_total"])
    assert 0.3 < got["top_decile_share"] < 0.95
    assert _images(nb) >= 3  # diagnostics panel, P(alive) map, CLV distribution


def test_notebook_on_a_users_csv_reproduces_pareto_nbd(run_notebook, cdnow_transactions, tmp_path):
    path = tmp_path / "cdnow.csv"
    cdnow_transactions.rename(columns={"customer_id": "id", "date": "day", "amount": "dollars"}).to_csv(
        path, index=False)
    nb = run_notebook("clv", {"transactions_path": str(path), "customer_id": "id", "date": "day",
                              "amount": "dollars", "observation_end": "1998-06-30",
                              "calibration_end": "1997-09-30", "model": "paretonbd", "horizon": 39,
                              "n_draws": 10, "anonymize": True})
    got = _summary(nb)
    assert got["customers"] == 2357
    # fitted on the 39-week calibration period: the published Pareto/NBD estimates
    import pandas as pd

    assert_close_to_published(pd.Series(got["calibration_params"]), PNBD_REF)
    assert got["holdout_actual"] == 1882
    assert got["top_customer"].startswith("cust-")  # pseudonymised ids
