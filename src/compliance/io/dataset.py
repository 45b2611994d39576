"""Load a data set directory: every register, every record, every problem.

Loading never stops at the first problem. It returns the valid records and the full list of
issues; the caller decides whether issues are fatal (exit 2) or become `error` findings
(``--keep-going``), so one bad row never hides the rest of the report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .. import cache
from ..model import REGISTERS, GovernanceData, Organisation
from ..model.base import SharedFieldsSet, referenced_register, share_fields_sets
from ..model.config import DatasetConfig
from .config import CONFIG_FILE, read_config
from .issues import DatasetError, LoadIssue
from .readers import STRUCTURED, TABULAR, organisation_key_lines, read_structured, read_table
from .tabular import missing_optional_columns, rows_to_records

# which registers may come as tables; the rest carry deep structure best written as YAML/JSON
TABLE_REGISTERS = {"people", "meetings", "declarations", "risks", "actions", "metrics", "standards", "duties",
                   # committee, agenda and minute records are flat: one row each
                   "agenda_items", "committee_reports", "committee_meetings", "committee_decisions",
                   "committee_escalations", "minuted_apologies", "minute_items", "minute_speakers", "minuted_actions"}


# registers whose every refers_to field is checked generically (the older ones have their own checks above)
RECORD_REGISTERS = ("agenda_items", "committee_reports", "committee_meetings", "committee_decisions",
                    "committee_escalations", "minuted_apologies", "minute_items", "minute_speakers", "minuted_actions")


def _references(record: BaseModel) -> list[tuple[str, str, str]]:
    """(field, id, register) for every id a record's refers_to fields hold (lists item by item)."""
    out = []
    for name, field in type(record).model_fields.items():
        target = referenced_register(field)
        value = getattr(record, name)
        if target is None or value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            out.append((name, item, target))
    return out


