"""Figures of PLS path models: path diagram, 0-100 index, IPMA map, bootstrap intervals, simple slopes.

Every figure takes ``lang`` ("en" or "zh"); its text comes from the report catalogue
(:mod:`crm_models.report.csi.messages`).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch
from matplotlib.transforms import Bbox

from crm_models.base import check_is_fitted
from crm_models.csi.moderation import simple_slopes
from crm_models.plotting.labels import place_label, renderer_of, text_box
from crm_models.plotting.style import draws_in_language
from crm_models.report.csi.messages import construct_label, construct_labels, path_label
from crm_models.report.i18n import translate

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.csi.bootstrap import BootstrapResult
    from crm_models.csi.pls import PLSPM

__all__ = ["KNOWN_POSITIONS", "significance_stars", "plot_path_diagram", "plot_csi_index", "plot_ipma",
           "plot_bootstrap_intervals", "plot_simple_slopes"]


def _ax(ax: Axes | None, figsize=(8, 5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def significance_stars(p: float) -> str:
    """``***`` p < 0.001, ``**`` p < 0.01, ``*`` p < 0.05, ``ns`` otherwise."""
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "ns"


#: Positions of the usual satisfaction-model constructs (ECSI / ACSI / retention diagrams).
KNOWN_POSITIONS = {
    "IMAG": (0.0, 1.6), "EXPE": (0.0, 0.0), "QUAL": (0.0, -1.6), "VAL": (1.9, -1.3),
    "SWC": (3.4, -1.6), "SAT": (2.6, 0.3), "COMP": (4.4, 1.6), "LOY": (5.0, 0.0),
}


def _layout(model: PLSPM) -> dict[str, tuple[float, float]]:
    """Known satisfaction-model positions when every construct has one, else layers by depth."""
    spec = model.spec
    if all(lv in KNOWN_POSITIONS for lv in spec.lvs):
        return {lv: KNOWN_POSITIONS[lv] for lv in spec.lvs}
    depth: dict[str, int] = {}
    for k, lv in enumerate(spec.lvs):  # topological order: predecessors come first
        preds = spec.predecessors(k)
        depth[lv] = 0 if len(preds) == 0 else 1 + max(depth[spec.lvs[j]] for j in preds)
    layers: dict[int, list[str]] = {}
    for lv in spec.lvs:
        layers.setdefault(depth[lv], []).append(lv)
    pos = {}
    for d, members in layers.items():
        m = len(members)
        # single-construct layers zigzag so that long arrows do not run through boxes
        shift = 0.0 if m > 1 else (0.6 if d % 2 else -0.6)
        for i, lv in enumerate(members):
            pos[lv] = (1.8 * d, 1.5 * ((m - 1) / 2.0 - i) + shift)
    return pos


#: Where along an arrow (0 = start, 1 = end) its label may sit, best first.
_EDGE_POSITIONS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55, 0.35, 0.65, 0.25, 0.75, 0.2, 0.8)


def _bend(start: np.ndarray, end: np.ndarray, others: list[tuple[float, float]], size) -> float:
    """The arrow's curvature (matplotlib ``arc3`` rad): the gentlest bend that misses other boxes."""
    w, h = size
    d = end - start
    s = np.linspace(0.05, 0.95, 40)[:, None]
    for rad in (0.08, -0.08, 0.2, -0.2, 0.35, -0.35):
        control = (start + end) / 2 + rad * np.array([d[1], -d[0]])
        curve = (1 - s) ** 2 * start + 2 * s * (1 - s) * control + s ** 2 * end
        if not any(((np.abs(curve[:, 0] - x) < w / 2 + 0.05) & (np.abs(curve[:, 1] - y) < h / 2 + 0.05)).any()
                   for x, y in others):
            return rad
    return 0.08


