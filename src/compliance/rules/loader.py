"""Load rule files and validate them against the schema and the subject kinds' fact fields."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import pickle
import string
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from .. import cache
from ..facts.kinds import kind_fields, subject_kinds
from ..io.text import TextFileError, read_text
from ..io.yamlsafe import parse_yaml, yaml_error
from . import limits
from .conditions import (
    COMPUTED, AsOf, Condition, ConditionError, CountOf, Meets, PartialDateTest, count_of_values, counted_leaves, DateValue, FieldRef, Param, Relation, SubjectRef, TextTest, is_computed,
    fields_of, params_of, reads, to_nnf, walk, walk_deep,
)
from .parse_conditions import check_pattern, ratio_problems
from .packs import PACK_FILE, PROFILES_FILE, PackError, resolve, shipped_packs, with_extended
from .functions import Derived, FunctionError, compile_expr
from .schema import Rule, param_type, param_value_problem


@dataclass(frozen=True, order=True)
class RuleIssue:
    """A problem in a rule file: the file, the rule id (when known) and what is wrong."""

    file: str
    rule_id: str
    message: str

    def __str__(self) -> str:
        rid = f" rule {self.rule_id}:" if self.rule_id else ""
        return f"{self.file}:{rid} {self.message}"


class RuleSetError(Exception):
    def __init__(self, issues: list[RuleIssue]):
        self.issues = sorted(set(issues))  # a pack reached by several routes reports its problem once
        super().__init__(f"{len(self.issues)} problem(s) in the rules")


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    digest: str = ""
    derived: list[Derived] = field(default_factory=list)

    def by_id(self, rule_id: str) -> Rule | None:
        """The rule with this id, or the one that formerly had it."""
        rule_id = self.renamed().get(rule_id, rule_id)
        return next((r for r in self.rules if r.id == rule_id), None)

    def renamed(self) -> dict[str, str]:
        """Former id -> current id, from the rules' ``formerly:`` lists."""
        return renamed_ids(self.rules)


def renamed_ids(rules: list[Rule]) -> dict[str, str]:
    """Former id -> current id, from the rules' ``formerly:`` lists (waivers and baselines use it)."""
    return {old: r.id for r in rules for old in r.formerly}


def rule_files(paths: list[Path]) -> list[Path]:
    """YAML rule files under the given files/directories, skipping test-case folders and pack manifests."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(p for p in sorted(path.rglob("*.y*ml")) if "tests" not in p.relative_to(path).parts and not p.is_dir()
                       and p.name not in (PACK_FILE, PROFILES_FILE.name))
        else:
            out.append(path)
    return out


def load_rules(paths: list[str | Path] | str | Path) -> RuleSet:
    """Load and validate every rule; raise RuleSetError listing every problem found.

    A rule set loaded before from the same files (the same bytes) comes from the cache
    (``compliance.cache``) instead: the same rules, derived values and digest.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    issues: list[RuleIssue] = []
    found: list[Path] = []
    for spec in paths:
        path = resolve(spec)
        if path is None:
            known = ", ".join(shipped_packs()) or "none"
            issues.append(RuleIssue(str(spec), "", f"does not exist; expected a rule file, a directory of them or a shipped pack ({known})"))
        else:
            found.append(path)
    try:
        found = with_extended(found)
    except PackError as exc:
        issues.extend(RuleIssue(f, "", m) for f, m in exc.problems)
    files = _once(rule_files(found))
    if not files and not issues:
        issues.append(RuleIssue(", ".join(map(str, paths)), "", "holds no rule files (*.yaml)"))
    entry = _cache_entry(files) if not issues else None
    cached = _from_cache(entry) if entry else None
    if cached is not None:
        return cached
    loaded: list[Rule] = []
    raw_derived: list[tuple[Path, int, Any]] = []
    seen: dict[str, str] = {}
    for file in files:
        for item in _load_file(file):
            if isinstance(item, RuleIssue):
                issues.append(item)
            elif isinstance(item, tuple):
                raw_derived.append(item)
            elif item.id in seen:
                issues.append(RuleIssue(str(file), item.id, f"duplicate rule id (first defined in {seen[item.id]})"))
            else:
                seen[item.id] = str(file)
                loaded.append(item)
    for rule in loaded:
        for old in rule.formerly:
            if old in seen:
                issues.append(RuleIssue(rule.source_file, rule.id, f"formerly: {old!r} is the id of a rule defined in {seen[old]}"))
            seen.setdefault(old, rule.source_file)
    derived = _load_derived(raw_derived, issues)
    rules: list[Rule] = []
    for rule in loaded:
        problems = check_rule(rule, derived)
        issues.extend(RuleIssue(rule.source_file, rule.id, m) for m in problems)
        if not problems:
            rule._derived = derived
            rules.append(rule)
    if issues:
        raise RuleSetError(issues)
    rules.sort(key=lambda r: r.id)
    ruleset = RuleSet(rules, digest_rules(rules, derived), derived)
    if entry and not cache.transient(files):
        _to_cache(entry, ruleset, raw_derived)
    return ruleset


