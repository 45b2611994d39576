"""Coverage (issue 12): a rule runs only on data that can answer it.

The trust-shaped cases are small SYNTHETIC data sets (invented people and bodies, written here):
no declarations register, risks without scores, a form that does not ask the delegated-limits
question, a committee with no membership, a body with members but no quorum specification. None
may give a pass or a fail. Then the shipped data set with each register removed in turn.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from compliance.cli import main
from compliance.engine import coverage
from compliance.io import load_dataset
from compliance.pipeline import run_check, run_loaded
from compliance.rules import RuleSetError, load_rules
from conftest import AS_OF, REAL, ROOT

RULESET = load_rules(["nhs-icb", "nhs-performance"])
RULE = {r.id: r for r in RULESET.rules}


def synthetic(tmp_path: Path, **changes) -> Path:
    """A small synthetic data set (an invented trust): one board of three, two meetings, a
    paper, a risk, declarations. ``changes``: register -> records (None: leave the file out)."""
    registers = {
        "organisation": {"name": "Synthetic Ambulance Trust (synthetic)", "financial_year_start": "04-01",
                         "role_groups": [{"id": "executive", "label": "Executive"}, {"id": "independent", "label": "Non-executive"}]},
        "people": [{"id": f"p{i}", "name": f"Person {i}", "role_group": "executive" if i < 2 else "independent"} for i in range(3)],
        "bodies": [{"id": "board", "name": "Trust Board", "kind": "board", "members": [{"person": f"p{i}"} for i in range(3)],
                    "quorum": {"min_present": 2}},
                   {"id": "audit", "name": "Audit Committee", "kind": "committee", "members": []}],
        "meetings": [{"id": "board-1", "body": "board", "date": "2024-09-01", "kind": "public",
                      "attendance": [{"person": f"p{i}", "status": "present"} for i in range(3)]},
                     {"id": "audit-1", "body": "audit", "date": "2024-09-02", "kind": "public",
                      "attendance": [{"person": "p0", "status": "present"}]}],
        "declarations": [{"id": f"d{i}", "person": f"p{i}", "declared_on": "2024-05-01", "nil_return": True} for i in range(3)],
        "papers": [{"id": "paper-1", "meeting": "board-1", "title": "Finance report"}],
        "risks": [{"id": "R1", "title": "Ambulance handover delays"}],
    }
    for name, value in changes.items():
        registers[name] = value
    target = tmp_path / "synthetic"
    target.mkdir()
    for name, value in registers.items():
        if value is None:
            continue
        doc = value if name == "organisation" else {name: value}
        (target / f"{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return target


def outcomes_of(path: Path, engine: str = "reference", **kw) -> dict[tuple[str, str], object]:
    run = run_check(path, RULESET, AS_OF, engine=engine, **kw)
    return {(f.rule_id, f.subject.id): f for f in run.findings}


def test_no_declarations_register_is_not_checked_never_fail(tmp_path):
    found = outcomes_of(synthetic(tmp_path, declarations=None))
    mine = [f for (rid, _), f in found.items() if rid == "nhs.conflicts.member-has-declaration"]
    assert mine and {f.outcome for f in mine} == {"not_checked"}
    assert all(f.message == "not checked: no declarations register in the data set" for f in mine)
    # rules on the declarations themselves have no subjects: one coverage finding each
    interest = [f for (rid, _), f in found.items() if rid == "nhs.conflicts.interest-has-period"]
    assert [(f.subject.id, f.outcome) for f in interest] == [("(data set)", "not_checked")]


def test_empty_declarations_file_means_kept_with_no_entries(tmp_path):
    found = outcomes_of(synthetic(tmp_path, declarations=[]))
    mine = {f.outcome for (rid, _), f in found.items() if rid == "nhs.conflicts.member-has-declaration"}
    assert mine == {"fail"}  # the register is kept and nobody is on it: a true failure


def test_risks_without_scores_are_never_failed(tmp_path):
    found = outcomes_of(synthetic(tmp_path))
    scored = found[("nhs.risk.scored-latest-period", "R1")]
    assert scored.outcome == "error"


def test_form_without_the_question_is_not_applicable(tmp_path):
    org = {"name": "Synthetic Ambulance Trust (synthetic)", "role_groups": [{"id": "executive", "label": "Executive"},
                                                                           {"id": "independent", "label": "Non-executive"}],
           "cover_sheet": {"asks": ["purposes", "conflict"]}}
    found = outcomes_of(synthetic(tmp_path, organisation=org))
    f = found[("nhs-icb.papers.delegated-limits-answered", "paper-1")]
    assert f.outcome == "not_applicable" and "does not ask within_delegated_limits" in f.message
    (tmp_path / "b").mkdir()
    asked = outcomes_of(synthetic(tmp_path / "b"))[("nhs-icb.papers.delegated-limits-answered", "paper-1")]
    assert asked.outcome == "fail"  # the default form asks it, as the shipped ICB form does


def test_unknown_question_in_the_form_is_bad_input(tmp_path):
    org = {"name": "Synthetic (synthetic)", "cover_sheet": {"asks": ["shoe_size"]}}
    result = CliRunner().invoke(main, ["check", str(synthetic(tmp_path, organisation=org)), "--rules", "nhs-icb", "--rules", "nhs-performance",
                                       "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 2 and "cover_sheet" in result.output and "Traceback" not in result.output


def test_committee_without_membership_is_an_error_not_a_vacuous_pass(tmp_path):
    found = outcomes_of(synthetic(tmp_path))
    assert found[("nhs-icb.quoracy.attendance-recorded", "audit-1")].outcome == "error"
    assert found[("nhs-icb.quoracy.attendance-recorded", "board-1")].outcome == "pass"


def test_body_with_members_and_no_quorum_is_an_error(tmp_path):
    bodies = [{"id": "board", "name": "Trust Board", "kind": "board", "members": [{"person": f"p{i}"} for i in range(3)]}]
    meetings = [{"id": "board-1", "body": "board", "date": "2024-09-01", "kind": "public",
                 "attendance": [{"person": f"p{i}", "status": "present"} for i in range(3)]}]
    found = outcomes_of(synthetic(tmp_path, bodies=bodies, meetings=meetings))
    head = found[("nhs-icb.quoracy.head-count", "board-1")]
    assert head.outcome == "error" and "Trust Board" in head.subject.label
    assert head.message.startswith("no quorum specification for Trust Board") and "quorum_defined missing" in head.message


def test_error_messages_say_the_rule_words_only_for_the_field_they_name(tmp_path):
    """A meeting with a quorum but no attendance is an error for present_voting, which the quoracy
    rule gives no words for: the generic message, never 'no quorum specification'."""
    meetings = [{"id": "board-1", "body": "board", "date": "2024-09-01", "kind": "public"}]
    head = outcomes_of(synthetic(tmp_path, meetings=meetings))[("nhs-icb.quoracy.head-count", "board-1")]
    assert head.outcome == "error" and head.message == "insufficient data: present_voting missing"


def test_error_messages_key_must_be_a_field_the_rule_reads(tmp_path):
    rule = tmp_path / "r.yaml"
    rule.write_text(yaml.safe_dump([{"id": "x.y.z", "title": "A rule", "severity": "low", "applies_to": "paper",
                                     "require": {"field": "paper.title", "exists": True}, "message": "m",
                                     "error_messages": {"paper.presenter": "no presenter for {label}",
                                                        "paper.title": "{no_such_field}"}}]), encoding="utf-8")
    with pytest.raises(RuleSetError) as exc:
        load_rules(rule)
    text = "\n".join(str(i) for i in exc.value.issues)
    assert "error_messages: 'paper.presenter' is not a field" in text and "no_such_field" in text


def test_requires_names_unknown_register_at_load(tmp_path):
    rule = tmp_path / "r.yaml"
    rule.write_text(yaml.safe_dump([{"id": "x.y.z", "title": "A rule", "severity": "low", "applies_to": "paper",
                                     "requires": {"registers": ["declaratons"]}, "require": {"field": "paper.title", "exists": True},
                                     "message": "m"}]), encoding="utf-8")
    with pytest.raises(RuleSetError) as exc:
        load_rules(rule)
    text = "\n".join(str(i) for i in exc.value.issues)
    assert "x.y.z" in text and "declaratons" in text and str(rule) in text


def test_requires_adds_to_what_is_derived(tmp_path):
    rule = tmp_path / "r.yaml"
    rule.write_text(yaml.safe_dump({"requires": {"registers": ["risks"]}, "rules": [
        {"id": "x.y.z", "title": "A rule", "severity": "low", "applies_to": "paper",
         "require": {"field": "paper.title", "exists": True}, "message": "m"}]}), encoding="utf-8")
    (loaded,) = load_rules(rule).rules
    assert coverage.rule_registers(loaded) == {"papers", "risks"}
    assert coverage.rule_registers(RULE["nhs.conflicts.member-has-declaration"]) >= {"bodies", "people", "declarations"}


def test_exit_codes_count_unchecked_unless_switched_off(tmp_path):
    path = synthetic(tmp_path, declarations=None)
    args = ["check", str(path), "--rules", str(ROOT / "src/compliance/packs/nhs-common/conflicts.yaml"), "--as-of", AS_OF.isoformat(), "-q"]
    assert CliRunner().invoke(main, args).exit_code == 1  # member-has-declaration (high) not checked
    assert CliRunner().invoke(main, args + ["--no-fail-on-unchecked"]).exit_code == 0
    assert CliRunner().invoke(main, args + ["--fail-on", "critical"]).exit_code == 0


def test_internal_error_exits_3_with_one_line(monkeypatch, tmp_path):
    import compliance.pipeline as pipeline

    def boom(*a, **k):
        raise RuntimeError("synthetic fault")

    monkeypatch.setattr(pipeline, "run_check", boom)
    args = ["check", str(synthetic(tmp_path)), "--rules", "nhs-icb", "--rules", "nhs-performance", "--as-of", AS_OF.isoformat()]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3 and "internal error: RuntimeError: synthetic fault" in result.output
    assert "Traceback" not in result.output and "report" in result.output
    debug = CliRunner().invoke(main, ["--debug", *args])
    assert isinstance(debug.exception, RuntimeError)


def test_keep_going_bad_declaration_makes_that_member_an_error(dataset):
    text = (dataset / "declarations.yaml").read_text(encoding="utf-8")
    (dataset / "declarations.yaml").write_text(text.replace("declared_on: '2024-09-20'", "declared_on: 31/02/2024", 1), encoding="utf-8")
    full = outcomes_of(REAL)
    found = outcomes_of(dataset, keep_going=True)
    key = ("nhs.conflicts.member-has-declaration", "icb-board/buki-adeyemo")
    assert full[key].outcome == "pass" and found[key].outcome == "error" and "doi-buki-adeyemo" in found[key].message
    for k, f in found.items():  # nothing else moved to pass or fail
        if k in full and f.outcome in ("pass", "fail"):
            assert full[k].outcome == f.outcome, k


def _lost(full: dict, found: dict) -> list:
    """(rule, subject) pairs of the full run with no finding under --keep-going and no error
    finding of that rule on the dropped record's dependants (``<record>/*``)."""
    covered = {(k[0], k[1][:-1]) for k, f in found.items() if k[1].endswith("/*") and f.outcome == "error"}
    return [k for k in full if k not in found and not any((k[0], k[1][:i + 1]) in covered
                                                          for i, c in enumerate(k[1]) if c == "/")]


