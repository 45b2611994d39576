"""Inline SVG pictures for the report: risk heat map, attendance matrix, failure trend.

Built with ElementTree so every label is escaped; no scripts, fonts or images are referenced,
so the report stays one self-contained file. Every mark carries ``data-*`` attributes saying
what it stands for, which is what the tests read.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
STATUS_FILL = {
    "present": "#cfe8d4", "deputy": "#cfe0f2", "apologies": "#fde6b8", "absent": "#f6c4c4",
    "not_recorded": "#ffffff", "unclear": "#ffffff", "no_record": "#ffffff", "not_taken": "#f3f3f3",
    "not_member": "#e2e2e2",
}
QUORATE_FILL = {"yes": "#cfe8d4", "no": "#f6c4c4", "unknown": "#eeeeee", "not assessed": "#ffffff"}
QUORATE_MARK = {"yes": "✓", "no": "✗", "unknown": "?", "not assessed": "–"}


def _band(score: int) -> tuple[str, str]:
    """The NHS 5×5 matrix band of a score, and its fill."""
    if score <= 3:
        return "low", "#d7ecd5"
    if score <= 6:
        return "moderate", "#fbf1b5"
    if score <= 12:
        return "high", "#fbd3a5"
    return "extreme", "#f3b0ac"


def _svg(width: float, height: float, title: str, **attrs: str) -> ET.Element:
    svg = ET.Element("svg", {"viewBox": f"0 0 {width:g} {height:g}", "width": f"{width:g}", "height": f"{height:g}",
                             "role": "img", "aria-label": title, **attrs})
    ET.SubElement(svg, "title").text = title
    return svg


def _text(parent: ET.Element, x: float, y: float, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, "text", {"x": f"{x:g}", "y": f"{y:g}", **attrs})
    el.text = text
    return el


def _out(svg: ET.Element) -> str:
    return ET.tostring(svg, encoding="unicode", short_empty_elements=True)


def _slots(n: int, x: float, y: float, size: float) -> list[tuple[float, float]]:
    """Centres of n markers sharing a cell, on a small grid inside it."""
    cols = max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / cols)
    return [(x + size * (i % cols + 0.5) / cols, y + size * (i // cols + 0.5) / rows) for i in range(n)]


def heat_map(risks: list[dict[str, Any]], cell: float = 88) -> str:
    """5×5 likelihood × consequence; each risk at its current cell with an arrow to its target."""
    left, top = 48, 12
    size = 5 * cell
    svg = _svg(left + size + 10, top + size + 44, "Risk heat map: current position and target of each risk",
               **{"class": "heat-map"})
    defs = ET.SubElement(svg, "defs")
    marker = ET.SubElement(defs, "marker", {"id": "arrowhead", "viewBox": "0 0 10 10", "refX": "9", "refY": "5",
                                            "markerWidth": "7", "markerHeight": "7", "orient": "auto-start-reverse"})
    ET.SubElement(marker, "path", {"d": "M 0 0 L 10 5 L 0 10 z", "fill": "#333"})

    def corner(lik: int, con: int) -> tuple[float, float]:
        return left + (con - 1) * cell, top + (5 - lik) * cell

    here: dict[tuple[int, int], list[str]] = defaultdict(list)
    aimed: dict[tuple[int, int], list[str]] = defaultdict(list)
    for r in risks:
        here[(r["likelihood"], r["consequence"])].append(r["id"])
        if r["target_likelihood"] is not None:
            aimed[(r["target_likelihood"], r["target_consequence"])].append(r["id"])
    for lik in range(5, 0, -1):
        for con in range(1, 6):
            x, y = corner(lik, con)
            band, fill = _band(lik * con)
            ET.SubElement(svg, "rect", {"class": "cell", "x": f"{x:g}", "y": f"{y:g}", "width": f"{cell:g}", "height": f"{cell:g}",
                                        "fill": fill, "stroke": "#ffffff", "stroke-width": "2", "data-likelihood": str(lik),
                                        "data-consequence": str(con), "data-score": str(lik * con), "data-band": band,
                                        "data-risks": " ".join(here.get((lik, con), []))})
            _text(svg, x + cell - 4, y + 11, str(lik * con), **{"class": "cell-score", "text-anchor": "end"})
    for i in range(1, 6):
        x, y = corner(1, i)
        _text(svg, x + cell / 2, top + size + 14, str(i), **{"text-anchor": "middle", "class": "axis"})
        x, y = corner(i, 1)
        _text(svg, left - 8, y + cell / 2 + 4, str(i), **{"text-anchor": "end", "class": "axis"})
    _text(svg, left + size / 2, top + size + 34, "consequence →", **{"text-anchor": "middle", "class": "axis-title"})
    _text(svg, 12, top + size / 2, "likelihood →", **{"text-anchor": "middle", "class": "axis-title",
                                                        "transform": f"rotate(-90 12 {top + size / 2:g})"})

    def position(table: dict, key: tuple[int, int], rid: str) -> tuple[float, float]:
        x, y = corner(*key)
        ids = table[key]
        return _slots(len(ids), x + 4, y + 12, cell - 8)[ids.index(rid)]

    for r in risks:  # arrows first, so markers sit on top of them
        now, aim = (r["likelihood"], r["consequence"]), (r["target_likelihood"], r["target_consequence"])
        if r["target_likelihood"] is None or now == aim:
            continue  # no target, or already at it
        start, end = position(here, now, r["id"]), position(aimed, aim, r["id"])
        ET.SubElement(svg, "line", {"class": "arrow", "data-risk": r["id"], "x1": f"{start[0]:g}", "y1": f"{start[1]:g}",
                                    "x2": f"{end[0]:g}", "y2": f"{end[1]:g}", "stroke": "#333", "stroke-width": "1.2",
                                    "marker-end": "url(#arrowhead)"})
    for r in risks:
        if r["target_likelihood"] is None:
            continue
        cx, cy = position(aimed, (r["target_likelihood"], r["target_consequence"]), r["id"])
        g = ET.SubElement(svg, "g", {"class": "target", "data-risk": r["id"], "data-likelihood": str(r["target_likelihood"]),
                                     "data-consequence": str(r["target_consequence"])})
        ET.SubElement(g, "title").text = f"{r['id']} target: likelihood {r['target_likelihood']} × consequence {r['target_consequence']}"
        ET.SubElement(g, "circle", {"cx": f"{cx:g}", "cy": f"{cy:g}", "r": "5", "fill": "none", "stroke": "#333",
                                    "stroke-dasharray": "2 1.5"})
    for r in risks:
        cx, cy = position(here, (r["likelihood"], r["consequence"]), r["id"])
        width = 6 * len(r["id"]) + 7
        g = ET.SubElement(svg, "g", {"class": "risk", "data-risk": r["id"], "data-likelihood": str(r["likelihood"]),
                                     "data-consequence": str(r["consequence"]), "data-score": str(r["score"]),
                                     "data-target-likelihood": str(r["target_likelihood"] or ""),
                                     "data-target-consequence": str(r["target_consequence"] or ""),
                                     "data-tolerance": str(r["tolerance"] or "")})
        ET.SubElement(g, "title").text = (f"{r['id']} {r['title']}: likelihood {r['likelihood']} × consequence "
                                          f"{r['consequence']} = {r['score']}; tolerance {r['tolerance']}")
        ET.SubElement(g, "rect", {"x": f"{cx - width / 2:g}", "y": f"{cy - 7:g}", "width": f"{width:g}", "height": "14",
                                  "rx": "7", "fill": "#1f2d3d"})
        _text(g, cx, cy + 3.5, r["id"], **{"text-anchor": "middle", "class": "risk-label", "fill": "#ffffff"})
    return _out(svg)


def tolerance_map(risk: dict[str, Any], cell: float = 16) -> str:
    """One risk's small 5×5: cells within its tolerance shaded, current (dot) → target (ring)."""
    size = 5 * cell
    svg = _svg(size + 2, size + 2, f"{risk['id']}: cells within tolerance {risk['tolerance']} shaded",
               **{"class": "tolerance-map", "data-risk": risk["id"], "data-tolerance": str(risk["tolerance"] or "")})

    def centre(lik: int, con: int) -> tuple[float, float]:
        return 1 + (con - 0.5) * cell, 1 + (5.5 - lik) * cell

    for lik in range(5, 0, -1):
        for con in range(1, 6):
            within = risk["tolerance"] is not None and lik * con <= risk["tolerance"]
            ET.SubElement(svg, "rect", {"class": "cell", "x": f"{1 + (con - 1) * cell:g}", "y": f"{1 + (5 - lik) * cell:g}",
                                        "width": f"{cell:g}", "height": f"{cell:g}", "fill": "#bfe3c6" if within else "#f4f4f4",
                                        "stroke": "#ffffff", "data-likelihood": str(lik), "data-consequence": str(con),
                                        "data-within-tolerance": "true" if within else "false"})
    now = centre(risk["likelihood"], risk["consequence"])
    if risk["target_likelihood"] is not None:
        aim = centre(risk["target_likelihood"], risk["target_consequence"])
        if aim != now:
            ET.SubElement(svg, "line", {"x1": f"{now[0]:g}", "y1": f"{now[1]:g}", "x2": f"{aim[0]:g}", "y2": f"{aim[1]:g}",
                                        "stroke": "#333", "stroke-width": "1"})
        ET.SubElement(svg, "circle", {"class": "target", "cx": f"{aim[0]:g}", "cy": f"{aim[1]:g}", "r": "4.5", "fill": "none",
                                      "stroke": "#333", "stroke-width": "1.2"})
    ET.SubElement(svg, "circle", {"class": "current", "cx": f"{now[0]:g}", "cy": f"{now[1]:g}", "r": "3.5",
                                  "fill": "#1f2d3d" if risk["within_tolerance"] is not False else "#b3261e"})
    return _out(svg)


