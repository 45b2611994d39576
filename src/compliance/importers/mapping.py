"""The mapping file: organisation-level facts a board pack cannot tell.

A pack names people and their role text, but not which role group a person counts in for quorum,
which partner cohort they represent, their stable id, or when their seat started. The user
supplies these in a YAML mapping (format in docs/dataset-format.md, 'Import mapping'); the
importer writes a suggested one from the role text so the user starts from a draft, not a blank.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from ..model import Organisation
from ..model.base import Id, Record, UKDate
from ..model.bodies import QuorumRequirement
from .names import name_key, slug


class PersonMapping(Record):
    """One person: their id and organisation-level facts, matched to the pack by name."""

    id: Id
    name: str
    aliases: list[str] = Field(default_factory=list, description="other spellings in the pack, e.g. 'Josie Spencer'")
    role_group: Id | None = None
    cohort: Id | None = None
    roles: list[str] = Field(default_factory=list)
    voting: bool | None = None
    member: bool | None = Field(default=None, description="holds a seat on the body; default: listed in the matrix's Members block")
    member_from: UKDate | None = None
    member_to: UKDate | None = None
    member_voting: bool | None = None
    member_note: str | None = None


class BodyMapping(Record):
    id: Id = "board"
    name: str = "Board"
    kind: str = "board"
    meeting_prefix: str = "meeting"
    quorum_requirements: list[QuorumRequirement] = Field(default_factory=list)
    deputies_count: bool = False


class CommitteeMapping(Record):
    """A committee's id for the records of its reports; the pack names committees but gives no ids."""

    id: Id
    name: str = Field(description="the committee's name as a report or minute writes it (matched ignoring case, '&' for 'and', hyphens)")
    aliases: list[str] = Field(default_factory=list, description="other names it goes by in the pack")


class RiskMapping(Record):
    tolerance_is_target: bool = Field(default=False, description="the organisation sets each risk's tolerance at its target score")


class Mapping(Record):
    """The whole mapping file."""

    organisation: Organisation | None = None
    body: BodyMapping = Field(default_factory=BodyMapping)
    people: list[PersonMapping] = Field(default_factory=list)
    risks: RiskMapping = Field(default_factory=RiskMapping)
    committees: list[CommitteeMapping] = Field(default_factory=list, description="ids for the committees whose reports the pack holds")

    def find(self, name: str) -> PersonMapping | None:
        """The mapped person with this name: exact name or alias first, then first initial + surname."""
        wanted = " ".join(name.split()).lower()
        for person in self.people:
            if wanted in (n.lower() for n in [person.name, *person.aliases]):
                return person
        key = name_key(name)
        hits = [p for p in self.people if key in {name_key(n) for n in [p.name, *p.aliases]}]
        return hits[0] if len(hits) == 1 else None


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file, the field and the expected form."""


def load_mapping(path: Path | None) -> Mapping:
    """Read and validate a mapping file; no file means an empty mapping."""
    if path is None:
        return Mapping()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot be read as YAML: {str(exc).splitlines()[0]}") from None
    try:
        return Mapping.model_validate(doc)
    except ValidationError as exc:
        lines = [f"{path}: field '{'.'.join(str(p) for p in e['loc'])}': {e['msg']}" for e in exc.errors(include_url=False)]
        raise MappingError("\n".join(lines)) from None


# role text -> quorum role code; the first match wins, so specific titles come first
_ROLE_CODES = (
    (r"\bchair\b(?!.*committee)", "Chair"),
    (r"non-executive", "NED"),
    (r"chief executive officer|^chief executive$", "CEO"),
    (r"chief finance officer", "CFO"),
    (r"chief delivery officer", "CDO"),
    (r"chief transformation officer", "CTO"),
    (r"chief medical officer", "CMO"),
    (r"chief nursing", "CNTO"),
)


def suggest_person(name: str, role: str | None, organisation: str | None, section: str, own_org: str | None) -> dict[str, Any]:
    """A draft mapping entry guessed from the role text; the user must check it."""
    role_l, org_l = (role or "").lower(), (organisation or "").lower()
    own = not organisation or any(w in org_l for w in ("icb", "integrated care board")) or (own_org and own_org.lower() in org_l)
    entry: dict[str, Any] = {"id": slug(name), "name": name}
    codes = [code for pattern, code in _ROLE_CODES if re.search(pattern, role_l)]
    if section == "participant" or "participant" in role_l:
        entry.update(role_group="participant", voting=False)
    elif section not in ("members", "participant"):
        entry.update(role_group="attendee", voting=False, member=False)
    elif "Chair" in codes or "NED" in codes:
        entry.update(role_group="independent", roles=[c for c in codes if c in ("Chair", "NED")][:1])
    elif own and codes:
        entry.update(role_group="executive", roles=codes[:1])
    else:
        cohort = "primary_care" if "primary care" in role_l else "local_authorities" if "council" in org_l + role_l else "nhs_trusts"
        entry.update(role_group="partner", cohort=cohort)
    return entry
