"""Performance registers: the letter's transcription rests on its lines, and the registers load from tables."""

import datetime as dt

import pytest
import yaml

from compliance.io import DatasetError, load_dataset

from conftest import REAL, ROOT

LETTER_DATA = ROOT / "fixtures" / "ssot-2024-25-assessment"
LETTER = ROOT / "fixtures" / "packs" / "nhse-annual-assessment-ssot-2024-25.txt"  # a copy of ../shared/seeds


def _letter_line(n: int) -> str:
    return LETTER.read_text(encoding="utf-8").splitlines()[n - 1]


def _verdicts():
    return yaml.safe_load((LETTER_DATA / "letter-verdicts.yaml").read_text(encoding="utf-8"))


def test_letter_data_set_loads_clean():
    data = load_dataset(LETTER_DATA).data
    assert (len(data.metrics), len(data.standards), len(data.duties)) == (14, 11, 3)


# thresholds the letter states in words, or not at all (each standard's note says so): the word it uses instead
IN_WORDS = {"cancer-fds-national-2024-25": "Faster Diagnosis Standard", "rtt-65-week-commitment-2024-25": "eliminate",
            "icb-expenditure-limit-2024-25": "deficits", "workforce-over-plan-2024-25": "more than forecast in its Operating Plan"}


def test_every_record_of_the_letter_data_set_cites_a_line_of_the_letter_that_holds_its_number():
    data = load_dataset(LETTER_DATA).data
    for record in [*data.metrics, *data.standards]:
        assert record.source.file == LETTER.name
        number = record.value if hasattr(record, "value") else record.threshold
        text = _letter_line(record.source.line).replace(",", "")
        shown = IN_WORDS.get(record.id) or (f"{abs(number):g}" if abs(number) != int(abs(number)) else f"{int(abs(number))}")
        assert shown in text, f"{record.id}: {shown} not on letter line {record.source.line}"


def test_each_verdict_quotes_its_line_and_names_records_that_cite_the_same_line():
    data = load_dataset(LETTER_DATA).data
    standards, metrics, duties = ({r.id: r for r in rs} for rs in (data.standards, data.metrics, data.duties))
    verdicts = _verdicts()
    assert verdicts["as_of"] == dt.date(2025, 7, 30) and "30 July 2025" in _letter_line(22)
    for v in verdicts["standards"]:
        assert v["verdict"] in ("met", "not_met")
        for fragment in v["quote"].split(" ... "):
            assert fragment in _letter_line(v["line"]), (v["standard"], fragment)
        assert standards[v["standard"]].source.line == v["line"] and metrics[v["metric"]].measure == standards[v["standard"]].measure
    for v in verdicts["duties"]:
        assert v["duty"] in duties and duties[v["duty"]].source.line == v["line"]
        assert all(f in _letter_line(v["line"]) for f in v["quote"].split(" ... "))
    assert {v["standard"] for v in verdicts["standards"]} == set(standards)  # a verdict for every standard transcribed


def test_pack_metrics_cite_pack_lines_and_plans_they_are_compared_with_exist():
    data = load_dataset(REAL).data
    standards = {s.id for s in data.standards}
    assert all(m.source and m.source.line for m in data.metrics)
    assert all(m.against in standards for m in data.metrics if m.against)
    assert not any(m.against for m in data.metrics if m.basis == "variance")


def test_metrics_and_standards_load_from_csv_with_dotted_period_columns(tmp_path):
    (tmp_path / "organisation.yaml").write_text("name: Example ICB\n", encoding="utf-8")
    (tmp_path / "standards.csv").write_text(
        "id,measure,comparison,threshold,kind,effective_from,effective_to,exclusions\n"
        "ae-76,ae-4-hour,ge,76,national_standard,2023-04-01,2024-03-31,type 3 only;walk-in\n", encoding="utf-8")
    (tmp_path / "metrics.csv").write_text(
        "id,measure,scope,period.start,period.end,value,unit,against,source.line\n"
        "m1,ae-4-hour,system,01/03/2024,31/03/2024,74.2,%,ae-76,12\n", encoding="utf-8")
    data = load_dataset(tmp_path).data
    assert data.metrics[0].period.end == dt.date(2024, 3, 31) and data.metrics[0].against == "ae-76"
    assert data.standards[0].exclusions == ["type 3 only", "walk-in"]


def test_bad_period_and_unknown_standard_are_load_errors_naming_file_row_and_field(tmp_path):
    (tmp_path / "organisation.yaml").write_text("name: Example ICB\n", encoding="utf-8")
    (tmp_path / "metrics.csv").write_text(
        "id,measure,scope,period.start,period.end,value,against\n"
        "m1,ae,system,2024-03-31,2024-03-01,1,\n"
        "m2,ae,system,2024-03-01,2024-03-31,1,nope\n", encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        load_dataset(tmp_path)
    text = "\n".join(map(str, err.value.issues))
    assert "metrics.csv" in text and "line 2" in text and "period" in text and "before start" in text
    assert "line 3" in text and "against" in text and "unknown standard id" in text


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_the_checker_gives_every_standard_and_duty_the_letters_verdict(engine):
    from compliance.pipeline import run_check
    from compliance.rules import load_rules

    verdicts = _verdicts()
    run = run_check(LETTER_DATA, load_rules("nhs-performance"), verdicts["as_of"], engine=engine)
    data = run.loaded.data
    standards = {s.id: s for s in data.standards}
    # the finding that judges a (metric, standard) pair: the plan rule when the metric names that standard,
    # otherwise the rule for the standard's kind
    by_subject: dict[tuple[str, str], str] = {(f.rule_id.rsplit(".", 1)[1], f.subject.id): f.outcome for f in run.findings}
    metrics = {m.id: m for m in data.metrics}
    wrong = []
    for v in verdicts["standards"]:
        metric, standard = metrics[v["metric"]], standards[v["standard"]]
        rule = "plan" if metric.against == standard.id else "national"
        assert rule == "plan" or standard.kind == "national_standard", v
        got = by_subject[(rule, metric.id)]
        if got != {"met": "pass", "not_met": "fail"}[v["verdict"]]:
            wrong.append(f"letter line {v['line']}: {v['standard']} is {v['verdict']} in the letter, {got} by the checker")
    for v in verdicts["duties"]:
        want = {"met": "pass", "not_met": "fail"}[v["verdict"]] if v.get("decidable", True) else "error"
        got = by_subject[("evidenced", v["duty"])]
        if got != want:
            wrong.append(f"letter line {v['line']}: duty {v['duty']} should be {want}, the checker gives {got}")
    for v in verdicts["information"]:
        if by_subject[("information-only", v["metric"])] != "pass":
            wrong.append(f"letter line {v['line']}: {v['metric']} should be information only")
    assert not wrong, "\n".join(wrong)