def test_keep_going_dropped_declaration_keeps_its_interests_as_errors(dataset):
    text = (dataset / "declarations.yaml").read_text(encoding="utf-8")
    (dataset / "declarations.yaml").write_text(text.replace("declared_on: '2024-09-20'", "declared_on: 31/02/2024", 1), encoding="utf-8")
    full, found = outcomes_of(REAL), outcomes_of(dataset, keep_going=True)
    interest_rules = {k[0] for k in full if k[1].startswith("doi-buki-adeyemo/")}
    assert interest_rules  # the declaration has interests in the full run
    for rid in interest_rules:
        f = found[(rid, "doi-buki-adeyemo/*")]
        assert f.outcome == "error" and "declarations record doi-buki-adeyemo could not be loaded" in f.message
        assert "were not checked" in f.message
    assert _lost(full, found) == []


def test_keep_going_dropped_body_keeps_its_meetings_as_errors(dataset):
    text = (dataset / "bodies.yaml").read_text(encoding="utf-8")
    (dataset / "bodies.yaml").write_text(text.replace("min_present: 9", "min_present: 0", 1), encoding="utf-8")
    full = outcomes_of(REAL)
    found = outcomes_of(dataset, keep_going=True)
    meeting_keys = [k for k in full if k[1] == "board-2024-09-26" and RULE.get(k[0]) and RULE[k[0]].applies_to == "meeting"]
    assert meeting_keys and all(found[k].outcome == "error" for k in meeting_keys)
    for k, f in found.items():
        if f.outcome in ("pass", "fail"):
            assert k in full and full[k].outcome == f.outcome, k
    # the body's memberships and its meetings' attendance marks: one error per rule naming the record
    assert found[("nhs.conflicts.member-has-declaration", "icb-board/*")].outcome == "error"
    assert "bodies record icb-board could not be loaded" in found[("nhs.conflicts.member-has-declaration", "icb-board/*")].message
    for k in full:
        if k[1].startswith("board-2024-09-26/") and k not in found:
            dependants = found[(k[0], "board-2024-09-26/*")]
            assert dependants.outcome == "error" and "meetings record board-2024-09-26" in dependants.message
    assert _lost(full, found) == []  # no (rule, subject) of the full run vanishes
    result = CliRunner().invoke(main, ["check", str(dataset), "--keep-going", "--rules", "nhs-icb", "--rules", "nhs-performance", "--as-of", AS_OF.isoformat(), "-q"])
    assert result.exit_code == 1


