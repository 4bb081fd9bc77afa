"""Stable pseudonyms for customer ids in reports (keyed hash, HMAC-SHA256).

The same id and key always give the same pseudonym, so a customer can be followed across
reports without revealing who it is; without the key the mapping cannot be recomputed.
Set the key in the environment variable ``CRM_PSEUDONYM_KEY`` (or pass ``key=``); the
built-in fallback key makes pseudonyms stable but is not secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable

import pandas as pd

__all__ = ["pseudonymize", "anonymize_frame", "pseudonym_key"]

_FALLBACK_KEY = b"crm_models-public-fallback-key"


def pseudonym_key(key: str | bytes | None = None) -> bytes:
    if key is None:
        key = os.environ.get("CRM_PSEUDONYM_KEY") or _FALLBACK_KEY
    return key.encode("utf-8") if isinstance(key, str) else key


def _one(value: object, key: bytes, prefix: str, length: int) -> str:
    digest = hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}{digest[:length]}"


def pseudonymize(ids: Iterable[object] | pd.Series | pd.Index, key: str | bytes | None = None,
                 prefix: str = "cust-", length: int = 10) -> pd.Series:
    """Pseudonym per id (hashed once per distinct id), same order and index as the input."""
    k = pseudonym_key(key)
    values = ids if isinstance(ids, pd.Series) else pd.Series(list(ids))
    uniques = pd.unique(values.astype(str))
    mapping = {u: _one(u, k, prefix, length) for u in uniques}
    return values.astype(str).map(mapping)


def anonymize_frame(df: pd.DataFrame, columns: Iterable[str] = ("customer_id",),
                    key: str | bytes | None = None) -> pd.DataFrame:
    """A copy of ``df`` with the id columns (and an index of that name) pseudonymised."""
    out = df.copy()
    for col in columns:
        if col in out.columns:
            out[col] = pseudonymize(out[col], key).to_numpy()
        if out.index.name == col:
            out.index = pd.Index(pseudonymize(out.index.to_series(), key).to_numpy(), name=col)
    return out
