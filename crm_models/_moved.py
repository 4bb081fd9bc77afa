"""Helpful errors for public names that moved: a module ``__getattr__`` that says where to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NoReturn


def moved_names(module: str, moved: Mapping[str, str], why: str) -> Callable[[str], NoReturn]:
    """A module-level ``__getattr__`` for ``module``: a moved name raises an ``AttributeError``
    naming its new place (``moved[name]``) and ``why``; any other name the usual error."""

    def __getattr__(name: str) -> NoReturn:
        if name in moved:
            raise AttributeError(f"{module}.{name} moved to {moved[name]} ({why})")
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
