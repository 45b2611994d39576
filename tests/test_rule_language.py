"""Rule language v2: text predicates, relations, derived values, load errors and parameter overrides.

Each evaluation runs on both engines (durable-rules and the reference evaluator) and the two must
agree on every (rule, subject) outcome.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from compliance.engine.evaluate import evaluate
from compliance.facts import derive_facts
from compliance.model import GovernanceData
from compliance.rules import RuleSetError, load_rules
from compliance.rules.functions import FUNCTIONS
from compliance.rules.loader import check_overrides, fields_needed

AS_OF = dt.date(2024, 10, 17)
ROOT = Path(__file__).resolve().parents[1]


def data(**registers) -> GovernanceData:
    return GovernanceData.model_validate({"organisation": {"name": "Test ICB", "financial_year_start": "04-01"}, **registers})


PEOPLE = [{"id": "p1", "name": "Ann"}, {"id": "p2", "name": "Bob"}, {"id": "p3", "name": "Cy"}]


def rule(id_: str, kind: str, require: dict, **extra) -> dict:
    return {"id": id_, "family": "test", "title": "a test rule", "severity": "low", "applies_to": kind,
            "require": require, "message": "{label} fails", **extra}


def write(tmp_path: Path, rules: list[dict], derived: list[dict] | None = None, name: str = "r.yaml") -> Path:
    doc: dict = {"rules": rules}
    if derived:
        doc["derived"] = derived
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def outcomes(tmp_path: Path, rules: list[dict], gd: GovernanceData, derived=None, overrides=None) -> dict:
    """(rule id, subject id) -> outcome, asserting both engines agree and every pair occurs once."""
    ruleset = load_rules(write(tmp_path, rules, derived))
    facts = derive_facts(gd, AS_OF, fields_needed(ruleset.rules))
    results = {}
    for engine in ("durable", "reference"):
        findings = evaluate(ruleset.rules, facts, AS_OF, overrides or {}, engine=engine)
        keys = [(f.rule_id, f.subject.id) for f in findings]
        assert len(keys) == len(set(keys)), f"{engine}: a (rule, subject) has more than one finding"
        results[engine] = {(f.rule_id, f.subject.id): f.outcome for f in findings}
    assert results["durable"] == results["reference"]
    return results["durable"]


def load_error(tmp_path: Path, rules: list[dict], derived=None) -> str:
    with pytest.raises(RuleSetError) as exc:
        load_rules(write(tmp_path, rules, derived))
    return "\n".join(str(i) for i in exc.value.issues)


# ---- text predicates -------------------------------------------------------------------------

DECLS = [{"id": "d1", "person": "p1", "mitigation": "as the CCG policy says"},
         {"id": "d2", "person": "p2", "mitigation": "ccg-free text: Staffordshire register"},
         {"id": "d3", "person": "p3"}]


@pytest.mark.parametrize("test, expected", [
    ({"matches": r"\bCCG\b"}, {"d1": "pass", "d2": "pass", "d3": "error"}),
    ({"matches": r"\bCCG\b", "case_sensitive": True}, {"d1": "pass", "d2": "fail", "d3": "error"}),
    ({"not_matches": r"\bccg\b"}, {"d1": "fail", "d2": "fail", "d3": "error"}),
    ({"not_matches": r"\bccg\b", "case_sensitive": True}, {"d1": "pass", "d2": "fail", "d3": "error"}),
    ({"matches": "^as"}, {"d1": "pass", "d2": "fail", "d3": "error"}),
    ({"contains_any": ["register", "PCT"]}, {"d1": "fail", "d2": "pass", "d3": "error"}),
    ({"contains_any": ["REGISTER"], "case_sensitive": True}, {"d1": "fail", "d2": "fail", "d3": "error"}),
    ({"starts_with": "AS THE"}, {"d1": "pass", "d2": "fail", "d3": "error"}),
    ({"starts_with": ["x", "CCG-"]}, {"d1": "fail", "d2": "pass", "d3": "error"}),
    ({"starts_with": "CCG-", "case_sensitive": True}, {"d1": "fail", "d2": "fail", "d3": "error"}),
])
def test_text_predicate(tmp_path, test, expected):
    got = outcomes(tmp_path, [rule("t.text", "declaration", {"field": "declaration.mitigation", **test})],
                   data(people=PEOPLE, declarations=DECLS))
    assert got == {("t.text", d): o for d, o in expected.items()}


@pytest.mark.parametrize("op, param, override, expected", [
    ("matches", r"\bPCT\b", {"pat": r"\bCCG\b"}, {"d1": "pass", "d2": "pass"}),
    ("not_matches", r"\bCCG\b", None, {"d1": "fail", "d2": "fail"}),
    ("contains_any", ["nothing"], {"pat": ["register"]}, {"d1": "fail", "d2": "pass"}),
    ("starts_with", ["as"], None, {"d1": "pass", "d2": "fail"}),
])
def test_text_predicate_from_param(tmp_path, op, param, override, expected):
    r = rule("t.param", "declaration", {"field": "declaration.mitigation", op: {"param": "pat"}}, params={"pat": param})
    got = outcomes(tmp_path, [r], data(people=PEOPLE, declarations=DECLS[:2]),
                   overrides={"t.param": override} if override else None)
    assert got == {("t.param", d): o for d, o in expected.items()}


# a text predicate whose operand is another text field of the same record (taken literally)
FIELD_DECLS = [{"id": "d1", "person": "p1", "organisation": "N.H.S. Trust", "mitigation": "leaves when the n.h.s. trust is discussed"},
               {"id": "d2", "person": "p2", "organisation": "N.H.S. Trust", "mitigation": "leaves when NHS trust is discussed"},
               {"id": "d3", "person": "p3", "organisation": "Acme", "mitigation": "ACME plc: no action"},
               {"id": "d4", "person": "p1", "mitigation": "no organisation recorded"},
               {"id": "d5", "person": "p2", "organisation": "Acme"}]


@pytest.mark.parametrize("test, expected", [
    # the other field's text is escaped: '.' in "N.H.S." matches only a dot, so d2 does not match
    ({"matches": {"field": "declaration.organisation"}}, {"d1": "pass", "d2": "fail", "d3": "pass", "d4": "error", "d5": "error"}),
    ({"not_matches": {"field": "declaration.organisation"}}, {"d1": "fail", "d2": "pass", "d3": "fail", "d4": "error", "d5": "error"}),
    ({"matches": {"field": "declaration.organisation"}, "case_sensitive": True},
     {"d1": "fail", "d2": "fail", "d3": "fail", "d4": "error", "d5": "error"}),
    ({"contains_any": {"field": "declaration.organisation"}}, {"d1": "pass", "d2": "fail", "d3": "pass", "d4": "error", "d5": "error"}),
    ({"starts_with": {"field": "declaration.organisation"}}, {"d1": "fail", "d2": "fail", "d3": "pass", "d4": "error", "d5": "error"}),
])
def test_text_predicate_against_another_field(tmp_path, test, expected):
    got = outcomes(tmp_path, [rule("t.field", "declaration", {"field": "declaration.mitigation", **test})],
                   data(people=PEOPLE, declarations=FIELD_DECLS))
    assert got == {("t.field", d): o for d, o in expected.items()}


def test_text_operand_field_is_checked_at_load(tmp_path):
    unknown = load_error(tmp_path, [rule("t.f", "declaration", {"field": "declaration.mitigation",
                                                                 "contains_any": {"field": "declaration.nope"}})])
    assert "unknown field 'declaration.nope'" in unknown
    not_text = load_error(tmp_path, [rule("t.f", "declaration", {"field": "declaration.mitigation",
                                                                  "matches": {"field": "declaration.nil_return"}})])
    assert "a text operand needs a text field" in not_text and "declaration.nil_return" in not_text


# inside a relation, a text operand may be a text field of the subject: {subject: F}, taken literally
def test_text_predicate_against_a_field_of_the_subject(tmp_path):
    people = [{"id": "p1", "name": "N.H.S. Trust"}, {"id": "p2", "name": "Acme"}, {"id": "p3", "name": "Nobody"}, {"id": "p4", "name": "Gap"}]
    decls = [{"id": "d1", "person": "p1", "mitigation": "leaves when the n.h.s. trust is discussed"},
             {"id": "d2", "person": "p1", "mitigation": "leaves when NHS trust is discussed"},
             {"id": "d3", "person": "p2", "mitigation": "ACME plc"}, {"id": "d4", "person": "p4"}]
    require = {"related": "declaration", "on": {"declaration.person": "person.id"},
               "where": {"field": "declaration.mitigation", "contains_any": {"subject": "person.name"}}, "exists": True}
    got = outcomes(tmp_path, [rule("t.subj", "person", require)], data(people=people, declarations=decls))
    # p1: d1 names it ('.' only a dot); p2: case-insensitive; p3: no declaration; p4: its one declaration has no text
    assert got == {("t.subj", "p1"): "pass", ("t.subj", "p2"): "pass", ("t.subj", "p3"): "fail", ("t.subj", "p4"): "error"}
    sensitive = {**require, "where": {**require["where"], "case_sensitive": True}}
    got = outcomes(tmp_path, [rule("t.subj", "person", sensitive)], data(people=people, declarations=decls))
    assert got[("t.subj", "p2")] == "fail"


def test_text_operand_of_the_subject_is_only_inside_a_relation_and_checked_at_load(tmp_path):
    outside = load_error(tmp_path, [rule("t.s", "declaration", {"field": "declaration.mitigation", "contains_any": {"subject": "declaration.role"}})])
    assert "is used inside a relation's where/every" in outside
    unknown = load_error(tmp_path, [rule("t.s", "person", {"related": "declaration", "on": {"declaration.person": "person.id"},
                                                           "where": {"field": "declaration.mitigation", "contains_any": {"subject": "person.nope"}},
                                                           "exists": True})])
    assert "person.nope" in unknown


# ---- quantifiers over a record's own list (each:) and joins on a list field ----------------

PAPERS = [{"id": "x1", "title": "Budget", "linked_risks": ["R1", "R2"],
           "history": [{"route": "Finance Committee", "date": "2024-09-01", "outcome": "supported"},
                       {"route": "Executive Team", "date": "2024-08-01"}]},
          {"id": "x2", "title": "Estates", "linked_risks": ["R3"],
           "history": [{"route": "Executive Team", "date": "2024-07-01", "outcome": "noted"}]},
          {"id": "x3", "title": "Digital", "linked_risks": [], "history": []},
          {"id": "x4", "title": "People", "linked_risks": ["R9"],
           "history": [{"route": "People Committee"}]}]
RISKS = [{"id": "R1", "title": "Money", "owner": "CFO"}, {"id": "R2", "title": "Staff"},
         {"id": "R3", "title": "Buildings", "owner": "COO"}]
TO_COMMITTEE = {"field": "paper.history.route", "contains_any": "committee"}


@pytest.mark.parametrize("quantifier, expected", [
    ({"where": TO_COMMITTEE, "exists": True}, {"x1": "pass", "x2": "fail", "x3": "fail", "x4": "pass"}),
    ({"where": TO_COMMITTEE, "none": True}, {"x1": "fail", "x2": "pass", "x3": "pass", "x4": "fail"}),
    ({"count": {"ge": 2}}, {"x1": "pass", "x2": "fail", "x3": "fail", "x4": "fail"}),
    # x4's one entry has no outcome: every cannot be decided
    ({"every": {"field": "paper.history.outcome", "exists": True}}, {"x1": "fail", "x2": "pass", "x3": "pass", "x4": "fail"}),
    ({"every": {"field": "paper.history.outcome", "matches": "."}}, {"x1": "error", "x2": "pass", "x3": "pass", "x4": "error"}),
    ({"min": "paper.history.date", "ge": {"date": dt.date(2024, 8, 1)}}, {"x1": "pass", "x2": "fail", "x3": "error", "x4": "error"}),
    ({"where": {"field": "paper.history.date", "exists": True}, "max": "paper.history.date",
      "lt": {"date": dt.date(2024, 8, 15)}}, {"x1": "fail", "x2": "pass", "x3": "error", "x4": "error"}),
])
def test_each_entry_of_a_list(tmp_path, quantifier, expected):
    got = outcomes(tmp_path, [rule("t.each", "paper", {"each": "paper.history", **quantifier})], data(papers=PAPERS))
    assert got == {("t.each", p): o for p, o in expected.items()}


@pytest.mark.parametrize("quantifier, expected", [
    ({"exists": True}, {"x1": "pass", "x2": "pass", "x3": "fail", "x4": "fail"}),
    ({"count": {"eq": 2}}, {"x1": "pass", "x2": "fail", "x3": "fail", "x4": "fail"}),
    # R2 has no owner recorded (exists is decided: false)
    ({"every": {"field": "risk.owner", "exists": True}}, {"x1": "fail", "x2": "pass", "x3": "pass", "x4": "pass"}),
    # R2's owner is unknown and R1's is not COO: nothing settles exists for x1
    ({"where": {"field": "risk.owner", "eq": "COO"}, "exists": True}, {"x1": "error", "x2": "pass", "x3": "fail", "x4": "fail"}),
])
def test_relation_joined_on_a_list_field(tmp_path, quantifier, expected):
    r = rule("t.join", "paper", {"related": "risk", "on": {"risk.id": "paper.linked_risks[]"}, **quantifier})
    got = outcomes(tmp_path, [r], data(papers=PAPERS, risks=RISKS))
    assert got == {("t.join", p): o for p, o in expected.items()}


@pytest.mark.parametrize("require, message", [
    ({"field": "paper.history.route", "exists": True}, "read it inside {each: paper.history"),
    ({"field": "paper.history[]", "exists": True}, "a list is read with 'each: paper.history'"),
    ({"each": "paper.title", "exists": True}, "is not a list of records of subject kind 'paper'"),
    ({"each": "paper.history", "max": "paper.title", "eq": 1}, "'paper.title' is not a field of its entries"),
    ({"each": "paper.history", "on": {"a": "b"}, "exists": True}, "it takes no 'on'"),
    ({"related": "risk", "on": {"risk.id": "paper.title[]"}, "exists": True}, "is not a list of plain values"),
])
def test_list_reading_errors(tmp_path, require, message):
    assert message in load_error(tmp_path, [rule("t.bad", "paper", require)])


def test_evidence_of_a_date_min_shows_iso_dates_and_what_was_computed(tmp_path):
    ruleset = load_rules(write(tmp_path, [rule("t.min", "paper", {"each": "paper.history", "min": "paper.history.date",
                                                                 "ge": {"date": dt.date(2024, 8, 1)}})]))
    facts = derive_facts(data(papers=PAPERS), AS_OF, fields_needed(ruleset.rules))
    for engine in ("durable", "reference"):
        finding = next(f for f in evaluate(ruleset.rules, facts, AS_OF, {}, engine=engine) if f.subject.id == "x1")
        (leaf,) = [e for e in finding.evidence if e.get("part") == "require"]
        assert leaf["actual"] == "2024-08-01" and leaf["expected"] == "2024-08-01"
        assert leaf["field"].startswith("the least paper.history.date of any entry of paper.history")
        assert "computed" not in leaf


# ---- meets: a comparison that is itself data ---------------------------------------------

def test_meets_compares_by_the_operator_in_a_field(tmp_path):
    # people as subjects, their declarations as the related records carrying comparison and threshold
    people = [{"id": "p1", "name": "Ann"}, {"id": "p2", "name": "Bob"}, {"id": "p3", "name": "Cy"}, {"id": "p4", "name": "Di"}]
    decls = [{"id": "d1", "person": "p1", "role": "ge", "organisation": "B"},
             {"id": "d2", "person": "p2", "role": "lt", "organisation": "B"},
             {"id": "d3", "person": "p3", "role": "between", "organisation": "B"},
             {"id": "d4", "person": "p4", "role": "eq"}]
    # value is the person's name ("Ann" ...), threshold the declaration's organisation text ("B")
    meets = {"meets": [{"subject": "person.name"}, {"field": "declaration.role"}, {"field": "declaration.organisation"}]}
    r = rule("t.meets", "person", {"related": "declaration", "on": {"declaration.person": "person.id"}, "every": meets})
    got = outcomes(tmp_path, [r], data(people=people, declarations=decls))
    # texts compare only by eq/ne in both engines: "Ann" ge "B" is false; an unknown operator or a
    # missing threshold is unknown
    assert got == {("t.meets", "p1"): "fail", ("t.meets", "p2"): "fail", ("t.meets", "p3"): "error", ("t.meets", "p4"): "error"}


@pytest.mark.parametrize("comparison, expected", [("ge", "pass"), ("le", "fail"), ("gt", "pass"), ("lt", "fail"),
                                                  ("eq", "fail"), ("ne", "pass")])
def test_meets_with_literal_or_param_comparison(tmp_path, comparison, expected):
    r = rule("t.m", "declaration", {"meets": [{"field": "declaration.mitigation_codes.count"}, {"param": "cmp"}, 0]},
             params={"cmp": "ge"})
    got = outcomes(tmp_path, [r], data(people=PEOPLE, declarations=[{"id": "d1", "person": "p1", "mitigation_codes": ["a"]}]), overrides={"t.m": {"cmp": comparison}})
    assert got == {("t.m", "d1"): expected}


def test_meets_load_errors(tmp_path):
    assert "expected [VALUE, COMPARISON, THRESHOLD]" in load_error(tmp_path, [rule("t.m", "declaration", {"meets": [1, "ge"]})])
    assert "the comparison is one of" in load_error(tmp_path, [rule("t.m", "declaration", {"meets": [1, "bigger", 2]})])
    assert "unknown field 'declaration.nope'" in load_error(tmp_path, [rule("t.m", "declaration", {"meets": [
        {"field": "declaration.nope"}, "ge", 1]})])


# ---- relations -------------------------------------------------------------------------------

REL_DECLS = [{"id": "d1", "person": "p1", "declared_on": "2024-05-01"},
             {"id": "d2", "person": "p1", "declared_on": "2023-05-01"},
             {"id": "d3", "person": "p2", "declared_on": "2023-06-01"},
             {"id": "d4", "person": "p2"}]
ON = {"declaration.person": "person.id"}
IN_YEAR = {"field": "declaration.declared_on", "ge": {"subject": "fy_start"}}


@pytest.mark.parametrize("quantifier, expected", [
    # p1 has one in year and one before; p2 one before and one undated (unknown); p3 none
    ({"where": IN_YEAR, "exists": True}, {"p1": "pass", "p2": "error", "p3": "fail"}),
    ({"where": IN_YEAR, "none": True}, {"p1": "fail", "p2": "error", "p3": "pass"}),
    ({"exists": True}, {"p1": "pass", "p2": "pass", "p3": "fail"}),
    ({"count": {"ge": 2}}, {"p1": "pass", "p2": "pass", "p3": "fail"}),
    ({"where": IN_YEAR, "count": {"eq": 1}}, {"p1": "pass", "p2": "error", "p3": "fail"}),
    ({"every": IN_YEAR}, {"p1": "fail", "p2": "fail", "p3": "pass"}),
    ({"every": {"field": "declaration.declared_on", "ge": {"date": dt.date(2023, 1, 1)}}}, {"p1": "pass", "p2": "error", "p3": "pass"}),
    ({"max": "declaration.declared_on", "ge": {"date": dt.date(2024, 1, 1)}}, {"p1": "pass", "p2": "error", "p3": "error"}),
    ({"min": "declaration.declared_on", "lt": {"date": dt.date(2024, 1, 1)}}, {"p1": "pass", "p2": "error", "p3": "error"}),
])
def test_relation(tmp_path, quantifier, expected):
    r = rule("t.rel", "person", {"related": "declaration", "on": ON, **quantifier})
    got = outcomes(tmp_path, [r], data(people=PEOPLE, declarations=REL_DECLS))
    assert got == {("t.rel", p): o for p, o in expected.items()}


def test_relation_missing_join_key_is_error(tmp_path):
    # papers joined on the paper's meeting: a paper without one cannot be answered
    papers = [{"id": "x1", "title": "Finance report", "meeting": "m1"}, {"id": "x2", "title": "Risk report"}]
    meetings = [{"id": "m1", "body": "b1", "date": "2024-10-17"}]
    bodies = [{"id": "b1", "name": "Board"}]
    r = rule("t.join", "paper", {"related": "meeting", "on": {"meeting.id": "paper.meeting"}, "exists": True})
    got = outcomes(tmp_path, [r], data(bodies=bodies, meetings=meetings, papers=papers))
    assert got == {("t.join", "x1"): "pass", ("t.join", "x2"): "error"}


def test_relation_same_kind_other_record(tmp_path):
    actions = [{"ref": "2024-25/001", "description": "do a"}, {"ref": "2024-25/001", "description": "do b"},
               {"ref": "2024-25/002", "description": "do c"}]
    r = rule("t.dup", "action", {"related": "action", "on": {"action.ref": "action.ref"},
                                 "where": {"field": "id", "ne": {"subject": "id"}}, "count": {"eq": 0}})
    got = outcomes(tmp_path, [r], data(actions=actions))
    assert sorted(got.values()) == ["fail", "fail", "pass"]



def test_relation_on_all_compares_the_subject_with_every_record(tmp_path):
    # on: all: every declaration of the register, whoever made it, judged by the where alone
    # (REL_DECLS: 2024-05-01, 2023-05-01, 2023-06-01 and one undated)
    actions = [{"ref": "a-early", "description": "x", "due": "2024-04-01"},   # d1 came after it
               {"ref": "a-late", "description": "y", "due": "2024-12-01"},    # none dated after it; d4 unknown
               {"ref": "a-none", "description": "z"}]                         # no due date
    r = rule("t.all", "action", {"related": "declaration", "on": "all",
                                 "where": {"field": "declaration.declared_on", "gt": {"subject": "action.due"}}, "exists": True})
    got = {s: o for (_, s), o in outcomes(tmp_path, [r], data(people=PEOPLE, declarations=REL_DECLS, actions=actions)).items()}
    assert got == {"a-early": "pass", "a-late": "error", "a-none": "error"}
    counted = rule("t.all", "action", {"related": "declaration", "on": "all", "count": {"eq": 4}})
    assert set(outcomes(tmp_path, [counted], data(people=PEOPLE, declarations=REL_DECLS, actions=actions)).values()) == {"pass"}
    wrong = rule("t.all", "action", {"related": "declaration", "on": "all", "count": {"eq": 3}})
    assert set(outcomes(tmp_path, [wrong], data(people=PEOPLE, declarations=REL_DECLS, actions=actions)).values()) == {"fail"}


@pytest.mark.parametrize("on", [{}, "everything", None])
def test_relation_on_must_be_a_mapping_or_all(tmp_path, on):
    msg = load_error(tmp_path, [rule("t.bad", "person", {"related": "declaration", "on": on, "exists": True})])
    assert "expected a mapping of their field to the subject's field" in msg and "or 'all'" in msg, msg

# ---- derived values --------------------------------------------------------------------------

FN_ACTIONS = [{"ref": "2024-25/007", "description": "Do It", "due": "2024-06-30", "completed_on": "2024-07-10"},
              {"ref": "x", "description": "no dates"}]

# function -> (expression, comparison on the first action); the second action lacks the input
FUNCTION_CASES = {
    "fy_start": ({"fy_start: action.due": None, "expr": {"fy_start": "action.due"}}, {"eq": {"date": dt.date(2024, 4, 1)}}),
    "fy_label": ({"expr": {"fy_label": "action.due"}}, {"eq": "2024-25"}),
    "days_between": ({"expr": {"days_between": ["action.due", "action.completed_on"]}}, {"eq": 10}),
    "months_between": ({"expr": {"months_between": ["action.due", "action.completed_on"]}}, {"eq": 1}),
    "add_months": ({"expr": {"add_months": ["action.due", {"value": 6}]}}, {"eq": {"date": dt.date(2024, 12, 30)}}),
    "add": ({"expr": {"add": ["action.due", {"value": 10}]}}, {"eq": {"field": "action.completed_on"}}),
    "shape": ({"expr": {"shape": {"capture": "action.ref", "pattern": r"^(\d.*)$"}}}, {"eq": "9999-99/999"}),
    "length": ({"expr": {"length": {"capture": "action.ref", "pattern": r"^(\d.*)$"}}}, {"eq": 11}),
    "lower": ({"expr": {"lower": {"capture": "action.description", "pattern": "^(Do.*)$"}}}, {"eq": "do it"}),
    "initials": ({"expr": {"initials": {"capture": "action.description", "pattern": "^(Do.*)$"}}}, {"eq": "DI"}),
    "number": ({"expr": {"number": {"capture": "action.ref", "pattern": r"/(\d+)$"}}}, {"eq": 7}),
    "capture": ({"expr": {"capture": "action.ref", "pattern": r"^(\d{4}-\d{2})/"}}, {"eq": "2024-25"}),
    "coalesce": ({"expr": {"coalesce": ["action.completed_on", "action.due"]}}, {"eq": {"date": dt.date(2024, 7, 10)}}),
    "earliest_day": ({"expr": {"earliest_day": {"capture": "action.ref", "pattern": r"^(\d{4})-"}}}, {"eq": {"date": dt.date(2024, 1, 1)}}),
}


def test_earliest_day_reads_each_precision_and_nothing_else():
    """A year, a month and a day each give their first day; other text (or an impossible month) gives nothing."""
    from compliance.rules.functions import _earliest_day
    assert [_earliest_day({}, t) for t in ("2012", "2024-05", "2024-05-31", " 2024-02 ")] == [
        dt.date(2012, 1, 1).toordinal(), dt.date(2024, 5, 1).toordinal(), dt.date(2024, 5, 31).toordinal(), dt.date(2024, 2, 1).toordinal()]
    assert [_earliest_day({}, t) for t in ("2024-13", "May 2024", "", 20240501, None)] == [None] * 5


def test_every_function_has_a_case():
    assert set(FUNCTION_CASES) == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTION_CASES))
def test_derived_function(tmp_path, name):
    spec, compare = FUNCTION_CASES[name]
    derived = [{"name": "value_under_test", "kind": "action", "description": f"the {name} under test", "expr": spec["expr"]}]
    r = rule("t.fn", "action", {"field": "value_under_test", **compare})
    wrong = {op: (v + 1 if isinstance(v, int) else "zz" if isinstance(v, str) else v) for op, v in compare.items()}
    got = outcomes(tmp_path, [r], data(actions=FN_ACTIONS), derived)
    first, second = (got[k] for k in sorted(got, key=lambda k: k[1]))
    # the action whose input is absent yields no value, so the rule cannot answer: error, never pass
    assert sorted(got.values()) == ["error", "pass"], got
    if wrong != compare:
        r2 = rule("t.fn", "action", {"field": "value_under_test", **wrong})
        assert sorted(outcomes(tmp_path, [r2], data(actions=FN_ACTIONS), derived).values()) == ["error", "fail"]


# ---- load errors -----------------------------------------------------------------------------

def test_bad_regex_names_rule_and_file(tmp_path):
    msg = load_error(tmp_path, [rule("t.bad-regex", "declaration", {"field": "declaration.mitigation", "matches": "(CCG"})])
    assert "r.yaml" in msg and "t.bad-regex" in msg and "invalid regular expression '(CCG'" in msg


@pytest.mark.parametrize("require, needle", [
    ({"related": "nonsense", "on": {"nonsense.id": "person.id"}, "exists": True}, "nonsense"),
    ({"related": "declaration", "on": {"declaration.nobody": "person.id"}, "exists": True}, "declaration.nobody"),
    ({"related": "declaration", "on": {"declaration.person": "person.nothing"}, "exists": True}, "person.nothing"),
    ({"related": "declaration", "on": ON, "where": {"field": "declaration.colour", "eq": "x"}, "exists": True}, "declaration.colour"),
    ({"field": "person.name", "eq": {"subject": "person.name"}}, "used inside a relation"),
])
def test_relation_load_errors(tmp_path, require, needle):
    msg = load_error(tmp_path, [rule("t.bad", "person", require)])
    assert "r.yaml" in msg and "t.bad" in msg and needle in msg, msg


@pytest.mark.parametrize("entry, needle", [
    ({"name": "v", "kind": "action", "description": "a value", "expr": {"lower": "action.colour"}}, "action.colour"),
    ({"name": "v", "kind": "action", "description": "a value", "expr": {"upper": "action.ref"}}, "expected one function of"),
    ({"name": "v", "kind": "action", "expr": {"lower": "action.ref"}}, "description"),
])
def test_derived_load_errors(tmp_path, entry, needle):
    msg = load_error(tmp_path, [rule("t.d", "action", {"field": "action.ref", "exists": True})], [entry])
    assert "r.yaml" in msg and needle in msg, msg


# ---- parameter overrides ---------------------------------------------------------------------

KEEP = "nhs.conflicts.ceased-kept-six-months"


def _shapes_rule() -> str:
    ruleset = load_rules(["nhs-icb", "nhs-performance"])
    return next(r.id for r in ruleset.rules if "shapes" in r.params)


def override_cases():
    shapes = _shapes_rule()
    return [
        ({"nhs-icb.conflicts.no-such-rule": {"keep_months": 6}}, "nhs-icb.conflicts.no-such-rule", "unknown rule id"),
        ({KEEP: {"keep_month": 12}}, f"{KEEP}.keep_month", "unknown parameter"),
        ({KEEP: {"keep_months": "six"}}, f"{KEEP}.keep_months", "'six'; expected"),
        ({KEEP: {"keep_months": None}}, f"{KEEP}.keep_months", "None; expected"),
        ({KEEP: {"keep_months": 100000000}}, f"{KEEP}.keep_months", "100000000"),
        ({shapes: {"shapes": "9999-99/999"}}, f"{shapes}.shapes", "'9999-99/999'; expected"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_check_overrides_refuses(case):
    overrides, key, needle = override_cases()[case]
    problems = check_overrides(load_rules(["nhs-icb", "nhs-performance"]).rules, overrides, "x/organisation.yaml")
    assert len(problems) == 1 and "x/organisation.yaml" in problems[0] and key in problems[0] and needle in problems[0], problems


def test_check_overrides_accepts_a_valid_one():
    assert check_overrides(load_rules(["nhs-icb", "nhs-performance"]).rules, {KEEP: {"keep_months": 12}}) == []


@pytest.mark.parametrize("case", range(6))
def test_cli_exits_2_on_bad_override(tmp_path, case):
    overrides, key, needle = override_cases()[case]
    dataset = tmp_path / "ds"
    shutil.copytree(ROOT / "fixtures" / "ssot-2024-10-17", dataset)
    org_file = dataset / "organisation.yaml"
    org = yaml.safe_load(org_file.read_text())
    org["rule_params"] = overrides
    org_file.write_text(yaml.safe_dump(org, sort_keys=False))
    proc = subprocess.run([sys.executable, "-m", "compliance", "check", str(dataset), "--as-of", "2024-10-17"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "organisation.yaml" in proc.stderr and key.split(".")[-1] in proc.stderr and needle in proc.stderr, proc.stderr


# ---- no outcome lost with relations ----------------------------------------------------------

RELATION_RULES = [
    rule("t.g.has-decl", "person", {"related": "declaration", "on": ON, "where": IN_YEAR, "exists": True}),
    rule("t.g.no-decl", "person", {"related": "declaration", "on": ON, "none": True}),
    rule("t.g.count", "person", {"related": "declaration", "on": ON, "count": {"ge": 1}}),
    rule("t.g.every", "person", {"related": "declaration", "on": ON, "every": {"field": "declaration.mitigation", "exists": True}}),
    rule("t.g.latest", "person", {"related": "declaration", "on": ON, "max": "declaration.declared_on", "ge": {"field": "fy_start"}}),
    rule("t.g.dup-ref", "action", {"related": "action", "on": {"action.ref": "action.ref"},
                                   "where": {"field": "id", "ne": {"subject": "id"}}, "count": {"eq": 0}}),
    rule("t.g.mit", "declaration", {"field": "declaration.mitigation", "not_matches": r"\bCCG\b"}),
]


def test_relations_lose_no_outcome(tmp_path):
    from hypothesis import HealthCheck, given, settings

    from compliance.testing import governance_data

    ruleset = load_rules(write(tmp_path, RELATION_RULES))

    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(governance_data(as_of=AS_OF))
    def check(gd):
        facts = derive_facts(gd, AS_OF, fields_needed(ruleset.rules))
        subjects = {kind: sorted(f["id"] for f in facts if f["kind"] == kind) for kind in ("person", "action", "declaration")}
        by_engine = {}
        for engine in ("durable", "reference"):
            findings = evaluate(ruleset.rules, facts, AS_OF, {}, engine=engine)
            keys = sorted((f.rule_id, f.subject.id) for f in findings)
            expected = sorted((r.id, s) for r in ruleset.rules for s in subjects[r.applies_to])
            assert keys == expected, engine
            by_engine[engine] = {(f.rule_id, f.subject.id): f.outcome for f in findings}
        assert by_engine["durable"] == by_engine["reference"]

    check()


# ---- comparing two counts (count_of) and partial dates: the worked examples of the docs -------

DOC = ROOT / "docs" / "rule-language.md"


def doc_example(tmp_path: Path, title: str) -> Path:
    """The docs' YAML block that starts with ``# worked example: TITLE``, written as a rule file."""
    block = next(b for b in DOC.read_text().split("```yaml\n")[1:] if b.startswith(f"# worked example: {title}\n"))
    path = tmp_path / "example.yaml"
    path.write_text(block.split("```", 1)[0])
    return path