def _cache_entry(files: list[Path]) -> str | None:
    """The cache entry of a rule set read from these files: their paths as given (they appear in
    messages) and their bytes; None when the cache is off or a file cannot be read (the normal
    load then reports it)."""
    if not cache.enabled():
        return None
    try:
        return cache.key("rules", [part for f in files for part in (str(f), f.read_bytes())])
    except OSError:
        return None


def _to_cache(entry: str, ruleset: RuleSet, raw_derived: list[tuple[Path, int, Any]]) -> None:
    """Store a rule set. Two things it depends on live outside it: its derived values hold compiled
    functions, which do not pickle, so they are stored as written and compiled again on load; and
    its conditions name computed fields (``~t...``) whose specs are registered in ``COMPUTED`` as
    the rules are parsed, so every spec a stored name reaches is stored after the rule set."""
    position = {id(d): i for i, d in enumerate(ruleset.derived)}
    names: set[str] = set()

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if type(obj) is str:
                if is_computed(obj) and obj in COMPUTED:
                    names.add(obj)
                return None
            if obj is ruleset.derived:
                return "derived"
            return ("derived", position[id(obj)]) if isinstance(obj, Derived) else None

    buffer = io.BytesIO()
    try:
        pickler = Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dump(ruleset)
        stored: set[str] = set()
        while names - stored:  # a relation's spec names the computed fields of its where: follow them
            batch = sorted(names - stored)
            stored.update(batch)
            pickler.dump({name: COMPUTED[name] for name in batch})
    except Exception:  # noqa: BLE001 - a rule set that does not pickle is simply not cached
        return
    cache.store(entry, (raw_derived, buffer.getvalue()))


def _from_cache(entry: str) -> RuleSet | None:
    """The rule set stored under ``entry`` (``_to_cache``), or None: a miss when it is not there,
    is unreadable, or its derived values no longer compile."""
    stored = cache.load(entry)
    try:
        raw_derived, blob = stored
        issues: list[RuleIssue] = []
        derived = _load_derived(raw_derived, issues)
        if issues:
            return None

        class Unpickler(pickle.Unpickler):
            def persistent_load(self, pid):
                return derived if pid == "derived" else derived[pid[1]]

        stream = io.BytesIO(blob)
        unpickler = Unpickler(stream)
        specs: dict[str, Any] = {}
        with cache.unpickling():
            ruleset = unpickler.load()
            while stream.tell() < len(blob):
                specs.update(unpickler.load())
    except Exception:  # noqa: BLE001 - a corrupt or foreign entry is a miss
        return None
    if not isinstance(ruleset, RuleSet):
        return None
    for name, spec in specs.items():  # names are digests of their spec: one already there is the same
        COMPUTED.setdefault(name, spec)
    return ruleset


def _once(files: list[Path]) -> list[Path]:
    """The files in order, each once (a pack both named and extended loads once)."""
    seen: set[Path] = set()
    return [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]


def fields_needed(rules: list[Rule]) -> dict[str, set[str]]:
    """The fields each kind's facts must carry for these rules: conditions, relations' related
    kinds, messages and the inputs of the derived values they use (the facts' record fields are
    read only where a rule needs them)."""
    out: dict[str, set[str]] = {}
    for rule in rules:
        for cond in (rule.when_condition, rule.require_condition):
            for kind, names in reads(cond, rule.applies_to).items():
                out.setdefault(kind, set()).update(names)
        out.setdefault(rule.applies_to, set()).update(*(template_names(t) for t in rule.templates))
        for item in rule._derived:
            out.setdefault(item.kind, set()).update(item.inputs)
    return out


