"""Every numbered case of issue 13 (bad input) gives a clear, located error or works: no traceback.

Each test reproduces one case on a copy of the real data set (``dataset`` fixture) or a small
rule file, and asserts the outcome the issue asks for.
"""

import re
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compliance.engine.durable_engine import CompiledRule, EngineLimitError, check_shape
from compliance.io import DatasetError, load_dataset
from compliance.pipeline import run_check
from compliance.rules.conditions import AnyOf, Leaf
from compliance.rules.parse_conditions import parse_condition
from compliance.rules.loader import RuleSetError, load_rules
from conftest import AS_OF, REAL, ROOT


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "compliance", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def _issues(path: Path) -> list[str]:
    with pytest.raises(DatasetError) as exc:
        load_dataset(path)
    return [str(i) for i in exc.value.issues]


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


# --- case 1: --keep-going on a bad person or body record -----------------------------------------

@pytest.mark.parametrize("file, old, new", [
    ("people.yaml", "voting: true", "voting: maybe"),
    ("bodies.yaml", "- person: peter-axon", "- person: nobody-at-all"),
    ("bodies.yaml", "- partner", "- no-such-group"),
])
def test_keep_going_reports_a_bad_person_or_body_as_errors_not_a_crash(dataset, file, old, new):
    _edit(dataset / file, old, new)
    run = run_check(dataset, load_rules(["nhs-icb", "nhs-performance"]), AS_OF, keep_going=True)
    errors = [f for f in run.findings if f.rule_id.startswith("load.")]
    assert errors and all(f.outcome == "error" for f in errors)
    keys = [(f.rule_id, f.subject.id) for f in run.findings]
    assert len(keys) == len(set(keys))


def test_keep_going_with_a_people_csv_column_error_exits_without_traceback(dataset):
    people = yaml.safe_load((dataset / "people.yaml").read_text())["people"]
    (dataset / "people.yaml").unlink()
    rows = ["id,name,role_group,bogus"] + [f"{p['id']},{p['name']},{p.get('role_group', '')},x" for p in people]
    (dataset / "people.csv").write_text("\n".join(rows) + "\n")
    result = _cli("check", str(dataset), "--as-of", "2024-10-17", "--keep-going")
    assert "Traceback" not in result.stderr and result.returncode in (0, 1)
    strict = _cli("check", str(dataset), "--as-of", "2024-10-17")
    assert strict.returncode == 2 and "people.csv:line 1: field 'bogus' unknown column" in strict.stderr


# --- case 2: encodings and directories ----------------------------------------------------------

def test_a_latin1_register_is_a_located_error_naming_the_byte(dataset):
    text = (dataset / "people.yaml").read_text(encoding="utf-8").replace("David Pearson", "David Pearsoné")
    (dataset / "people.yaml").write_bytes(text.encode("latin-1"))
    problems = _issues(dataset)
    assert any(p.startswith("people.yaml:line ") and "is not UTF-8: byte 0xe9" in p and "save the file as UTF-8" in p
               for p in problems)


def test_a_utf16_register_with_its_mark_loads_like_the_utf8_one(dataset):
    text = (dataset / "risks.yaml").read_text(encoding="utf-8")
    (dataset / "risks.yaml").write_bytes(text.encode("utf-16"))
    assert load_dataset(dataset).data.risks == load_dataset(REAL).data.risks


def test_a_directory_named_like_a_register_is_a_clear_error(dataset):
    (dataset / "people.yaml").unlink()
    (dataset / "people.yaml").mkdir()
    assert any(p.startswith("people.yaml:") and "is a directory; expected a file" in p for p in _issues(dataset))