def both_engines(rules_path: Path, gd: GovernanceData, as_of: dt.date, overrides=None) -> dict:
    """(rule, subject) -> finding, asserting durable-rules and the reference evaluator agree."""
    ruleset = load_rules(rules_path)
    facts = derive_facts(gd, as_of, fields_needed(ruleset.rules))
    runs = {engine: {(f.rule_id, f.subject.id): f for f in evaluate(ruleset.rules, facts, as_of, overrides or {}, engine=engine)}
            for engine in ("durable", "reference")}
    assert {k: f.outcome for k, f in runs["durable"].items()} == {k: f.outcome for k, f in runs["reference"].items()}
    return runs["durable"]


def director(pid: str, roles: list[str], independent: bool | None, **extra) -> dict:
    person = {"id": pid, "name": pid.upper(), "roles": roles, **extra}
    if independent is not None:
        person["independent"] = independent
    return person


DIRECTORS = [director("chair", ["Chair"], True), director("ceo", ["CEO"], False), director("cfo", ["CFO"], False),
             director("ned1", ["NED"], True), director("ned2", ["NED"], True), director("ned3", ["NED"], False),
             director("ned4", ["NED"], None), director("ned5", ["NED"], True), director("exec", [], False)]


def board(bid: str, members: list[str], kind: str = "board") -> dict:
    return {"id": bid, "name": bid, "kind": kind, "members": [{"person": m} for m in members]}