def _label_edges(ax: Axes, edges, pos, size, node_texts) -> None:
    """Put each arrow's coefficient on its (curved) arrow where it overlaps no other label or box."""
    fig = ax.figure
    ax.apply_aspect()
    renderer = renderer_of(fig)
    w, h = size
    taken = [text_box(txt, renderer, pad=1.0) for txt in node_texts]
    for x, y in pos.values():  # the construct boxes themselves
        corners = ax.transData.transform([(x - w / 2, y - h / 2), (x + w / 2, y + h / 2)])
        taken.append(Bbox(corners))
    inside = ax.get_window_extent(renderer)
    # longer arrows first: they have more room to move their label along
    order = sorted(edges, key=lambda e: -float(np.hypot(*(e[1] - e[0]))))
    for start, end, text, sig, rad in order:
        mid = (start + end) / 2
        d = end - start
        control = mid + rad * np.array([d[1], -d[0]])  # matplotlib's arc3 control point

        def make(s, start=start, end=end, control=control, text=text, sig=sig):
            x, y = (1 - s) ** 2 * start + 2 * s * (1 - s) * control + s ** 2 * end
            return ax.text(x, y, text, ha="center", va="center", fontsize=9, zorder=5,
                           color="black" if sig else "0.45",
                           bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))

        place_label(make, _EDGE_POSITIONS, taken, renderer, pad=1.0, inside=inside)


@draws_in_language
def plot_path_diagram(model: PLSPM, boot: BootstrapResult | None = None, ax: Axes | None = None,
                      labels: dict[str, str] | None = None, alpha: float = 0.05, lang: str = "en") -> Axes:
    """Constructs as boxes (with R^2), paths as arrows labelled with coefficient and stars.

    Stars use the bootstrap p-values when ``boot`` is given, else the OLS ones; paths not
    significant at ``alpha`` are drawn dashed and grey, line width grows with |coefficient|.
    """
    check_is_fitted(model)
    ax = _ax(ax, (10, 6))
    pos = _layout(model)
    summ = model.summary
    pvals = boot.paths["p_value"] if boot is not None else summ["p_value"]
    r2 = model.r2_
    w, h = 1.25, 0.7
    edges = []
    for key, row in summ.iterrows():
        (x0, y0), (x1, y1) = pos[row["source"]], pos[row["target"]]
        p = float(pvals.get(key, np.nan))
        sig = np.isfinite(p) and p < alpha
        dx, dy = x1 - x0, y1 - y0
        norm = np.hypot(dx, dy) or 1.0
        # start / end on the box borders (approximately)
        sx = min(w / 2 / abs(dx / norm) if dx else np.inf, h / 2 / abs(dy / norm) if dy else np.inf)
        start = np.array([x0 + dx / norm * sx, y0 + dy / norm * sx])
        end = np.array([x1 - dx / norm * sx, y1 - dy / norm * sx])
        others = [xy for lv, xy in pos.items() if lv not in (row["source"], row["target"])]
        rad = _bend(start, end, others, (w, h))
        ax.annotate("", xy=tuple(end), xytext=tuple(start), arrowprops=dict(
            arrowstyle="-|>", color="#1f4e79" if sig else "0.6", lw=0.8 + 3 * min(abs(row["estimate"]), 1),
            linestyle="-" if sig else "--", shrinkA=0, shrinkB=0, connectionstyle=f"arc3,rad={rad}"))
        edges.append((start, end, f"{row['estimate']:.2f}{significance_stars(p)}", sig, rad))
    node_texts = []
    for lv, (x, y) in pos.items():
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                    boxstyle="round,pad=0.02,rounding_size=0.08",
                                    fc="#dbe9f6", ec="#1f4e79", lw=1.2, zorder=3))
        name = "\n".join(textwrap.wrap((labels or {}).get(lv) or construct_label(lv, lang), 16))
        sub = f"\nR² = {r2[lv]:.2f}" if lv in r2.index else ""
        node_texts.append(ax.text(x, y, name + sub, ha="center", va="center", fontsize=9, zorder=4))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    _label_edges(ax, edges, pos, (w, h), node_texts)
    source = translate("csi_source_bootstrap" if boot is not None else "csi_source_ols", lang)
    ax.set_title(translate("csi_fig_path_title", lang, gof=model.gof_, source=source))
    return ax


