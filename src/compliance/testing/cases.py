"""Rule test cases: small data sets with the outcome each (rule, subject) must get.

A case file lives in a ``tests/`` folder next to the rules it tests (``src/compliance/packs/nhs-icb/tests/*.yaml``)::

    base:                      # optional: registers shared by every case in the file
      organisation: {name: Example ICB}
      people: [...]
    cases:
      - name: exactly the quorum is quorate
        as_of: 2024-10-17
        data:                  # registers replacing the base's (whole registers, not records)
          meetings: [...]
        expect:                # rule id -> subject id -> outcome
          nhs-icb.quoracy.head-count: {m1: pass}

Instead of ``data`` a case may name a data set directory with ``dataset:`` (relative to the
case file). Only the rules named in ``expect`` are evaluated, so a case states exactly what it
checks; expectations are compared exactly, and a subject the rule does not produce is a
mismatch, never silently skipped. The rules are those of the folder holding ``tests/`` unless
the file says ``rules: <path>``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..engine.findings import OUTCOMES, Finding
from ..io import DatasetError
from ..io.writer import write_register
from ..model import REGISTERS
from ..model.dates import parse_date
from ..pipeline import run_check
from ..rules import load_rules
from ..rules.loader import RuleSet

DATA_REGISTERS = ("organisation", *REGISTERS)


class CaseError(Exception):
    """A malformed case file or case: names the file, the case and what is wrong."""


class Case(BaseModel):
    """One rule test case."""

    model_config = ConfigDict(extra="forbid")

    name: str
    as_of: dt.date
    data: dict[str, Any] | None = None
    dataset: str | None = None
    expect: dict[str, dict[str, str]] = Field(min_length=1)
    note: str | None = None

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return parse_date(value) if isinstance(value, str) else value

    @field_validator("expect")
    @classmethod
    def _outcomes(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for rule_id, subjects in value.items():
            for subject, outcome in subjects.items():
                if outcome not in OUTCOMES:
                    raise ValueError(f"{rule_id} {subject}: outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
        return value


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: str | None = Field(default=None, description="rule file or folder, relative to this file")
    base: dict[str, Any] = Field(default_factory=dict)
    cases: list[Case] = Field(min_length=1)


@dataclass
class Mismatch:
    rule_id: str
    subject: str
    expected: str
    actual: str
    message: str = ""

    def __str__(self) -> str:
        tail = f" ({self.message})" if self.message else ""
        return f"{self.rule_id} {self.subject}: expected {self.expected}, got {self.actual}{tail}"


@dataclass
class CaseResult:
    file: Path
    case: Case
    mismatches: list[Mismatch]
    verified: list[tuple[str, str]] = field(default_factory=list)  # (rule id, outcome) confirmed by this case

    @property
    def ok(self) -> bool:
        return not self.mismatches


def case_files(paths: list[Path]) -> list[Path]:
    """Case files under the given paths: YAML files inside a ``tests`` folder, or named directly."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(p for p in sorted(path.rglob("*.y*ml")) if "tests" in p.relative_to(path).parts[:-1] or path.name == "tests")
        elif path.exists():
            out.append(path)
        else:
            raise CaseError(f"{path}: does not exist; expected a rules folder or a case file")
    return sorted(set(out))