def test_worked_example_board_balance(tmp_path):
    gd = data(people=DIRECTORS, bodies=[
        board("even", ["chair", "ceo", "cfo", "ned1", "ned2"]),         # 2 of 4: exactly half passes
        board("short", ["chair", "ceo", "cfo", "ned1", "ned3"]),        # 1 of 4 fails
        board("unknown", ["chair", "ceo", "ned1", "ned4"]),             # ned4 not stated: error
        board("odd", ["chair", "ceo", "cfo", "ned1", "ned2", "ned3"]),  # 2 of 5: below 2.5 fails
        # exec is not independent (so not counted first) but has no role codes: is exec the chair? unknown
        board("roles", ["chair", "ned1", "ned2", "exec"]),
        board("committee", ["ned1", "ned2"], kind="committee")])
    found = both_engines(doc_example(tmp_path, "board balance"), gd, AS_OF)
    rid = "acme.board.half-independent"
    assert {s: f.outcome for (_, s), f in found.items()} == {
        "even": "pass", "short": "fail", "unknown": "error", "odd": "fail", "roles": "error", "committee": "not_applicable"}
    # the evidence shows both counts and the ratio; the threshold is 5/2, not rounded to 2 or 3
    (odd,) = [e for e in found[(rid, "odd")].evidence if e.get("part") == "require"]
    assert (odd["actual"], odd["compared_count"], odd["ratio"], odd["expected"], odd["result"]) == (2, 5, "1/2", 2.5, False)
    assert "independent" in odd["field"] and "Chair" in odd["compared_with"]
    unknown = found[(rid, "unknown")].message
    assert "unknown/ned4: no person.independent" in unknown and "unknown/ned1" not in unknown
    (roles,) = [e for e in found[(rid, "roles")].evidence if e.get("part") == "require"]
    assert roles["actual"] == 2 and roles["compared_count"] is None and "roles/exec: no person.roles" in roles["missing"]


