"""The reports' plain table helper: format, relabel, nothing else."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.report.tables import formatted


def test_formatted_relabels_formats_and_names_the_index():
    frame = pd.DataFrame({"share": [0.1234, np.nan], "n": [1200, 3]}, index=pd.Index(["a", "b"], name="k"))
    styler = formatted(frame, ["Share", "Customers"], {"share": "{:.1%}", "n": "{:,}"}, index_name="Group",
                       na_rep="-")
    html = styler.to_html()
    assert "Share" in html and "Customers" in html and ">share<" not in html
    assert "12.3%" in html and "1,200" in html and ">-<" in html.replace(" ", "")
    assert styler.data.index.name == "Group" and frame.index.name == "k"  # the frame is not modified
    assert styler.data.loc["a", "n"] == 1200
    hidden = formatted(frame, ["Share", "Customers"], "{:.2f}", hide_index=True).to_html()
    assert ">a<" not in hidden.replace(" ", "")
    with pytest.raises(ValueError, match="1 headers for 2 columns"):
        formatted(frame, ["Share"], "{:.2f}")