def _without(tmp_path: Path, register: str) -> Path:
    target = tmp_path / register
    shutil.copytree(REAL, target)
    for p in target.iterdir():
        if p.stem == register:
            p.unlink()
    return target


def test_removing_each_register_touches_only_the_rules_that_need_it(tmp_path):
    """Each register of the shipped data set removed in turn (reference engine, one rules load)."""
    full = outcomes_of(REAL)
    registers = sorted(p.stem for p in REAL.iterdir() if p.stem != "expected" and p.stem != "organisation")
    for register in registers:
        path = _without(tmp_path, register)
        loaded = load_dataset(path, strict=False)
        found = {(f.rule_id, f.subject.id): f for f in run_loaded(loaded, RULESET, AS_OF, engine="reference").findings}
        needs = {r.id for r in RULESET.rules if register in coverage.rule_registers(r)}
        for key, f in found.items():
            if f.rule_id.startswith("load."):
                continue
            if f.rule_id in needs:
                assert f.outcome in ("not_checked", "error"), (register, key, f.outcome)
            elif not loaded.issues:
                assert key in full and full[key].outcome == f.outcome, (register, key)
            else:  # records pointing at the removed register were dropped: never a new pass or fail
                assert f.outcome not in ("pass", "fail") or (key in full and full[key].outcome == f.outcome), (register, key)
        if not loaded.issues:
            assert {k for k in full if k[0] not in needs} == {k for k in found if k[0] not in needs}, register
        assert {rid for rid, _ in found} >= needs, register  # a rule needing it is never silent