def test_count_of_agrees_with_exact_arithmetic(tmp_path):
    """Every split of a board (0-6 independent of 0-9 others), under ratios that do not terminate
    in decimals (1/3, 2/3) and exact ones: pass exactly when independent * per >= others * times."""
    people = [director("chair", ["Chair"], True)] + [director(f"i{n}", ["NED"], True) for n in range(6)] + \
        [director(f"x{n}", ["CEO"], False) for n in range(9)]
    bodies, expected = [], {}
    for ind in range(7):
        for others in range(10):
            if ind + others:
                bodies.append(board(f"b{ind}-{others}", ["chair"] + [f"i{n}" for n in range(ind)] + [f"x{n}" for n in range(others)]))
    for times, per in ((1, 2), (1, 3), (2, 3), (1, 1)):
        found = both_engines(doc_example(tmp_path, "board balance"), data(people=people, bodies=bodies), AS_OF,
                             {"acme.board.half-independent": {"share_times": times, "share_per": per}})
        for (_, sid), f in found.items():
            ind, others = map(int, sid[1:].split("-"))
            assert f.outcome == ("pass" if ind * per >= (ind + others) * times else "fail"), (times, per, sid)


def test_count_of_majority_and_each(tmp_path):
    """``gt`` for a majority; ``count_of`` over a record's own list (each:); an unknown count on either side is an error."""
    rules = [rule("t.majority", "body", {"related": "membership", "on": {"body": "id"},
                                         "where": {"field": "person.independent", "eq": True},
                                         "count": {"gt": {"count_of": {"related": "membership", "on": {"body": "id"}},
                                                          "times": 1, "per": 2}}}),
             rule("t.dated", "paper", {"each": "paper.history", "where": {"field": "paper.history.date", "exists": True},
                                       "count": {"ge": {"count_of": {"each": "paper.history"}}}})]
    gd = data(people=DIRECTORS, papers=PAPERS, bodies=[board("half", ["ned1", "ceo"]), board("most", ["ned1", "ned2", "ceo"]),
                                                      board("unknown", ["ned4", "ned1", "ned2"])])
    got = outcomes(tmp_path, rules, gd)
    assert {k: v for k, v in got.items() if k[0] == "t.majority"} == {
        ("t.majority", "half"): "fail", ("t.majority", "most"): "pass", ("t.majority", "unknown"): "error"}
    # x4's one entry has no date: 0 dated of 1; x3 has none: 0 of 0
    assert {k[1]: v for k, v in got.items() if k[0] == "t.dated"} == {"x1": "pass", "x2": "pass", "x3": "pass", "x4": "fail"}


