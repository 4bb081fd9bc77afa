"""The course secret: a random key that only the teacher holds.

Every student's data (and so every reference answer) is generated from a seed
``HMAC-SHA256(course key, student id)``.  Without the key the seed cannot be computed, so
neither the generator nor the answer key can be replayed from a student folder (the student
id, the workbook and ``transactions.csv`` are all a student has).  With the key the data are
deterministic: the teacher can regenerate and grade them at any time.

The key is 32 random bytes (:func:`secrets.token_bytes`) stored hex-encoded in a file that
only its owner may read (mode 0600), by default ``<course folder>/course.key`` next to (never
inside) the student folders.  Hand out the student folders only, never the course folder.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from crm_models.errors import CRMDataError

__all__ = ["KEY_FILE", "KEY_BYTES", "create_key", "load_key", "ensure_key", "resolve_key", "student_seed"]

#: Default name of the key file in the teacher's course folder.
KEY_FILE = "course.key"
#: Length of the course key in bytes.
KEY_BYTES = 32
_CONTEXT = b"crm_models.coursework/student-data/v1\x00"


def create_key(path: str | Path) -> bytes:
    """Write a new random course key to ``path`` (mode 0600); refuse to overwrite one.

    Overwriting would silently change every student's data and answers, so an existing file
    is an error: remove it on purpose if a new course really needs a new key.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CRMDataError(f"course key {path} already exists; use it (load_key) or remove it on purpose "
                           "(every student's data and answers would change)") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


def load_key(path: str | Path) -> bytes:
    """Read a course key written by :func:`create_key`."""
    path = Path(path)
    if not path.is_file():
        raise CRMDataError(f"course key {path} not found: the teacher's key file (created by "
                           "`crm-report assignment new`) is needed to generate or grade student data")
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise CRMDataError(f"course key {path} is not {KEY_BYTES} hex-encoded bytes; restore the teacher's "
                           "original key file")
    return key


def ensure_key(path: str | Path) -> bytes:
    """The key in ``path``, created first if the file does not exist yet."""
    path = Path(path)
    return load_key(path) if path.exists() else create_key(path)


def resolve_key(key: bytes | str | Path | None, course_dir: str | Path | None = None,
                create: bool = False) -> bytes:
    """``key`` as bytes: given bytes, a key file, or ``None`` for ``<course_dir>/course.key``."""
    if isinstance(key, bytes):
        if len(key) != KEY_BYTES:
            raise CRMDataError(f"course key must be {KEY_BYTES} bytes, got {len(key)}")
        return key
    if key is None:
        if course_dir is None:
            raise CRMDataError("student data derive from the course key: pass key=load_key('<course>/"
                               f"{KEY_FILE}') (the teacher's key file)")
        key = Path(course_dir) / KEY_FILE
    return ensure_key(key) if create else load_key(key)


def student_seed(student_id: str, key: bytes) -> int:
    """The student's 64-bit seed, ``HMAC-SHA256(key, context || student id)`` (first 8 bytes).

    Keyed (RFC 2104), so unlike a plain hash of the id it cannot be computed without the key;
    the fixed context string separates this use of the key from any other.
    """
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise CRMDataError("student data derive from the course key: pass the teacher's key "
                           f"({KEY_BYTES} bytes, load_key('<course>/{KEY_FILE}'))")
    digest = hmac.new(key, _CONTEXT + student_id.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")
