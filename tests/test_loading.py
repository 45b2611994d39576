"""Every loader error path names file, location, field, the bad value and the expected form."""

import pytest
import yaml

from compliance.io import DatasetError, load_dataset
from compliance.model.dates import parse_date
from conftest import REAL


def _edit(path, register, fn):
    doc = yaml.safe_load(path.read_text())
    fn(doc[register])
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def _messages(ds):
    with pytest.raises(DatasetError) as info:
        load_dataset(ds)
    return [str(i) for i in info.value.issues]


def test_real_dataset_loads_without_issues():
    loaded = load_dataset(REAL)
    assert loaded.ok
    assert len(loaded.data.people) >= 30 and len(loaded.data.declarations) == 24


@pytest.mark.parametrize("text,expected", [
    ("2024-09-20", "2024-09-20"), ("20/09/2024", "2024-09-20"), ("20/09/24", "2024-09-20"),
    ("20th September 2024", "2024-09-20"), ("26 th September 2024", "2024-09-26"), ("4 October 2024", "2024-10-04"),
])
def test_uk_date_forms(text, expected):
    assert parse_date(text).isoformat() == expected


def test_malformed_date_names_file_line_field_and_forms(dataset):
    _edit(dataset / "declarations.yaml", "declarations", lambda recs: recs[0].update(declared_on="31st Septober 2024"))
    msgs = _messages(dataset)
    assert len(msgs) == 1
    assert msgs[0].startswith("declarations.yaml:line ")
    assert "field 'declared_on'" in msgs[0] and "20th September 2024" in msgs[0] and "Septober" in msgs[0]


def test_unknown_person_id(dataset):
    _edit(dataset / "declarations.yaml", "declarations", lambda recs: recs[1].update(person="no-such-person"))
    msgs = _messages(dataset)
    assert any("field 'person' unknown person id; expected an id from people" in m and "'no-such-person'" in m for m in msgs)


def test_duplicate_id(dataset):
    _edit(dataset / "people.yaml", "people", lambda recs: recs.append(dict(recs[0])))
    msgs = _messages(dataset)
    assert any("field 'id' duplicate id; ids must be unique within people" in m for m in msgs)


def test_bad_enum(dataset):
    _edit(dataset / "actions.yaml", "actions", lambda recs: recs[0].update(status="finished"))
    msgs = _messages(dataset)
    assert len(msgs) == 1 and "field 'status'" in msgs[0] and "'open', 'due', 'pending', 'complete' or 'unknown'" in msgs[0] and "'finished'" in msgs[0]


def test_missing_csv_column_and_every_bad_row_reported(dataset):
    (dataset / "actions.yaml").unlink()
    (dataset / "actions.csv").write_text("ref,due\nA/1,01/01/2024\nA/2,not a date\n")
    msgs = _messages(dataset)
    assert msgs == ["actions.csv:line 1: field 'description' missing column 'description' (required for every actions record)"]


def test_csv_rows_report_line_numbers(dataset):
    (dataset / "actions.yaml").unlink()
    (dataset / "actions.csv").write_text("ref,description,due\nA/1,first,01/01/2024\nA/2,second,not a date\nA/3,third,2024-02-30\n")
    msgs = _messages(dataset)
    assert [m.split(":")[1] for m in msgs] == ["line 3", "line 4"]
    assert "not a real date" in msgs[1]


def test_keep_going_keeps_valid_records(dataset):
    _edit(dataset / "actions.yaml", "actions", lambda recs: recs[0].update(due="soon"))
    loaded = load_dataset(dataset, strict=False)
    assert len(loaded.issues) == 1 and len(loaded.data.actions) == 5


def test_xlsx_register(dataset):
    openpyxl = pytest.importorskip("openpyxl")
    (dataset / "actions.yaml").unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ref", "description", "due", "status"])
    sheet.append(["X/1", "an action", "2024-09-01", "open"])
    book.save(dataset / "actions.xlsx")
    loaded = load_dataset(dataset)
    assert [a.ref for a in loaded.data.actions] == ["X/1"]