@draws_in_language
def plot_csi_index(index: pd.DataFrame, ax: Axes | None = None, labels: dict[str, str] | None = None,
                   lang: str = "en") -> Axes:
    """Horizontal bars of the 0-100 index per construct with +-1.96 standard errors."""
    ax = _ax(ax, (8, 0.5 + 0.5 * len(index)))
    names = [(labels or {}).get(i) or construct_label(i, lang) for i in index.index]
    y = np.arange(len(index))[::-1]
    ax.barh(y, index["index"], xerr=1.96 * index["std_error"], color="#4c72b0", alpha=0.85, capsize=3)
    for yi, v, se in zip(y, index["index"], index["std_error"].fillna(0.0), strict=True):
        ax.text(min(v + 1.96 * se + 1.5, 94), yi, f"{v:.1f}", va="center", fontsize=9)
    ax.set_yticks(y, names)
    ax.set_xlim(0, 100)
    ax.set(xlabel=translate("csi_fig_index_x", lang), title=translate("csi_fig_index_title", lang))
    return ax


@draws_in_language
def plot_ipma(ipma: pd.DataFrame, ax: Axes | None = None, labels: dict[str, str] | None = None,
              lang: str = "en") -> Axes:
    """Importance-performance map: importance (x) vs performance (y) with the mean lines."""
    ax = _ax(ax, (7, 5))
    names = {**construct_labels(ipma.index, lang), **(labels or {})}
    ax.scatter(ipma["importance"], ipma["performance"], s=70, color="#c44e52", zorder=3)
    ax.axvline(ipma["importance"].mean(), color="0.5", ls="--", lw=1)
    ax.axhline(ipma["performance"].mean(), color="0.5", ls="--", lw=1)
    ax.set_ylim(max(0.0, ipma["performance"].min() - 10), min(100.0, ipma["performance"].max() + 10))
    xmax = max(ipma["importance"].max(), 0) * 1.25 + 1e-3
    xmin = min(ipma["importance"].min(), 0) * 1.25
    ax.set_xlim(xmin, xmax)
    hint = ax.text(0.98, 0.02, translate("csi_fig_ipma_hint", lang), transform=ax.transAxes,
                   ha="right", va="bottom", fontsize=8, color="0.35")
    target = ipma.attrs.get("target", "target")
    target = names.get(target) or construct_label(target, lang)
    ax.set(xlabel=translate("csi_fig_ipma_x", lang, target=target), ylabel=translate("csi_fig_ipma_y", lang),
           title=translate("csi_fig_ipma_title", lang, target=target))
    _label_points(ax, ipma, names, hint)
    return ax


#: Offsets (points) of a point's label from the point, with its alignment, best first.
_POINT_OFFSETS = tuple(
    (dx * r, dy * r, "left" if dx > 0 else "right" if dx < 0 else "center",
     "bottom" if dy > 0 else "top" if dy < 0 else "center")
    for r in (1, 2, 3.5, 5)
    for dx, dy in ((5, 5), (5, -5), (-5, 5), (-5, -5), (7, 0), (-7, 0), (0, 7), (0, -7)))


def _label_points(ax: Axes, ipma: pd.DataFrame, names: dict[str, str], hint) -> None:
    """Name every point of the map beside it, moving labels apart until none overlap."""
    renderer = renderer_of(ax.figure)
    taken = [text_box(hint, renderer, pad=1.0)]
    xy = ax.transData.transform(ipma[["importance", "performance"]].to_numpy(dtype=float))
    taken += [Bbox([[x - 5, y - 5], [x + 5, y + 5]]) for x, y in xy]  # the markers
    inside = ax.get_window_extent(renderer)
    for name, row in ipma.iterrows():
        point = (row["importance"], row["performance"])
        label = names.get(name, str(name))

        def make(offset, point=point, label=label):
            dx, dy, ha, va = offset
            far = abs(dx) + abs(dy) > 15
            return ax.annotate(label, point, xytext=(dx, dy), textcoords="offset points", fontsize=9,
                               ha=ha, va=va, arrowprops=dict(arrowstyle="-", color="0.6", lw=0.6)
                               if far else None)

        place_label(make, _POINT_OFFSETS, taken, renderer, pad=1.0, inside=inside)


