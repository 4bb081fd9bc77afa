"""k-means segments: choice of k by silhouette, profiles, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from crm_models.errors import CRMDataError, NotFittedError
from crm_models.segments import KMeansSegmenter, rfm_table


@pytest.fixture
def blobs() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(3)
    centers = np.array([[1.0, 1.0, 10.0], [20.0, 8.0, 400.0], [200.0, 2.0, 60.0]])
    sizes = [300, 120, 80]
    truth = np.repeat(np.arange(3), sizes)
    x = centers[truth] * np.exp(rng.normal(0, 0.08, size=(len(truth), 3)))
    df = pd.DataFrame(x, columns=["time_since_last", "frequency", "monetary"],
                      index=pd.Index([f"c{i:03d}" for i in range(len(truth))], name="customer_id"))
    return df, truth


def test_recovers_known_clusters(blobs):
    df, truth = blobs
    km = KMeansSegmenter(k_range=[2, 3, 4], seed=1).fit(df)
    assert km.k_ == 3
    assert adjusted_rand_score(truth, km.labels_) == 1.0
    # labels by size: the largest true group (300) is cluster 0
    assert km.summary["customers"].tolist() == [300, 120, 80]
    assert km.summary["share"].sum() == pytest.approx(1.0)
    # profiles are the cluster means in original units
    np.testing.assert_allclose(km.summary.loc[1, "monetary"], df["monetary"][truth == 1].mean())
    # silhouette values equal sklearn's on the same log-scaled data
    xs = StandardScaler().fit_transform(np.log1p(df.to_numpy()))
    assert km.silhouette_[3] == pytest.approx(silhouette_score(xs, km.labels_))
    assert km.silhouette_.idxmax() == 3
    assert (km.predict(df) == km.labels_).all()
    z = km.standardized_profiles()
    assert z.loc[1, "monetary"] > 0 > z.loc[0, "monetary"]
    assert km.centers_.loc[2, "time_since_last"] == pytest.approx(200, rel=0.1)


def test_seeded_sampled_silhouette_is_deterministic(blobs):
    df, _ = blobs
    a = KMeansSegmenter(k_range=[2, 3, 4], seed=5, silhouette_sample=100).fit(df)
    b = KMeansSegmenter(k_range=[2, 3, 4], seed=5, silhouette_sample=100).fit(df)
    pd.testing.assert_series_equal(a.silhouette_, b.silhouette_)
    full = KMeansSegmenter(k_range=[2, 3, 4], seed=5).fit(df)
    assert a.k_ == full.k_ == 3
    assert abs(a.silhouette_[3] - full.silhouette_[3]) < 0.1  # a sample estimates the mean silhouette
    fixed = KMeansSegmenter(k=4, seed=5).fit(df)
    assert fixed.k_ == 4 and list(fixed.silhouette_.index) == [4]


@pytest.mark.slow  # over 3 s
def test_cdnow_rfm_clusters(cdnow_transactions):
    t = rfm_table(cdnow_transactions, "1998-06-30")[["time_since_last", "frequency", "monetary"]]
    km = KMeansSegmenter(k_range=[2, 3, 4], seed=0).fit(t)
    assert 2 <= km.k_ <= 4
    assert km.summary["customers"].sum() == 2357
    assert km.summary["customers"].is_monotonic_decreasing
    # some cluster holds the frequent buyers: its mean frequency is well above the base's
    assert km.summary["frequency"].max() > 2 * t["frequency"].mean()


def test_bad_input(blobs):
    df, _ = blobs
    with pytest.raises(NotFittedError):
        _ = KMeansSegmenter().summary
    with pytest.raises(CRMDataError, match="too few"):
        KMeansSegmenter(k=5).fit(df.iloc[:4])
    with pytest.raises(CRMDataError, match="negative"):
        KMeansSegmenter().fit(df.assign(monetary=-df["monetary"]))
    with pytest.raises(CRMDataError, match="spend"):
        KMeansSegmenter(features=["spend"]).fit(df)
    bad = df.copy()
    bad.iloc[2, 0] = np.nan
    with pytest.raises(CRMDataError, match="c002"):
        KMeansSegmenter().fit(bad)
    with pytest.raises(CRMDataError, match=">= 2"):
        KMeansSegmenter(k=1).fit(df)
