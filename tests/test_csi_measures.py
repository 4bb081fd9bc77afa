"""Gap / ratio scores, the seven-level satisfaction scale and the Kano classification."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models import csi
from crm_models.errors import CRMDataError


def survey():
    return pd.DataFrame({"p_speed": [7, 5, 6, 3], "e_speed": [6, 5, 7, 4],
                         "p_price": [4, 6, np.nan, 5], "e_price": [5, 3, 4, 5]})


def test_gap_ratio_and_summary():
    df = survey()
    g = csi.gap_scores(df, ["p_speed", "p_price"], ["e_speed", "e_price"], names=["speed", "price"])
    assert g["speed"].tolist() == [1, 0, -1, -1]
    assert np.isnan(g.loc[2, "price"])
    r = csi.ratio_scores(df, ["p_speed"], ["e_speed"])
    assert r["p_speed"].tolist() == pytest.approx([7 / 6, 1, 6 / 7, 3 / 4])
    s = csi.gap_summary(df, ["p_speed", "p_price"], ["e_speed", "e_price"], names=["speed", "price"])
    assert s.loc["speed", "gap"] == pytest.approx(-0.25)
    assert s.loc["speed", "share_met"] == pytest.approx(0.5)
    assert s.loc["price", "n"] == 3 and s.loc["price", "perceived"] == pytest.approx(5)
    assert s.loc["price", "ratio"] == pytest.approx(5 / (13 / 3))
    with pytest.raises(CRMDataError, match="zero or negative expectations"):
        csi.ratio_scores(df.assign(e_speed=0), ["p_speed"], ["e_speed"])
    with pytest.raises(CRMDataError, match="'p_quality': not found"):
        csi.gap_scores(df, ["p_quality"], ["e_speed"])
    with pytest.raises(CRMDataError, match="same length"):
        csi.gap_scores(df, ["p_speed", "p_price"], ["e_speed"])


def test_seven_levels_one_to_one_and_binned():
    lv = csi.satisfaction_levels(pd.Series([1, 2, 3, 4, 5, 6, 7, np.nan]), 1, 7)
    assert lv.iloc[:7].tolist() == list(csi.SATISFACTION_LEVELS)
    assert pd.isna(lv.iloc[7])
    ten = csi.satisfaction_levels([1, 2, 3, 5.5, 9, 10], scale_min=1, scale_max=10)
    assert ten.tolist() == ["very dissatisfied", "very dissatisfied", "dissatisfied", "neutral",
                            "very satisfied", "very satisfied"]
    with pytest.raises(CRMDataError, match="outside the scale"):
        csi.satisfaction_levels([0, 3], 1, 7)


def test_scale_summary():
    s = csi.satisfaction_scale_summary([7, 7, 6, 5, 4, 2, 1, 1], 1, 7)
    assert s["count"].tolist() == [2, 1, 0, 1, 1, 1, 2]
    assert s["cumulative_share"].iloc[-1] == pytest.approx(1)
    assert s.attrs["share_satisfied"] == pytest.approx(4 / 8)
    assert s.attrs["share_dissatisfied"] == pytest.approx(3 / 8)
    assert s.attrs["net_satisfaction"] == pytest.approx(1 / 8)
    assert s.attrs["mean_score"] == pytest.approx((3 * 2 + 2 + 1 + 0 - 2 - 3 * 2) / 8)


def test_kano_evaluation_table():
    f, d = np.meshgrid(np.arange(1, 6), np.arange(1, 6), indexing="ij")
    cats = csi.kano_classify(pd.Series(f.ravel()), pd.Series(d.ravel())).to_numpy().reshape(5, 5)
    expected = [list("QAAAO"), list("RIIIM"), list("RIIIM"), list("RIIIM"), list("RRRRQ")]
    assert cats.tolist() == expected
    words = csi.kano_classify(["like", "Must-be", "neutral", None],
                              ["dislike", "dislike", "live with", "like"])
    assert words.tolist()[:3] == ["O", "M", "I"] and words.iloc[3] is None
    with pytest.raises(CRMDataError, match="'maybe'.*not a Kano answer"):
        csi.kano_classify(["maybe"], ["like"])


def test_kano_table_better_worse_and_ties():
    # feature x: 3 attractive (like/neutral), 2 one-dimensional (like/dislike), 1 must-be, 1 indifferent
    df = pd.DataFrame({
        "x_f": [1, 1, 1, 1, 1, 3, 3], "x_d": [3, 3, 3, 5, 5, 5, 3],
        # feature y: tie between must-be and one-dimensional -> must-be wins
        "y_f": [1, 3, 1, 3, 3, 1, 1], "y_d": [5, 5, 5, 5, 3, 3, 1],
    })
    t = csi.kano_table(df, {"x": ("x_f", "x_d"), "y": ("y_f", "y_d")})
    assert t.loc["x", ["A", "O", "M", "I", "R", "Q"]].tolist() == [3, 2, 1, 1, 0, 0]
    assert t.loc["x", "category"] == "A" and t.loc["x", "category_name"] == "attractive"
    assert t.loc["x", "better"] == pytest.approx(5 / 7)
    assert t.loc["x", "worse"] == pytest.approx(-3 / 7)
    assert t.loc["y", "O"] == 2 and t.loc["y", "M"] == 2 and t.loc["y", "category"] == "M"
    assert t.loc["y", "Q"] == 1 and t.loc["y", "n"] == 7
    with pytest.raises(CRMDataError, match="feature 'z': column not found"):
        csi.kano_table(df, {"z": ("z_f", "x_d")})
    bad = df.assign(x_d=[3, 3, 3, 5, 5, 5, 9])
    with pytest.raises(CRMDataError, match="feature 'x'.*9") as exc:
        csi.kano_table(bad, {"x": ("x_f", "x_d")})
    assert exc.value.column == "x_d"
