"""Making text from the registers safe for each output: one line, no control characters.

A name or title in a register is data, never markup or a terminal command. Every renderer that
does not escape for itself (Markdown, the terminal table, JUnit XML, SARIF) passes text through
these functions: line breaks of any kind become a space (so a name cannot start a Markdown
heading or a fake table row) and the other control characters are shown as ``\\xNN`` (so ESC
cannot recolour a terminal and XML stays well formed), never silently dropped.
"""

from __future__ import annotations

import re
import unicodedata

# Everything Unicode or a terminal treats as a line or page break.
LINE_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Markdown's inline syntax, and the HTML a Markdown renderer would pass through.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
MARKDOWN_ENTITIES = {"<": "&lt;", ">": "&gt;"}


def _visible(ch: str) -> str:
    """A control character as text a reader can see: ``\\x1b``, ``\\u200e``."""
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: object) -> str:
    """``text`` on one line with no control characters (tabs become spaces)."""
    value = LINE_BREAKS.sub(" ", "" if text is None else str(text)).replace("\t", " ")
    return "".join(_visible(ch) if _is_control(ch) else ch for ch in value)


def _is_control(ch: str) -> bool:
    category = unicodedata.category(ch)
    # Cc: C0/C1 controls; Cs: lone surrogates (not encodable); bidi overrides could reorder a line.
    return category in ("Cc", "Cs") or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" or ch in "\ufffe\uffff"


def markdown_text(text: object) -> str:
    """Text for a Markdown paragraph or table cell: one line, inline syntax escaped, no raw HTML."""
    value = one_line(text)
    return MARKDOWN_SPECIAL.sub(lambda m: MARKDOWN_ENTITIES.get(m.group(1), "\\" + m.group(1)), value)


def shorten(text: str, width: int, *, at_word: bool = False) -> str:
    """``text`` cut to ``width`` characters with an ellipsis, never silently; with ``at_word`` the cut
    falls at the last space (a name is never cut in half) and the ellipsis follows a space."""
    if len(text) <= width:
        return text
    if at_word:
        return text[: width - 1].rsplit(" ", 1)[0].rstrip(",;") + " …"
    return text[: max(width - 1, 0)] + "…"