def attendance_matrix(matrix: dict[str, Any], row_height: float = 18, col_width: float = 46) -> str:
    """Members × meetings with the mark as recorded, and a last row saying whether each meeting was quorate."""
    left, top = 190, 40
    cols, rows = matrix["columns"], matrix["rows"]
    width = left + col_width * len(cols) + 4
    height = top + row_height * (len(rows) + 1) + 8
    svg = _svg(width, height, f"Attendance at meetings of {matrix['name']}", **{"class": "attendance", "data-body": matrix["body"]})
    for j, col in enumerate(cols):
        x = left + col_width * j + col_width / 2
        _text(svg, x, top - 22, col["date"][8:10] + "/" + col["date"][5:7], **{"text-anchor": "middle", "class": "col-head"})
        _text(svg, x, top - 8, col["date"][:4] if col["kind"] != "agm" else "AGM", **{"text-anchor": "middle", "class": "col-sub"})
    for i, row in enumerate(rows):
        y = top + row_height * i
        _text(svg, left - 6, y + row_height * 0.7, row["name"], **{"text-anchor": "end", "class": "row-head"})
        for j, c in enumerate(row["cells"]):
            x = left + col_width * j
            g = ET.SubElement(svg, "g", {"class": "mark", "data-person": row["person"], "data-meeting": c["meeting"],
                                         "data-status": c["status"], "data-mark": c["mark"]})
            ET.SubElement(g, "title").text = f"{row['name']}, {c['meeting']}: {c['status'].replace('_', ' ')}"
            ET.SubElement(g, "rect", {"x": f"{x:g}", "y": f"{y:g}", "width": f"{col_width:g}", "height": f"{row_height:g}",
                                      "fill": STATUS_FILL.get(c["status"], "#ffffff"), "stroke": "#ffffff"})
            _text(g, x + col_width / 2, y + row_height * 0.72, c["mark"], **{"text-anchor": "middle"})
    y = top + row_height * len(rows) + 4
    _text(svg, left - 6, y + row_height * 0.7, "Quorate", **{"text-anchor": "end", "class": "row-head quorate-head"})
    for j, col in enumerate(cols):
        x = left + col_width * j
        g = ET.SubElement(svg, "g", {"class": "quorate", "data-meeting": col["id"], "data-quorate": col["quorate"]})
        ET.SubElement(g, "title").text = f"{col['id']}: quorate {col['quorate']}"
        ET.SubElement(g, "rect", {"x": f"{x:g}", "y": f"{y:g}", "width": f"{col_width:g}", "height": f"{row_height:g}",
                                  "fill": QUORATE_FILL.get(col["quorate"], "#ffffff"), "stroke": "#ffffff"})
        _text(g, x + col_width / 2, y + row_height * 0.72, QUORATE_MARK.get(col["quorate"], "?"),
              **{"text-anchor": "middle", "class": "quorate-mark"})
    return _out(svg)