def test_rule_files_in_latin1_and_directories_named_yaml_are_handled(tmp_path):
    (tmp_path / "x.yaml").mkdir()
    (tmp_path / "bad.yaml").write_bytes("rules:\n  - id: a.b.c\n    title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(RuleSetError) as exc:
        load_rules(tmp_path)
    messages = [str(i) for i in exc.value.issues]
    assert len(messages) == 1 and "bad.yaml" in messages[0] and "line 3" in messages[0] and "not UTF-8" in messages[0]


def test_a_batch_with_one_latin1_data_set_still_reports_the_others(tmp_path, dataset):
    text = (dataset / "people.yaml").read_text(encoding="utf-8").replace("David Pearson", "David Pearsoné")
    (dataset / "people.yaml").write_bytes(text.encode("latin-1"))
    result = _cli("check", str(REAL), str(dataset), "--as-of", "2024-10-17", "--format", "json")
    assert "Traceback" not in result.stderr and result.returncode == 2
    assert "ds: " in result.stderr and "problem(s) loading the data set" in result.stderr
    assert '"failing"' in result.stdout or '"findings"' in result.stdout


# --- case 3: rules that validate but crash or hang the engine -----------------------------------

def _rule_file(tmp_path: Path, require, message: str = "m", **extra) -> Path:
    rule = dict(id="x.y.z", title="probe", severity="low", applies_to="risk", require=require, message=message)
    path = tmp_path / "r.yaml"
    path.write_text(json.dumps({**extra, "rules": [rule]}))  # JSON is YAML, and dumps nests without recursion limits
    return path


def _nested(depth: int) -> dict:
    cond: dict = {"field": "score", "ge": 0}
    for i in range(depth):
        cond = {"all": [cond, {"field": "score", "le": 100 + i}]}
    return cond


@pytest.mark.parametrize("require, expected", [
    ({"any": [{"field": "score", "eq": i} for i in range(14)]}, "14 items; the engine takes at most 12"),
    ({"all": [{"field": "score", "ne": i} for i in range(14)]}, "14 items; the engine takes at most 12"),
    (_nested(14), "nested more than 10 deep"),
    (_nested(200), "nested more than 10 deep"),
    ({"field": "score", "in": list(range(700))}, "700 values; at most 200"),
    ({"field": "day", "ge": {"as_of": {"minus_days": 1_000_000_000}}}, "leaves the calendar"),
    ({"field": "day", "ge": {"as_of": {"plus_months": 1_000_000}}}, "leaves the calendar"),
])
def test_rules_beyond_the_engine_limits_are_refused_at_load(tmp_path, require, expected):
    with pytest.raises(RuleSetError) as exc:
        load_rules(_rule_file(tmp_path, require))
    assert any(expected in str(i) and "x.y.z" in str(i) for i in exc.value.issues)


def test_a_huge_template_width_is_refused(tmp_path):
    with pytest.raises(RuleSetError) as exc:
        load_rules(_rule_file(tmp_path, {"field": "score", "ge": 0}, message="{score:>50000000}"))
    assert any("asks for width 50,000,000" in str(i) for i in exc.value.issues)


def test_references_of_the_wrong_shape_in_file_defaults_is_a_problem_not_a_type_error(tmp_path):
    result = _cli("rules", "validate", str(_rule_file(tmp_path, {"field": "score", "ge": 0}, references=5)))
    assert result.returncode == 2 and "references: expected a list of references, got 5" in result.stderr
    assert "Traceback" not in result.stderr


def test_twelve_branches_still_load_and_run(tmp_path):
    rules = load_rules(_rule_file(tmp_path, {"any": [{"field": "score", "eq": i} for i in range(12)]}))
    run = run_check(REAL, rules, AS_OF)
    assert {f.outcome for f in run.findings} <= {"pass", "fail", "error"}


# --- engine guard list (DESIGN.md): error 113 and serialisation depth ----------------------------

def _compiled(cond) -> CompiledRule:
    return CompiledRule(index=0, when=None, not_when=None, passes=cond, fails=cond)


def test_engine_guard_refuses_a_wide_any_before_durable_rules_fails_with_113():
    wide = AnyOf(tuple(Leaf("score", "eq", i) for i in range(14)))
    with pytest.raises(EngineLimitError, match="14 items in one all/any"):
        check_shape(_compiled(wide))
    check_shape(_compiled(AnyOf(tuple(Leaf("score", "eq", i) for i in range(13)))))


def test_engine_guard_refuses_deep_nesting_before_the_serialisation_depth():
    with pytest.raises(EngineLimitError, match="nested more than 13 deep"):
        check_shape(_compiled(parse_condition(_nested(200))))


# --- case 4: colliding identities ---------------------------------------------------------------

def test_a_repeated_quorum_requirement_id_is_a_load_error(dataset):
    _edit(dataset / "bodies.yaml", "    - id: ceo\n", "    - id: ceo\n      label: again\n      roles: [CEO]\n    - id: ceo\n")
    assert any("bodies.yaml:line 5" in p and "id ceo used more than once" in p for p in _issues(dataset))


# --- case 6: YAML quirks ------------------------------------------------------------------------

def test_a_duplicate_key_in_a_record_is_located(dataset):
    _edit(dataset / "people.yaml", "  initials: DP\n", "  initials: DP\n  initials: DQ\n")
    assert any(p.startswith("people.yaml:line 8:") and "duplicate key 'initials' (first at line 7)" in p
               for p in _issues(dataset))


def test_the_same_person_marked_twice_at_one_meeting_is_refused(dataset):
    meetings = yaml.safe_load((dataset / "meetings.yaml").read_text())
    first = meetings["meetings"][0]
    first["attendance"].append(dict(first["attendance"][0]))
    (dataset / "meetings.yaml").write_text(yaml.safe_dump(meetings))
    assert any("marked more than once" in p for p in _issues(dataset))


@pytest.mark.parametrize("file, old, new, expected", [
    ("people.yaml", "name: David Pearson", "name: ''", "name' String should have at least 1 character"),
    ("bodies.yaml", "min_present: 9", "min_present: true", "expected a whole number, got true"),
    ("organisation.yaml", "{label: Mod, min: 5, max: 10}", "{label: Mod, min: 5, max: 12}", "overlap"),
    ("organisation.yaml", "{label: Low, min: 1, max: 4}", "{label: Low, min: 4, max: 1}", "min 4 above max 1"),
])
def test_yaml_values_that_were_silently_accepted_are_refused(dataset, file, old, new, expected):
    _edit(dataset / file, old, new)
    assert any(expected in p for p in _issues(dataset))


def test_likelihood_true_is_not_read_as_one(dataset):
    text = (dataset / "risks.yaml").read_text()

    (dataset / "risks.yaml").write_text(re.sub(r"likelihood: \d", "likelihood: true", text, count=1))
    assert any("likelihood' expected a whole number, got true" in p for p in _issues(dataset))


def test_a_yaml_alias_bomb_is_refused_without_expanding_it(dataset):
    bomb = "rule_params:\n  x.y.z:\n    a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    for i in range(1, 9):
        bomb += f"    a{i}: &a{i} [*a{'' if i == 1 else i - 1}, *a{'' if i == 1 else i - 1}, *a{'' if i == 1 else i - 1}, *a{'' if i == 1 else i - 1}, *a{'' if i == 1 else i - 1}, *a{'' if i == 1 else i - 1}, *a{'' if i == 1 else i - 1}, *a{'' if i == 1 else i - 1}, *a{'' if i == 1 else i - 1}]\n"
    _edit(dataset / "organisation.yaml", "risk_appetite: {}\n", "risk_appetite: {}\n" + bomb)
    assert any("organisation.yaml" in p and "aliases expand the document" in p for p in _issues(dataset))


# --- case 9: JSON with a BOM, organisation and NUL-byte errors with a line ------------------------

def test_json_with_a_byte_order_mark_loads_like_yaml_with_one(dataset):
    people = yaml.safe_load((dataset / "people.yaml").read_text())
    (dataset / "people.yaml").unlink()
    (dataset / "people.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(people).encode())
    assert load_dataset(dataset).data.people == load_dataset(REAL).data.people


def test_organisation_errors_and_nul_bytes_name_a_line(dataset):
    _edit(dataset / "organisation.yaml", "financial_year_start: 04-01", "financial_year_start: 13-01")
    _edit(dataset / "risks.yaml", "risks:", "risks:\x00")
    problems = _issues(dataset)
    assert any(p.startswith("organisation.yaml:line ") and "financial_year_start" in p for p in problems)
    assert any(p.startswith("risks.yaml:line ") and "NUL byte" in p for p in problems)


# --- case 5: spreadsheets that lost data silently ------------------------------------------------

def _people_csv(dataset: Path, header: str, row_suffix: str) -> None:
    people = yaml.safe_load((dataset / "people.yaml").read_text())["people"]
    (dataset / "people.yaml").unlink()
    rows = [header] + [f"{p['id']},{p['name']},{p.get('role_group', '')}{row_suffix}" for p in people]
    (dataset / "people.csv").write_text("\n".join(rows) + "\n")


def test_a_repeated_csv_column_is_refused_rather_than_the_last_winning(dataset):
    _people_csv(dataset, "id,name,role_group,name", ",Someone Else")
    assert any(p.startswith("people.csv:line 1: field 'name' column appears 2 times") for p in _issues(dataset))


def test_a_value_under_a_blank_header_is_refused_rather_than_dropped(dataset):
    _people_csv(dataset, "id,name,role_group,", ",CEO")
    assert any(p.startswith("people.csv:line 2:") and "column with no header" in p for p in _issues(dataset))


def test_an_xlsx_merged_header_cell_does_not_drop_its_column(dataset):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "name", "role_group", None])
    sheet.append(["peter-axon", "Peter Axon", "executive", "CEO"])
    sheet.merge_cells("C1:D1")
    (dataset / "people.yaml").unlink()
    book.save(dataset / "people.xlsx")
    assert any(p.startswith("people.xlsx:line 2:") and "column with no header" in p for p in _issues(dataset))


