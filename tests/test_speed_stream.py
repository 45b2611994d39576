"""Streaming findings (issue 17): the engine makes findings one rule at a time and `check` writes
them as they come. Nothing may be lost, duplicated or changed: every streamed output is compared
with the one the in-memory path (``finalise`` + ``render_json``) writes for the same run."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.engine.findings import FIELDS, Finding, FindingRecord, Subject
from compliance.outcomes import finalise
from compliance.outcomes.finalise import DocumentStream
from compliance.pipeline import run_check
from compliance.report import render_json
from compliance.report.machine import iter_json_stream, iter_jsonl, iter_jsonl_stream
from compliance.rules import load_rules
from conftest import AS_OF, REAL
from outcome_helpers import waiver_yaml

RULES = load_rules(["nhs-icb", "nhs-performance"])


def _broken(dataset):
    """The real data set with one action that cannot be loaded (``--keep-going`` drops it)."""
    text = (dataset / "actions.yaml").read_text()
    (dataset / "actions.yaml").write_text(text.replace("due: '2024-09-26'", "due: someday", 1).replace("due: 2024-09-26", "due: someday", 1))
    return dataset


def _waived(dataset):
    """The real data set with waivers in the states a run can give: applied to two failures, on a
    pass (not needed), on an error, expired (on a failure waived by another), and orphaned."""
    # an SBAF action whose rating was not read: its overdue check is an error to waive
    risks = dataset / "risks.yaml"
    risks.write_text(risks.read_text(encoding="utf-8").replace("progress: blank", "progress: unknown", 1), encoding="utf-8")
    findings = run_check(dataset, RULES, AS_OF).findings
    first = {o: next(f for f in findings if f.outcome == o) for o in ("fail", "pass", "error")}
    other_fail = [f for f in findings if f.outcome == "fail"][5]
    entries = [{"id": "W-1", "rule_id": first["fail"].rule_id, "subject": first["fail"].subject.id},
               {"id": "W-2", "rule_id": other_fail.rule_id, "subject": other_fail.subject.id, "expires": "2024-12-31"},
               {"id": "W-3", "rule_id": first["pass"].rule_id, "subject": first["pass"].subject.id},
               {"id": "W-4", "rule_id": first["error"].rule_id, "subject": first["error"].subject.id},
               {"id": "W-5", "rule_id": other_fail.rule_id, "subject": other_fail.subject.id,
                "valid_from": "2023-01-01", "expires": "2023-06-30"},
               {"id": "W-6", "rule_id": "nhs.no-such.rule", "subject": "nobody"}]
    (dataset / "waivers.yaml").write_text(waiver_yaml(entries))
    return dataset


@pytest.fixture(params=["real", "waived", "keep-going"])
def case(request, dataset):
    """(data set, keep_going): the real pack, the real pack with waivers, and one with a dropped record."""
    if request.param == "real":
        return REAL, False
    return (_waived(dataset), False) if request.param == "waived" else (_broken(dataset), True)


def _keys(findings):
    return [(f.rule_id, f.subject.id) for f in findings]


@pytest.mark.parametrize("explain", [False, True])
def test_streamed_findings_are_the_listed_findings(case, explain):
    path, keep_going = case
    listed = run_check(path, RULES, AS_OF, keep_going=keep_going).findings
    streamed = run_check(path, RULES, AS_OF, keep_going=keep_going, stream=True, explain=explain).findings
    assert not isinstance(streamed, list)
    streamed = list(streamed)
    assert len(streamed) == len(listed) > 2000
    assert _keys(streamed) == _keys(listed) == sorted(_keys(listed))  # same order, sorted
    assert len(set(_keys(streamed))) == len(streamed)  # each (rule, subject) once
    assert [f.model_dump(mode="json") for f in streamed] == [f.model_dump(mode="json") for f in listed]
    if keep_going:
        assert any(f.rule_id.startswith("load.") for f in streamed)


def test_streamed_document_is_byte_identical_to_the_in_memory_one(case):
    path, keep_going = case
    document = finalise(run_check(path, RULES, AS_OF, keep_going=keep_going), RULES)
    stream = DocumentStream(run_check(path, RULES, AS_OF, keep_going=keep_going, stream=True, explain=True), RULES)
    text = "".join(iter_json_stream(stream.findings(), stream.rest))
    assert text == render_json(document)
    assert stream.rest()["summary"] == document["summary"] and document["waivers"] is not None
    if (path / "waivers.yaml").exists():
        states = {s: [w["id"] for w in ws] for s, ws in document["waivers"].items() if ws}
        assert states == {"applied": ["W-1", "W-2"], "not_needed": ["W-3"], "on_error": ["W-4"], "expired": ["W-5"],
                          "orphaned": ["W-6"]}
        assert document["summary"]["by_outcome"]["waived"] == 2
    lines = DocumentStream(run_check(path, RULES, AS_OF, keep_going=keep_going, stream=True), RULES)
    assert "".join(iter_jsonl_stream(lines.findings(), lines.rest)) == "".join(iter_jsonl(document))


def test_without_waivers_the_stream_leaves_them_out():
    document = finalise(run_check(REAL, RULES, AS_OF), RULES, use_waivers=False)
    stream = DocumentStream(run_check(REAL, RULES, AS_OF, stream=True), RULES, use_waivers=False)
    assert "".join(iter_json_stream(stream.findings(), stream.rest)) == render_json(document)
    assert document["waivers"] is None


def test_rest_is_refused_before_the_findings_are_read():
    stream = DocumentStream(run_check(REAL, RULES, AS_OF, stream=True), RULES)
    with pytest.raises(RuntimeError):
        stream.rest()


def test_empty_and_spooled_findings_are_written_as_the_standard_encoder_writes_them():
    rest = {"summary": {"total": 0}, "waivers": None, "coverage": {"rules": []}}
    assert "".join(iter_json_stream([], lambda: rest)) == render_json({**rest, "findings": []})
    findings = [{"rule_id": "r", "evidence": [{"actual": 1.5, "field": "é\n"}], "waiver": None}] * 3
    spool = io.BytesIO()
    spool.close = lambda: None  # keep it readable after the writer's `with`
    text = "".join(iter_json_stream(iter(findings), lambda: rest, spool=spool))
    assert text == render_json({**rest, "findings": findings})
    assert spool.getvalue().count(b'"rule_id"') == 3  # the findings went through the spool, not memory


def test_cli_streamed_outputs_match_the_in_memory_path(tmp_path):
    """One --out (streamed) against two --out (the in-memory path writes both): same bytes, exit code."""
    base = ["check", str(REAL), "--as-of", AS_OF.isoformat(), "--rules", "nhs-icb", "--rules", "nhs-performance"]
    both = CliRunner().invoke(main, base + ["--out", str(tmp_path / "a.json"), "--out", str(tmp_path / "a.jsonl")])
    for name in ("a.json", "a.jsonl"):
        one = CliRunner().invoke(main, base + ["--out", str(tmp_path / ("s" + name))])
        assert one.exit_code == both.exit_code == 1, one.output
        assert (tmp_path / ("s" + name)).read_bytes() == (tmp_path / name).read_bytes()
    stdout = CliRunner().invoke(main, base + ["--format", "json"])
    assert stdout.output == (tmp_path / "a.json").read_text(encoding="utf-8")
    quiet = CliRunner().invoke(main, base + ["-q"])
    assert quiet.exit_code == 1 and quiet.output.count("\n") == 1 and f"{_expected_fails()} failed" in quiet.output


def test_light_findings_keep_the_schema_and_explain_on_demand():
    lazy = run_check(REAL, RULES, AS_OF).findings
    eager = run_check(REAL, RULES, AS_OF, explain=True).findings
    assert tuple(lazy[0].model_dump()) == FIELDS
    for a, b in zip(lazy, eager):
        copied = a.model_copy(update={"change": "new"})  # a copy made before the explanation stays lazy
        assert copied.message == b.message and copied.evidence == b.evidence and copied.change == "new"
        FindingRecord.model_validate(a.model_dump(mode="json"))
    assert lazy == eager
    with pytest.raises(ValueError):
        Finding(rule_id="r", title="t", severity="high", family="f", subject=Subject("k", "i", "l"), outcome="passed",
                message="m", evidence=[], references=[], remediation="", as_of="2024-10-17")


def _expected_fails() -> int:
    """The real pack's fail count, as expected.yaml lists it (not a number copied here)."""
    import yaml  # noqa: PLC0415

    findings = yaml.safe_load((REAL / "expected.yaml").read_text(encoding="utf-8"))["findings"]
    return sum(1 for subjects in findings.values() for v in subjects.values()
               if (v.get("outcome") if isinstance(v, dict) else v) == "fail")


@pytest.mark.parametrize("n", [1, 255, 256, 257, 513])
def test_findings_encoded_in_chunks_are_the_document_s_text(n):
    """Chunk boundaries leave no trace, and a chunk the fast encoder cannot write exactly (a float
    it would write in another form) is written by the standard one, the others unchanged."""
    from compliance.report import render_json_bytes
    from compliance.report.machine import FINDINGS_PER_CHUNK, iter_json_stream_bytes

    assert FINDINGS_PER_CHUNK == 256  # the sizes above straddle it
    rest = {"summary": {"total": n}, "waivers": None, "coverage": {"rules": []}}
    findings = [{"rule_id": f"r{i}", "evidence": [{"actual": 1e-7 if i == n // 2 else i / 8, "field": "é"}], "n": [i, [i]]}
                for i in range(n)]
    expected = render_json_bytes({**rest, "findings": findings})
    assert b"".join(iter_json_stream_bytes(iter(findings), lambda: rest)) == expected
    assert "".join(iter_json_stream(iter(findings), lambda: rest)).encode("utf-8") == expected
