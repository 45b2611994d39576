"""Import a board pack's text export into a data set: ``import_boardpack(pack, mapping, ...)``."""

from .assemble import ImportResult, NotABoardPack, import_boardpack
from .text import Pack

__all__ = ["ImportResult", "NotABoardPack", "Pack", "import_boardpack"]
