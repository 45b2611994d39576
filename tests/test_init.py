"""`compliance init --profile NAME DIR`: a skeleton that loads, read off the models, never overwriting by default."""

import csv
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from compliance.init import columns, example_row, registers_read
from compliance.io import load_dataset
from compliance.io.dataset import TABLE_REGISTERS
from compliance.model import REGISTERS
from compliance.rules import load_rules
from compliance.rules.packs import load_profiles, shipped_packs
from conftest import ROOT


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "compliance", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_init_writes_a_skeleton_that_loads_and_checks(tmp_path):
    result = _cli("init", "--profile", "nhs-icb", "new", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    target = tmp_path / "new"
    assert (target / "compliance.yaml").read_text().strip().endswith("profile: nhs-icb")
    loaded = load_dataset(target)  # strict: any problem raises
    assert loaded.config.profile == "nhs-icb" and loaded.data.people and loaded.data.meetings
    checked = _cli("check", "new", "--as-of", "2024-10-17", "-q", cwd=tmp_path)
    assert checked.returncode in (0, 1), checked.stderr


def test_the_registers_are_those_the_rules_read_with_what_they_refer_to():
    registers = registers_read(load_rules(["nhs-icb", "nhs-performance"]))
    assert {"people", "bodies", "meetings", "declarations", "risks", "actions", "papers", "metrics", "duties"} <= set(registers)
    assert registers_read(load_rules("nhs-performance")) == ["metrics", "standards", "duties"]
    assert "waivers" not in registers


def test_templates_are_read_off_the_models(tmp_path):
    assert _cli("init", "--profile", "nhs-icb", "new", cwd=tmp_path).returncode == 0
    target = tmp_path / "new"
    for register in registers_read(load_rules(["nhs-icb", "nhs-performance"])):
        if register not in TABLE_REGISTERS:
            assert (target / f"{register}.yaml").is_file()
            continue
        with open(target / f"{register}.csv", newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == columns(register) and len(rows) == 2
        required = [n for n, f in REGISTERS[register].model_fields.items() if f.is_required()]
        assert all(any(c == name or c.startswith(name + ".") for c in rows[0]) for name in required)
        sheet = load_workbook(target / "templates" / f"{register}.xlsx").active
        assert [c.value for c in sheet[1]] == rows[0]
        assert [c.value for c in sheet[2]] == [example_row(register).get(c) for c in rows[0]]
    assert "attendance.person" in columns("meetings") and "interests.description" in columns("declarations")


def test_init_refuses_to_overwrite_without_force(tmp_path):
    assert _cli("init", "--profile", "nhs-icb", "new", cwd=tmp_path).returncode == 0
    (tmp_path / "new" / "people.csv").write_text("id,name\nme,My Name\n")
    again = _cli("init", "--profile", "nhs-icb", "new", cwd=tmp_path)
    assert again.returncode == 2 and "already exist" in again.stderr and "--force" in again.stderr
    assert (tmp_path / "new" / "people.csv").read_text() == "id,name\nme,My Name\n"
    forced = _cli("init", "--profile", "nhs-icb", "new", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and "example-person" in (tmp_path / "new" / "people.csv").read_text()


def test_an_unknown_profile_exits_2_naming_the_profiles(tmp_path):
    result = _cli("init", "--profile", "nhs-hospital", "new", cwd=tmp_path)
    assert result.returncode == 2 and "nhs-icb, nhs-trust, uk-company" in result.stderr
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("profile", sorted(load_profiles()))
def test_every_profile_whose_packs_are_installed_inits(tmp_path, profile):
    if not set(load_profiles()[profile]) <= set(shipped_packs()):
        result = _cli("init", "--profile", profile, "new", cwd=tmp_path)
        assert result.returncode == 2 and "does not exist" in result.stderr  # said, not a traceback
        return
    assert _cli("init", "--profile", profile, "new", cwd=tmp_path).returncode == 0
    assert _cli("check", "new", "--as-of", "2024-10-17", "-q", cwd=tmp_path).returncode in (0, 1)
