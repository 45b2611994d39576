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

from .text import shorten

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


LABEL_HEIGHT, LABEL_GAP, CELL_TOP = 18.0, 4.0, 18.0


def _label_width(text: str) -> float:
    """A generous width for a 12 px bold label (no font metrics in SVG: err wide)."""
    return 7.6 * len(text) + 14


def _layout(risks: list[dict[str, Any]]) -> dict[tuple[int, int], list[tuple[str, str]]]:
    """Per cell, its labels top to bottom: (kind, risk id), kind ``now``, ``at_target`` or ``target``.

    Current positions and targets share one stack per cell, so no two labels ever overlap and a
    target in a cell of its own or under another risk's label stays visible.
    """
    cells: dict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    for r in risks:
        now, aim = (r["likelihood"], r["consequence"]), (r["target_likelihood"], r["target_consequence"])
        cells[now].append(("at_target" if now == aim else "now", r["id"]))
    for r in risks:
        now, aim = (r["likelihood"], r["consequence"]), (r["target_likelihood"], r["target_consequence"])
        if r["target_likelihood"] is not None and now != aim:
            cells[aim].append(("target", r["id"]))
    return cells


def heat_map(risks: list[dict[str, Any]], cell: float = 88) -> str:
    """5×5 likelihood × consequence; each risk labelled at its current cell and at its target cell
    (dashed), joined by an arrow; a risk already at its target is ringed. Cells grow to fit their labels."""
    cells = _layout(risks)
    widest = max([_label_width(r["id"]) for r in risks] + [0])
    cell = max(cell, widest + 12)
    tallest = max([len(v) for v in cells.values()] + [0])
    cell_h = max(cell * 0.8, CELL_TOP + tallest * (LABEL_HEIGHT + LABEL_GAP) + 4)
    left, top = 56, 12
    width, height = 5 * cell, 5 * cell_h
    legend_y = top + height + 64
    svg = _svg(left + width + 10, legend_y + 20, "Risk heat map: current position and target of each risk",
               **{"class": "heat-map"})
    defs = ET.SubElement(svg, "defs")
    marker = ET.SubElement(defs, "marker", {"id": "arrowhead", "viewBox": "0 0 10 10", "refX": "9", "refY": "5",
                                            "markerWidth": "7", "markerHeight": "7", "orient": "auto-start-reverse"})
    ET.SubElement(marker, "path", {"d": "M 0 0 L 10 5 L 0 10 z", "fill": "#333"})

    def corner(lik: int, con: int) -> tuple[float, float]:
        return left + (con - 1) * cell, top + (5 - lik) * cell_h

    def slot(key: tuple[int, int], kind: str, rid: str) -> tuple[float, float]:
        x, y = corner(*key)
        i = cells[key].index((kind, rid))
        return x + cell / 2, y + CELL_TOP + i * (LABEL_HEIGHT + LABEL_GAP) + LABEL_HEIGHT / 2

    for lik in range(5, 0, -1):
        for con in range(1, 6):
            x, y = corner(lik, con)
            band, fill = _band(lik * con)
            ET.SubElement(svg, "rect", {"class": "cell", "x": f"{x:g}", "y": f"{y:g}", "width": f"{cell:g}", "height": f"{cell_h:g}",
                                        "fill": fill, "stroke": "#ffffff", "stroke-width": "2", "data-likelihood": str(lik),
                                        "data-consequence": str(con), "data-score": str(lik * con), "data-band": band,
                                        "data-risks": " ".join(rid for kind, rid in cells.get((lik, con), []) if kind != "target")})
            _text(svg, x + cell - 5, y + 13, str(lik * con), **{"class": "cell-score", "text-anchor": "end"})
    for i in range(1, 6):
        x, _ = corner(1, i)
        _text(svg, x + cell / 2, top + height + 16, str(i), **{"text-anchor": "middle", "class": "axis"})
        _, y = corner(i, 1)
        _text(svg, left - 10, y + cell_h / 2 + 4, str(i), **{"text-anchor": "end", "class": "axis"})
    _text(svg, left + width / 2, top + height + 36, "consequence →", **{"text-anchor": "middle", "class": "axis-title"})
    _text(svg, 14, top + height / 2, "likelihood →", **{"text-anchor": "middle", "class": "axis-title",
                                                         "transform": f"rotate(-90 14 {top + height / 2:g})"})

    for r in risks:  # arrows first, so labels sit on top of them
        now, aim = (r["likelihood"], r["consequence"]), (r["target_likelihood"], r["target_consequence"])
        if r["target_likelihood"] is None or now == aim:
            continue  # no target, or already at it
        (x1, y1), (x2, y2) = slot(now, "now", r["id"]), slot(aim, "target", r["id"])
        # from the edge of one label to the edge of the other, so the arrowhead is not hidden
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1
        half_w, half_h = _label_width(r["id"]) / 2, LABEL_HEIGHT / 2
        t = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf) * length
        ux, uy = dx / length, dy / length
        ET.SubElement(svg, "line", {"class": "arrow", "data-risk": r["id"], "x1": f"{x1 + ux * t:.1f}", "y1": f"{y1 + uy * t:.1f}",
                                    "x2": f"{x2 - ux * (t + 2):.1f}", "y2": f"{y2 - uy * (t + 2):.1f}", "stroke": "#333",
                                    "stroke-width": "1.4", "marker-end": "url(#arrowhead)"})
    for r in risks:
        if r["target_likelihood"] is None:
            continue
        aim = (r["target_likelihood"], r["target_consequence"])
        at_target = aim == (r["likelihood"], r["consequence"])
        cx, cy = slot(aim, "at_target" if at_target else "target", r["id"])
        g = ET.SubElement(svg, "g", {"class": "target", "data-risk": r["id"], "data-likelihood": str(r["target_likelihood"]),
                                     "data-consequence": str(r["target_consequence"]), "data-at-target": "true" if at_target else "false"})
        ET.SubElement(g, "title").text = f"{r['id']} target: likelihood {r['target_likelihood']} × consequence {r['target_consequence']}"
        w = _label_width(r["id"]) + (6 if at_target else 0)
        h = LABEL_HEIGHT + (6 if at_target else 0)
        ET.SubElement(g, "rect", {"x": f"{cx - w / 2:g}", "y": f"{cy - h / 2:g}", "width": f"{w:g}", "height": f"{h:g}",
                                  "rx": f"{h / 2:g}", "fill": "#ffffff", "stroke": "#1f2d3d", "stroke-width": "1.4",
                                  "stroke-dasharray": "3 2"})
        if not at_target:
            _text(g, cx, cy + 4, r["id"], **{"text-anchor": "middle", "class": "risk-label target-label", "fill": "#1f2d3d"})
    for r in risks:
        key = (r["likelihood"], r["consequence"])
        at_target = key == (r["target_likelihood"], r["target_consequence"])
        cx, cy = slot(key, "at_target" if at_target else "now", r["id"])
        w = _label_width(r["id"])
        g = ET.SubElement(svg, "g", {"class": "risk", "data-risk": r["id"], "data-likelihood": str(r["likelihood"]),
                                     "data-consequence": str(r["consequence"]), "data-score": str(r["score"]),
                                     "data-target-likelihood": str(r["target_likelihood"] or ""),
                                     "data-target-consequence": str(r["target_consequence"] or ""),
                                     "data-tolerance": str(r["tolerance"] or "")})
        ET.SubElement(g, "title").text = (f"{r['id']} {r['title']}: likelihood {r['likelihood']} × consequence "
                                          f"{r['consequence']} = {r['score']}; tolerance {r['tolerance']}")
        ET.SubElement(g, "rect", {"x": f"{cx - w / 2:g}", "y": f"{cy - LABEL_HEIGHT / 2:g}", "width": f"{w:g}",
                                  "height": f"{LABEL_HEIGHT:g}", "rx": f"{LABEL_HEIGHT / 2:g}", "fill": "#1f2d3d"})
        _text(g, cx, cy + 4, r["id"], **{"text-anchor": "middle", "class": "risk-label", "fill": "#ffffff"})
    legend = ET.SubElement(svg, "g", {"class": "legend"})
    x = left
    for kind, words in (("now", "current position"), ("target", "target"), ("at_target", "at its target")):
        w = 34
        dashed = {"fill": "#ffffff", "stroke": "#1f2d3d", "stroke-width": "1.4", "stroke-dasharray": "3 2"}
        if kind == "at_target":
            ET.SubElement(legend, "rect", {"x": f"{x - 3:g}", "y": f"{legend_y - 16:g}", "width": f"{w + 6:g}", "height": "24", "rx": "12", **dashed})
        attrs = {"fill": "#1f2d3d"} if kind != "target" else dashed
        ET.SubElement(legend, "rect", {"x": f"{x:g}", "y": f"{legend_y - 13:g}", "width": f"{w:g}", "height": "18", "rx": "9", **attrs})
        _text(legend, x + w + 8, legend_y, words, **{"class": "legend-text"})
        x += w + 8 + 7.2 * len(words) + 24
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
    # "not a member" is hatched and "not taken yet" dotted, so neither relies on telling two greys apart
    hatch = "hatch-" + "".join(ch if ch.isalnum() else "-" for ch in matrix["body"])
    pattern = ET.SubElement(ET.SubElement(svg, "defs"), "pattern", {"id": hatch, "width": "6", "height": "6",
                                                                    "patternUnits": "userSpaceOnUse", "patternTransform": "rotate(45)"})
    ET.SubElement(pattern, "rect", {"width": "6", "height": "6", "fill": "#eeeeee"})
    ET.SubElement(pattern, "line", {"x1": "0", "y1": "0", "x2": "0", "y2": "6", "stroke": "#9a9a9a", "stroke-width": "2"})
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
            fill = f"url(#{hatch})" if c["status"] == "not_member" else STATUS_FILL.get(c["status"], "#ffffff")
            border = {"stroke": "#8a8a8a", "stroke-dasharray": "1 2"} if c["status"] == "not_taken" else {"stroke": "#ffffff"}
            ET.SubElement(g, "rect", {"x": f"{x:g}", "y": f"{y:g}", "width": f"{col_width:g}", "height": f"{row_height:g}",
                                      "fill": fill, **border})
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


