"""Show one report figure: a new figure of a given size, a plotting function drawing on its axes.

The plotting functions live in :mod:`crm_models.plotting` and take an ``ax``; the notebooks
call them through :func:`show` so that a figure is one line of the notebook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["show"]


def show(plot: Callable[..., Any], *args: Any, figsize: tuple[float, float], **kwargs: Any) -> Any:
    """Draw ``plot(*args, ax=ax, **kwargs)`` on a new figure of ``figsize`` inches and show it.

    Parameters
    ----------
    plot : callable
        A plotting function taking an ``ax`` keyword (e.g. from :mod:`crm_models.plotting`).
    *args
        Its positional arguments.
    figsize : tuple of float
        Width and height of the figure in inches.
    **kwargs
        Its other keyword arguments.

    Returns
    -------
    object
        What ``plot`` returned (usually the axes).
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    result = plot(*args, ax=ax, **kwargs)
    plt.show()
    return result
