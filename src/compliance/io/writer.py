"""Writing files the tool produces: reports, and data set registers in the format ``load_dataset`` reads.

Every file is written atomically (a temporary file, then one rename), so an interrupted run never
leaves half a report or a half-written register behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename, with the mode a plain ``open()`` would give."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp creates 0600; reports and data sets are meant to be shared
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
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