_KILLED_WRITER = """
import os, sys
from pathlib import Path
from compliance.io import writer

def stop_before_rename(src, dst):
    # the temporary is written and closed; the parent kills us here, between write and rename
    print("written", flush=True)
    sys.stdin.readline()

os.replace = stop_before_rename
writer.write_atomic(Path(sys.argv[1]), "new report\\n" * 100000)
"""


def test_a_write_killed_midway_leaves_the_target_whole_and_its_leftover_is_removed_next_time(tmp_path):
    """Case 8: kill -9 during a write never leaves a partial target; the one predictable leftover goes next write."""
    from compliance.io.writer import temporary_path, write_atomic
    target = tmp_path / "report.md"
    target.write_text("old report\n", encoding="utf-8")
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    child = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "written"
    finally:
        child.kill()  # SIGKILL: no cleanup handler runs
        child.wait()
    leftover = temporary_path(target)
    assert target.read_text(encoding="utf-8") == "old report\n"
    assert leftover.name == ".report.md.compliance-tmp" and leftover.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".report.md.compliance-tmp", "report.md"]
    write_atomic(target, "next report\n")
    assert target.read_text(encoding="utf-8") == "next report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


@pytest.mark.parametrize("pieces", [["a", "é\n"], [b"a", "\u00e9\n".encode()], [], "a\u00e9\n", "a\u00e9\n".encode()])
def test_a_write_takes_text_bytes_or_pieces_of_either(tmp_path, pieces):
    from compliance.io.writer import write_atomic
    target = tmp_path / "report.json"
    write_atomic(target, iter(pieces) if isinstance(pieces, list) else pieces)
    assert target.read_bytes() == ("" if pieces == [] else "aé\n").encode("utf-8")


