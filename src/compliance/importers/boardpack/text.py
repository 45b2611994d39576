"""The pack as numbered lines of TAB-separated cells, and the small readers every table needs.

A Word export keeps table rows as TAB-separated cells, form checkboxes as ``<input ... />``
fragments, italics and paragraphs as HTML, and unfilled fields as placeholder prompts. These
helpers turn one cell into plain text or a tick without losing the verbatim cell.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

_TAG = re.compile(r"<[^>]+>")
_CHECKBOX = re.compile(r"<input\b[^>]*type=\"checkbox\"[^>]*/?>", re.I)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Pack:
    """The source text, addressed by 1-based line number as the import report cites it."""

    name: str
    lines: tuple[str, ...]

    @classmethod
    def read(cls, path: Path) -> "Pack":
        """Read a text export; Markdown table rows become TAB rows (line numbers unchanged)."""
        return cls.from_text(path.name, path.read_text(encoding="utf-8-sig"))

    @classmethod
    def from_text(cls, name: str, text: str) -> "Pack":
        return cls(name, tuple(markdown_row(line) for line in text.splitlines()))

    def __len__(self) -> int:
        return len(self.lines)

    def line(self, number: int) -> str:
        """The text of line ``number`` (1-based); empty past the end."""
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else ""

    def cells(self, number: int) -> list[str]:
        """The TAB-separated cells of a line, each stripped."""
        return [c.strip() for c in self.line(number).split("\t")]

    def is_row(self, number: int) -> bool:
        """True when the line is a table row (has a TAB)."""
        return "\t" in self.line(number)


_MD_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_MD_RULE = re.compile(r"^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$")
_MD_SPLIT = re.compile(r"(?<!\\)\|")


def markdown_row(line: str) -> str:
    """A Markdown table row '| a | b |' as the TAB row 'a\tb'; its '|---|' rule as an empty line,
    so every other line keeps its number. Any other line is returned unchanged."""
    if _MD_RULE.match(line):
        return ""
    m = _MD_ROW.match(line)
    if not m or "\t" in line:
        return line
    return "\t".join(c.strip().replace("\\|", "|") for c in _MD_SPLIT.split(m.group(1)))


# checkbox glyphs of Markdown and plain-text conversions of Word form fields
_TICKED = ("☒", "☑", "[x]", "[X]")
_EMPTY = ("☐", "[ ]")


def checkbox(cell: str) -> bool | None:
    """True for a ticked form checkbox, False for an empty one, None when the cell holds none."""
    m = _CHECKBOX.search(cell)
    if m:
        return "checked" in m.group(0).lower()
    if any(t in cell for t in _TICKED):
        return True
    if any(t in cell for t in _EMPTY):
        return False
    return None


def plain(cell: str) -> str:
    """Cell text without HTML tags or entities, whitespace collapsed."""
    return _SPACES.sub(" ", html.unescape(_TAG.sub(" ", cell))).strip()


def continues_table(pack: Pack, n: int, is_body_row) -> bool:
    """True when the header row at ``n`` repeats the header of the table above it after a page
    break: only blank lines and short page-title lines separate it from a body row of that table."""
    for m in range(n - 1, 0, -1):
        line = pack.line(m)
        if not line.strip():
            continue
        if "\t" in line:
            return bool(is_body_row(pack.cells(m)))
        if len(line) > 90 or re.search(r"\d{4}|meeting", line, re.I):
            return False  # a heading with a date or naming a meeting starts a new table
    return False


def is_page_title(pack: Pack, n: int) -> bool:
    """A short line that is not a row, between rows of one table: the page header a Word export
    repeats at a page break. The next non-blank line must be a row again."""
    line = pack.line(n)
    if "\t" in line or not line.strip() or len(line) > 90:
        return False
    for m in range(n + 1, min(n + 6, len(pack) + 1)):
        if pack.line(m).strip():
            return pack.is_row(m)
    return False


class TableRows:
    """The row lines of a table starting at ``start``, skipping blank lines and page-break titles.

    Iterating stops at the first line that is neither; ``end`` is then the table's last line.
    """

    def __init__(self, pack: Pack, start: int):
        self.pack, self.start, self.end = pack, start, start - 1

    def __iter__(self):
        n = self.start
        while n <= len(self.pack):
            if not self.pack.is_row(n):
                if self.pack.line(n).strip() and not is_page_title(self.pack, n):
                    break
                n += 1
                continue
            yield n
            n += 1
        self.end = n - 1