@pytest.mark.parametrize("require, needle", [
    ({"related": "membership", "on": {"body": "id"}, "count": {"ge": {"count_of": {"related": "membership", "on": {"body": "id"}}, "per": 0}}},
     "per: expected a whole number from 1"),
    ({"related": "membership", "on": {"body": "id"}, "count": {"ge": {"count_of": {"related": "membership", "on": {"body": "id"}}, "times": 0.5}}},
     "times: expected a whole number"),
    ({"related": "membership", "on": {"body": "id"}, "count": {"ge": {"count_of": {"related": "membership", "on": {"body": "id"}, "exists": True}}}},
     "the relation is counted; drop ['exists']"),
    ({"related": "membership", "on": {"body": "id"}, "where": {"field": "voting", "eq": {"count_of": {"related": "membership", "on": {"body": "id"}}}},
      "exists": True}, "not used inside a relation's where"),
    ({"field": "body.name", "eq": {"count_of": {"related": "membership", "on": {"body": "id"}}}},
     "count_of is compared with a count or a whole-number field, not a str field"),
    ({"related": "membership", "on": {"body": "id"}, "count": {"ge": {"count_of": {"related": "nonsense", "on": {"body": "id"}}}}},
     "unknown subject kind 'nonsense'"),
])
def test_count_of_load_errors(tmp_path, require, needle):
    assert needle in load_error(tmp_path, [rule("t.bad", "body", require)])


