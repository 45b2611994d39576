"""Read a text file the checker was given, or say plainly why it cannot be read.

Registers and rule files are UTF-8 (a byte-order mark is allowed, and UTF-16 with its mark is
decoded: Excel's "Unicode text" export writes it). Anything else is refused with the line and
column of the first bad byte, never guessed: a latin-1 guess would silently turn a UTF-8 file
with one stray byte into mojibake. Files over ``MAX_FILE_BYTES`` are refused before they are
read, so one huge file cannot exhaust memory for a whole batch.
"""

from __future__ import annotations

import codecs
from pathlib import Path

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest register or rule file read (64 MiB): the real board pack's data set is under 1 MiB."""


class TextFileError(ValueError):
    """A file that cannot be read as text; ``location`` is "line N" when known."""

    def __init__(self, message: str, location: str = ""):
        super().__init__(message)
        self.location = location


def _line_col(data: bytes, offset: int) -> tuple[str, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}", column


def read_text(path: Path) -> str:
    """The file's text; raises ``TextFileError`` naming the problem and where it is."""
    if path.is_dir():
        raise TextFileError("is a directory; expected a file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TextFileError(f"is {size:,} bytes; the checker reads files of at most {MAX_FILE_BYTES:,} bytes (64 MiB)")
        data = path.read_bytes()
    except OSError as exc:
        raise TextFileError(f"cannot be read: {exc.strerror or exc}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TextFileError(f"is not valid UTF-16 (byte {exc.start}); save it as UTF-8") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            offset = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
            where, column = _line_col(data, offset)
            raise TextFileError(
                f"is not UTF-8: byte 0x{data[offset]:02x} at column {column} cannot be decoded; "
                "save the file as UTF-8 (e.g. 'CSV UTF-8' in Excel)", where) from None
    text = text.removeprefix("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise TextFileError("holds a NUL byte (\\x00); expected text (is it a binary file, or UTF-16 without a byte-order mark?)", f"line {line}")
    return text
