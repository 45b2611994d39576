"""Mutation check: every single threshold/operator change to the shipped pack is caught by its cases."""

import shutil

from compliance.testing.mutation import mutants, run_mutation, score
from conftest import ROOT

PACKS = ROOT / "src/compliance/packs"
PACK = PACKS / "nhs-icb"


def test_every_mutant_of_the_shipped_pack_is_caught(tmp_path):
    # nhs-icb with the nhs-common pack it extends (siblings, so extends: resolves to the copy)
    for name in ("nhs-icb", "nhs-common"):
        shutil.copytree(PACKS / name, tmp_path / name)
    results = run_mutation(tmp_path)
    caught, valid = score(results)
    survivors = [(m.rule_id, m.change) for m in results if m.caught is False]
    assert valid >= 100 and not survivors, f"{caught}/{valid} caught; survivors: {survivors}"


def test_a_case_without_the_boundary_lets_the_mutant_survive(tmp_path):
    pack = tmp_path / "pack"
    (pack / "tests").mkdir(parents=True)
    shutil.copy(PACK.parent / "nhs-common" / "actions.yaml", pack / "actions.yaml")
    # only a far-overdue action: moving the due-date boundary by a day goes unnoticed
    (pack / "tests" / "case.yaml").write_text(
        "base:\n  organisation: {name: Example}\n"
        "cases:\n  - name: far overdue\n    as_of: 2024-10-17\n    data:\n      actions:\n"
        "        - {ref: 2024-25/001, description: Late, owner: HJ, due: 2024-01-01}\n"
        "    expect:\n      nhs.actions.not-overdue: {2024-25/001: fail}\n")
    results = [m for m in run_mutation(pack) if m.rule_id == "nhs.actions.not-overdue"]
    survived = {m.change for m in results if m.caught is False}
    assert "effective_due ge → gt" in survived
    assert any(m.caught for m in results), "the open → closed flip must still be caught"


def test_mutants_cover_operators_parameters_and_offsets():
    changes = {m.change for m in mutants(PACK) + mutants(PACKS / "nhs-common")}
    assert "keep_months 6 → 7" in changes and "max_days 28 → 29" in changes
    assert "present_voting ge → gt" in changes and "held eq True → False" in changes
