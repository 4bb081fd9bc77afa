"""The segments report notebook renders on the bundled sample; its key figures are checked
directly on the functions it calls (tests/test_report_segments_tables.py)."""

from __future__ import annotations

import json

import pytest

import crm_models as crm
from crm_models.report.segments import sections

pytestmark = pytest.mark.slow  # each test runs a report notebook


def _summary(nb) -> dict:
    last = nb.cells[-1]
    text = "".join(o.get("text", "") for o in last.outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


def _images(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_notebook_on_bundled_sample(run_notebook):
    nb = run_notebook("segments", {"k_range": [2, 3], "lang": "en"})
    text = "\n".join(o.get("data", {}).get("text/markdown", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs)
    data = crm.report.segments.load_segment_inputs()
    res = sections.analyse(data, sections.load_survey(None, None), k_range=[2, 3])
    # the key numbers appear in the report, and the printed key figures are summary_record's
    assert "**3,000**" in text
    assert f"**{res.retention_rate:.1%}**" in text
    assert _summary(nb) == json.loads(json.dumps(sections.summary_record(data, res)))
    assert _images(nb) >= 5  # sizes + RFM grid, Pareto + Lorenz, loyalty, tier changes + migration, clusters
