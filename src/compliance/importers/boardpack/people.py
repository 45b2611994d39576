"""People met in any table of a pack, resolved to one id each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..mapping import Mapping, PersonMapping, suggest_person
from ..names import name_key, slug


@dataclass
class People:
    """People met in any table, keyed by id; a name resolves through the mapping, then by initial + surname."""

    mapping: Mapping
    file: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    suggestions: dict[str, dict[str, Any]] = field(default_factory=dict)
    mapped: dict[str, PersonMapping] = field(default_factory=dict)

    def resolve(self, name: str, line: int, **details: Any) -> str:
        mapped = self.mapping.find(name)
        key = name_key(name)
        pid = mapped.id if mapped else self.keys.get(key) or slug(name)
        if pid not in self.records:
            record = {"id": pid, "name": mapped.name if mapped else name}
            for k in ("initials", "title", "role", "organisation"):
                if details.get(k):
                    record[k] = details[k]
            if mapped:
                self.mapped[pid] = mapped
                for k in ("roles", "role_group", "cohort", "voting"):
                    value = getattr(mapped, k)
                    if value not in (None, []):
                        record[k] = value
            record["source"] = {"file": self.file, "line": line}
            self.records[pid] = record
            self.suggestions[pid] = suggest_person(record["name"], details.get("role"), details.get("organisation"), details.get("section", "unlabelled"), None)
            self.suggestions[pid]["id"] = pid
        self.keys.setdefault(key, pid)
        return pid
