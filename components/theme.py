"""The Altair theme: Noto Sans (Vietnamese glyphs in browser and in exported images)."""

from __future__ import annotations

import altair as alt

FONT = "Noto Sans"
PALETTE = ["#b3261e", "#1f5fa8", "#2e7d32", "#ef8a17", "#6a4c93", "#00838f", "#8d6e63", "#546e7a"]
STATUS_COLORS = {"on_track": "#2e7d32", "at_risk": "#ef8a17", "off_track": "#b3261e", "no_data": "#9e9e9e"}


@alt.theme.register("thuocdo", enable=True)
def thuocdo_theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "title": {"font": FONT, "fontSize": 15, "anchor": "start"},
            "axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 12, "titleFontSize": 12},
            "legend": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 12},
            "header": {"labelFont": FONT, "titleFont": FONT},
            "mark": {"font": FONT},
            "range": {"category": PALETTE},
            "view": {"stroke": None},
        }
    }


def enable() -> None:
    """Make sure the theme is active (registration enables it on import)."""
    alt.theme.enable("thuocdo")
