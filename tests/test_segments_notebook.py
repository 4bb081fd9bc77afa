"""The segments report notebook runs on the bundled sample and on a user's CSV (CDNOW)."""

from __future__ import annotations

import json

import pytest

import crm_models as crm

pytestmark = pytest.mark.slow  # each test runs a report notebook


def _summary(nb) -> dict:
    last = nb.cells[-1]
    text = "".join(o.get("text", "") for o in last.outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


def _images(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_notebook_on_bundled_sample(run_notebook):
    from crm_models.data.datasets import sample_survey, sample_transactions

    nb = run_notebook("segments", {"k_range": [2, 3], "lang": "en"})
    got = _summary(nb)
    tx = sample_transactions()
    table = crm.segments.rfm_table(tx, "2024-12-31")
    seg = crm.segments.rfm_segments(table)
    assert got["customers"] == 3000
    assert got["segments"] == {str(k): int(v) for k, v in seg["segment"].value_counts(sort=False).items()}
    assert got["pareto_customer_share"] == pytest.approx(
        crm.segments.pareto_point(table["monetary"])["customer_share"], abs=1e-6)
    lm = crm.segments.loyalty_matrix(sample_survey().set_index("customer_id")[["loy1", "loy2", "loy3"]],
                                     crm.segments.repeat_purchase_rate(tx, "2024-12-31"))
    assert got["loyalty"] == {str(k): int(v) for k, v in lm.value_counts().items()}
    tiers = crm.segments.membership_tiers(tx, "2024-12-31")
    assert got["tiers"] == {str(k): int(v) for k, v in tiers["tier"].value_counts().items()}
    assert got["evaluations"] == 7 and got["k"] in (2, 3)
    assert 0 < got["retention_rate"] < 1
    assert _images(nb) >= 5  # sizes + RFM grid, Pareto + Lorenz, loyalty, tier changes + migration, clusters


def test_notebook_on_a_users_csv(run_notebook, cdnow_transactions, tmp_path):
    path = tmp_path / "cdnow.csv"
    cdnow_transactions.rename(columns={"customer_id": "id", "amount": "dollars"}).to_csv(path, index=False)
    nb = run_notebook("segments", {"transactions_path": str(path), "customer_id": "id", "amount": "dollars",
                                   "observation_end": "1998-06-30", "thresholds": {"gold": 100},
                                   "k_range": [2, 3], "retention_period_days": 180})
    got = _summary(nb)
    assert got["customers"] == 2357
    assert got["loyalty"] is None  # no survey for a user's data
    assert got["evaluations"] == 4  # 1997-12-31, then every 60 days to 1998-06-30
    d = cdnow_transactions["date"]
    # retention from the 180 days to 1998-01-01 into the 180 days to 1998-06-30
    prev = set(cdnow_transactions.loc[(d > "1997-07-05") & (d <= "1998-01-01"), "customer_id"])
    last = set(cdnow_transactions.loc[d > "1998-01-01", "customer_id"])
    assert got["retention_rate"] == pytest.approx(len(prev & last) / len(prev), abs=1e-6)
