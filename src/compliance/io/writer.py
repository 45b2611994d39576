"""Writing files the tool produces: reports, and data set registers in the format ``load_dataset`` reads.

Every file is written atomically (a temporary file, then one rename), so an interrupted run never
leaves half a report or a half-written register behind.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

try:  # a fast encoder when installed; the standard library's gives the same bytes, slower
    import orjson
except ImportError:  # pragma: no cover - orjson is a declared dependency
    orjson = None

# Python's own types for JSON, which orjson writes exactly as json.dumps does (floats checked apart)
_PLAIN = frozenset((str, int, bool, type(None)))
_SMALLEST_PLAIN_FLOAT = 1e-4  # below it repr() writes an exponent (1e-05) where orjson writes 0.00001


def _orjson_safe(value: Any) -> bool:
    """True when orjson writes ``value`` byte for byte as ``json.dumps(indent=2, sort_keys=True,
    ensure_ascii=False)`` does: only dicts, lists and plain scalars, and no float that is NaN,
    infinite or written with an exponent below 1e-4 (where the two encoders differ). What orjson
    refuses (a key that is not text, an integer beyond 64 bits, a lone surrogate) makes it raise,
    which ``dumps_json`` catches, so keys are not walked; scalars are checked where they sit, so
    only containers and floats go on the stack (this walk costs about as much as orjson itself)."""
    stack = [value]
    pop, push, plain = stack.pop, stack.append, _PLAIN
    while stack:
        v = pop()
        t = type(v)
        if t is dict:
            v = v.values()
        elif t is float:
            if not math.isfinite(v) or (v and abs(v) < _SMALLEST_PLAIN_FLOAT):
                return False
            continue
        elif t is not list:
            if t not in plain:  # tuples, subclasses, dates: leave them to the standard encoder
                return False
            continue
        for item in v:
            if type(item) not in plain:
                push(item)
    return True


def dumps_json(document: Any, indent: bool = True) -> str:
    """``json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)`` (with ``indent=False``:
    ``separators=(",", ":")`` on one line), the same bytes, written by orjson when the document holds
    only values orjson writes identically (see ``_orjson_safe``)."""
    fast = _orjson_bytes(document, indent)
    if fast is not None:
        return fast.decode("utf-8")
    return _standard(document, indent)


def dumps_json_bytes(document: Any, indent: bool = True) -> bytes:
    """``dumps_json`` encoded as UTF-8, without making the text first (a large report is written
    as orjson's bytes: decoding and encoding them again took about a fifth of writing it)."""
    fast = _orjson_bytes(document, indent)
    return fast if fast is not None else _standard(document, indent).encode("utf-8")


def _orjson_bytes(document: Any, indent: bool) -> bytes | None:
    if orjson is not None and _orjson_safe(document):
        try:
            return orjson.dumps(document, option=orjson.OPT_SORT_KEYS | (orjson.OPT_INDENT_2 if indent else 0))
        except TypeError:  # an integer beyond 64 bits, a lone surrogate: the standard encoder decides
            pass
    return None


def _standard(document: Any, indent: bool) -> str:
    if indent:
        return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


TEMP_SUFFIX = ".compliance-tmp"


def temporary_path(path: Path) -> Path:
    """The one temporary file ``write_atomic`` uses for ``path``: ``.NAME.compliance-tmp`` beside it.

    The name is fixed (not random) so that a run killed mid-write leaves at most one recognisable
    leftover per target, which the next write of the same target removes.
    """
    path = Path(path)
    return path.with_name(f".{path.name}{TEMP_SUFFIX}")


def write_atomic(path: Path, text: str | bytes | Iterable[str] | Iterable[bytes]) -> None:
    """Replace ``path`` with ``text`` (a string, its UTF-8 bytes, or pieces of either written in
    turn) in one rename, with the mode a plain ``open()`` would give.

    The target is never partial: the text goes to ``temporary_path(path)`` first. A stale temporary
    left by a killed run is removed before writing.
    """
    path = Path(path)
    tmp = temporary_path(path)
    tmp.unlink(missing_ok=True)  # a leftover from a run killed mid-write (kill -9 skips the cleanup below)
    pieces: Iterator[str] | Iterator[bytes] = iter(()) if isinstance(text, (str, bytes)) else iter(text)
    first = text if isinstance(text, (str, bytes)) else next(pieces, "")  # bytes or text: how to open the file
    try:
        # O_EXCL: never write through a symlink or a file someone else created in between; 0o666 & umask
        # gives the mode a plain open() would (reports and data sets are meant to be shared)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with (os.fdopen(fd, "wb") if isinstance(first, bytes) else os.fdopen(fd, "w", encoding="utf-8")) as handle:
            handle.write(first)
            handle.writelines(pieces)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def dump_yaml(doc: Any, header: str = "") -> str:
    """YAML as a person would write it (keys in order, unicode kept), after ``header`` as comments."""
    import yaml  # only writing registers needs it

    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)
    return "".join(f"# {line}\n" for line in header.splitlines()) + body


def register_document(register: str, records: Any) -> Any:
    """A register file's document: the organisation is one mapping, every other register a keyed list."""
    return records if register == "organisation" else {register: records}


def write_register(directory: Path, register: str, records: Any, header: str = "") -> Path:
    """Write one register as ``<register>.yaml`` in ``directory``; return the path."""
    path = Path(directory) / f"{register}.yaml"
    write_atomic(path, dump_yaml(register_document(register, records), header))
    return path
