"""Behavioural segments by k-means on scaled features, with k chosen by the silhouette.

Steps (MacQueen 1967; Rousseeuw 1987 for the silhouette):

1. features (e.g. ``time_since_last, frequency, monetary`` from :func:`rfm_table`), each
   ``log1p``-transformed by default (purchase counts and spend are right-skewed, and
   k-means on raw spend finds only the few big spenders), then standardised to mean 0
   and standard deviation 1 so that no feature dominates by its unit;
2. k-means (scikit-learn, ``n_init`` restarts, ``random_state=seed``) for each ``k`` in
   ``k_range``;
3. the mean silhouette ``s = (b - a) / max(a, b)`` (``a``: mean distance to the own
   cluster, ``b``: to the nearest other cluster) for each k, on a seeded random sample
   of ``silhouette_sample`` customers when there are more (the exact silhouette is
   quadratic in n); the k with the highest silhouette is kept.

Clusters are numbered by size, 0 = the largest, so labels do not depend on k-means'
arbitrary order.  ``summary`` gives each cluster's size and mean features in the
original units: the cluster profiles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError, NotFittedError
from crm_models.segments._checks import numeric_column, require_columns, require_frame

__all__ = ["KMeansSegmenter"]


class KMeansSegmenter:
    """k-means customer segments with the number of clusters chosen by silhouette.

    Parameters
    ----------
    k:
        Fixed number of clusters; ``None`` (default) chooses it from ``k_range``.
    k_range:
        Candidate numbers of clusters (default 2..8).
    features:
        Columns to cluster on (default: every numeric column).
    log:
        Apply ``log1p`` before scaling (features must be >= 0).
    seed:
        Seeds k-means and the silhouette sample.
    silhouette_sample:
        Customers sampled for the silhouette when there are more.
    n_init:
        k-means restarts per k.

    Attributes (after ``fit``)
    --------------------------
    features_, k_, silhouette_ (Series by k), labels_ (Series by customer), centers_
    (cluster centres in original units), profiles_ (= ``summary``), model_, scaler_.
    """

    def __init__(self, k: int | None = None, k_range: Iterable[int] = range(2, 9),
                 features: Sequence[str] | None = None, log: bool = True, seed: int = 0,
                 silhouette_sample: int = 5000, n_init: int = 4):
        self.k = k
        self.k_range = k_range
        self.features = features
        self.log = log
        self.seed = seed
        self.silhouette_sample = silhouette_sample
        self.n_init = n_init

    def _matrix(self, df: pd.DataFrame, features: list[str]) -> np.ndarray:
        cols = [numeric_column(df, c, "clustering features", nonnegative=self.log) for c in features]
        x = np.column_stack(cols)
        return np.log1p(x) if self.log else x

    def fit(self, df: pd.DataFrame) -> KMeansSegmenter:
        """Choose k (unless fixed), fit k-means and compute the cluster profiles."""
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score
        from sklearn.preprocessing import StandardScaler

        df = require_frame(df, "clustering input")
        if self.features is None:
            features = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])
                        and not pd.api.types.is_bool_dtype(df[c])]
            if not features:
                raise CRMDataError("no numeric columns to cluster on", source="clustering input")
        else:
            features = list(self.features)
            require_columns(df, features, "clustering input")
        ks = [int(self.k)] if self.k is not None else sorted({int(k) for k in self.k_range})
        n = len(df)
        if not ks or min(ks) < 2:
            raise CRMDataError(f"numbers of clusters must be >= 2, got {ks}", source="clustering")
        if n <= max(ks):
            raise CRMDataError(f"{n} customers are too few for {max(ks)} clusters", source="clustering")
        x_raw = self._matrix(df, features)
        scaler = StandardScaler().fit(x_raw)
        x = scaler.transform(x_raw)
        if len(np.unique(x, axis=0)) < max(ks):
            raise CRMDataError(f"fewer distinct customers than {max(ks)} clusters", source="clustering")

        rng = np.random.default_rng(self.seed)
        sample = (np.sort(rng.choice(n, size=self.silhouette_sample, replace=False))
                  if n > self.silhouette_sample else None)
        xs = x if sample is None else x[sample]
        sil, models = {}, {}
        for k in ks:
            km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.seed).fit(x)
            labels = km.labels_ if sample is None else km.labels_[sample]
            sil[k] = (float(silhouette_score(xs, labels)) if len(np.unique(labels)) > 1 else np.nan)
            models[k] = km
        self.silhouette_ = pd.Series(sil, name="silhouette").rename_axis("k")
        best = int(self.silhouette_.idxmax()) if self.k is None else ks[0]
        km = models[best]
        # relabel by size (0 = largest), ties by the centre's position in scaled space
        sizes = np.bincount(km.labels_, minlength=best)
        order = np.lexsort((km.cluster_centers_.sum(axis=1), -sizes))
        relabel = np.empty(best, dtype=np.int64)
        relabel[order] = np.arange(best)
        self.k_ = best
        self.features_ = features
        self.scaler_ = scaler
        self.model_ = km
        self._relabel = relabel
        self.labels_ = pd.Series(relabel[km.labels_], index=df.index, name="cluster")
        centers = scaler.inverse_transform(km.cluster_centers_[order])
        if self.log:
            centers = np.expm1(centers)
        self.centers_ = pd.DataFrame(centers, columns=features).rename_axis("cluster")
        raw = pd.DataFrame(np.column_stack([df[c].to_numpy(dtype=float) for c in features]),
                           columns=features, index=df.index)
        g = raw.groupby(self.labels_.to_numpy())
        prof = pd.DataFrame({"customers": g.size(), "share": g.size() / n}).join(g.mean())
        prof.index.name = "cluster"
        self.profiles_ = prof
        return self

    def predict(self, df: pd.DataFrame) -> pd.Series:
        """Cluster of new customers (same features, same transformation)."""
        if not hasattr(self, "model_"):
            raise NotFittedError("call fit() before predict()")
        df = require_frame(df, "clustering input")
        require_columns(df, self.features_, "clustering input")
        x = self.scaler_.transform(self._matrix(df, self.features_))
        return pd.Series(self._relabel[self.model_.predict(x)], index=df.index, name="cluster")

    @property
    def summary(self) -> pd.DataFrame:
        """Cluster profiles: customers, share and mean of each feature (original units)."""
        if not hasattr(self, "profiles_"):
            raise NotFittedError("call fit() first")
        return self.profiles_

    def standardized_profiles(self) -> pd.DataFrame:
        """Cluster means of each feature in standard deviations from the overall mean
        (after the log transform): the input of a profile heatmap."""
        if not hasattr(self, "model_"):
            raise NotFittedError("call fit() first")
        z = self.model_.cluster_centers_[np.argsort(self._relabel)]
        return pd.DataFrame(z, columns=self.features_).rename_axis("cluster")
