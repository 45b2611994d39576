"""Load rule files and validate them against the schema and the subject kinds' fact fields."""

from __future__ import annotations

import hashlib
import json
import string
from dataclasses import dataclass, field
from pathlib import Path
import yaml
from pydantic import ValidationError

from ..facts.kinds import FACT_MODELS, field_type
from ..io.text import TextFileError, read_text
from ..io.yamlsafe import parse_yaml
from . import limits
from .conditions import AsOf, ConditionError, DateValue, FieldRef, Param, fields_of, params_of, to_nnf, walk
from .schema import Rule


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
        self.issues = sorted(issues)
        super().__init__(f"{len(self.issues)} problem(s) in the rules")


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    digest: str = ""

    def by_id(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def rule_files(paths: list[Path]) -> list[Path]:
    """YAML rule files under the given files/directories, skipping test-case folders."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(p for p in sorted(path.rglob("*.y*ml")) if "tests" not in p.relative_to(path).parts and not p.is_dir())
        else:
            out.append(path)
    return out


def load_rules(paths: list[str | Path] | str | Path) -> RuleSet:
    """Load and validate every rule; raise RuleSetError listing every problem found."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    issues: list[RuleIssue] = []
    for p in paths:
        if not p.exists():
            issues.append(RuleIssue(str(p), "", "does not exist; expected a rule file or a directory of them"))
    files = rule_files([p for p in paths if p.exists()])
    if not files and not issues:
        issues.append(RuleIssue(", ".join(map(str, paths)), "", "holds no rule files (*.yaml)"))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for file in files:
        for rule_or_issue in _load_file(file):
            if isinstance(rule_or_issue, RuleIssue):
                issues.append(rule_or_issue)
                continue
            rule = rule_or_issue
            if rule.id in seen:
                issues.append(RuleIssue(str(file), rule.id, f"duplicate rule id (first defined in {seen[rule.id]})"))
                continue
            seen[rule.id] = str(file)
            problems = check_rule(rule)
            issues.extend(RuleIssue(str(file), rule.id, m) for m in problems)
            if not problems:
                rules.append(rule)
    if issues:
        raise RuleSetError(issues)
    rules.sort(key=lambda r: r.id)
    return RuleSet(rules, digest_rules(rules))


def digest_rules(rules: list[Rule]) -> str:
    """A stable digest of the rules' content, recorded in every report."""
    payload = json.dumps([r.model_dump(mode="json") for r in sorted(rules, key=lambda r: r.id)], sort_keys=True)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def _load_file(file: Path):
    try:
        doc, _, yaml_problems = parse_yaml(read_text(file))
    except TextFileError as exc:
        yield RuleIssue(str(file), "", f"{exc.location + ': ' if exc.location else ''}{exc}")
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        yield RuleIssue(str(file), "", f"is not valid YAML{where}: {getattr(exc, 'problem', exc)}")
        return
    if yaml_problems:
        yield from (RuleIssue(str(file), "", f"{p.location + ': ' if p.location else ''}{p}") for p in yaml_problems)
        return
    if isinstance(doc, dict) and "rules" in doc:
        defaults = {k: v for k, v in doc.items() if k != "rules"}
        items = doc["rules"]
    else:
        defaults, items = {}, doc
    unknown_defaults = set(defaults) - {"family", "tags", "references"}
    if unknown_defaults:
        yield RuleIssue(str(file), "", f"unknown top-level key(s) {sorted(unknown_defaults)}; expected 'rules' and optionally family, tags, references")
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


def check_rule(rule: Rule) -> list[str]:
    """Semantic checks: known subject kind, known fields, known params, compatible types."""
    problems: list[str] = []
    kind = rule.applies_to
    if kind not in FACT_MODELS:
        return [f"applies_to: unknown subject kind '{kind}'; expected one of {', '.join(FACT_MODELS)}"]
    known = set(FACT_MODELS[kind].model_fields)
    for part, cond in (("when", rule.when_condition), ("require", rule.require_condition)):
        if cond is None:
            continue
        for name in sorted(fields_of(cond) - known):
            problems.append(f"{part}: unknown field '{name}' for subject kind '{kind}'; known fields: {', '.join(sorted(known))}")
        for name in sorted(params_of(cond) - set(rule.params)):
            problems.append(f"{part}: unknown param '{name}'; declare it under params")
        try:
            to_nnf(cond)
            to_nnf(cond, negate=True)
        except ConditionError as exc:
            problems.append(f"{part}: {exc}")
        if not problems:
            problems.extend(f"{part}: {p}" for p in _type_problems(rule, kind, cond))
    for name in template_names(rule.message) | template_names(rule.pass_message or ""):
        if name not in known and name not in rule.params and name not in {"subject", "outcome"}:
            problems.append(f"message: unknown placeholder '{{{name}}}'; use a field of '{kind}' or a param")
    return problems


def template_names(template: str) -> set[str]:
    """Placeholder names in a message template; a malformed template yields a name that fails validation."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError as exc:
        return {f"<malformed template: {exc}>"}


def _type_problems(rule: Rule, kind: str, cond) -> list[str]:
    out = []
    for leaf in walk(cond):
        ftype = field_type(kind, leaf.field)
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        for v in values:
            if leaf.op in ("exists", "missing"):
                continue
            if leaf.op == "matches":
                if ftype != "str":
                    out.append(f"{leaf.field}: 'matches' needs a text field; '{leaf.field}' is {ftype}")
                continue
            if isinstance(v, Param):
                v = rule.params.get(v.name)
                if isinstance(v, list):
                    continue
            if isinstance(v, FieldRef):
                other = field_type(kind, v.name) if v.name in FACT_MODELS[kind].model_fields else None
                if other and {other, ftype} - {"day", "int"} and other != ftype:
                    out.append(f"{leaf.field} ({ftype}) compared with field {v.name} ({other})")
                continue
            if isinstance(v, (DateValue, AsOf)):
                if ftype != "day":
                    out.append(f"{leaf.field}: a date is compared with a {ftype} field; only date fields take dates")
                continue
            if ftype == "bool" and not isinstance(v, bool):
                out.append(f"{leaf.field}: a yes/no field is compared with {v!r}; write true or false")
            elif ftype in ("int", "day") and (isinstance(v, bool) or not isinstance(v, int)):
                out.append(f"{leaf.field}: a number field is compared with {v!r}")
            elif ftype == "str" and not isinstance(v, str):
                out.append(f"{leaf.field}: a text field is compared with {v!r}; quote it")
            if ftype in ("int", "day", "bool", "str") and leaf.op in ("lt", "le", "gt", "ge") and ftype in ("bool", "str"):
                out.append(f"{leaf.field}: '{leaf.op}' does not order {ftype} values")
    return out
