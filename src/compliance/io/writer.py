"""Writing files the tool produces: reports, and data set registers in the format ``load_dataset`` reads.

Every file is written atomically (a temporary file, then one rename), so an interrupted run never
leaves half a report or a half-written register behind.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml


TEMP_SUFFIX = ".compliance-tmp"


def temporary_path(path: Path) -> Path:
    """The one temporary file ``write_atomic`` uses for ``path``: ``.NAME.compliance-tmp`` beside it.

    The name is fixed (not random) so that a run killed mid-write leaves at most one recognisable
    leftover per target, which the next write of the same target removes.
    """
    path = Path(path)
    return path.with_name(f".{path.name}{TEMP_SUFFIX}")


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename, with the mode a plain ``open()`` would give.

    The target is never partial: the text goes to ``temporary_path(path)`` first. A stale temporary
    left by a killed run is removed before writing.
    """
    path = Path(path)
    tmp = temporary_path(path)
    tmp.unlink(missing_ok=True)  # a leftover from a run killed mid-write (kill -9 skips the cleanup below)
    try:
        # O_EXCL: never write through a symlink or a file someone else created in between; 0o666 & umask
        # gives the mode a plain open() would (reports and data sets are meant to be shared)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def dump_yaml(doc: Any, header: str = "") -> str:
    """YAML as a person would write it (keys in order, unicode kept), after ``header`` as comments."""
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
