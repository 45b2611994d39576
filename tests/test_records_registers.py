"""The agenda, committee-report and minutes registers: the real transcription, tables, and references."""

import shutil

import pytest
import yaml

from compliance.io import DatasetError, load_dataset
from conftest import REAL


def test_real_pack_holds_the_agenda_committee_reports_and_minutes():
    data = load_dataset(REAL).data
    oct17 = [a for a in data.agenda_items if a.meeting == "board-2024-10-17"]
    assert len(oct17) == 24  # items 1-22 and the two unnumbered rows (lines 29, 31)
    senate = next(a for a in oct17 if a.enclosure == "Enc 14")
    assert (senate.number, senate.purposes, senate.leads) == ("16", ["I", "R"], ["paul-edmondson-jones"])
    assert {m.id: m.quorate for m in data.committee_meetings if (m.report or "").endswith("2024-10")} == {
        "fpc-2024-10-01": "yes", "senate-2024-09-12": "not_stated", "remcom-2024-09-25": "not_stated"}
    assert sorted(d.id for d in data.committee_decisions if d.for_ratification and d.report.endswith("2024-10")) == [
        "fpc-2024-10-01-decision-3", "senate-2024-09-12-decision-1", "senate-2024-09-12-decision-2"]
    assert len([i for i in data.minute_items if i.meeting == "board-2024-09-26"]) == 26
    assert sorted(a.person for a in data.minuted_apologies) == [
        "buki-adeyemo", "elizabeth-disney", "megan-nurse", "mish-irvine", "neil-carr", "shokat-lal"]
    assert [a.owner for a in data.minuted_actions] == ["HJ", "TS", "HJ", "HJ", "HJ", "PEJ", "PEJ", "PEJ", "PB", "PEJ"]  # the last: AGM, line 395
    # meetings the papers' histories show held since the last Board, no report of them in the pack
    assert sorted(m.id for m in data.committee_meetings if m.report is None) == [
        "audit-2024-10-07", "pcic-2024-10-16", "qsc-2024-10-09", "senate-2024-10-10"]


def test_every_record_of_the_new_registers_points_at_its_line_of_the_pack():
    data = load_dataset(REAL).data
    for register in ("agenda_items", "committee_reports", "committee_meetings", "committee_decisions",
                     "committee_escalations", "minute_items", "minute_speakers", "minuted_apologies", "minuted_actions"):
        records = getattr(data, register)
        assert records and all(r.source and r.source.line for r in records), register


def _small(tmp_path):
    ds = tmp_path / "ds"
    ds.mkdir()
    for name in ("organisation.yaml", "people.yaml", "bodies.yaml", "meetings.yaml"):
        shutil.copy(REAL / name, ds / name)
    return ds


def test_agenda_and_minuted_actions_load_from_csv(tmp_path):
    ds = _small(tmp_path)
    (ds / "agenda_items.csv").write_text(
        "id,meeting,number,title,lead,leads,enclosure,purposes,time\n"
        "board-2024-10-17-item-9,board-2024-10-17,9,ICB Chair and Chief Executive Update,DP/PA,david-pearson;peter-axon,Enc 06,I,1.15pm\n")
    (ds / "minute_items.csv").write_text(
        "id,meeting,number,title,outcomes\nm11,board-2024-09-26,11,QSC report,assured;noted\n")
    (ds / "minuted_actions.csv").write_text(
        "id,meeting,minute_item,owner,person,text\n"
        "a1,board-2024-09-26,m11,HJ,heather-johnstone,agreed to obtain further information\n")
    data = load_dataset(ds).data
    assert data.agenda_items[0].leads == ["david-pearson", "peter-axon"] and data.agenda_items[0].purposes == ["I"]
    assert data.minute_items[0].outcomes == ["assured", "noted"]
    assert (data.minuted_actions[0].minute_item, data.minuted_actions[0].person) == ("m11", "heather-johnstone")


@pytest.mark.parametrize("register,record,field,value", [
    ("agenda_items", {"id": "i1", "meeting": "board-1999-01-01", "title": "x"}, "meeting", "board-1999-01-01"),
    ("minuted_apologies", {"id": "a1", "meeting": "board-2024-09-26", "person": "megan-nurse",
                           "represented_by": ["nobody-here"]}, "represented_by", "nobody-here"),
    ("committee_meetings", {"id": "c1", "report": "no-such-report", "committee": "F&PC", "quorate": "yes"}, "report", "no-such-report"),
])
def test_an_unknown_reference_is_a_load_error_naming_file_field_and_value(tmp_path, register, record, field, value):
    ds = _small(tmp_path)
    (ds / f"{register}.yaml").write_text(yaml.safe_dump({register: [record]}))
    with pytest.raises(DatasetError) as info:
        load_dataset(ds)
    [issue] = info.value.issues
    text = str(issue)
    assert f"{register}.yaml" in text and field in text and value in text and "expected an id from" in text


def test_a_bad_quoracy_value_names_the_expected_forms(tmp_path):
    ds = _small(tmp_path)
    (ds / "committee_reports.yaml").write_text(yaml.safe_dump({"committee_reports": [
        {"id": "r1", "meeting": "board-2024-10-17", "committee": "F&PC", "title": "AAA"}]}))
    (ds / "committee_meetings.yaml").write_text(yaml.safe_dump({"committee_meetings": [
        {"id": "c1", "report": "r1", "committee": "F&PC", "quorate": "maybe"}]}))
    with pytest.raises(DatasetError) as info:
        load_dataset(ds)
    text = " ".join(str(i) for i in info.value.issues)
    assert "quorate" in text and "'not_stated'" in text and "maybe" in text


def test_agenda_leads_resolve_by_initials_name_or_chair_and_ambiguity_stays_unlinked():
    from compliance.importers.boardpack.agenda_items import _lead_people
    people = [{"id": "dp", "name": "David Pearson", "initials": "DP", "roles": ["Chair"]},
              {"id": "psm", "name": "Phil Smith", "initials": "PSm"},
              {"id": "pej", "name": "Paul Edmondson-Jones", "initials": "PE-J"},
              {"id": "pg", "name": "Pauline Grant", "initials": "PG"},
              {"id": "pga", "name": "Paul Garner", "initials": "PGa"}]
    assert _lead_people("Chair", people) == ["dp"]
    assert _lead_people("DP/PS", people) == ["dp", "psm"]
    assert _lead_people("PEJ", people) == ["pej"]
    assert _lead_people("Pauline Grant in attendance", people) == ["pg"]
    assert _lead_people("Nicola Bromage in attendance", people) == []
    assert _lead_people("All", people) == []
    assert _lead_people("P", people) == []  # four people's initials start with P: left unlinked