def _load_derived(raw: list[tuple[Path, int, Any]], issues: list[RuleIssue]) -> list[Derived]:
    """The rule files' ``derived:`` values, checked against their kind's fields (and earlier ones)."""
    out: list[Derived] = []
    for file, index, item in raw:
        where = f"derived[{index}]"
        if not isinstance(item, dict) or not {"name", "kind", "expr"} <= set(item) or set(item) - {"name", "kind", "expr", "description"}:
            issues.append(RuleIssue(str(file), "", f"{where}: expected name, kind, expr and description; got {item!r}"))
            continue
        name, kind = item["name"], item["kind"]
        if kind not in subject_kinds():
            issues.append(RuleIssue(str(file), "", f"{where}: unknown subject kind '{kind}'; expected one of {', '.join(subject_kinds())}"))
            continue
        if not isinstance(name, str) or not name.isidentifier() or name in kind_fields(kind) or any(
                d.name == name and d.kind == kind for d in out):
            issues.append(RuleIssue(str(file), "", f"{where}: name {name!r} must be a new identifier for kind '{kind}' "
                                    "(not one of its fields or another derived value)"))
            continue
        if not str(item.get("description", "")).strip():
            issues.append(RuleIssue(str(file), "", f"{where} ({name}): a derived value needs a description"))
            continue
        try:
            value, vtype, inputs = compile_expr(item["expr"], f"{where} ({name}).expr",
                                                lambda n, k=kind: field_type_of(k, n, out))
        except FunctionError as exc:
            issues.append(RuleIssue(str(file), "", str(exc)))
            continue
        out.append(Derived(name, kind, item["expr"], str(item["description"]), str(file), value, vtype, frozenset(inputs)))
    return out


def field_type_of(kind: str, name: str, derived: list[Derived]) -> str | None:
    """The type of a field a rule reads on ``kind`` (record, derived, pack-derived or computed), or None."""
    spec = kind_fields(kind).get(name)
    if spec is not None:
        return spec.type
    item = next((d for d in derived if d.kind == kind and d.name == name), None)
    if item is not None:
        return item.type
    computed = COMPUTED.get(name) if is_computed(name) else None
    if isinstance(computed, (TextTest, Meets, PartialDateTest)):
        return "bool"
    if isinstance(computed, CountOf):
        return "number"
    if isinstance(computed, Relation):
        if computed.quantity in ("exists", "every"):
            return "bool"
        if computed.quantity == "count":
            return "int"
        return field_type_of(kind if computed.each else computed.kind, computed.of or "", derived)
    return None


