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
from typing import Any

import numpy as np
import pandas as pd

from crm_models.base import Estimator, check_is_fitted
from crm_models.errors import CRMDataError
from crm_models.segments._checks import numeric_column, require_columns, require_frame

__all__ = ["KMeansSegmenter"]


class KMeansSegmenter(Estimator):
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
    features_, k_, silhouette_ (Series by k), labels_ (Series by customer, like
    scikit-learn's ``KMeans.labels_``), centers_ (cluster centres in original units),
    profiles_ (= ``summary``), model_ (the scikit-learn ``KMeans``), scaler_.

    ``save``/``load`` (see :mod:`crm_models.base`) keep what ``predict``, ``summary`` and
    ``standardized_profiles`` need; ``labels_`` of the training customers is not saved
    (``predict`` on the training data gives it).
    """

    _fitted_attribute = "model_"

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
        del km.labels_  # one per training customer; predict does not need them (labels_ above has them)
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
        check_is_fitted(self)
        df = require_frame(df, "clustering input")
        require_columns(df, self.features_, "clustering input")
        x = self.scaler_.transform(self._matrix(df, self.features_))
        return pd.Series(self._relabel[self.model_.predict(x)], index=df.index, name="cluster")

    @property
    def summary(self) -> pd.DataFrame:
        """Cluster profiles: customers, share and mean of each feature (original units)."""
        check_is_fitted(self)
        return self.profiles_

    def standardized_profiles(self) -> pd.DataFrame:
        """Cluster means of each feature in standard deviations from the overall mean
        (after the log transform): the input of a profile heatmap."""
        check_is_fitted(self)
        z = self.model_.cluster_centers_[np.argsort(self._relabel)]
        return pd.DataFrame(z, columns=self.features_).rename_axis("cluster")

    # ------------------------------------------------------------------ persistence
    def _fitted_state(self) -> dict[str, Any]:
        km, sc = self.model_, self.scaler_
        return {
            "k_": self.k_, "features_": list(self.features_), "silhouette_": self.silhouette_,
            "centers_": self.centers_, "profiles_": self.profiles_, "relabel": self._relabel,
            "cluster_centers": km.cluster_centers_, "inertia": float(km.inertia_), "n_iter": int(km.n_iter_),
            "scaler_mean": sc.mean_, "scaler_scale": sc.scale_, "scaler_var": sc.var_,
            "scaler_n_samples_seen": int(sc.n_samples_seen_),
        }

    def _restore_fitted_state(self, state: dict[str, Any]) -> None:
        """Rebuild the scikit-learn scaler and k-means from their saved arrays."""
        from sklearn.cluster import KMeans
        from sklearn.preprocessing import StandardScaler
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

        features = list(state["features_"])
        scaler = StandardScaler()
        scaler.mean_, scaler.scale_, scaler.var_ = (np.asarray(state[k], dtype=float) for k in
                                                    ("scaler_mean", "scaler_scale", "scaler_var"))
        scaler.n_samples_seen_ = state["scaler_n_samples_seen"]
        scaler.n_features_in_ = len(features)
        k = int(state["k_"])
        km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.seed)
        km.cluster_centers_ = np.asarray(state["cluster_centers"], dtype=float)
        km.n_features_in_ = len(features)
        km.inertia_, km.n_iter_ = state["inertia"], state["n_iter"]
        km._n_threads = _openmp_effective_n_threads()
        km._n_features_out = k
        self.k_, self.features_, self.scaler_, self.model_ = k, features, scaler, km
        self._relabel = np.asarray(state["relabel"], dtype=np.int64)
        self.silhouette_ = state["silhouette_"]
        self.centers_, self.profiles_ = state["centers_"], state["profiles_"]