@dataclass
class LoadedDataset:
    """The valid part of a data set and every problem found in the rest."""

    path: Path
    data: GovernanceData
    issues: list[LoadIssue] = field(default_factory=list)
    locations: dict[tuple[str, str], str] = field(default_factory=dict)  # (register, id) -> "file:line"
    config: DatasetConfig | None = None  # compliance.yaml, when the data set has one

    @property
    def rule_params(self) -> dict[str, dict[str, Any]]:
        """organisation.yaml's rule_params with compliance.yaml's laid over them, parameter by parameter."""
        merged = {rid: dict(params) for rid, params in self.data.organisation.rule_params.items()}
        for rid, params in (self.config.rule_params if self.config else {}).items():
            merged[rid] = {**merged.get(rid, {}), **params}
        return merged
    # registers with a file in the data set; a file present but empty is "kept, no entries",
    # no file is "not supplied" and the rules that need it are not checked (engine/coverage.py)
    supplied: set[str] = field(default_factory=lambda: set(REGISTERS))
    # records left out (``--keep-going``), as written: register -> [raw fields]; the subjects that
    # depend on one become errors naming it, never a pass or fail (engine/coverage.py)
    dropped: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # problems that do not stop the load but that a reader must see (a table without an optional column)
    warnings: list[LoadIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


def _find(directory: Path, register: str, allowed: tuple[str, ...]) -> tuple[Path | None, list[LoadIssue]]:
    found = [p for p in sorted(directory.iterdir()) if p.stem == register and p.suffix.lower() in allowed]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        return None, [LoadIssue(found[0].name, "", "", f"register '{register}' is given by more than one file ({names}); keep one", register=register)]
    return (found[0] if found else None), []


def _format_loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _validation_issues(file: str, where: str, register: str, record_id: str, exc: ValidationError) -> list[LoadIssue]:
    issues = []
    for err in exc.errors(include_url=False):
        value = err.get("input")
        stray = err["type"] == "extra_forbidden" and value is None  # "(got None)" only confused; _hint explains
        shown = "" if err["type"] == "missing" or stray or isinstance(value, (dict, list)) else repr(value)
        issues.append(LoadIssue(file, where, _format_loc(err["loc"]), _hint(err), shown, register, record_id))
    return issues


def _hint(err: dict[str, Any]) -> str:
    """Pydantic's message, with what probably happened when YAML split a text value into a stray key.

    ``note: {text: late, see minutes}`` or ``- {id: a, note: late, see minutes}`` reads ``see minutes``
    as a key with no value; pydantic then reports only "Extra inputs are not permitted".
    """
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden" and err.get("input") is None:
        return (f"{msg}: a field '{err['loc'][-1]}' with no value - probably an unquoted comma or colon in a "
                "text value split it off; quote the text")
    return msg


def _validate(model: type[BaseModel], file: str, register: str, records: list[tuple[str, Any]],
              dropped: list[dict[str, Any]] | None = None) -> tuple[list[tuple[str, BaseModel]], list[LoadIssue]]:
    valid, issues = [], []
    dropped = [] if dropped is None else dropped
    shared: dict[tuple[type, frozenset[str]], SharedFieldsSet] = {}
    for where, raw in records:
        record_id = str(raw.get("id", raw.get("ref", ""))) if isinstance(raw, dict) else ""
        if not isinstance(raw, dict):
            issues.append(LoadIssue(file, where, "", f"expected a mapping of fields for one {register} record", repr(raw)[:60], register))
            continue
        try:
            valid.append((where, share_fields_sets(model.model_validate(raw), shared)))
        except ValidationError as exc:
            issues.extend(_validation_issues(file, where, register, record_id, exc))
            dropped.append(raw)
    return valid, issues


def load_dataset(path: str | Path, *, strict: bool = True) -> LoadedDataset:
    """Load a data set directory. With ``strict`` any issue raises DatasetError listing all of them.

    A data set loaded before without a problem, whose files hold the same bytes, comes from the
    cache (``compliance.cache``): the same records, locations, configuration and warnings.
    """
    entry = _cache_entry(Path(path), strict)
    if entry is not None:
        cached = cache.load(entry)
        if isinstance(cached, LoadedDataset):
            return cached
    loaded = _load_dataset(Path(path), strict)
    if entry is not None and not loaded.issues and not cache.transient([Path(path)]):  # a problem is reported afresh each time
        cache.store(entry, loaded)
    return loaded


def _cache_entry(directory: Path, strict: bool) -> str | None:
    """The cache entry of a data set: its path as given, the mode, the name of every entry of the
    directory (the load looks no deeper, and chooses files by name) and the bytes of each file it
    may read (a register's, organisation's or compliance.yaml's, by stem: other files, such as
    the board pack itself, are not read to load it); None when the cache is off or the directory
    cannot be read (the load then says why)."""
    if not cache.enabled():
        return None
    read = {*REGISTERS, "organisation", Path(CONFIG_FILE).stem}
    try:
        parts: list[str | bytes] = [str(directory), str(strict)]
        for entry in sorted(directory.iterdir()):
            parts.append(entry.name)
            parts.append(entry.read_bytes() if entry.stem in read and entry.is_file() else
                         "(file, not read)" if entry.is_file() else "(not a file)")
        return cache.key("dataset", parts)
    except OSError:
        return None


def _load_dataset(directory: Path, strict: bool) -> LoadedDataset:
    """``load_dataset`` without the cache."""
    if not directory.is_dir():
        raise DatasetError([LoadIssue(str(directory), "", "", "is not a directory; expected a data set directory (see docs/dataset-format.md)")])
    issues: list[LoadIssue] = []
    org_path, found_issues = _find(directory, "organisation", STRUCTURED)
    issues += found_issues
    organisation = None
    if org_path is None and not found_issues:
        issues.append(LoadIssue("organisation.yaml", "", "", "is missing; every data set needs one (name, financial year, role groups)", register="organisation"))
    elif org_path is not None:
        doc, read_issues = read_structured(org_path, "organisation")
        issues += read_issues
        if doc is not None:
            valid, v_issues = _validate(Organisation, org_path.name, "organisation", [("", doc)])
            key_line = organisation_key_lines(org_path)
            issues += [replace(i, location=f"line {key_line[i.field.split('.')[0]]}") if i.field.split(".")[0] in key_line else i
                       for i in v_issues]
            organisation = valid[0][1] if valid else None

    registers: dict[str, list[BaseModel]] = {}
    unchecked: dict[str, tuple[str, set[str]]] = {}
    locations: dict[tuple[str, str], str] = {}
    files: dict[str, str] = {}
    dropped: dict[str, list[dict[str, Any]]] = {}
    warnings: list[LoadIssue] = []
    for register, model in REGISTERS.items():
        allowed = STRUCTURED + (TABULAR if register in TABLE_REGISTERS else ())
        file_path, found_issues = _find(directory, register, allowed)
        issues += found_issues
        registers[register] = []
        if file_path is None:
            wrong = [p.name for p in directory.iterdir() if p.stem == register and p.suffix.lower() in TABULAR]
            if wrong:
                issues.append(LoadIssue(wrong[0], "", "", f"register '{register}' cannot be a table; write it as YAML or JSON", register=register))
            continue
        files[register] = file_path.name
        if file_path.suffix.lower() in TABULAR:
            header, rows, read_issues = read_table(file_path, register)
            records, shape_issues = rows_to_records(register, model, file_path.name, header, rows)
            if header:
                warnings += missing_optional_columns(register, model, file_path.name, header)
            issues += read_issues + shape_issues
        else:
            raw, read_issues = read_structured(file_path, register)
            issues += read_issues
            if raw is None and read_issues:
                unchecked[register] = (register, {"*"})  # the file did not load: references to it are not checkable
            records = [(r.location, r.data) for r in raw] if isinstance(raw, list) else []
        valid, v_issues = _validate(model, file_path.name, register, records, dropped.setdefault(register, []))
        issues += v_issues
        for where, record in valid:
            key = getattr(record, "id", None) or getattr(record, "ref", None) or getattr(record, "key", "")
            locations.setdefault((register, str(key)), f"{file_path.name}:{where}")
        registers[register] = [record for _, record in valid]

    if organisation is None:
        organisation = Organisation(name="(organisation not loaded)")
    data = GovernanceData(organisation=organisation, **registers)
    # Dropping a record can leave others pointing at it (a bad person -> the body listing them ->
    # that body's meetings -> their papers), so check again until nothing more is dropped.
    while True:
        before = data
        unchecked_before = sum(len(ids) for _, ids in unchecked.values())
        ref_issues, data = _check_references(data, files, locations, unchecked)
        issues += ref_issues
        if not ref_issues and sum(len(ids) for _, ids in unchecked.values()) == unchecked_before:
            break
        for register in REGISTERS:  # what the reference check left out, as the rules would read it
            kept = {id(r) for r in getattr(data, register)}
            dropped.setdefault(register, []).extend(r.model_dump(mode="json") for r in getattr(before, register) if id(r) not in kept)
    for root in sorted({root for root, _ in unchecked.values()}):
        count = sum(len(ids) for register, (r, ids) in unchecked.items() if r == root and register != root)
        if count:
            issues.append(LoadIssue(files[root], "", "", f"{count} records that refer to {files[root]} were not checked "
                                    "(it did not load; fix the problem reported for it first)", register=root))
    try:
        config = read_config(directory)
    except DatasetError as exc:
        config, issues = None, issues + exc.issues
    # a register whose file did not load at all counts as not supplied (--keep-going): its rules are
    # not checked rather than run against an empty register
    unreadable = {register for register, (root, ids) in unchecked.items() if register == root and "*" in ids}
    loaded = LoadedDataset(directory, data, sorted(set(issues)), locations, config=config, supplied=set(files) - unreadable,
                           dropped={r: d for r, d in dropped.items() if d}, warnings=warnings)
    if strict and loaded.issues:
        raise DatasetError(loaded.issues)
    return loaded


def _check_references(data: GovernanceData, files: dict[str, str], locations: dict[tuple[str, str], str],
                      unchecked: dict[str, tuple[str, set[str]]] | None = None) -> tuple[list[LoadIssue], GovernanceData]:
    """Duplicate ids and references to unknown records; offending records are dropped.

    ``unchecked`` maps a register whose file failed to load to ``(itself, {"*"})``, and a register with
    records dropped because of such a failure to ``(that root, their ids)``. A reference into them is
    not a dangling reference but a record that could not be checked: it is added to ``unchecked``
    (updated in place across the caller's passes) instead of being reported, so one bad byte in
    people.yaml is reported once, not once per record that names a person.
    """
    issues: list[LoadIssue] = []
    drop: dict[str, set[int]] = {r: set() for r in REGISTERS}
    unchecked = {} if unchecked is None else unchecked

    def issue(register: str, record_id: str, field: str, message: str, value: str = "", target: str = "") -> None:
        root, ids = unchecked.get(target, ("", set()))
        if target and ("*" in ids or value.strip("'\"") in ids):
            unchecked.setdefault(register, (root, set()))[1].add(record_id)
            return
        where = locations.get((register, record_id), files.get(register, register))
        file, _, loc = where.partition(":")
        issues.append(LoadIssue(file, loc, field, message, value, register, record_id))

    for register in ("people", "bodies", "meetings", "declarations", "risks", "papers", "metrics", "standards", "duties",
                     *RECORD_REGISTERS):
        counts = Counter(r.id for r in getattr(data, register))
        seen: set[str] = set()
        for index, record in enumerate(getattr(data, register)):
            if counts[record.id] > 1:
                if record.id in seen:
                    drop[register].add(index)
                    issue(register, record.id, "id", f"duplicate id; ids must be unique within {register}", repr(record.id))
                seen.add(record.id)

    people = {p.id for p in data.people}
    bodies = {b.id for b in data.bodies}
    meetings = {m.id for m in data.meetings}
    groups = {g.id: g for g in data.organisation.role_groups}
    known_people = ", e.g. " + ", ".join(sorted(people)[:3]) if people else ""

    for i, person in enumerate(data.people):
        if person.role_group and groups and person.role_group not in groups:
            drop["people"].add(i)
            issue("people", person.id, "role_group", f"unknown role group; expected one of: {', '.join(sorted(groups))}", repr(person.role_group))
        elif person.cohort and person.role_group in groups and person.cohort not in groups[person.role_group].cohorts:
            drop["people"].add(i)
            issue("people", person.id, "cohort", f"unknown cohort of '{person.role_group}'; expected one of: {', '.join(groups[person.role_group].cohorts) or '(none defined)'}", repr(person.cohort))
    for i, body in enumerate(data.bodies):
        for j, member in enumerate(body.members):
            if member.person not in people:
                drop["bodies"].add(i)
                issue("bodies", body.id, f"members.{j}.person", f"unknown person id; expected an id from people{known_people}", repr(member.person), "people")
        for j, req in enumerate(body.quorum.requirements if body.quorum else []):
            for g in req.role_groups:
                if groups and g not in groups:
                    drop["bodies"].add(i)
                    issue("bodies", body.id, f"quorum.requirements.{j}.role_groups", f"unknown role group; expected one of: {', '.join(sorted(groups))}", repr(g))
    for i, meeting in enumerate(data.meetings):
        if meeting.body not in bodies:
            drop["meetings"].add(i)
            issue("meetings", meeting.id, "body", f"unknown body id; expected one of: {', '.join(sorted(bodies)) or '(no bodies loaded)'}", repr(meeting.body), "bodies")
        for j, att in enumerate(meeting.attendance):
            if att.person not in people:
                drop["meetings"].add(i)
                issue("meetings", meeting.id, f"attendance.{j}.person", f"unknown person id; expected an id from people{known_people}", repr(att.person), "people")
    for i, decl in enumerate(data.declarations):
        if decl.person not in people:
            drop["declarations"].add(i)
            issue("declarations", decl.id, "person", f"unknown person id; expected an id from people{known_people}", repr(decl.person), "people")
    for i, paper in enumerate(data.papers):
        if paper.meeting and paper.meeting not in meetings:
            drop["papers"].add(i)
            issue("papers", paper.id, "meeting", "unknown meeting id; expected an id from meetings", repr(paper.meeting), "meetings")
    standards = {s.id for s in data.standards}
    for i, metric in enumerate(data.metrics):
        if metric.against and metric.against not in standards:
            drop["metrics"].add(i)
            issue("metrics", metric.id, "against", "unknown standard id; expected an id from standards", repr(metric.against), "standards")

    for register in RECORD_REGISTERS:
        for i, record in enumerate(getattr(data, register)):
            for name, value, target in _references(record):
                if value not in {r.id for r in getattr(data, target)}:
                    drop[register].add(i)
                    issue(register, record.id, name, f"unknown {target} id; expected an id from {target}", repr(value), target)

    for i, waiver in enumerate(data.waivers):
        earlier = next((w for w in data.waivers[:i] if w.overlaps(waiver)), None)
        if earlier is not None:
            drop["waivers"].add(i)
            issue("waivers", waiver.key, "valid_from", f"overlaps waiver {earlier.key} for the same rule and subject; expected one waiver in force at a time (end the first before the second starts)",
                  f"{waiver.valid_from.isoformat()}..{waiver.expires.isoformat()}")
    if any(drop.values()):
        kept = {r: [rec for k, rec in enumerate(getattr(data, r)) if k not in drop[r]] for r in REGISTERS}
        data = GovernanceData(organisation=data.organisation, **kept)
    return issues, data