def digest_rules(rules: list[Rule], derived: list[Derived] | None = None) -> str:
    """A stable digest of the rules' content (and the derived values they read), recorded in every report."""
    payload = json.dumps([[r.model_dump(mode="json") for r in sorted(rules, key=lambda r: r.id)],
                          [(d.name, d.kind, d.expr) for d in derived or []]], sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def _load_file(file: Path):
    try:
        doc, _, yaml_problems = parse_yaml(read_text(file))
    except TextFileError as exc:
        yield RuleIssue(str(file), "", f"{exc.location + ': ' if exc.location else ''}{exc}")
        return
    except yaml_error() as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        yield RuleIssue(str(file), "", f"is not valid YAML{where}: {getattr(exc, 'problem', exc)}")
        return
    if yaml_problems:
        yield from (RuleIssue(str(file), "", f"{p.location + ': ' if p.location else ''}{p}") for p in yaml_problems)
        return
    if isinstance(doc, dict) and ("rules" in doc or "derived" in doc):
        defaults = {k: v for k, v in doc.items() if k not in ("rules", "derived")}
        items = doc.get("rules", [])
        derived = doc.get("derived", [])
        if not isinstance(derived, list):
            yield RuleIssue(str(file), "", "derived: expected a list of {name, kind, expr, description}")
            return
        for index, item in enumerate(derived):
            yield (file, index, item)
    else:
        defaults, items = {}, doc
    unknown_defaults = set(defaults) - {"family", "tags", "references", "requires"}
    if unknown_defaults:
        yield RuleIssue(str(file), "", f"unknown top-level key(s) {sorted(unknown_defaults)}; expected 'rules', "
                        "'derived' and optionally family, tags, references, requires")
        return
    if limits.defaults_problems(defaults):
        yield from (RuleIssue(str(file), "", m) for m in limits.defaults_problems(defaults))
        return
    if not isinstance(items, list):
        yield RuleIssue(str(file), "", "expected a list of rules (at top level or under 'rules:')")
        return
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            yield RuleIssue(str(file), f"#{index + 1}", "expected a mapping describing one rule")
            continue
        merged = {**{k: v for k, v in defaults.items() if k != "references"}, **raw}
        if "references" in defaults:
            merged["references"] = list(defaults["references"]) + list(raw.get("references", []))
        rid = str(raw.get("id", f"#{index + 1}"))
        if limits.rule_problems(raw):
            yield from (RuleIssue(str(file), rid, m) for m in limits.rule_problems(raw))
            continue
        try:
            rule = Rule.model_validate(merged)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = ".".join(str(p) for p in err["loc"]) or "rule"
                yield RuleIssue(str(file), rid, f"{loc}: {err['msg'].removeprefix('Value error, ')}")
            continue
        rule.source_file = str(file)
        yield rule


def check_rule(rule: Rule, derived: list[Derived] | None = None) -> list[str]:
    """Semantic checks: known subject kind, known fields, known params, compatible types."""
    derived = derived or []
    problems: list[str] = []
    kind = rule.applies_to
    if kind not in subject_kinds():
        return [f"applies_to: unknown subject kind '{kind}'; expected one of {', '.join(subject_kinds())}"]
    for part, cond in (("when", rule.when_condition), ("require", rule.require_condition)):
        if cond is None:
            continue
        found: list[str] = []
        _check_condition(cond, kind, None, derived, found)
        problems.extend(f"{part}: {p}" for p in found)
        for name in sorted(params_of(cond) - set(rule.params)):
            problems.append(f"{part}: unknown param '{name}'; declare it under params")
        try:
            to_nnf(cond)
            to_nnf(cond, negate=True)
        except ConditionError as exc:
            problems.append(f"{part}: {exc}")
        if not problems:
            problems.extend(f"{part}: {p}" for p in _type_problems(rule, kind, cond, derived))
    for name, op in pattern_params(rule).items():
        if name in rule.params:
            problems.extend(pattern_param_problems(op, rule.params[name], f"params.{name}"))
    for name, key in offset_params(rule).items():
        if name in rule.params:
            problems.extend(limits.offset_param_problems(key, rule.params[name], f"params.{name}"))
    for name, key in ratio_params(rule).items():
        if name in rule.params:
            problems.extend(_ratio_param_problems(key, rule.params[name], f"params.{name}"))
    known = set(kind_fields(kind)) | {d.name for d in derived if d.kind == kind}
    for name in set().union(*(template_names(t) for t in rule.templates)):
        if name not in known and name not in rule.params and name not in {"subject", "outcome"}:
            problems.append(f"message: unknown placeholder '{{{name}}}'; use a field of '{kind}' or a param")
    read = fields_of(rule.when_condition) | fields_of(rule.require_condition)
    for name in sorted(set(rule.error_messages) - read):
        problems.append(f"error_messages: '{name}' is not a field the rule's when or require reads; "
                        f"expected one of {', '.join(sorted(read))}")
    return problems


def pattern_params(rule: Rule) -> dict[str, str]:
    """Parameters a rule's text predicates take their pattern or list from: name -> operator."""
    specs = (COMPUTED.get(leaf.field) for leaf in walk_deep(rule.when_condition, rule.require_condition) if is_computed(leaf.field))
    return {spec.pattern.name: spec.op for spec in specs if isinstance(spec, TextTest) and isinstance(spec.pattern, Param)}


def offset_params(rule: Rule) -> dict[str, str]:
    """Parameters a rule uses as an ``as_of`` offset (``{as_of: {minus_days: {param: n}}}``): name -> offset key."""
    return {leaf.value.amount.name: leaf.value.key for leaf in walk_deep(rule.when_condition, rule.require_condition)
            if isinstance(leaf.value, AsOf) and isinstance(leaf.value.amount, Param)}


def ratio_params(rule: Rule) -> dict[str, str]:
    """Parameters a rule's ``count_of`` takes its ``times`` or ``per`` from: name -> which."""
    out = {}
    for leaf in walk_deep(rule.when_condition, rule.require_condition):
        for _, spec in count_of_values(leaf):
            out.update({p.name: key for key, p in (("times", spec.times), ("per", spec.per)) if isinstance(p, Param)})
    return out


def _ratio_param_problems(key: str, value: Any, where: str) -> list[str]:
    return ratio_problems(value, 1, where) if key == "times" else ratio_problems(0, value, where)


def pattern_param_problems(op: str, value: Any, where: str) -> list[str]:
    """A text predicate's parameter must be a valid regular expression (matches) or texts (the others)."""
    if op == "matches":
        if not isinstance(value, str):
            return [f"{where}: got {value!r}; expected a regular expression (text)"]
        try:
            check_pattern(value, False, where)
        except ConditionError as exc:
            return [str(exc)]
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        return [f"{where}: got {value!r}; expected a text or a non-empty list of texts"]
    return []


def _unknown_field(name: str, kind: str) -> str:
    near = sorted(f for f in kind_fields(kind) if name.split(".")[-1] in f)[:8]
    hint = f"; did you mean {', '.join(near)}?" if near else f"; `compliance rules fields {kind}` lists them"
    return f"unknown field '{name}' for subject kind '{kind}'{hint}"


def _list_of(kind: str, name: str) -> str | None:
    """The list field (of records) whose entries ``name`` is a field of, if any."""
    fields = kind_fields(kind)
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:i])
        if fields.get(head + "[]") is not None and fields[head + "[]"].type == "entries" and name != head + ".count":
            return head
    return None


