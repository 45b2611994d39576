"""The HTML report in a real browser: Playwright driving Debian's Chromium (never a downloaded one).

Asserts on the rendered page: no two text boxes overlap at 1280 and 390 px, no sideways scroll
at 390 px, every heat-map label visible, and, printed to A4, page numbers present and no page
but the last more than half blank. Screenshots and the PDF are written under build/browser/ for
people to look at. Skips (with the reason) when Chromium or Playwright is missing; .ci/run
installs both, so CI runs these.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from report_fixture import ROOT, report

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium)")
BUILD = ROOT / "build" / "browser"

# Text boxes of these elements must not overlap each other (leaf text, table cells, SVG labels).
OVERLAP_JS = """() => {
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (el.closest('svg') || el.closest('title')) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width < 1 || r.height < 1) continue;
      boxes.push({x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height, t: node.textContent.trim().slice(0, 40)});
    }
  }
  const bad = [];
  boxes.sort((a, b) => a.y - b.y);
  for (let i = 0; i < boxes.length && bad.length < 5; i++) {
    const a = boxes[i];
    for (let j = i + 1; j < boxes.length && boxes[j].y < a.y + a.h; j++) {
      const b = boxes[j];
      const ox = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
      const oy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
      if (ox > 2 && oy > 2) bad.push([a.t, b.t]);
    }
  }
  return {count: boxes.length, bad};
}"""

HEAT_JS = """() => {
  const svg = document.querySelector('svg.heat-map');
  const frame = svg.getBoundingClientRect();
  const labels = [...svg.querySelectorAll('g.risk rect, g.target rect')].map(r => {
    const b = r.getBoundingClientRect();
    return {id: r.parentElement.dataset.risk, kind: r.parentElement.getAttribute('class'), x: b.left, y: b.top, w: b.width, h: b.height,
            ring: r.parentElement.dataset.atTarget === 'true'};
  });
  const inside = labels.every(l => l.x >= frame.left - 1 && l.x + l.w <= frame.right + 1 && l.y >= frame.top - 1 && l.y + l.h <= frame.bottom + 1);
  const bad = [];
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
    const a = labels[i], b = labels[j];
    if (a.id === b.id && (a.ring || b.ring)) continue;  // a risk at its target: the ring surrounds its own label
    const ox = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x), oy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
    if (ox > 0.5 && oy > 0.5) bad.push([a.id + ' ' + a.kind, b.id + ' ' + b.kind]);
  }
  const font = parseFloat(getComputedStyle(svg.querySelector('text.risk-label')).fontSize) * frame.width / svg.viewBox.baseVal.width;
  return {inside, bad, targets: svg.querySelectorAll('g.target').length, font};
}"""


@pytest.fixture(scope="module")
def report_path(tmp_path_factory):
    BUILD.mkdir(parents=True, exist_ok=True)
    code, text, output = report(tmp_path_factory.mktemp("browser"))
    assert code == 0, output
    path = BUILD / "report.html"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_no_text_overlaps_and_nothing_scrolls_sideways(browser, report_path, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(report_path.as_uri())
    page.screenshot(path=str(BUILD / f"report-{width}.png"), full_page=True)
    scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll[0] <= scroll[1], f"page scrolls sideways at {width} px: {scroll}"
    boxes = page.evaluate(OVERLAP_JS)
    assert boxes["count"] > 500
    assert not boxes["bad"], f"overlapping text at {width} px: {boxes['bad']}"
    page.close()


def test_page_uses_the_width_of_a_wide_screen(browser, report_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(report_path.as_uri())
    width = page.evaluate("document.querySelector('#headline').getBoundingClientRect().width")
    assert width >= 0.8 * 1280 - 48
    page.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_every_heat_map_label_and_target_is_visible_and_readable(browser, report_path, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(report_path.as_uri())
    page.locator("svg.heat-map").screenshot(path=str(BUILD / f"heat-map-{width}.png"))
    heat = page.evaluate(HEAT_JS)
    assert heat["targets"] == 8  # every risk of the real pack has a target
    assert heat["inside"] and not heat["bad"], heat["bad"]
    assert heat["font"] >= (11.5 if width > 600 else 8), heat["font"]  # px on screen, after the SVG is scaled to fit
    page.close()


def test_printed_a4_has_page_numbers_and_no_half_blank_page(browser, report_path):
    from pypdf import PdfReader

    page = browser.new_page()
    page.goto(report_path.as_uri())
    pdf = BUILD / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    reader = PdfReader(str(pdf))
    pages = reader.pages
    assert 4 <= len(pages) <= 80  # 2,118 findings (141 fail) print on about 64 pages; a runaway layout goes far beyond
    for number, p in enumerate(pages, start=1):
        text = p.extract_text()
        assert f"Page {number} of {len(pages)}" in text, f"page {number} has no page number"
        assert "compliance report as of 2024-10-17" in text  # the running header
    height = float(pages[0].mediabox.height)
    for number, p in enumerate(pages[:-1], start=1):
        ys: list[float] = []

        def visit(text, cm, tm, font, size, ys=ys):
            if text.strip():
                ys.append(tm[5] * cm[3] + cm[5] if cm[3] else tm[5])

        p.extract_text(visitor_text=visit)
        body = [y for y in ys if 20 * 2.83 < y < height - 20 * 2.83]  # leave out the margin boxes
        lowest = min(body) if body else height
        assert lowest < height / 2, f"page {number} is more than half blank (content ends {lowest:.0f} pt from the bottom of {height:.0f})"


PRINT_JS = """() => {
  const clipped = [...document.querySelectorAll('th')].filter(th => th.offsetParent && th.scrollWidth > th.clientWidth + 1)
                   .map(th => th.textContent.trim());
  const loose = [...document.querySelectorAll('h2, h3, .rule-head')].filter(h => h.offsetParent)
                 .filter(h => !['avoid', 'avoid-page'].includes(getComputedStyle(h).breakAfter)).map(h => h.textContent.trim().slice(0, 40));
  const heads = [...document.querySelectorAll('thead')].filter(t => t.offsetParent)
                 .filter(t => getComputedStyle(t).display !== 'table-header-group').length;
  const passes = document.querySelector('#passes');
  return {clipped, loose, heads, passes: passes ? passes.getBoundingClientRect().height : 0,
          details: document.querySelectorAll('details').length};
}"""


def test_printed_headings_stay_with_their_content_headers_repeat_and_nothing_is_clipped(browser, report_path):
    """Issue 16: orphaned headings, the clipped waived column header, collapsed passes that did not print."""
    page = browser.new_page(viewport={"width": 718, "height": 1000})  # A4 less its margins, at 96 dpi
    page.goto(report_path.as_uri())
    page.emulate_media(media="print")
    found = page.evaluate(PRINT_JS)
    page.close()
    assert found["clipped"] == [], f"table headers clipped in print: {found['clipped']}"
    assert found["loose"] == [], f"headings that may end a page: {found['loose'][:5]}"
    assert found["heads"] == 0  # every table's header row repeats on each printed page
    assert found["passes"] > 100 and found["details"] == 0  # the passes print, in their appendix, not collapsed


def test_no_printed_page_ends_with_a_heading(browser, report_path):
    from pypdf import PdfReader

    page = browser.new_page()
    page.goto(report_path.as_uri())
    headings = [h.strip() for h in page.evaluate("[...document.querySelectorAll('h2, h3')].map(h => h.textContent)") if h.strip()]
    pdf = BUILD / "report-headings.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    pages = PdfReader(str(pdf)).pages
    for number, p in enumerate(pages[:-1], start=1):
        lines = [l.strip() for l in p.extract_text().splitlines() if l.strip()]
        body = [l for l in lines if not l.startswith("Page ") and "compliance report as of" not in l]
        assert body and body[-1] not in headings, f"page {number} ends with the heading {body[-1]!r}"