@pytest.mark.parametrize("register", ["declarations", "risks"])
def test_removing_a_register_on_the_durable_engine(tmp_path, register):
    found = outcomes_of(_without(tmp_path, register), engine="durable")
    needs = {r.id for r in RULESET.rules if register in coverage.rule_registers(r)}
    assert needs and all(f.outcome == "not_checked" for (rid, _), f in found.items() if rid in needs)


def test_json_document_carries_coverage_and_amber_when_unchecked(tmp_path):
    from compliance.outcomes import finalise
    from compliance.report.view import rag

    run = run_check(synthetic(tmp_path, declarations=None), RULESET, AS_OF, engine="reference")
    doc = finalise(run, RULESET)
    assert doc["schema_version"] == "2"
    rows = {r["rule_id"]: r for r in doc["coverage"]["rules"]}
    assert rows["nhs.conflicts.member-has-declaration"]["status"] == "not_checked"
    assert doc["summary"]["unchecked_by_severity"].get("high")
    summary = {**doc["summary"], "failures_by_severity": {}, "by_outcome": {**doc["summary"]["by_outcome"], "fail": 0, "error": 0}}
    assert rag(summary) != "green"


# -- properties over generated data sets (compliance.testing strategies) -------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from compliance.model import REGISTERS  # noqa: E402
from compliance.testing import governance_data, write_dataset  # noqa: E402