def _check_entries(names: list[str], kind: str, within: str | None, out: list[str]) -> None:
    """A list (``x[]``) is read only by ``each:`` or a relation's ``on:``; an entry's field only inside ``each:``."""
    for name in names:
        if name.endswith("[]"):
            out.append(f"{name}: a list is read with 'each: {name[:-2]}' or as a relation's on: key")
            continue
        owner = _list_of(kind, name)
        if owner is not None and not (within and (owner == within or owner.startswith(within + "."))):
            out.append(f"{name}: a field of each entry of {owner}; read it inside {{each: {owner}, ...}}")


def _check_condition(cond: Condition, kind: str, subject: str | None, derived: list[Derived], out: list[str],
                     within: str | None = None) -> None:
    """Every field a condition names exists on its kind; relations and their keys are sound.

    ``within``: inside ``each: L``, the list L whose entries' fields may be read."""
    for leaf in walk(cond):
        spec = COMPUTED.get(leaf.field) if is_computed(leaf.field) else None
        names = []
        if isinstance(spec, TextTest):
            names.append(spec.field)
            ftype = field_type_of(kind, spec.field, derived)
            if ftype not in (None, "str"):
                out.append(f"{spec.field}: a text operator needs a text field; '{spec.field}' is {ftype}")
            if isinstance(spec.pattern, FieldRef):
                names.append(spec.pattern.name)
                otype = field_type_of(kind, spec.pattern.name, derived)
                if otype not in (None, "str"):
                    out.append(f"{spec.field}: {{field: {spec.pattern.name}}}: a text operand needs a text field; "
                               f"'{spec.pattern.name}' is {otype}")
            elif isinstance(spec.pattern, SubjectRef):
                otype = field_type_of(subject, spec.pattern.name, derived) if subject else None
                if subject is None or otype is None:
                    out.append(f"{spec.field}: {{subject: {spec.pattern.name}}}: " + (_unknown_field(spec.pattern.name, subject) if subject else "used outside a relation"))
                elif otype != "str":
                    out.append(f"{spec.field}: {{subject: {spec.pattern.name}}}: a text operand needs a text field; "
                               f"'{spec.pattern.name}' is {otype}")
        elif isinstance(spec, PartialDateTest):
            names.append(spec.field)
            if field_type_of(kind, spec.field, derived) not in (None, "str", "day"):
                out.append(f"{spec.field}: partial_date reads a date written as text (YYYY, YYYY-MM, YYYY-MM-DD) "
                           f"or a date field; '{spec.field}' is {field_type_of(kind, spec.field, derived)}")
            if isinstance(spec.value, FieldRef):
                names.append(spec.value.name)
                if field_type_of(kind, spec.value.name, derived) not in (None, "day"):
                    out.append(f"{spec.field}: partial_date is compared with a date field; '{spec.value.name}' is "
                               f"{field_type_of(kind, spec.value.name, derived)}")
        elif isinstance(spec, Meets):
            operands = [spec.value, spec.comparison, spec.threshold]
            names.extend(v.name for v in operands if isinstance(v, FieldRef))
            for v in operands:
                if isinstance(v, SubjectRef) and (subject is None or field_type_of(subject, v.name, derived) is None):
                    out.append(f"meets: {{subject: {v.name}}}: " + (_unknown_field(v.name, subject) if subject else "used outside a relation"))
        elif isinstance(spec, Relation) and spec.each:
            if kind_fields(kind).get(spec.kind + "[]") is None or kind_fields(kind)[spec.kind + "[]"].type != "entries":
                lists = sorted(n[:-2] for n, f in kind_fields(kind).items() if n.endswith("[]") and f.type == "entries")
                out.append(f"each: '{spec.kind}' is not a list of records of subject kind '{kind}'; "
                           f"expected one of {', '.join(lists) or '(none)'}")
                continue
            if spec.of:
                if field_type_of(kind, spec.of, derived) is None or _list_of(kind, spec.of) != spec.kind:
                    out.append(f"each {spec.kind}: {spec.quantity}: '{spec.of}' is not a field of its entries")
            for inner in (spec.where, spec.every):
                if inner is not None:
                    _check_condition(inner, kind, kind, derived, out, spec.kind)
        elif isinstance(spec, Relation):
            if spec.kind not in subject_kinds():
                out.append(f"related: unknown subject kind '{spec.kind}'; expected one of {', '.join(subject_kinds())}")
                continue
            for theirs, mine in spec.on:
                if mine.endswith("[]"):  # a list of plain values: the join matches any entry
                    if field_type_of(kind, mine, derived) is None or not field_type_of(kind, mine, derived).startswith("list["):
                        out.append(f"related {spec.kind}: on: '{mine}' is not a list of plain values of '{kind}'")
                else:
                    names.append(mine)
                if field_type_of(spec.kind, theirs, derived) is None:
                    out.append(f"related {spec.kind}: on: {_unknown_field(theirs, spec.kind)}")
            if spec.of and field_type_of(spec.kind, spec.of, derived) is None:
                out.append(f"related {spec.kind}: {spec.quantity}: {_unknown_field(spec.of, spec.kind)}")
            for inner in (spec.where, spec.every):
                if inner is not None:
                    _check_condition(inner, spec.kind, kind, derived, out)
        else:
            names.append(leaf.field)
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        names.extend(v.name for v in values if isinstance(v, FieldRef))
        for counted in counted_leaves(leaf):
            _check_condition(counted, kind, subject, derived, out, within)
            if field_type_of(kind, leaf.field, derived) != "int":
                shown = spec.describe() if spec is not None else leaf.field
                out.append(f"{shown}: count_of is compared with a count or a whole-number field, "
                           f"not a {field_type_of(kind, leaf.field, derived)} field")
        for name in names:
            if field_type_of(kind, name, derived) is None:
                out.append(_unknown_field(name, kind))
        _check_entries(names, kind, within, out)
        for v in values:
            if isinstance(v, SubjectRef) and (subject is None or field_type_of(subject, v.name, derived) is None):
                out.append(f"{{subject: {v.name}}}: " + (_unknown_field(v.name, subject) if subject else "used outside a relation"))