def standard_chart(series: dict[str, Any], width: float = 300, height: float = 150) -> str:
    """One measure's values over its periods (dots joined by a line, each labelled with its value) and
    each threshold it was held to as a dashed line over the periods it applied to. Black on white with
    dashes, so it reads in print; the axis runs from the lowest to the highest value or threshold."""
    left, right, top, bottom = 44, 12, 14, 30
    points, lines = series["points"], series["thresholds"]
    values = [p["value"] for p in points] + [t["threshold"] for t in lines]
    low, high = min(values), max(values)
    pad = (high - low) * 0.15 or abs(high) * 0.1 or 1
    low, high = low - pad, high + pad
    plot_w, plot_h = width - left - right, height - top - bottom
    svg = _svg(width, height, f"{series['name']} ({series['scope']}): value by period with its thresholds",
               **{"class": "standard-chart", "data-series": series["key"]})

    def xy(i: float, v: float) -> tuple[float, float]:
        return left + plot_w * (i + 0.5) / len(points), top + plot_h * (high - v) / (high - low)

    ET.SubElement(svg, "line", {"x1": str(left), "x2": f"{left + plot_w:g}", "y1": f"{top + plot_h:g}", "y2": f"{top + plot_h:g}",
                                "stroke": "#999999"})
    for v in (high - pad, low + pad):
        _, y = xy(0, v)
        _text(svg, left - 4, y + 4, f"{v:g}", **{"text-anchor": "end", "class": "axis"})
    for k, t in enumerate(lines):
        (x1, y), (x2, _) = xy(t["first"] - 0.45, t["threshold"]), xy(t["last"] + 0.45, t["threshold"])
        g = ET.SubElement(svg, "g", {"class": "threshold", "data-standard": t["id"], "data-threshold": f"{t['threshold']:g}",
                                     "data-kind": t["kind"]})
        ET.SubElement(g, "title").text = f"{t['kind']}: {t['text']}"
        dash = "6 3" if t["kind"] == "national standard" else "2 2"
        ET.SubElement(g, "line", {"x1": f"{x1:.1f}", "x2": f"{x2:.1f}", "y1": f"{y:.1f}", "y2": f"{y:.1f}", "stroke": PALETTE[1 + k % 3],
                                  "stroke-width": "1.6", "stroke-dasharray": dash})
        _text(g, x2, y - 3, t["text"], **{"text-anchor": "end", "class": "threshold-label"})
    xys = [xy(i, p["value"]) for i, p in enumerate(points)]
    ET.SubElement(svg, "polyline", {"class": "series", "fill": "none", "stroke": "#1f2d3d", "stroke-width": "1.6",
                                    "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in xys)})
    for (x, y), p in zip(xys, points):
        failed = "fail" in (p["national_outcome"], p["plan_outcome"])
        dot = ET.SubElement(svg, "circle", {"class": "point", "cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": "3.5",
                                            "fill": "#ffffff" if failed else "#1f2d3d", "stroke": "#1f2d3d", "stroke-width": "1.6",
                                            "data-metric": p["metric"], "data-value": f"{p['value']:g}", "data-period": p["period"],
                                            "data-verdict": p["verdict"]})
        ET.SubElement(dot, "title").text = f"{p['period']}: {p['value_text']} ({p['verdict']})"
        _text(svg, x, top + plot_h + 14, shorten(p["period"], 18), **{"text-anchor": "middle", "class": "axis"})
    return _out(svg)