def test_count_of_ratio_params_are_checked_in_overrides(tmp_path):
    ruleset = load_rules(doc_example(tmp_path, "board balance"))
    problems = check_overrides(ruleset.rules, {"acme.board.half-independent": {"share_per": 0}}, "x/compliance.yaml")
    assert len(problems) == 1 and "share_per" in problems[0] and "count_of per is 0" in problems[0], problems
    assert check_overrides(ruleset.rules, {"acme.board.half-independent": {"share_times": 2, "share_per": 3}}) == []


def test_worked_example_chair_tenure(tmp_path):
    as_of = dt.date(2025, 1, 31)  # nine years (108 months) earlier: 2016-01-31
    chairs = {"c2018": "2018", "c2014": "2014", "c2016": "2016", "cjan": "2016-01", "cfeb": "2016-02",
              "cday": "2016-01-31", "cbefore": "2016-01-30", "cnone": None}
    people = [director(pid, ["Chair"], True, **({"appointed": a} if a else {})) for pid, a in chairs.items()]
    people.append(director("ned", ["NED"], True, appointed="1990"))
    found = both_engines(doc_example(tmp_path, "chair tenure"), data(people=people), as_of)
    assert {s: f.outcome for (_, s), f in found.items()} == {
        "c2018": "pass", "c2014": "fail", "c2016": "error", "cjan": "error", "cfeb": "pass",
        "cday": "pass", "cbefore": "fail", "cnone": "error", "ned": "not_applicable"}
    message = found[("acme.chair.tenure", "c2016")].message
    assert "'2016' is any day from 2016-01-01 to 2016-12-31" in message and "2016-01-31" in message
    assert "person.appointed missing" in found[("acme.chair.tenure", "cnone")].message


