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
