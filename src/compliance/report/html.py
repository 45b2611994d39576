"""The audit committee report as one self-contained HTML file (inline CSS and SVG, no network)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from . import svg
from .templating import environment


def render_html(view: dict[str, Any]) -> str:
    """Render a view from ``report.view.build_view``; the pictures are inline SVG."""
    pictures = {
        "heat_map": Markup(svg.heat_map(view["risks"])) if view["risks"] else "",
        "tolerance": {r["id"]: Markup(svg.tolerance_map(r)) for r in view["risks"]},
        "attendance": {m["body"]: Markup(svg.attendance_matrix(m)) for m in view["attendance"]},
        "trend": Markup(svg.trend_chart(view["trend"])) if view["trend"] else "",
        "standards": {s["key"]: Markup(svg.standard_chart(s)) for s in (view["standards"] or {}).get("series", [])},
    }
    return environment().get_template("report.html").render(v=view, pictures=pictures)