def load_case_file(path: Path) -> CaseFile:
    """Parse and validate one case file, or raise CaseError naming the file and the problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CaseError(f"{path}: not valid YAML: {exc}") from None
    try:
        parsed = CaseFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CaseError(f"{path}: {problems} (expected keys: rules?, base?, cases: [{{name, as_of, data|dataset, expect}}])") from None
    for case in parsed.cases:
        if (case.data is None) == (case.dataset is None) and not parsed.base:
            raise CaseError(f"{path}: case {case.name!r}: give exactly one of data: (inline registers) or dataset: (a folder)")
        unknown = sorted(set(case.data or {}) - set(DATA_REGISTERS)) + sorted(set(parsed.base) - set(DATA_REGISTERS))
        if unknown:
            raise CaseError(f"{path}: case {case.name!r}: unknown register(s) {', '.join(unknown)}; expected {', '.join(DATA_REGISTERS)}")
    return parsed


def rules_for(path: Path, parsed: CaseFile) -> Path:
    """The rules a case file tests: its ``rules:`` entry, else the folder holding its ``tests`` folder."""
    if parsed.rules:
        return (path.parent / parsed.rules).resolve()
    for parent in path.parents:
        if parent.name == "tests":
            return parent.parent
    return path.parent


def run_case(path: Path, parsed: CaseFile, case: Case, ruleset: RuleSet, engine: str = "durable") -> CaseResult:
    """Evaluate one case with only the rules it names; compare every expectation exactly."""
    wanted = set(case.expect)
    missing_rules = sorted(wanted - {r.id for r in ruleset.rules})
    if missing_rules:
        raise CaseError(f"{path}: case {case.name!r}: no rule with id {', '.join(missing_rules)} in the rules under test")
    subset = RuleSet([r for r in ruleset.rules if r.id in wanted], ruleset.digest)
    findings = _findings(path, parsed, case, subset, engine)
    by_key: dict[tuple[str, str], Finding] = {(f.rule_id, f.subject.id): f for f in findings}
    mismatches, verified = [], []
    for rule_id, subjects in sorted(case.expect.items()):
        for subject, expected in sorted(subjects.items()):
            finding = by_key.get((rule_id, subject))
            if finding is None:
                produced = sorted(s for r, s in by_key if r == rule_id)
                mismatches.append(Mismatch(rule_id, subject, expected, "no finding",
                                           f"subjects produced: {', '.join(produced) or 'none'}"))
            elif finding.outcome != expected:
                mismatches.append(Mismatch(rule_id, subject, expected, finding.outcome, finding.message))
            else:
                verified.append((rule_id, expected))
    return CaseResult(path, case, mismatches, verified)


def _findings(path: Path, parsed: CaseFile, case: Case, ruleset: RuleSet, engine: str) -> list[Finding]:
    try:
        if case.dataset is not None and case.data is None:
            return run_check((path.parent / case.dataset).resolve(), ruleset, case.as_of, engine=engine).findings
        registers = {**parsed.base, **(case.data or {})}
        with tempfile.TemporaryDirectory(prefix="compliance-case-") as tmp:
            for name, records in registers.items():
                write_register(Path(tmp), name, records)
            return run_check(Path(tmp), ruleset, case.as_of, engine=engine).findings
    except DatasetError as exc:
        raise CaseError(f"{path}: case {case.name!r}: its data does not load:\n    " + "\n    ".join(str(i) for i in exc.issues)) from None


@dataclass
class SuiteResult:
    results: list[CaseResult]
    rulesets: dict[Path, RuleSet]

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.ok]

    def coverage(self) -> list[dict[str, Any]]:
        """Per rule: which outcomes some case verified, and which it still needs."""
        seen: dict[str, set[str]] = defaultdict(set)
        for result in self.results:
            for rule_id, outcome in result.verified:
                seen[rule_id].add(outcome)
        rows = []
        for rule in _own_rules(self.rulesets):
            needed = ["pass", "fail"] + (["not_applicable"] if rule.when_condition is not None else [])
            got = seen.get(rule.id, set())
            rows.append({"rule": rule.id, "family": rule.family_name, "needed": needed,
                         "covered": [o for o in needed if o in got], "missing": [o for o in needed if o not in got]})
        return rows

    def coverage_ratio(self) -> float:
        rows = self.coverage()
        needed = sum(len(r["needed"]) for r in rows)
        return 1.0 if not needed else sum(len(r["covered"]) for r in rows) / needed


def _own_rules(rulesets: dict[Path, RuleSet]) -> list:
    """Each rule once, counted for the packs whose cases ran: a pack's coverage is that of the
    rules defined under its directory, not of the packs it ``extends:`` (whose own cases cover them)."""
    out: dict[str, Any] = {}
    for path, ruleset in rulesets.items():
        root = Path(path).resolve()
        own = [r for r in ruleset.rules if root.is_file() or root in Path(r.source_file).resolve().parents]
        for rule in own or ruleset.rules:
            out.setdefault(rule.id, rule)
    return sorted(out.values(), key=lambda r: r.id)


def run_suite(paths: list[Path], engine: str = "durable", ruleset_override: RuleSet | None = None,
              progress=None) -> SuiteResult:
    """Run every case under ``paths``. ``ruleset_override`` replaces the rules (mutation testing)."""
    files = case_files([Path(p) for p in paths])
    if not files:
        raise CaseError(f"no case files under {', '.join(map(str, paths))} (expected YAML files in a tests/ folder)")
    rulesets: dict[Path, RuleSet] = {}
    results: list[CaseResult] = []
    for path in files:
        parsed = load_case_file(path)
        rules_path = rules_for(path, parsed)
        if ruleset_override is not None:
            ruleset = rulesets.setdefault(rules_path, ruleset_override)
        elif rules_path not in rulesets:
            ruleset = rulesets[rules_path] = load_rules(rules_path)
        else:
            ruleset = rulesets[rules_path]
        for case in parsed.cases:
            results.append(run_case(path, parsed, case, ruleset, engine))
            if progress:
                progress(results[-1])
    return SuiteResult(results, rulesets)