def check_overrides(rules: list[Rule], overrides: dict[str, Any], file: str = "organisation.yaml") -> list[str]:
    """Problems with a data set's ``rule_params``: unknown rule or param, wrong type, out of range.

    As yamllint checks a rule's options against its declaration: a misspelt name must not be
    ignored, and a value of the wrong type must not silently change what a rule checks.
    """
    by_id = {r.id: r for r in rules}
    problems = []
    if not isinstance(overrides, dict):
        return [f"{file}: rule_params: expected a mapping of rule id to parameters, got {overrides!r}"]
    for rule_id, params in sorted(overrides.items(), key=lambda kv: str(kv[0])):
        rule = by_id.get(rule_id)
        if rule is None:
            near = [r for r in by_id if str(rule_id).split(".")[-1] in r][:3]
            problems.append(f"{file}: rule_params: unknown rule id '{rule_id}'" + (f"; did you mean {', '.join(near)}?" if near else ""))
            continue
        if not isinstance(params, dict):
            problems.append(f"{file}: rule_params.{rule_id}: expected a mapping of parameter to value, got {params!r}")
            continue
        patterns, offsets, ratios = pattern_params(rule), offset_params(rule), ratio_params(rule)
        for name, value in sorted(params.items(), key=lambda kv: str(kv[0])):
            where = f"{file}: rule_params.{rule_id}.{name}"
            if name not in rule.params:
                declared = ", ".join(sorted(rule.params)) or "none"
                problems.append(f"{where}: unknown parameter; the rule declares {declared}")
                continue
            expected = param_type(rule.params[name])
            if param_type(value) != expected and not (isinstance(rule.params[name], list) and isinstance(value, list) and not value):
                problems.append(f"{where}: got {value!r}; expected {expected} (like the default {rule.params[name]!r})")
                continue
            problem = param_value_problem(value)
            if problem:
                problems.append(f"{where}: {problem}")
            elif name in patterns:
                problems.extend(pattern_param_problems(patterns[name], value, where))
            elif name in offsets:
                problems.extend(limits.offset_param_problems(offsets[name], value, where))
            elif name in ratios:
                problems.extend(_ratio_param_problems(ratios[name], value, where))
    return problems


