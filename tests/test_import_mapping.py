"""Mapping file: matching names, validation errors, suggestions; the writer."""

import pytest
import yaml

from compliance.importers.mapping import Mapping, MappingError, PersonMapping, load_mapping, suggest_person
from compliance.importers.writer import REPORT_FILE, write_dataset


def test_find_by_name_alias_then_initial_and_surname():
    m = Mapping(people=[
        PersonMapping(id="josephine-spencer", name="Josephine Spencer", aliases=["Josie Spencer"]),
        PersonMapping(id="neil-carr", name="Neil Carr"),
        PersonMapping(id="paul-brown", name="Paul Brown"),
        PersonMapping(id="peter-brown", name="Peter Brown"),
    ])
    assert m.find("josie  spencer").id == "josephine-spencer"
    assert m.find("Neil Carr OBE").id == "neil-carr"  # honours dropped
    assert m.find("Dr N Carr").id == "neil-carr"  # title dropped, initial + surname
    assert m.find("P Brown") is None  # two Browns with initial P: ambiguous, not guessed
    assert m.find("Nobody Here") is None


def test_load_mapping_errors_name_file_and_field(tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("body: {id: 'has space'}\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"m.yaml: field 'body.id'"):
        load_mapping(bad)
    bad.write_text("people: [\n", encoding="utf-8")
    with pytest.raises(MappingError, match="cannot be read as YAML"):
        load_mapping(bad)
    assert load_mapping(None) == Mapping()


def test_suggestions_from_role_text():
    s = suggest_person("Paul Brown", "Chief Finance Officer", "Staffordshire & Stoke-on-Trent ICB", "members", None)
    assert (s["role_group"], s["roles"]) == ("executive", ["CFO"])
    s = suggest_person("Neil Carr", "Chief Executive", "Midlands Partnership NHS University Foundation Trust", "members", None)
    assert (s["role_group"], s["cohort"]) == ("partner", "nhs_trusts")
    s = suggest_person("Megan Nurse", "Non-Executive Director", "Staffordshire & Stoke-on-Trent ICB", "members", None)
    assert (s["role_group"], s["roles"]) == ("independent", ["NED"])
    assert suggest_person("Kay Johnson", "Executive Assistant", "ICB", "unlabelled", None)["member"] is False


def test_writer_replaces_registers_and_removes_stale_ones(tmp_path):
    org = {"name": "X"}
    write_dataset(tmp_path, "p.txt", org, {"people": [{"id": "a", "name": "A"}], "actions": [{"ref": "1", "description": "d"}]}, {"issues": []}, {})
    assert (tmp_path / "actions.yaml").exists()
    write_dataset(tmp_path, "p.txt", org, {"people": [{"id": "b", "name": "B"}], "actions": []}, {"issues": []}, {})
    assert not (tmp_path / "actions.yaml").exists()
    assert yaml.safe_load((tmp_path / "people.yaml").read_text(encoding="utf-8")) == {"people": [{"id": "b", "name": "B"}]}
    assert (tmp_path / REPORT_FILE).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left
