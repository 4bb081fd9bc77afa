"""Stable pseudonyms for customer ids in reports (keyed hash, HMAC-SHA256).

The same id and key always give the same pseudonym, so a customer can be followed across
reports without revealing who it is; without the key the mapping cannot be recomputed,
not even for guessable ids such as phone numbers.  The key is secret and never part of
the source code. It is, in this order:

1. ``key=`` passed to the functions below;
2. the environment variable ``CRM_PSEUDONYM_KEY``;
3. the key file: ``CRM_PSEUDONYM_KEY_FILE`` if set, else ``crm_models/pseudonym.key`` in the
   user's configuration folder (``$XDG_CONFIG_HOME`` or ``~/.config``; ``%APPDATA%`` on
   Windows).  When it does not exist, a random key (32 bytes from :mod:`secrets`) is
   written there once, readable by the user only (mode 0600), and used from then on, so
   pseudonyms stay stable from run to run.  Copying the file's content into
   ``CRM_PSEUDONYM_KEY`` on another machine gives the same pseudonyms there.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crm_models.errors import ReportError

__all__ = ["pseudonymize", "anonymize_frame", "pseudonym_key", "key_file_path", "key_source",
           "KeySource", "KEY_ENV", "KEY_FILE_ENV"]

KEY_ENV = "CRM_PSEUDONYM_KEY"
KEY_FILE_ENV = "CRM_PSEUDONYM_KEY_FILE"

log = logging.getLogger(__name__)
_logged: set[str] = set()


@dataclass(frozen=True)
class KeySource:
    """Where the pseudonym key comes from: ``kind`` is "environment" or "file"."""

    kind: str
    path: Path | None = None
    created: bool = False

    def describe(self) -> str:
        """One line for logs: where the key is (never the key itself)."""
        if self.kind == "environment":
            return f"customer ids are pseudonymised with the key in ${KEY_ENV}"
        verb = "a new key was created in" if self.created else "the key in"
        return (f"customer ids are pseudonymised with {verb} {self.path} "
                f"(keep it secret; ${KEY_ENV} overrides it)")


def key_file_path() -> Path:
    """Where the stored key lives (``CRM_PSEUDONYM_KEY_FILE`` or the user's config folder)."""
    override = os.environ.get(KEY_FILE_ENV)
    if override:
        return Path(override).expanduser()
    if os.name == "nt":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "crm_models" / "pseudonym.key"


def _read_key(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise ReportError(f"{path}: the pseudonym key file is empty; delete it to create a new key "
                          f"(pseudonyms then change) or put the old key back")
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s: the pseudonym key is readable by other users; run: chmod 600 %s", path, path)
    return text.encode("utf-8")


def _create_key(path: Path) -> bool:
    """Write a new random key to ``path`` (0600); False when another process was first."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_bytes(32).hex() + "\n")
    if os.name == "posix":
        os.chmod(path, 0o600)  # whatever the umask
    return True


def key_source(create: bool = True) -> KeySource:
    """Where the key is taken from; with ``create`` a missing key file is made now."""
    if os.environ.get(KEY_ENV):
        return KeySource("environment")
    path = key_file_path()
    created = False
    if not path.exists() and create:
        try:
            created = _create_key(path)
        except OSError as exc:
            raise ReportError(f"cannot create the pseudonym key file {path}: {exc}; set {KEY_ENV} "
                              f"or {KEY_FILE_ENV} to a writable place") from exc
    return KeySource("file", path, created)


def pseudonym_key(key: str | bytes | None = None) -> bytes:
    """The HMAC key: ``key``, else ``$CRM_PSEUDONYM_KEY``, else the stored (or new) key file."""
    if key is None:
        source = key_source()
        if source.kind == "environment":
            key = os.environ[KEY_ENV]
        else:
            assert source.path is not None
            key = _read_key(source.path)
        where = str(source.path) if source.path else KEY_ENV
        if source.created or where not in _logged:
            _logged.add(where)
            log.info(source.describe())
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
    k = pseudonym_key(key)
    for col in columns:
        if col in out.columns:
            out[col] = pseudonymize(out[col], k).to_numpy()
        if out.index.name == col:
            out.index = pd.Index(pseudonymize(out.index.to_series(), k).to_numpy(), name=col)
    return out