def template_names(template: str) -> set[str]:
    """Placeholder names in a message template; a malformed template yields a name that fails validation."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError as exc:
        return {f"<malformed template: {exc}>"}


def _type_problems(rule: Rule, kind: str, cond, derived: list[Derived]) -> list[str]:
    """Values a leaf compares its field with must be of the field's type (inside relations too)."""
    out = []
    for leaf in walk(cond):
        spec = COMPUTED.get(leaf.field) if is_computed(leaf.field) else None
        if isinstance(spec, Relation):
            for inner in (spec.where, spec.every):
                if inner is not None:
                    out.extend(_type_problems(rule, spec.kind, inner, derived))
        for counted in counted_leaves(leaf):
            out.extend(_type_problems(rule, kind, counted, derived))
        if isinstance(spec, PartialDateTest) and isinstance(spec.value, Param) and not isinstance(rule.params.get(spec.value.name), dt.date):
            out.append(f"{spec.describe()}: param {spec.value.name} must be a date (YYYY-MM-DD)")
        ftype = field_type_of(kind, leaf.field, derived) or "str"
        shown = spec.describe() if spec is not None else leaf.field
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        for v in values:
            if leaf.op in ("exists", "missing"):
                continue
            if isinstance(v, Param):
                v = rule.params.get(v.name)
                if isinstance(v, list):
                    continue
            if isinstance(v, (FieldRef, SubjectRef)):
                if isinstance(v, FieldRef):
                    other = field_type_of(kind, v.name, derived)
                    if other and {other, ftype} - {"day", "int", "number"} and other != ftype:
                        out.append(f"{shown} ({ftype}) compared with field {v.name} ({other})")
                continue
            if isinstance(v, (DateValue, AsOf)):
                if ftype != "day":
                    out.append(f"{shown}: a date is compared with a {ftype} field; only date fields take dates")
                continue
            if ftype == "bool" and not isinstance(v, bool):
                out.append(f"{shown}: a yes/no field is compared with {v!r}; write true or false")
            elif ftype in ("int", "day") and (isinstance(v, bool) or not isinstance(v, int)):
                out.append(f"{shown}: a whole-number field is compared with {v!r}")
            elif ftype == "number" and (isinstance(v, bool) or not isinstance(v, (int, float))):
                out.append(f"{shown}: a number field is compared with {v!r}")
            elif ftype == "str" and not isinstance(v, str):
                out.append(f"{shown}: a text field is compared with {v!r}; quote it")
            if leaf.op in ("lt", "le", "gt", "ge") and ftype in ("bool", "str"):
                out.append(f"{shown}: '{leaf.op}' does not order {ftype} values")
    return out
