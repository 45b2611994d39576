"""The rule author's reference: every field and function described, the generated docs current,
every YAML example in docs/rule-language.md and the README's rule example loadable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from compliance.cli import main
from compliance.facts.kinds import FACT_MODELS, kind_fields, subject_kinds
from compliance.rules import RuleSetError, load_rules
from compliance.rules.functions import FUNCTIONS
from compliance.rules.reference_doc import OPERATORS, QUANTIFIER_WORDS, all_operators, fields_table, render_document
from compliance.rules.conditions import QUANTIFIERS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "rule-language.md"


@pytest.mark.parametrize("kind", subject_kinds())
def test_every_field_has_a_description(kind):
    missing = [name for name, spec in kind_fields(kind).items() if not spec.description.strip()]
    # a derived field's description must say more than its own name
    bare = [name for name, spec in kind_fields(kind).items()
            if spec.source == "derived" and spec.description.strip().lower() == name.replace("_", " ")]
    assert not missing and not bare, f"{kind}: fields without a description: {missing + bare}"


def test_derived_kinds_are_all_listed():
    assert set(FACT_MODELS) <= set(subject_kinds())


def test_every_function_and_operator_is_described():
    assert all(fn.summary.strip() and fn.example.strip() for fn in FUNCTIONS.values())
    assert set(OPERATORS) == set(all_operators()) and set(QUANTIFIER_WORDS) == set(QUANTIFIERS)


def test_rules_fields_command_lists_fields_and_functions():
    result = CliRunner().invoke(main, ["rules", "fields", "declaration"])
    assert result.exit_code == 0, result.output
    for name, ftype, _, source in fields_table("declaration"):
        assert name in result.output
    assert "declaration.mitigation" in result.output and "declarations.mitigation" in result.output
    assert all(name in result.output for name in FUNCTIONS)
    bad = CliRunner().invoke(main, ["rules", "fields", "nonsense"])
    assert bad.exit_code == 2 and "unknown kind 'nonsense'" in bad.output


def test_generated_reference_is_current():
    text = DOC.read_text()
    assert text == render_document(text), \
        "docs/rule-language.md is out of date: run `PYTHONPATH=src python scripts/gen-rule-docs`"


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def _rule_docs(block: str) -> list[dict]:
    """A doc example as loadable rule files; a bare ``require:`` example (several may follow one
    another, each after a comment or blank line) is wrapped in a rule, its params declared as text."""
    doc = yaml.safe_load(block)
    if "rules" in doc or "derived" in doc:
        return [doc]
    parts = [p for p in re.split(r"\n\s*\n", block.strip()) if (yaml.safe_load(p) or {}).get("require")]
    out = []
    for part in parts:
        require = yaml.safe_load(part)["require"]
        params = {name: "example" for name in re.findall(r"\{param: (\w+)\}", part)}
        out.append({"rules": [{"id": "doc.example.rule", "family": "doc", "title": "a doc example", "severity": "low",
                               "applies_to": None, "params": params, "require": require,
                               "message": "{label}"}]})
    return out


def _loads_for_some_kind(doc: dict, path: Path) -> list[str]:
    """Load a wrapped condition example as a rule of each kind in turn: [] when one kind accepts it
    (a fragment does not say its kind), else the problems for every kind."""
    problems = []
    for kind in subject_kinds():
        doc["rules"][0]["applies_to"] = kind
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        try:
            load_rules(path)
            return []
        except RuleSetError as exc:
            problems += [str(i) for i in exc.issues]
    return problems


def test_every_yaml_example_in_the_rule_language_doc_loads(tmp_path):
    text = DOC.read_text().split("<!-- generated", 1)[0]
    blocks = _yaml_blocks(text)
    assert len(blocks) >= 3
    loaded = 0
    for i, block in enumerate(blocks):
        for j, doc in enumerate(_rule_docs(block)):
            path = tmp_path / f"example{i}_{j}.yaml"
            if "rules" not in doc:  # a derived-values example: give it a rule that reads each value
                doc["rules"] = [{"id": f"doc.example.d{k}", "family": "doc", "title": "a doc example", "severity": "low",
                                 "applies_to": d["kind"], "require": {"field": d["name"], "exists": True}, "message": "{label}"}
                                for k, d in enumerate(doc["derived"])]
            if doc["rules"][0]["id"] == "doc.example.rule":
                assert _loads_for_some_kind(doc, path) == [], block
            else:
                path.write_text(yaml.safe_dump(doc, sort_keys=False))
                assert load_rules(path).rules, block
            loaded += 1
    assert loaded >= 5


def test_readme_rule_example_loads(tmp_path):
    readme = (ROOT / "README.md").read_text()
    block = next(b for b in _yaml_blocks(readme) if b.lstrip().startswith("rules:"))
    path = tmp_path / "readme.yaml"
    path.write_text(block)
    assert load_rules(path).rules


EXPLAIN_RULES = r"""
rules:
  - id: t.explain.text
    family: doc
    title: a doc example
    severity: low
    applies_to: declaration
    params: {pat: '\bCCG\b', words: [PCT, CSU]}
    require:
      all:
        - {field: declaration.mitigation, not_matches: {param: pat}}
        - {field: declaration.mitigation, contains_any: {param: words}, case_sensitive: true}
    message: "{label}"
  - id: t.explain.relation
    family: doc
    title: a doc example
    severity: low
    applies_to: membership
    params: {keep_days: 14}
    require:
      any:
        - related: declaration
          on: {declaration.person: person}
          where: {field: declaration.declared_on, ge: {subject: fy_start}}
          exists: true
        - related: declaration
          on: {declaration.person: person}
          none: true
        - {field: fy_start, ge: {as_of: {minus_days: {param: keep_days}}}}
    message: "{label}"
"""


def _explain(tmp_path, rule_id: str) -> str:
    path = tmp_path / "explain.yaml"
    path.write_text(EXPLAIN_RULES)
    result = CliRunner().invoke(main, ["rules", "explain", rule_id, "--rules", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def test_explain_states_text_criteria_with_parameters_filled_in(tmp_path):
    out = _explain(tmp_path, "t.explain.text")
    assert r"declaration.mitigation does not match the pattern '\bCCG\b'" in out
    assert "declaration.mitigation contains one of 'PCT', 'CSU' (case-sensitive)" in out
    assert "~t" not in out and "param pat" not in out


def test_explain_states_relations_in_plain_words(tmp_path):
    out = _explain(tmp_path, "t.explain.relation")
    assert ("there is at least one declaration with declaration.person equal to this subject's person "
            "where declaration.declared_on is at least this subject's fy_start") in out
    assert "there is no declaration with declaration.person equal to this subject's person" in out
    assert "fy_start is at least as_of minus 14 (keep_days) days" in out
    assert "~r" not in out