def test_a_write_whose_pieces_fail_leaves_the_old_target_and_no_leftover(tmp_path):
    from compliance.io.writer import write_atomic
    target = tmp_path / "report.json"
    target.write_text("old\n", encoding="utf-8")

    def pieces():
        yield b"new"
        raise RuntimeError("the run failed midway")

    with pytest.raises(RuntimeError):
        write_atomic(target, pieces())
    assert target.read_text(encoding="utf-8") == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_an_xlsx_formula_with_no_saved_value_is_a_located_error_not_an_empty_cell(dataset):
    """Case 5: a formula written by a script has no cached result; reading it as empty would apply a default."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "people"
    sheet.append(["id", "name", "voting"])
    sheet.append(["peter-axon", "Peter Axon", "=TRUE()"])
    (dataset / "people.yaml").unlink()
    book.save(dataset / "people.xlsx")  # openpyxl saves formulas without computing them
    problems = _issues(dataset)
    assert any(p.startswith("people.xlsx:sheet 'people' row 2 column C: field 'voting' formula with no saved value;")
               and "Excel/LibreOffice, or type the value" in p and "=TRUE()" in p for p in problems), problems


# --- case 4: identities built by joining ids ------------------------------------------------------

def test_joined_subject_ids_cannot_collide_whatever_the_ids_contain():
    """Case 4: ``icb-board`` + ``x/y`` and ``icb-board/x`` + ``y`` (and risk SBAF1 + A/B) are two subjects."""
    from compliance.facts.derive import join_id
    assert join_id("icb-board", "x/y") != join_id("icb-board/x", "y")
    assert join_id("SBAF1", "A/B") != join_id("SBAF1/A", "B")
    assert join_id("icb-board", "peter-axon") == "icb-board/peter-axon"  # plain ids keep their readable form
    assert join_id("a%2Fb", "c") != join_id("a/b", "c")  # the escape character is escaped too


def test_repeated_action_refs_and_a_literal_suffixed_ref_give_one_outcome_per_subject(dataset):
    """Case 4: refs 2023-24/001 twice plus a literal 2023-24/001#1 never share a (rule, subject)."""
    path = dataset / "actions.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = doc["actions"][0]
    doc["actions"] += [{**first, "description": "a second action under the same ref"},
                       {**first, "ref": "2023-24/001#1", "description": "a ref that looks like a suffixed one"}]
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    run = run_check(dataset, load_rules(["nhs-icb", "nhs-performance"]), AS_OF)
    pairs = [(f.rule_id, f.subject.id) for f in run.findings]
    assert len(pairs) == len(set(pairs))
    subjects = {s for r, s in pairs if r == "nhs.actions.complete-has-evidence"}
    assert {"2023-24/001#1", "2023-24/001#2", "2023-24/001%231"} <= subjects