def test_partial_date_negated_and_against_a_date_field(tmp_path):
    """``not`` of a partial-date leaf fails only where every day passes it; a day field as the value."""
    rules = [rule("t.not", "person", {"not": {"field": "person.appointed", "partial_date": True, "lt": {"date": dt.date(2016, 6, 1)}}}),
             rule("t.field", "person", {"field": "person.appointed", "partial_date": True, "le": {"field": "person.last_elected"}})]
    people = [{"id": "a", "name": "A", "appointed": "2015", "last_elected": "2015-12-31"},
              {"id": "b", "name": "B", "appointed": "2016", "last_elected": "2016-06-30"},
              {"id": "c", "name": "C", "appointed": "2016-06", "last_elected": "2016-05-01"}]
    got = outcomes(tmp_path, rules, data(people=people))
    assert got == {("t.not", "a"): "fail", ("t.not", "b"): "error", ("t.not", "c"): "pass",
                   ("t.field", "a"): "pass", ("t.field", "b"): "error", ("t.field", "c"): "fail"}


@pytest.mark.parametrize("require, needle", [
    ({"field": "person.appointed", "partial_date": True, "eq": {"date": dt.date(2016, 1, 1)}}, "beside one of lt, le, gt, ge"),
    ({"field": "person.appointed", "partial_date": "yes", "ge": {"date": dt.date(2016, 1, 1)}}, "write 'partial_date: true'"),
    ({"field": "person.appointed", "partial_date": True, "ge": 2016}, "a partial date is compared with a date"),
    ({"field": "person.independent", "partial_date": True, "ge": {"date": dt.date(2016, 1, 1)}}, "'person.independent' is bool"),
    ({"field": "person.appointed", "partial_date": True, "ge": {"field": "person.name"}}, "compared with a date field; 'person.name' is str"),
    ({"field": "person.appointed", "partial_date": True, "ge": {"param": "cutoff"}}, "param cutoff must be a date"),
])
def test_partial_date_load_errors(tmp_path, require, needle):
    assert needle in load_error(tmp_path, [rule("t.bad", "person", require, params={"cutoff": 2016})])


