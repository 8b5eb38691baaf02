"""Console charts draw Chinese labels with an installed Chinese font, not empty boxes."""

from __future__ import annotations

import warnings

import pytest
from matplotlib import font_manager

from shopsense.web.charts import CJK_FONTS, bar_chart


def test_chinese_labels_have_their_glyphs() -> None:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    if not installed.intersection(CJK_FONTS):
        pytest.skip(
            f"no Chinese font installed (one of {CJK_FONTS}): apt-get install fonts-wqy-zenhei"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Matplotlib warns of every glyph it cannot draw
        chart = bar_chart("每日评价数量", ["服装", "electronics"], {"负面比例": [0.2, 0.3]}, "数量")
    assert chart is not None and chart.svg.startswith("<svg")
