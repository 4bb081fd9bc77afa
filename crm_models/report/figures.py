"""Show one report figure: a new figure of a given size, a plotting function drawing on its axes.

The plotting functions live in :mod:`crm_models.plotting` and take an ``ax``; the notebooks
call them through :func:`show` so that a figure is one line of the notebook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["show"]


def show(plot: Callable[..., Any], *args: Any, figsize: tuple[float, float], tight: bool = False,
         **kwargs: Any) -> None:
    """Draw ``plot(*args, ax=ax, **kwargs)`` on a new figure of ``figsize`` inches and show it.

    Parameters
    ----------
    plot : callable
        A plotting function taking an ``ax`` keyword (e.g. from :mod:`crm_models.plotting`).
    *args
        Its positional arguments.
    figsize : tuple of float
        Width and height of the figure in inches.
    tight : bool
        Fit the layout (``fig.tight_layout()``) before showing.
    **kwargs
        Its other keyword arguments.

    Nothing is returned, so that a call ending a notebook cell adds no ``<Axes ...>`` text
    to the report.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    plot(*args, ax=ax, **kwargs)
    if tight:
        fig.tight_layout()
    plt.show()