def test_one_bad_byte_in_people_is_reported_once_not_as_every_reference_to_people(dataset):
    """Case 2/5 follow-on: a register that fails to load is the one problem; what refers to it is counted, not listed."""
    path = dataset / "people.yaml"
    path.write_bytes(path.read_bytes().replace(b"Peter Axon", b"Peter \xe9xon", 1))
    problems = _issues(dataset)
    assert not [p for p in problems if "unknown person id" in p or "unknown body id" in p or "unknown meeting id" in p], problems
    assert sum(p.startswith("people.yaml") for p in problems) == 2, problems  # the byte, and the count below
    assert any(re.fullmatch(r"people\.yaml: \d+ records that refer to people\.yaml were not checked .*", p) for p in problems)


def _write_offset_rule(tmp_path: Path, days) -> Path:
    rule = dict(id="x.y.z", title="probe", severity="low", applies_to="risk", params={"n": days},
                require={"field": "target_date", "ge": {"as_of": {"minus_days": {"param": "n"}}}}, message="m")
    path = tmp_path / "r.yaml"
    path.write_text(json.dumps({"rules": [rule]}))
    return path


def test_an_as_of_offset_given_by_a_param_is_bounded_at_load_and_in_rule_params(tmp_path):
    """Case 3: ``minus_days: {param: n}`` with n = 100,000 leaves the calendar as the literal does (the general param range stops at 1,000,000)."""
    from compliance.rules.loader import check_overrides
    with pytest.raises(RuleSetError) as exc:
        load_rules(_write_offset_rule(tmp_path, 100_000))
    assert any("params.n" in str(i) and "leaves the calendar" in str(i) for i in exc.value.issues), exc.value.issues
    rules = load_rules(_write_offset_rule(tmp_path, 30)).rules
    problems = check_overrides(rules, {"x.y.z": {"n": 100_000}})
    assert problems == ["organisation.yaml: rule_params.x.y.z.n: 100000 days leaves the calendar; expected at most 36,600"]
    assert check_overrides(rules, {"x.y.z": {"n": -5}}) == [
        "organisation.yaml: rule_params.x.y.z.n: -5 is used as as_of minus_days; expected a whole number >= 0"]
    assert check_overrides(rules, {"x.y.z": {"n": 60}}) == []


