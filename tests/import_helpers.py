"""Load a pack excerpt from tests/data/import with its lines at their pack line numbers."""

from __future__ import annotations

import re
from pathlib import Path

from compliance.importers.boardpack.text import Pack
from compliance.importers.report import ImportReport

DATA = Path(__file__).resolve().parent / "data" / "import"
PACK_NAME = "ssot-icb-board-pack-2024-10-17.txt"


def excerpt(stem: str) -> tuple[Pack, ImportReport]:
    """The excerpt whose file name starts with ``stem``, padded so line N is the pack's line N."""
    path = next(DATA.glob(f"{stem}-L*.txt"))
    start = int(re.search(r"-L(\d+)-\d+\.txt$", path.name).group(1))
    text = "\n" * (start - 1) + path.read_text(encoding="utf-8")
    return Pack.from_text(PACK_NAME, text), ImportReport(PACK_NAME)


def pack_of(text: str) -> tuple[Pack, ImportReport]:
    """A small hand-written pack for a row the real pack does not have."""
    return Pack.from_text("test.txt", text), ImportReport("test.txt")
