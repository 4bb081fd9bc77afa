"""Show one report figure: a new figure of a given size, a plotting function drawing on its axes.

The plotting functions live in :mod:`crm_models.plotting` and take an ``ax``; the notebooks
call them through :func:`show` so that a figure is one line of the notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["show", "show_row"]


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

    Nothing is drawn when the first argument is ``None`` (e.g. a chart of survey answers
    without a survey).

    Nothing is returned, so that a call ending a notebook cell adds no ``<Axes ...>`` text
    to the report.
    """
    import matplotlib.pyplot as plt

    if args and args[0] is None:
        return
    fig, ax = plt.subplots(figsize=figsize)
    plot(*args, ax=ax, **kwargs)
    if tight:
        fig.tight_layout()
    plt.show()


Panel = tuple  # (plot, data) or (plot, data, {keyword: value})


def show_row(panels: Sequence[Panel], *, figsize: tuple[float, float],
             width_ratios: Sequence[float] | None = None, **common: Any) -> None:
    """Draw plotting functions side by side on one figure of ``figsize`` inches and show it.

    Parameters
    ----------
    panels : sequence of tuple
        One ``(plot, data)`` or ``(plot, data, kwargs)`` per panel, left to right: the panel
        shows ``plot(data, ax=ax, **common, **kwargs)``.  A panel whose ``data`` is ``None``
        is left empty (e.g. a migration chart when there is only one evaluation); when every
        panel's data is ``None`` nothing is drawn (as :func:`show`).
    figsize : tuple of float
        Width and height of the figure in inches.
    width_ratios : sequence of float, optional
        Relative widths of the panels.
    **common
        Keyword arguments of every panel (e.g. ``lang``).
    """
    import matplotlib.pyplot as plt

    if all(panel[1] is None for panel in panels):
        return
    grid = {"gridspec_kw": {"width_ratios": list(width_ratios)}} if width_ratios else {}
    fig, axes = plt.subplots(1, len(panels), figsize=figsize, **grid)
    for ax, panel in zip(axes, panels, strict=True):
        plot, data, *rest = panel
        if data is not None:
            plot(data, ax=ax, **common, **(rest[0] if rest else {}))
    plt.tight_layout()
    plt.show()