def test_a_table_without_an_optional_column_warns_naming_file_and_columns(dataset):
    """Issue 13 case 5: leaving `role_group` out of people.csv flips outcomes; the run says so on stderr."""
    people = yaml.safe_load((dataset / "people.yaml").read_text(encoding="utf-8"))["people"]
    rows = ["id,name"] + [f"{p['id']},{p['name']}" for p in people]
    (dataset / "people.yaml").unlink()
    (dataset / "people.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    loaded = load_dataset(dataset, strict=False)
    assert [w for w in loaded.warnings if w.file == "people.csv" and "role_group" in w.message], loaded.warnings
    result = subprocess.run([sys.executable, "-m", "compliance", "check", str(dataset), "--as-of", "2024-10-17", "-q"],
                            capture_output=True, text=True)
    assert result.returncode in (0, 1), result.stderr
    assert any(line.startswith("warning: people.csv:line 1:") and "role_group" in line for line in result.stderr.splitlines())


def test_a_risk_and_an_action_whose_ids_hold_the_separator_are_two_subjects_end_to_end(dataset):
    """Case 4, from the data files: risk SBAF1 with action A/B beside risk SBAF1/A with action B."""
    path = dataset / "risks.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = doc["risks"][0]
    action = {**first["actions"][0]}
    doc["risks"][0] = {**first, "actions": [{**action, "id": "A/B"}]}
    doc["risks"].append({**first, "id": f"{first['id']}/A", "title": "a risk whose id holds a slash",
                         "actions": [{**action, "id": "B"}]})
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    run = run_check(dataset, load_rules(["nhs-icb", "nhs-performance"]), AS_OF, engine="reference")
    pairs = [(f.rule_id, f.subject.id) for f in run.findings]
    assert len(pairs) == len(set(pairs)), "a (rule, subject) has two outcomes"
    actions = {s for r, s in pairs if r == "nhs.risk.action-not-overdue"}
    assert {f"{first['id']}/A%2FB", f"{first['id']}%2FA/B"} <= actions, sorted(actions)


# --- two bad records that share an id are two records ---------------------------------------------

def test_two_bad_actions_sharing_a_reference_each_get_their_own_load_error(dataset):
    actions = yaml.safe_load((dataset / "actions.yaml").read_text(encoding="utf-8"))
    first = dict(actions["actions"][0])
    actions["actions"] += [{**first, "due": "not-a-date"}, {**first, "due": "31/02/2024"}]
    (dataset / "actions.yaml").write_text(yaml.safe_dump(actions, sort_keys=False), encoding="utf-8")
    run = run_check(dataset, load_rules(["nhs-icb", "nhs-performance"]), AS_OF, keep_going=True)
    errors = [f for f in run.findings if f.rule_id == "load.actions"]
    assert len(errors) == 2, [(f.subject.id, f.message) for f in errors]
    assert all(f.subject.id.startswith(first["ref"] + " (actions.yaml line ") for f in errors)
    assert {"not-a-date" in f.message for f in errors} == {True, False}
    keys = [(f.rule_id, f.subject.id) for f in run.findings]
    assert len(keys) == len(set(keys))


def test_a_bad_value_the_validator_already_quotes_is_not_repeated(dataset):
    _edit(dataset / "actions.yaml", "due: '2023-09-21'", "due: not-a-date")
    issue = next(i for i in _issues(dataset) if "not-a-date" in i)
    assert issue.count("not-a-date") == 1, issue


def test_a_bad_action_among_three_sharing_a_reference_leaves_the_numbered_two_undecided(dataset):
    actions = yaml.safe_load((dataset / "actions.yaml").read_text(encoding="utf-8"))
    first = dict(actions["actions"][0])
    actions["actions"] += [{**first, "description": "a second action"}, {**first, "due": "not-a-date"}]
    (dataset / "actions.yaml").write_text(yaml.safe_dump(actions, sort_keys=False), encoding="utf-8")
    run = run_check(dataset, load_rules(["nhs-icb", "nhs-performance"]), AS_OF, keep_going=True)
    numbered = [f for f in run.findings if f.subject.id.startswith(first["ref"] + "#")]
    assert numbered and {f.outcome for f in numbered} == {"error"}
    assert all("shares its reference" in f.message for f in numbered)
    others = [f for f in run.findings if f.subject.kind == "action" and "#" not in f.subject.id]
    assert {f.outcome for f in others} & {"pass", "fail"}


# --- a number facts cannot carry: NaN, an infinity, 10^15 or more --------------------------------

@pytest.mark.parametrize("file, old, new, shown", [
    ("metrics.yaml", "value: 410.0", "value: .nan", "nan"),
    ("metrics.yaml", "value: 410.0", "value: -.inf", "-inf"),
    ("metrics.yaml", "value: 410.0", "value: 1e400", "'1e400'"),
    ("standards.yaml", "threshold: 30.0", "threshold: 1.0e+15", "1000000000000000.0"),
])
def test_a_number_facts_cannot_carry_is_a_located_load_error_not_an_internal_error(dataset, file, old, new, shown):
    """Before: "internal error: ValueError: number nan is out of range" (exit 3) once the facts
    were made. Now the load names the file, line, field and value, and --keep-going makes the
    record an error finding while every other subject is decided as before."""
    _edit(dataset / file, old, new)
    issues = _issues(dataset)
    assert len(issues) == 1 and issues[0].startswith(f"{file}:line "), issues
    assert ("a finite number" in issues[0] or "less than 1000000000000000" in issues[0]), issues
    assert shown in issues[0] and ("'value'" in issues[0] or "'threshold'" in issues[0])
    done = _cli("check", str(dataset), "--as-of", AS_OF.isoformat(), "-q")
    assert done.returncode == 2 and "internal error" not in done.stderr and "Traceback" not in done.stderr
    rules = load_rules(["nhs-icb", "nhs-performance"])
    kept = run_check(dataset, rules, AS_OF, keep_going=True)
    whole = {(f.rule_id, f.subject.id): f.outcome for f in run_check(REAL, rules, AS_OF).findings}
    errors = [f for f in kept.findings if f.outcome == "error"]
    assert errors
    changed = {(f.rule_id, f.subject.id) for f in kept.findings if whole.get((f.rule_id, f.subject.id)) not in (None, f.outcome)}
    assert changed <= {(f.rule_id, f.subject.id) for f in errors}


@pytest.mark.parametrize("raw, named", [
    ({True: {"person.initials": "owner"}, "exists": True}, "['exists', 'on']"),  # `on:` read by YAML 1.1 as true
    ({1: "x", "where": {"field": "a", "eq": 1}}, "['where', 1]"),
    ({"field": "a", "eq": 1, 2: "b"}, "['eq', 2]"),
])
def test_a_condition_with_keys_that_are_not_text_is_a_problem_not_a_type_error(raw, named):
    """Found by the rule-pack fuzz suite: a relation without `related` (its `on:` key a boolean)
    ended in "internal error: TypeError: '<' not supported between instances of 'str' and 'bool'"."""
    from compliance.rules.parse_conditions import ConditionError

    with pytest.raises(ConditionError) as raised:
        parse_condition(raw)
    assert named in str(raised.value)
