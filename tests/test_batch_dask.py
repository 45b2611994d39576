"""`compliance check D1 D2 ... --executor dask`: Dask distributed gives the very report `--jobs`
and a serial run give, and no data set is lost to a dead worker or an internal error.

One LocalCluster of two single-threaded worker processes serves the module (a scheduler allowing
one worker death per task, so a task that kills every worker it runs on is given up quickly).
"""

import functools
import json
import logging
import subprocess
import sys

import pytest
from click.testing import CliRunner

import batch_faults
from compliance.batch import check_many, check_streamed, combine, expand
from compliance.cli import main
from compliance.batch_report import iter_json, iter_table, render_table
from compliance.report import render_json
from conftest import AS_OF, ROOT
from test_batch import make_many

RULES = ["nhs-icb", "nhs-performance"]


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """The three data sets of ``test_batch.make_many`` (two load, c-broken does not)."""
    return expand([make_many(tmp_path_factory.mktemp("dask") / "sets")])


@pytest.fixture(scope="module")
def client():
    import cloudpickle
    import dask
    import distributed

    cloudpickle.register_pickle_by_value(batch_faults)  # the workers cannot import tests/
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.CRITICAL)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def serial(sets):
    """The reference: every data set in this process."""
    return check_many(sets, RULES, AS_OF)


def _bytes(outcomes):
    return render_json(combine(outcomes, AS_OF, "d"))


def test_dask_gives_the_serial_report_and_reports_the_data_set_that_does_not_load(client, sets, serial):
    on_dask = check_many(sets, RULES, AS_OF, executor="dask", client=client)
    assert _bytes(on_dask) == _bytes(serial)
    broken = on_dask[2]
    assert broken.path.endswith("c-broken") and broken.document is None and any("people.yaml" in p for p in broken.problems)
    assert not broken.error  # its own data, not the executor
    assert on_dask[0].document["summary"]["total"] > 0 and on_dask[0].document["findings"] != on_dask[1].document["findings"]


def test_the_streamed_report_has_the_bytes_of_the_whole_one(client, sets, serial):
    """Documents rendered on Dask workers, tables in --jobs processes (drawn to this terminal's width)."""
    for fmt, whole, where in (("json", _bytes(serial), dict(executor="dask", client=client)),
                              ("table", render_table(combine(serial, AS_OF, "d")), dict(jobs=2))):
        outcomes, spool, _ = check_streamed(sets, RULES, AS_OF, render=fmt, **where)
        assert all(o.document is None and o.text is None for o in outcomes)  # the parent kept summaries only
        combined = combine(outcomes, AS_OF, "d")
        pieces = iter_json(combined, spool) if fmt == "json" else iter_table(combined, [o.summary for o in outcomes], spool.get)
        assert "".join(pieces) == whole
        spool.close()


def test_a_worker_that_dies_is_replaced_and_its_data_set_rerun(client, sets, serial, tmp_path):
    fn = functools.partial(batch_faults.kill_worker_once, str(tmp_path), ("b-changed",))
    on_dask = check_many(sets, RULES, AS_OF, executor="dask", client=client, fn=fn)
    assert (tmp_path / "killed-b-changed").exists()  # the fault did happen: a worker process died
    assert _bytes(on_dask) == _bytes(serial)


def test_a_data_set_that_kills_every_worker_is_reported_not_lost(client, sets, serial):
    fn = functools.partial(batch_faults.kill_worker_always, ("a-real",))
    scheduler = client.cluster.scheduler
    scheduler.allowed_failures, allowed = 0, scheduler.allowed_failures  # given up at the first death: faster
    try:
        on_dask = check_many(sets, RULES, AS_OF, executor="dask", client=client, fn=fn)
    finally:
        scheduler.allowed_failures = allowed
    lost = on_dask[0]
    assert lost.path.endswith("a-real") and lost.error and lost.document is None and lost.summary is None
    assert len(lost.problems) == 1 and "lost worker" in lost.problems[0] and "KilledWorker" in lost.problems[0]
    assert [o.document for o in on_dask[1:]] == [o.document for o in serial[1:]]
    assert combine(on_dask, AS_OF, "d")["summary"]["not_evaluated"] == 2


