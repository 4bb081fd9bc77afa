"""Text labels that do not overlap: greedy placement over candidate positions.

:func:`place_label` tries a label at each candidate position in turn and keeps the first
whose box (as drawn, in pixels) clears every box already taken; if none does, it keeps the
position with the least overlap.  :func:`overlapping_texts` lists the pairs of a figure's
text labels whose boxes overlap (for tests and checks).  Both measure the real rendered
extents, so they work for any font, language and figure size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["renderer_of", "text_box", "place_label", "overlapping_texts"]


def renderer_of(fig: Figure) -> Any:
    """The figure's renderer (drawing the figure once if the canvas has none yet)."""
    get = getattr(fig.canvas, "get_renderer", None)
    if get is not None:
        return get()
    fig.draw_without_rendering()
    return fig._get_renderer()  # pragma: no cover - non-Agg canvases


def text_box(text: Text, renderer: Any, pad: float = 0.0) -> Bbox:
    """The pixel box of ``text`` as drawn (including its background box), grown by ``pad``."""
    box = text.get_window_extent(renderer)
    patch = text.get_bbox_patch()
    if patch is not None:
        text.update_bbox_position_size(renderer)
        box = Bbox.union([box, patch.get_window_extent(renderer)])
    return box.padded(pad) if pad else box


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def place_label(make: Callable[[Any], Text], candidates: Sequence[Any], taken: list[Bbox], renderer: Any,
                pad: float = 2.0, inside: Bbox | None = None) -> Text:
    """Draw a label at the first candidate that overlaps nothing in ``taken``.

    Parameters
    ----------
    make : callable
        ``make(candidate)`` adds the label at that position and returns the ``Text``.
    candidates : sequence
        Positions to try, best first.
    taken : list of Bbox
        Pixel boxes already occupied; the chosen label's box is appended.
    renderer
        The figure's renderer (:func:`renderer_of`).
    pad : float
        Pixels of free space to keep around the label.
    inside : Bbox, optional
        A box (e.g. the axes) the label must stay inside.

    Returns
    -------
    Text
        The label at the chosen position (labels tried at other positions are removed).
    """
    best: tuple[float, Any] | None = None
    for candidate in candidates:
        text = make(candidate)
        box = text_box(text, renderer)
        cost = sum(_overlap(box.padded(pad), other) for other in taken)
        if inside is not None:
            outside = box.width * box.height - _overlap(box, inside)
            cost += 10.0 * max(outside, 0.0)
        if cost == 0.0:
            taken.append(box)
            return text
        text.remove()
        if best is None or cost < best[0]:
            best = (cost, candidate)
    if best is None:
        raise ValueError("no candidate position for a label")
    text = make(best[1])
    taken.append(text_box(text, renderer))
    return text


def _texts(fig: Figure) -> Iterable[Text]:
    for ax in fig.axes:
        yield from ax.texts
        yield from (ax.title, ax._left_title, ax._right_title)
    yield from fig.texts


def overlapping_texts(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty text labels of ``fig`` whose drawn boxes overlap."""
    renderer = renderer_of(fig)
    fig.draw(renderer)
    shown = [t for t in _texts(fig) if t.get_visible() and t.get_text().strip()]
    boxes = [(t.get_text(), text_box(t, renderer)) for t in shown]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:]
            if _overlap(box_a, box_b) > 0.0]
