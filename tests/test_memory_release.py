"""Memory of one large streamed run (issue 17: peak RSS at a million findings): loaded records
share pydantic's set of given fields, a streamed run lets each register go once its facts are
made, and the engine's outcomes are kept per case, not per fact. Each saving must leave every
fact, outcome and byte of output as it was; these tests hold them to that."""

from __future__ import annotations

import sys

import pytest

from compliance.engine.durable_engine import PerFact
from compliance.engine.evaluate import _id_order
from compliance.facts import derive_facts
from compliance.facts.derive import _last_use, _steps
from compliance.facts.records import referred_registers
from compliance.io import load_dataset
from compliance.model.base import SharedFieldsSet
from compliance.model import REGISTERS
from compliance.pipeline import run_check, run_loaded
from compliance.rules import load_rules
from compliance.rules.loader import fields_needed
from conftest import AS_OF, REAL, ROOT

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402  (bench/generate.py: generated data sets)

RULES = load_rules(["nhs-icb", "nhs-performance"])


def _generated(tmp_path):
    """A generated data set of two boards over two years, on disk (``load_dataset`` reads it)."""
    directory = tmp_path / "org"
    generate.write(generate.generate(0, 2, 0, units=2), directory)
    return directory, generate.as_of_for(2)


@pytest.mark.parametrize("source", ["real", "generated"])
def test_released_registers_give_the_same_facts(source, tmp_path):
    directory, as_of = (REAL, AS_OF) if source == "real" else _generated(tmp_path)
    fields = fields_needed(RULES.rules)
    kept = derive_facts(load_dataset(directory).data, as_of, fields)
    data = load_dataset(directory).data
    released = derive_facts(data, as_of, fields, release=True)
    assert released == kept and len(kept) > 100
    # the registers were let go; the people, bodies and waivers (read after the facts) were not
    full = load_dataset(directory).data
    for register in REGISTERS:
        if register in ("people", "bodies", "waivers"):
            assert getattr(data, register) == getattr(full, register)
        else:
            assert getattr(data, register) == [], register
    assert any(getattr(full, r) for r in REGISTERS if r not in ("people", "bodies", "waivers"))


def test_a_register_is_kept_until_the_last_step_that_reads_it_or_follows_a_reference_into_it():
    steps = _steps()
    last = _last_use(steps)
    for position, (_, reads) in enumerate(steps):
        for register in reads | {t for r in reads for t in referred_registers(r)}:
            if register not in ("people", "bodies"):
                assert last[register] >= position, (register, position)
    # papers refer to meetings, so the meetings outlive the papers' step
    assert "meetings" in referred_registers("papers")
    assert last["meetings"] > last["papers"]
    # nested records count: a body's members name people, an agenda item's leads too
    assert "people" in referred_registers("bodies") and "people" in referred_registers("agenda_items")


def test_run_loaded_leaves_the_callers_records_unless_told_to_release_them():
    loaded = load_dataset(REAL)
    before = len(loaded.data.papers)
    run = run_loaded(loaded, RULES, AS_OF, stream=True)
    assert len(list(run.findings)) > 2000
    assert len(loaded.data.papers) == before > 0  # the caller's own copy: kept (run_check releases its own)


def test_loaded_records_share_one_set_of_given_fields_and_copy_as_their_own():
    data = load_dataset(REAL).data
    marks = [mark for meeting in data.meetings for mark in meeting.attendance]
    by_fields = {}
    for mark in marks:
        assert isinstance(mark.__pydantic_fields_set__, SharedFieldsSet)
        by_fields.setdefault(frozenset(mark.model_fields_set), set()).add(id(mark.__pydantic_fields_set__))
    assert len(marks) > len(by_fields) and all(len(ids) == 1 for ids in by_fields.values())
    mark = marks[0]
    given = set(mark.model_fields_set)
    copy = mark.model_copy(update={"note": "late"})
    assert copy.note == "late" and copy.model_fields_set == given | {"note"}
    assert mark.model_fields_set == given and set(mark.model_dump(exclude_unset=True)) == given
    other = next(m for m in marks[1:] if m.__pydantic_fields_set__ is mark.__pydantic_fields_set__)
    mark.note = "late"  # assigned: the record takes its own set; the others keep theirs
    assert mark.note == "late" and mark.model_fields_set == given | {"note"}
    assert other.model_fields_set == given and isinstance(other.__pydantic_fields_set__, SharedFieldsSet)
    with pytest.raises(TypeError, match="shared"):  # the shared set itself refuses changes
        other.__pydantic_fields_set__.add("note")
    mark = other
    import pickle

    again = pickle.loads(pickle.dumps(mark))
    assert again == mark and again.model_fields_set == given and isinstance(again.__pydantic_fields_set__, SharedFieldsSet)


