"""The one-line figure helper of the report notebooks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from crm_models.report.figures import show  # noqa: E402


def test_show_draws_on_a_figure_of_the_given_size_and_returns_nothing(monkeypatch):
    seen = {}

    def plot(values, ax=None, label=""):
        ax.plot(values, label=label)
        seen["ax"], seen["size"] = ax, tuple(ax.figure.get_size_inches())
        return ax

    monkeypatch.setattr(plt, "show", lambda: seen.setdefault("shown", True))
    assert show(plot, [1, 2, 3], figsize=(5, 2.5), tight=True, label="x") is None
    assert seen["size"] == (5.0, 2.5) and seen["shown"]
    assert list(seen["ax"].lines[0].get_ydata()) == [1, 2, 3] and seen["ax"].lines[0].get_label() == "x"
    plt.close("all")


def test_show_skips_a_figure_without_data(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda: (_ for _ in ()).throw(AssertionError("nothing to show")))
    assert show(lambda data, ax=None: ax, None, figsize=(3, 3)) is None


def test_show_row_draws_panels_side_by_side_and_leaves_a_panel_without_data_empty(monkeypatch):
    from crm_models.report.figures import show_row

    drawn = []

    def plot(values, ax=None, lang="en", kind="line"):
        ax.plot(values)
        drawn.append((ax, lang, kind))

    monkeypatch.setattr(plt, "show", lambda: None)
    show_row([(plot, [1, 2]), (plot, [3, 4], {"kind": "bar"}), (plot, None)], figsize=(9, 3),
             width_ratios=[1, 2, 1], lang="zh")
    assert [(lang, kind) for _, lang, kind in drawn] == [("zh", "line"), ("zh", "bar")]
    fig = drawn[0][0].figure
    assert len(fig.axes) == 3 and not fig.axes[2].lines
    assert fig.axes[1].get_position().width > 1.5 * fig.axes[0].get_position().width
    plt.close("all")
