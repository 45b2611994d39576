"""pytest plugin: run rule test cases (``rules/**/tests/*.yaml``) as pytest items.

Enable it in a ``conftest.py`` with ``pytest_plugins = ["compliance.testing.plugin"]`` and run
``pytest rules/``: each case becomes one test, named after its file and case, failing with the
same expected-vs-actual diff ``compliance test`` prints. Or parametrize a test yourself::

    from compliance.testing.plugin import rule_cases, check_case

    @pytest.mark.parametrize("case", rule_cases("rules"), ids=str)
    def test_rule_case(case):
        check_case(case)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ..rules import load_rules
from .cases import Case, CaseFile, case_files, load_case_file, rules_for, run_case


@dataclass(frozen=True)
class RuleCase:
    """One case with the file it came from, for parametrizing."""

    path: Path
    parsed: CaseFile
    case: Case

    def __str__(self) -> str:
        return f"{self.path.stem}::{self.case.name}"


def rule_cases(*paths: str | Path) -> list[RuleCase]:
    """Every case under the given rule folders or case files."""
    return [RuleCase(p, parsed, c) for p in case_files([Path(x) for x in paths]) for parsed in [load_case_file(p)] for c in parsed.cases]


_RULESETS: dict[Path, object] = {}


def check_case(rule_case: RuleCase, engine: str = "durable") -> None:
    """Run one case; fail the calling test with the diff when an outcome differs."""
    rules_path = rules_for(rule_case.path, rule_case.parsed)
    if rules_path not in _RULESETS:
        _RULESETS[rules_path] = load_rules(rules_path)
    result = run_case(rule_case.path, rule_case.parsed, rule_case.case, _RULESETS[rules_path], engine)
    if not result.ok:
        pytest.fail(f"{rule_case}:\n  " + "\n  ".join(map(str, result.mismatches)), pytrace=False)


class CaseItem(pytest.Item):
    def __init__(self, *, rule_case: RuleCase, **kwargs):
        super().__init__(**kwargs)
        self.rule_case = rule_case

    def runtest(self) -> None:
        check_case(self.rule_case)

    def reportinfo(self):
        return self.path, None, f"rule case: {self.rule_case.case.name}"


class CaseFileCollector(pytest.File):
    def collect(self):
        parsed = load_case_file(self.path)
        for case in parsed.cases:
            yield CaseItem.from_parent(self, name=case.name, rule_case=RuleCase(self.path, parsed, case))


def pytest_collect_file(parent, file_path: Path):
    """Collect YAML files inside a ``tests`` folder whose top level has ``cases:``."""
    if file_path.suffix in (".yaml", ".yml") and "tests" in file_path.parts[:-1]:
        head = file_path.read_text(encoding="utf-8", errors="replace")
        if "\ncases:" in "\n" + head:
            return CaseFileCollector.from_parent(parent, path=file_path)
    return None
