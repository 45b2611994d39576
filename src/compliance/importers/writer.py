"""Write an imported data set: one YAML file per register, the import report and a suggested mapping.

Every file is written atomically (temporary file, then rename), so an interrupted import never
leaves a half-written register that ``compliance check`` would load.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPORT_FILE = "import-report.yaml"
SUGGESTED_MAPPING_FILE = "mapping.suggested.yaml"


def _dump(doc: Any, header: str) -> str:
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)
    return "".join(f"# {line}\n" for line in header.splitlines()) + body


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_dataset(out: Path, source: str, organisation: dict[str, Any], registers: dict[str, list[dict[str, Any]]], report: dict[str, Any], suggested_mapping: dict[str, Any]) -> list[Path]:
    """Write the data set into ``out`` (created if needed); return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    header = f"Imported by `compliance import boardpack` from {source}.\nEach record's source: gives the line it was read from."
    written = []
    path = out / "organisation.yaml"
    write_atomic(path, _dump(organisation, header))
    written.append(path)
    for register, records in registers.items():
        path = out / f"{register}.yaml"
        if not records:
            path.unlink(missing_ok=True)  # a stale register from an earlier import must not linger
            continue
        write_atomic(path, _dump({register: records}, header))
        written.append(path)
    path = out / REPORT_FILE
    write_atomic(path, _dump(report, f"What the importer recognised in {source} but could not read as data:\nfile, line, the table, what it expected and what it found."))
    written.append(path)
    path = out / SUGGESTED_MAPPING_FILE
    write_atomic(path, _dump(suggested_mapping, f"A draft mapping guessed from the role text in {source}: check every entry,\nthen pass it back with --mapping. Format: docs/dataset-format.md, 'Import mapping'."))
    written.append(path)
    return written