REMOVABLE = sorted(r for r in REGISTERS if r != "waivers")


@settings(max_examples=8)
@given(data=governance_data(as_of=AS_OF), register=st.sampled_from(REMOVABLE))
def test_property_removing_a_register_never_passes_or_fails_what_needs_it(data, register):
    with __import__("tempfile").TemporaryDirectory() as tmp:
        full_dir = write_dataset(data, Path(tmp) / "full")
        part_dir = write_dataset(data, Path(tmp) / "part")
        for p in part_dir.iterdir():
            if p.stem == register:
                p.unlink()
        full = run_loaded(load_dataset(full_dir, strict=False), RULESET, AS_OF, engine="reference").findings
        loaded = load_dataset(part_dir, strict=False)
        part = run_loaded(loaded, RULESET, AS_OF, engine="reference").findings
    keys = [(f.rule_id, f.subject.id) for f in part]
    assert len(keys) == len(set(keys))  # exactly one outcome per (rule, subject)
    before = {(f.rule_id, f.subject.id): f.outcome for f in full}
    needs = {r.id for r in RULESET.rules if register in coverage.rule_registers(r)}
    for f in part:
        if f.rule_id in needs:
            assert f.outcome in ("not_checked", "error"), (register, f.rule_id, f.subject.id, f.outcome)
        elif f.outcome in ("pass", "fail") and not f.rule_id.startswith("load."):
            # a pass or fail left standing is one the full data gave too
            assert before.get((f.rule_id, f.subject.id)) == f.outcome, (register, f.rule_id, f.subject.id)


@settings(max_examples=8)
@given(data=governance_data(as_of=AS_OF), pick=st.integers(min_value=0))
def test_property_keep_going_never_turns_an_error_into_a_pass(data, pick):
    """Break one record (an impossible date where it has a date); what was error stays error or
    not decided, and nothing that depended on the record becomes a pass or fail it was not."""
    import tempfile  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        full_dir = write_dataset(data, Path(tmp) / "full")
        full = {(f.rule_id, f.subject.id): f.outcome
                for f in run_loaded(load_dataset(full_dir, strict=False), RULESET, AS_OF, engine="reference").findings}
        files = [p for p in sorted(full_dir.iterdir()) if p.stem not in ("organisation", "waivers")
                 and "date: '" in p.read_text(encoding="utf-8")]
        if not files:
            return
        target = files[pick % len(files)]
        text = target.read_text(encoding="utf-8")
        import re  # noqa: PLC0415
        target.write_text(re.sub(r"date: '\d{4}-\d{2}-\d{2}'", "date: 31/02/2024", text, count=1), encoding="utf-8")
        broken = run_loaded(load_dataset(full_dir, strict=False), RULESET, AS_OF, engine="reference").findings
    for f in broken:
        was = full.get((f.rule_id, f.subject.id))
        if was == "error":
            assert f.outcome != "pass", (f.rule_id, f.subject.id)
        if f.outcome in ("pass", "fail") and was is not None:
            assert was == f.outcome, (f.rule_id, f.subject.id, was, f.outcome)


def test_preboard_lists_unchecked_declarations_and_gates_on_them(dataset):
    import json  # noqa: PLC0415

    (dataset / "declarations.yaml").unlink()
    args = ["preboard", str(dataset), "--meeting", "board-2024-10-17", "--rules", str(ROOT / "src/compliance/packs/nhs-common/conflicts.yaml")]
    result = CliRunner().invoke(main, args + ["--format", "json"])
    fixes = json.loads(result.output)["fixes"]
    assert result.exit_code == 1 and fixes and {f["outcome"] for f in fixes} == {"not_checked"}
    assert CliRunner().invoke(main, args + ["--no-fail-on-unchecked"]).exit_code == 0