@draws_in_language
def plot_bootstrap_intervals(boot: BootstrapResult, kind: str = "paths", interval: str = "percentile",
                             ax: Axes | None = None, lang: str = "en",
                             labels: dict[str, str] | None = None) -> Axes:
    """Estimates with their bootstrap intervals (``interval``: ``"percentile"`` or ``"bca"``).

    Paths are named in words (``Perceived value → Satisfaction``; ``labels`` maps construct
    codes to names, default: the names in ``lang``).

    A vertical line marks 0 (paths, effects, weights) or the HTMT thresholds 0.85 / 0.90.
    """
    table = boot.tables[kind]
    lo, hi = ("lower", "upper") if interval == "percentile" else ("bca_lower", "bca_upper")
    if lo not in table:
        raise ValueError(f"interval {interval!r} not available (bootstrap run with bca=False?)")
    ax = _ax(ax, (8, 0.6 + 0.38 * len(table)))
    y = np.arange(len(table))[::-1]
    est = table["original"].to_numpy()
    err = np.vstack([est - table[lo].to_numpy(), table[hi].to_numpy() - est])
    excludes_zero = (table[lo] > 0) | (table[hi] < 0)
    colors = np.where(excludes_zero, "#1f4e79", "0.6") if kind != "htmt" else np.where(
        table[hi] < 0.85, "#1f4e79", "#c44e52")
    for yi, e, el, eh, c in zip(y, est, err[0], err[1], colors, strict=True):
        ax.errorbar(e, yi, xerr=[[el], [eh]], fmt="o", color=c, capsize=3)
    ax.set_yticks(y, [path_label(k, lang, labels) for k in table.index])
    if kind == "htmt":
        for thr in (0.85, 0.90):
            ax.axvline(thr, color="#c44e52", ls="--", lw=1)
    else:
        ax.axvline(0, color="0.4", lw=1)
    pct = int(round(boot.level * 100))
    ax.set(xlabel=translate("csi_fig_estimate", lang),
           title=translate("csi_fig_boot_title", lang, kind=translate(f"csi_kind_{kind}", lang), pct=pct,
                           interval=translate(f"csi_interval_{interval}", lang), used=boot.n - boot.n_failed))
    return ax


@draws_in_language
def plot_simple_slopes(model: PLSPM, interaction: str, moderator_values=(-1.0, 0.0, 1.0),
                       target: str | None = None, ax: Axes | None = None,
                       labels: dict[str, str] | None = None, lang: str = "en") -> Axes:
    """Moderation: the dependent construct against the focal one, one line per moderator level.

    Line ``m``: ``target = b_moderator m + (b_focal + b_interaction m) focal`` over -2..2
    standard deviations of the focal construct (the fitted structural equation with the other
    predictors at their means; see :func:`crm_models.csi.simple_slopes`). ``labels`` maps
    construct codes to names (default: the names in ``lang``).
    """
    table = simple_slopes(model, interaction, moderator_values=moderator_values, target=target)
    ax = _ax(ax, (7, 5))
    first = table.iloc[0]
    names = {lv: (labels or {}).get(lv) or construct_label(lv, lang)
             for lv in (first["focal"], first["moderator"], first["target"])}
    focal, moderator, dependent = (names[first[k]] for k in ("focal", "moderator", "target"))
    x = np.linspace(-2.0, 2.0, 50)
    colours = (["#4c72b0", "0.25", "#c44e52"] if len(table) == 3  # low / mean / high
               else plt.get_cmap("viridis")(np.linspace(0.0, 0.9, len(table))))
    order = np.argsort(table["moderator_value"].to_numpy())
    for colour, (_, row) in zip(colours, table.iloc[order].iterrows(), strict=False):
        value = float(row["moderator_value"])
        level = (translate("csi_fig_slopes_level_mean", lang) if value == 0
                 else translate("csi_fig_slopes_level_sd", lang, value=value))
        ax.plot(x, row["intercept"] + row["slope"] * x, color=colour, lw=2,
                label=translate("csi_fig_slopes_line", lang, moderator=moderator, level=level,
                                slope=row["slope"]))
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    ax.set(xlabel=translate("csi_fig_slopes_x", lang, focal=focal),
           ylabel=translate("csi_fig_slopes_y", lang, target=dependent),
           title=translate("csi_fig_slopes_title", lang, focal=focal, target=dependent, moderator=moderator))
    return ax