def test_an_internal_error_in_one_data_set_is_retried_then_reported(client, sets, serial):
    fn = functools.partial(batch_faults.raise_for, ("b-changed",))
    on_dask = check_many(sets, RULES, AS_OF, executor="dask", client=client, fn=fn)
    assert on_dask[1].error and on_dask[1].problems == [
        "not evaluated because of an internal error: RuntimeError: simulated bug on b-changed"]
    assert on_dask[0].document == serial[0].document


def test_processes_executor_survives_a_dead_worker_too(sets, serial, tmp_path):
    once = functools.partial(batch_faults.kill_worker_once, str(tmp_path), ("a-real",))
    assert _bytes(check_many(sets, RULES, AS_OF, jobs=2, fn=once)) == _bytes(serial)
    assert (tmp_path / "killed-a-real").exists()
    always = functools.partial(batch_faults.kill_worker_always, ("a-real",))
    outcomes = check_many(sets, RULES, AS_OF, jobs=2, fn=always)
    assert outcomes[0].error and "worker process died each time it ran it (3 times)" in outcomes[0].problems[0]
    assert outcomes[2].problems and not outcomes[2].error  # c-broken: still its own load problem


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "compliance", "check", *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def test_cli_executor_dask_output_is_byte_identical_to_jobs_1(sets):
    """(--jobs 2 against --jobs 1: tests/test_batch.py.)"""
    common = [*sets, "--as-of", AS_OF.isoformat(), "--format", "json"]
    serial_run = CliRunner().invoke(main, ["check", *map(str, common), "--jobs", "1"])  # in this process: quicker
    dask_run = _cli(*common, "--executor", "dask", "--workers", "2")  # the command as a user runs it
    assert serial_run.exit_code == dask_run.returncode == 2, dask_run.stderr[-500:]  # c-broken
    assert serial_run.stdout == dask_run.stdout
    assert "c-broken: " in dask_run.stderr and "problem(s) loading the data set" in dask_run.stderr
    doc = json.loads(dask_run.stdout)
    assert [d["profile"] for d in doc["datasets"]] == ["nhs-icb"] * 3 and doc["summary"]["not_evaluated"] == 1


def test_cli_refuses_dask_options_without_dask_and_with_one_data_set(sets):
    invoke = lambda *args: CliRunner().invoke(main, ["check", *map(str, args)])  # noqa: E731
    result = invoke(*sets, "--workers", "2")
    assert result.exit_code == 2 and "--workers is for --executor dask" in result.output
    result = invoke(*sets, "--executor", "dask", "--workers", "2", "--scheduler", "tcp://localhost:1")
    assert result.exit_code == 2 and "give one of them" in result.output
    result = invoke(sets[0], "--executor", "dask")
    assert result.exit_code == 2 and "are for several data sets" in result.output


def test_an_unreachable_scheduler_is_a_clear_error(sets):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = CliRunner().invoke(main, ["check", *map(str, sets), "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2 and "--scheduler tcp://127.0.0.1:1: cannot connect" in result.output, result.output[-500:]


def test_cli_an_internal_error_in_one_data_set_exits_3_naming_it(sets, monkeypatch):
    import compliance.batch

    monkeypatch.setattr(compliance.batch, "check_one", functools.partial(batch_faults.raise_for, ("a-real",)))
    result = CliRunner().invoke(main, ["check", *map(str, sets[:2]), "--as-of", AS_OF.isoformat(), "--format", "json"])
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert "a-real: 1 problem(s) evaluating the data set" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["datasets"][0]["problems"] == ["not evaluated because of an internal error: RuntimeError: simulated bug on a-real"]
    assert doc["datasets"][1]["document"]["summary"]["total"] > 0
