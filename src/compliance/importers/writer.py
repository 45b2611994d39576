"""Write an imported data set: one YAML file per register, the import report and a suggested mapping.

Every file is written atomically (temporary file, then rename), so an interrupted import never
leaves a half-written register that ``compliance check`` would load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..io.writer import dump_yaml, write_atomic, write_register

REPORT_FILE = "import-report.yaml"
SUGGESTED_MAPPING_FILE = "mapping.suggested.yaml"


def write_dataset(out: Path, source: str, organisation: dict[str, Any], registers: dict[str, list[dict[str, Any]]], report: dict[str, Any], suggested_mapping: dict[str, Any]) -> list[Path]:
    """Write the data set into ``out`` (created if needed); return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    header = f"Imported by `compliance import boardpack` from {source}.\nEach record's source: gives the line it was read from."
    written = [write_register(out, "organisation", organisation, header)]
    for register, records in registers.items():
        if not records:
            (out / f"{register}.yaml").unlink(missing_ok=True)  # a stale register from an earlier import must not linger
            continue
        written.append(write_register(out, register, records, header))
    path = out / REPORT_FILE
    write_atomic(path, dump_yaml(report, f"What the importer recognised in {source} but could not read as data:\nfile, line, the table, what it expected and what it found."))
    written.append(path)
    path = out / SUGGESTED_MAPPING_FILE
    write_atomic(path, dump_yaml(suggested_mapping, f"A draft mapping guessed from the role text in {source}: check every entry,\nthen pass it back with --mapping. Format: docs/dataset-format.md, 'Import mapping'."))
    written.append(path)
    return written
