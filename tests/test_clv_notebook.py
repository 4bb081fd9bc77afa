"""The CLV report notebook renders on the bundled sample shop; its key figures are checked
directly on the functions it calls (tests/test_report_clv_tables.py)."""

from __future__ import annotations

import json

import pytest

import crm_models as crm
from crm_models.report.clv import sections

pytestmark = pytest.mark.slow  # each test runs a report notebook


def _summary(nb) -> dict:
    last = nb.cells[-1]
    text = "".join(o.get("text", "") for o in last.outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


def _images(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def _text(nb) -> str:
    return "\n".join(o.get("data", {}).get("text/markdown", "") + o.get("data", {}).get("text/html", "")
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_notebook_on_the_bundled_sample(run_notebook):
    nb = run_notebook("clv", {"n_draws": 30, "lang": "en"})
    text = _text(nb)
    data = crm.report.clv.load_report_data()
    res = sections.analyse(data, "bgnbd", n_draws=30)
    # the key numbers appear in the report, and the printed key figures are summary_record's
    assert "**3,000** customers" in text and "BG/NBD" in text
    assert f"{res.model.params_['r']:,.4f}" in text
    assert _summary(nb)["params"] == {k: float(v) for k, v in res.model.params_.items()}
    assert _images(nb) >= 3  # diagnostics panel, P(alive) map, CLV distribution