def test_batch_counts_unchecked_towards_fail_on(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = synthetic(tmp_path / "a")
    second = synthetic(tmp_path / "b", declarations=None)
    args = ["check", str(first), str(second), "--rules", str(ROOT / "src/compliance/packs/nhs-common/conflicts.yaml"), "--as-of", AS_OF.isoformat()]
    assert CliRunner().invoke(main, args).exit_code == 1
    assert CliRunner().invoke(main, args + ["--no-fail-on-unchecked"]).exit_code == 0


# -- blanking an optional field ------------------------------------------------------------------

from pydantic import BaseModel  # noqa: E402

from compliance.engine.evaluate import evaluate  # noqa: E402
from compliance.facts import derive_facts  # noqa: E402
from compliance.model import GovernanceData  # noqa: E402
from compliance.rules.conditions import COMPUTED as _COMPUTED, Relation as _Relation, is_computed as _is_computed, walk as _walk  # noqa: E402
from compliance.rules.conditions import fields_of  # noqa: E402
from compliance.rules.loader import fields_needed  # noqa: E402

FIELDS = fields_needed(RULESET.rules)


def optional_paths(model: BaseModel, path: tuple = ()) -> list[tuple]:
    """Every optional field (default None) that ``model`` and its parts have filled in, as a path
    of attribute names and list indexes."""
    out = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None:
            continue
        if not field.is_required() and field.default is None:
            out.append((*path, name))
        if isinstance(value, BaseModel):
            out += optional_paths(value, (*path, name))
        elif isinstance(value, list):
            out += [p for i, v in enumerate(value) if isinstance(v, BaseModel) for p in optional_paths(v, (*path, name, i))]
    return out


def blanked(data: GovernanceData, path: tuple) -> GovernanceData | None:
    """The data set with the field at ``path`` left out (None when the model then rejects it)."""
    raw = data.model_dump()
    node = raw
    for step in path[:-1]:
        node = node[step]
    node.pop(path[-1])
    try:
        return GovernanceData.model_validate(raw)
    except ValueError:
        return None


def presence_fields(rule) -> set[str]:
    """The fact fields ``rule`` reads with ``exists``/``missing`` (inside relations too): a rule
    whose criterion is "the field is filled in" may pass or fail on a blank."""
    out, pending = set(), [c for c in (rule.when_condition, rule.require_condition) if c is not None]
    while pending:
        for leaf in _walk(pending.pop()):
            if leaf.op in ("exists", "missing"):
                out.add(leaf.field)
            spec = _COMPUTED.get(leaf.field) if _is_computed(leaf.field) else None
            if isinstance(spec, _Relation):
                pending.extend(c for c in (spec.where, spec.every) if c is not None)
    return out


# Optional fields whose absence the data model defines (the field's own description says what a
# blank means), with the fact field that carries that meaning. A rule reading that fact field may
# pass or fail on the blank: it decides on the defined meaning, not on a missing value.
MEANINGFUL_BLANKS = {
    # "revised due date, when re-dated": no revised date means not re-dated, the original due date stands
    ("RiskAction", "revised_due"): "effective_due",
    ("Action", "revised_due"): "effective_due",  # an action-log entry's likewise (found by this property)
    # the head count is the larger of the parts the specification states; a part left out is no part
    ("QuorumSpec", "min_present"): "quorum_min_present",
    ("QuorumSpec", "min_fraction"): "quorum_min_present",
    # "tolerance as a score, or as an appetite level": without the score the appetite level's score stands
    ("RiskTolerance", "score"): "tolerance_score",
    # a person's or a seat's own voting flag overrides their role group's (organisation.yaml); blank, the
    # group's declared voting stands, and the quorum tallies count them by it
    ("Person", "voting"): ("present", "present_voting", "voting_members"),
    ("Membership", "voting"): ("present", "present_voting", "voting_members"),
}


def _blank_meaning(data: GovernanceData, path: tuple) -> str | tuple[str, ...] | None:
    """The fact field(s) that give the blanked field a defined meaning, if ``MEANINGFUL_BLANKS`` has it."""
    node: object = data
    for step in path[:-1]:
        node = node[step] if isinstance(step, int) else getattr(node, step)
    return MEANINGFUL_BLANKS.get((type(node).__name__, path[-1]))


def _by_key(data: GovernanceData):
    """Facts with the packs' derived values added (a rule reading ``effective_due`` with ``exists``
    reads a derived value), and findings, each by key."""
    from compliance.engine.computed import apply_derived  # noqa: PLC0415

    facts = derive_facts(data, AS_OF, FIELDS)
    findings = evaluate(RULESET.rules, facts, AS_OF, engine="reference")
    by_kind: dict[str, list[dict]] = {}
    for f in facts:
        by_kind.setdefault(f["kind"], []).append(f)
    apply_derived(by_kind, list({id(d): d for r in RULESET.rules for d in r._derived}.values()))
    return ({(f["kind"], f["id"]): f for kind in by_kind.values() for f in kind},
            {(f.rule_id, f.subject.id): f for f in findings})


@settings(max_examples=25, deadline=None)
@given(data=governance_data(as_of=AS_OF), pick=st.integers(min_value=0))
def test_property_blanking_an_optional_field_never_decides_a_rule_on_it(data, pick):
    """Blank one optional field (leave it out of the record) that the data set filled in.

    For every (rule, subject) found both before and after, an outcome that changed must now be
    ``error``, ``not_checked`` or ``not_applicable``: the blank made the rule undecidable or out of
    scope, never a different pass or fail. Two honest exceptions, both where the blank *is* the
    criterion: the rule reads, with ``exists``/``missing``, a field of the subject's fact whose
    presence the blank changed ("the paper names its presenter" fails on a blank presenter), or
    the rule reads a relation to other records (a member "has a declaration dated in the year" is
    false once that declaration's date is blank, which is the criterion). Subjects that appear or
    vanish (a membership with its end date blanked becomes current) are outside this property:
    what they are is the record's meaning, not a decision on a missing value; so are actions
    renumbered under a shared reference. A blank the data model gives a meaning
    (``MEANINGFUL_BLANKS``: no revised due date means the original one stands) may be decided on
    by a rule reading the fact field that carries the meaning.
    """
    from hypothesis import assume  # noqa: PLC0415

    paths = optional_paths(data)
    assume(paths)
    path = paths[pick % len(paths)]
    after_data = blanked(data, path)
    assume(after_data is not None)
    facts_before, before = _by_key(data)
    facts_after, after = _by_key(after_data)
    # actions sharing a reference are numbered ref#1, ref#2 in an order fixed by their content
    # (facts.derive), so editing one may renumber them: those ids are not the same subject
    renumbered = f"{data.actions[path[1]].ref}#" if path[0] == "actions" else None
    for key, f in after.items():
        was = before.get(key)
        if was is None or was.outcome == f.outcome or f.outcome not in ("pass", "fail"):
            continue
        if renumbered and key[1].startswith(renumbered):
            continue
        rule = RULE[f.rule_id]
        fb, fa = facts_before.get((rule.applies_to, key[1]), {}), facts_after.get((rule.applies_to, key[1]), {})
        criterion = {n for n in presence_fields(rule) if (n in fb) != (n in fa)}
        meaning = _blank_meaning(data, path)
        read = fields_of(rule.when_condition) | fields_of(rule.require_condition)
        for field in (meaning,) if isinstance(meaning, str) else meaning or ():
            if field in fa and field in read:
                criterion.add(field)
        assert criterion, (path, key, was.outcome, f.outcome, was.message, f.message)


def test_a_rule_whose_every_record_failed_to_load_is_not_shown_as_checked(tmp_path):
    """Two risks, both unloadable: the risk rules decided nothing, so coverage says not checked."""
    from compliance.outcomes import finalise

    bad = [{"id": "R1", "title": "Handover delays", "target": {"score": "high"}},
           {"id": "R2", "title": "Workforce", "target": {"score": "low"}}]
    path = synthetic(tmp_path, risks=bad)
    run = run_check(path, RULESET, AS_OF, engine="reference", keep_going=True)
    rows = {r["rule_id"]: r for r in finalise(run, RULESET)["coverage"]["rules"]}
    on_risks = {r.id for r in RULESET.rules if r.applies_to in ("risk", "risk_action")}
    risk_rules = [r for r in rows.values() if r["rule_id"] in on_risks and r["subjects"]]
    assert risk_rules
    for row in risk_rules:
        assert row["status"] == "not_checked", row
        assert "could not be loaded" in row["reason"]
    # a rule on the loaded registers is still checked
    assert rows["nhs.conflicts.member-has-declaration"]["status"] == "checked"