def test_outcomes_per_case_read_as_a_list_per_fact():
    outcomes = PerFact(["pass", "fail"], [0, 1, 1, 0])
    assert list(outcomes) == ["pass", "fail", "fail", "pass"] == outcomes
    assert outcomes[2] == "fail" and outcomes[1:3] == ["fail", "fail"] and len(outcomes) == 4
    assert outcomes != ["pass"] and outcomes != "pass"


def test_facts_in_id_order_need_no_list_of_positions():
    assert _id_order([{"id": "a"}, {"id": "b"}, {"id": "b"}]) == range(3)
    assert _id_order([{"id": "b"}, {"id": "a"}, {"id": "a2"}]) == [1, 2, 0]
    assert _id_order([]) == range(0)


def _cyclic_garbage(action) -> list:
    """The objects ``action`` leaves that only the cyclic collector could free (``gc.garbage``
    with DEBUG_SAVEALL), after a collection of everything before it."""
    import gc

    action()  # once first: caches filled for the process (parsed patterns, kind fields) are not garbage
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        action()
        gc.collect()
        found = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found


@pytest.mark.parametrize("source", ["real", "generated"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_run_leaves_no_cyclic_garbage(source, stream, tmp_path):
    """Memory flat over a batch or a loop of runs (issue 17): a run, its findings explained and its
    document rendered, leaves nothing the collector must find (``engine.gc_policy``: its
    schedule would not reach it). Measured before the fix: ~10,800 objects a run of the real pack."""
    from compliance.outcomes import finalise
    from compliance.report import render_json

    directory, as_of = (REAL, AS_OF) if source == "real" else _generated(tmp_path)

    def action():
        run = run_check(directory, RULES, as_of, stream=stream, explain=True)
        render_json(finalise(run, RULES))

    garbage = _cyclic_garbage(action)
    kinds = sorted({type(o).__qualname__ for o in garbage})
    assert not garbage, f"{len(garbage)} objects in cycles: {kinds[:12]}"


def test_a_batch_leaves_no_cyclic_garbage_with_or_without_out_dir(tmp_path):
    import shutil

    from compliance.batch import check_many

    for n in range(2):
        shutil.copytree(REAL, tmp_path / "sets" / f"org{n}")
    sets = sorted((tmp_path / "sets").iterdir())
    for out_dir in (None, tmp_path / "out"):
        assert not _cyclic_garbage(lambda: check_many(sets, None, AS_OF, out_dir=out_dir))


def test_every_few_evaluations_collect_what_earlier_ones_may_have_left(monkeypatch):
    """The safety net for a cycle on a path the tests miss: one full collection before every
    ``COLLECT_EVERY``-th evaluation after the first, none in a single run."""
    import gc

    from compliance.engine import gc_policy

    full = []
    monkeypatch.setattr(gc_policy, "_evaluations", 0)
    monkeypatch.setattr(gc, "collect", lambda *a: full.append(gc_policy._evaluations) or 0)
    for _ in range(2 * gc_policy.COLLECT_EVERY + 1):
        list(gc_policy.iterate_with_fewer_collections(iter(range(3))))
    assert full == [gc_policy.COLLECT_EVERY + 1, 2 * gc_policy.COLLECT_EVERY + 1]