def test_derived_value_types_belong_to_their_rule_set(tmp_path):
    """Two rule sets in one process each declare ``shown`` on actions: a date in one, a number in
    the other. Each run shows its own as its own type (a day as a date, a number as a number),
    whichever ran first."""
    actions = [{"ref": "A1", "description": "Do it", "due": "2024-07-01"}]
    as_date = {"name": "shown", "kind": "action", "description": "due plus a fortnight", "expr": {"add": ["action.due", {"value": 14}]}}
    as_number = {"name": "shown", "kind": "action", "description": "length of the reference", "expr": {"length": "action.ref"}}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    dated = load_rules(write(tmp_path / "a", [rule("t.d", "action", {"field": "shown", "exists": True}, pass_message="{shown}")], [as_date]))
    counted = load_rules(write(tmp_path / "b", [rule("t.n", "action", {"field": "shown", "exists": True}, pass_message="{shown}")], [as_number]))
    gd = data(actions=actions)

    def shown(ruleset):
        facts = derive_facts(gd, AS_OF, fields_needed(ruleset.rules))
        (finding,) = evaluate(ruleset.rules, facts, AS_OF, {}, engine="reference")
        return finding.message

    for _ in range(2):  # alternate: neither run may leave its types for the other
        assert shown(dated) == "2024-07-15"
        assert shown(counted) == "2"