def trend_chart(trend: dict[str, Any], width: float = 560, height: float = 220) -> str:
    """Failures per family in each run, one line per family."""
    left, right, top, bottom = 40, 120, 12, 34
    runs, families = trend["runs"], trend["families"]
    peak = max([1] + [n for r in runs for n in r["failures"].values()])
    plot_w, plot_h = width - left - right, height - top - bottom
    svg = _svg(width, height, "Failures per rule family in each run", **{"class": "trend"})

    def xy(i: int, n: int) -> tuple[float, float]:
        x = left + (plot_w * i / (len(runs) - 1) if len(runs) > 1 else plot_w / 2)
        return x, top + plot_h - plot_h * n / peak

    for tick in sorted({0, peak // 2, peak}):
        _, y = xy(0, tick)
        ET.SubElement(svg, "line", {"x1": str(left), "x2": f"{left + plot_w:g}", "y1": f"{y:g}", "y2": f"{y:g}", "stroke": "#dddddd"})
        _text(svg, left - 6, y + 4, str(tick), **{"text-anchor": "end", "class": "axis"})
    for i, run in enumerate(runs):
        x, _ = xy(i, 0)
        _text(svg, x, height - bottom + 16, run["as_of"], **{"text-anchor": "middle", "class": "axis"})
    for k, family in enumerate(families):
        colour = PALETTE[k % len(PALETTE)]
        points = [xy(i, run["failures"][family]) for i, run in enumerate(runs)]
        ET.SubElement(svg, "polyline", {"class": "series", "data-family": family, "fill": "none", "stroke": colour,
                                        "stroke-width": "2", "points": " ".join(f"{x:g},{y:g}" for x, y in points)})
        for (x, y), run in zip(points, runs):
            dot = ET.SubElement(svg, "circle", {"class": "point", "cx": f"{x:g}", "cy": f"{y:g}", "r": "3", "fill": colour,
                                                "data-family": family, "data-as-of": run["as_of"],
                                                "data-failures": str(run["failures"][family])})
            ET.SubElement(dot, "title").text = f"{family}, {run['as_of']}: {run['failures'][family]} failures"
        ly = top + 14 * k + 6
        ET.SubElement(svg, "rect", {"x": f"{width - right + 12:g}", "y": f"{ly - 4:g}", "width": "10", "height": "3", "fill": colour})
        _text(svg, width - right + 26, ly, family, **{"class": "legend"})
    return _out(svg)
