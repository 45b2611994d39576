"""Write a GovernanceData as a data set directory that ``compliance.io.load_dataset`` reads back."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from ..io.writer import dump_yaml, register_document, write_register
from ..model import REGISTERS, GovernanceData


def _records(data: GovernanceData) -> dict[str, Any]:
    """Register -> its records as plain data (the organisation as one mapping).

    Fields at their default are left out, as a person would write the file; aliases (``from``,
    ``to``) are used so the documents read like the documented format.
    """
    out: dict[str, Any] = {"organisation": data.organisation.model_dump(mode="json", by_alias=True, exclude_defaults=True)}
    for register in REGISTERS:
        out[register] = [r.model_dump(mode="json", by_alias=True, exclude_defaults=True) for r in getattr(data, register)]
    return out


def dataset_documents(data: GovernanceData) -> dict[str, Any]:
    """File stem -> YAML document: the organisation mapping, then ``{register: [records]}`` per register."""
    return {register: register_document(register, records) for register, records in _records(data).items()}


def write_dataset(data: GovernanceData, directory: str | Path) -> Path:
    """Write one YAML file per register (``organisation.yaml``, ``people.yaml``, ...); return the directory."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    for register, records in _records(data).items():
        write_register(target, register, records)
    return target


def dataset_yaml(data: GovernanceData, registers: Iterable[str] | None = None) -> str:
    """The data set (or only ``registers``, empty ones left out) as one YAML text, for failure messages."""
    wanted = set(registers) if registers is not None else None
    return dump_yaml({name: records for name, records in _records(data).items()
                      if records and (wanted is None or name in wanted)})
