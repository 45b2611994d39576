"""Write a GovernanceData as a data set directory that ``compliance.io.load_dataset`` reads back."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import yaml

from ..model import REGISTERS, GovernanceData


def dataset_documents(data: GovernanceData) -> dict[str, Any]:
    """File stem -> YAML document: the organisation mapping, then ``{register: [records]}`` per register.

    Fields at their default are left out, as a person would write the file; aliases (``from``,
    ``to``) are used so the documents read like the documented format.
    """
    docs: dict[str, Any] = {"organisation": data.organisation.model_dump(mode="json", by_alias=True, exclude_defaults=True)}
    for register in REGISTERS:
        records = getattr(data, register)
        docs[register] = {register: [r.model_dump(mode="json", by_alias=True, exclude_defaults=True) for r in records]}
    return docs


def write_dataset(data: GovernanceData, directory: str | Path) -> Path:
    """Write one YAML file per register (``organisation.yaml``, ``people.yaml``, ...); return the directory."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    for name, doc in dataset_documents(data).items():
        (target / f"{name}.yaml").write_text(_dump(doc), encoding="utf-8")
    return target


def dataset_yaml(data: GovernanceData, registers: Iterable[str] | None = None) -> str:
    """The data set (or only ``registers``, empty ones left out) as one YAML text, for failure messages."""
    wanted = set(registers) if registers is not None else None
    docs = {name: doc for name, doc in dataset_documents(data).items() if wanted is None or name in wanted}
    flat = {name: (doc[name] if name in doc else doc) for name, doc in docs.items()}
    return _dump({name: value for name, value in flat.items() if value})


def _dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)
