"""The start-up server (``compliance.server``, issue 17): a command run by a fork of the server
gives the bytes and exit code it gives in its own process, takes on its caller's directory,
environment, umask and terminal, passes Ctrl-C on, and is run in its own process instead whenever
the server could not stand in for one (no server, a killed one, other Python settings, changed
code)."""

from __future__ import annotations

import json
import marshal
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from compliance.server import client, control, protocol
from conftest import AS_OF, REAL, ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or not hasattr(socket, "AF_UNIX"), reason="the server needs fork and Unix sockets")


def _environment(cache: Path, src: Path = ROOT / "src") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COMPLIANCE_NO_SERVER", "COMPLIANCE_DEBUG")}
    return {**env, "COMPLIANCE_CACHE_DIR": str(cache), "PYTHONPATH": str(src)}


def _compliance(env: dict[str, str], *args: str, cwd: Path = ROOT, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "compliance", *args], env=env, cwd=cwd, capture_output=True, **kwargs)


def _served(env: dict[str, str]) -> int:
    status = _compliance(env, "server", "status")
    assert status.returncode == 0, status.stdout
    return int(re.search(rb"(\d+) commands? served", status.stdout).group(1))


def _short_dir(prefix: str) -> Path:
    """A new directory with a short path (under /tmp where there is one): a Unix socket's path is
    at most about 100 bytes, and pytest's own temporary directories can be longer."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp" if os.path.isdir("/tmp") else None))


@pytest.fixture(scope="module")
def server():
    """A server of this checkout, in a cache directory of its own (``_short_dir``), stopped at the end."""
    cache = _short_dir("cs-")
    env = _environment(cache)
    started = _compliance(env, "server", "start", "--idle-timeout", "600")
    assert started.returncode == 0 and started.stdout.startswith(b"started: process "), started
    try:
        yield env
    finally:
        stopped = _compliance(env, "server", "stop")
        assert stopped.returncode == 0 and stopped.stdout.startswith(b"stopped: process "), stopped
        assert _compliance(env, "server", "status").returncode == 1
        shutil.rmtree(cache, ignore_errors=True)


def _same_as_alone(env: dict[str, str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``args`` through the server and in their own process: the same exit code, stdout and
    stderr (but the summary line's elapsed time); the first run is the server's."""
    before = _served(env)
    served = _compliance(env, *args, cwd=cwd)
    assert _served(env) == before + 1, "the command was not run by the server"
    alone = _compliance({**env, "COMPLIANCE_NO_SERVER": "1"}, *args, cwd=cwd)
    timing = re.compile(rb" in \d+(\.\d+)? s\b")
    assert (served.returncode, served.stdout, timing.sub(b"", served.stderr)) == (
        alone.returncode, alone.stdout, timing.sub(b"", alone.stderr))
    return served


D, ASOF = str(REAL), AS_OF.isoformat()


@pytest.mark.parametrize("args", [
    ["check", D, "--as-of", ASOF],
    ["check", D, "--as-of", ASOF, "-q"],
    ["check", D, "--as-of", ASOF, "--all", "--color", "always"],
    ["check", D, "--as-of", ASOF, "--format", "json"],
    ["check", D, "--as-of", ASOF, "--format", "jsonl", "--family", "conflicts"],
    ["check", D, "--as-of", ASOF, "--format", "sarif", "--no-waivers"],
    ["check", D, "--as-of", "31/02/2024"],  # a usage error: click's message names the program alike
    ["check", str(ROOT / "no-such-data-set")],
    ["chek"],
    ["--help"],
    ["rules", "explain", "nhs.conflicts.ceased-removed"],
    ["preboard", D, "--meeting", "board-2024-10-17"],
    ["report", D, "--as-of", ASOF, "--format", "markdown"],
    ["test", "docs/examples/our-pack"],  # the rule-test harness: pytest and hypothesis imported in the worker
])
def test_a_command_in_the_server_is_what_it_is_in_its_own_process(server, args):
    done = _same_as_alone(server, *args)
    if args[0] == "check" and args[2:4] == ["--as-of", ASOF]:
        assert done.returncode == 1 and len(done.stdout + done.stderr) > 50  # a real check, failures found


@pytest.mark.parametrize("keep_going", [False, True])
def test_records_read_afresh_in_the_server_are_what_they_are_alone(server, tmp_path, keep_going):
    """No cache: the worker validates with the validators the server built up front
    (``daemon.prebuild``), the process alone with the ones it builds as it goes; the same
    findings and the same messages for a bad record (a date that does not exist)."""
    dataset = tmp_path / "edited"
    shutil.copytree(REAL, dataset)
    meetings = dataset / "meetings.yaml"
    meetings.write_text(meetings.read_text().replace("date: '2024-05-16'", "date: '2024-05-36'", 1))
    args = ["check", str(dataset), "--as-of", ASOF, "--format", "json"] + (["--keep-going"] if keep_going else [])
    done = _same_as_alone({**server, "COMPLIANCE_NO_CACHE": "1"}, *args)
    assert done.returncode == (1 if keep_going else 2) and b"2024-05-36" in done.stdout + done.stderr


def test_a_command_takes_on_its_callers_directory_umask_and_environment(server, tmp_path):
    """A relative --out lands in the caller's directory, with the caller's umask; NO_COLOR and the
    TZ the caller sets are the command's."""
    env = {**server, "TZ": "Pacific/Auckland"}  # not the server's: the worker takes it on (time.tzset)
    before = _served(env)
    done = subprocess.run([sys.executable, "-m", "compliance", "check", D, "--as-of", ASOF, "--out", "c.json", "-q"],
                          env=env, cwd=tmp_path, capture_output=True, preexec_fn=lambda: os.umask(0o077))
    assert done.returncode == 1 and _served(env) == before + 1
    assert (tmp_path / "c.json").stat().st_mode & 0o777 == 0o600
    alone = _compliance({**env, "COMPLIANCE_NO_SERVER": "1"}, "check", D, "--as-of", ASOF, "--format", "json")
    assert (tmp_path / "c.json").read_bytes() == alone.stdout
    coloured = _compliance({**env, "NO_COLOR": "1"}, "check", D, "--as-of", ASOF, "--color", "auto")
    assert b"\x1b[" not in coloured.stdout
    # the default as_of is the caller's today: UTC+14 and UTC-12 are never on the same date
    days = {json.loads(_compliance({**env, "TZ": tz}, "check", D, "--format", "json").stdout)["as_of"]
            for tz in ("Pacific/Kiritimati", "Etc/GMT+12")}
    assert len(days) == 2 and _served(env) == before + 4


def test_a_batch_in_the_server_forks_its_own_processes_alike(server, tmp_path):
    """--jobs 2 from a worker: its processes are the worker's forks; the combined document is the
    one the batch writes in its own process."""
    for name in ("a", "b"):
        shutil.copytree(REAL, tmp_path / name)
    _same_as_alone(server, "check", str(tmp_path), "--as-of", ASOF, "--jobs", "2", "--format", "json")


def _blocked_dataset(tmp_path: Path) -> Path:
    """The real pack with its action log a named pipe no one writes: a check blocks reading it."""
    dataset = tmp_path / "blocked"
    shutil.copytree(REAL, dataset)
    (dataset / "actions.yaml").unlink()
    os.mkfifo(dataset / "actions.yaml")
    return dataset


def _reading(fifo: Path, child: subprocess.Popen) -> int:
    """Wait until the command has opened the named pipe to read it (so it is past start-up and
    will block there): the write end, held open so that the reader waits instead of reading an end."""
    for _ in range(1200):
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # ENXIO until a reader has it open
        except OSError:
            assert child.poll() is None, child.communicate()
            time.sleep(0.05)
    raise AssertionError(f"the command never opened {fifo}")


def _signalled(dataset: Path, env: dict[str, str], signum: int) -> tuple[int, bytes]:
    """Check ``dataset`` (``_blocked_dataset``), send the command ``signum`` once it is blocked on
    the pipe: its exit code and stderr."""
    child = subprocess.Popen([sys.executable, "-m", "compliance", "check", str(dataset), "--as-of", ASOF],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    writer = _reading(dataset / "actions.yaml", child)
    child.send_signal(signum)
    _, err = child.communicate(timeout=30)
    os.close(writer)
    return child.returncode, err


def test_sigterm_to_the_command_stops_its_worker(server, tmp_path):
    dataset = _blocked_dataset(tmp_path)
    before = _served(server)
    assert _signalled(dataset, server, signal.SIGTERM) == (128 + signal.SIGTERM, b"")
    for _ in range(100):  # the worker is gone too, not left blocked on the pipe
        if b"0 running now" in _compliance(server, "server", "status").stdout:
            break
        time.sleep(0.1)
    assert _served(server) == before + 1 and b"0 running now" in _compliance(server, "server", "status").stdout
    assert _compliance(server, "rules", "list").returncode == 0  # a command that has ended is not running
    assert b", 0 running now" in _compliance(server, "server", "status").stdout


def test_output_and_errors_into_one_pipe_interleave_as_alone(server):
    """`2>&1`: the worker's streams are buffered as Python buffers a fresh process's (stdout by
    blocks on a pipe unless -u or PYTHONUNBUFFERED, stderr by lines), so the table and the summary
    line reach a shared pipe in the same order."""
    outputs = []
    for env in (server, {**server, "COMPLIANCE_NO_SERVER": "1"}):
        done = subprocess.run([sys.executable, "-m", "compliance", "check", D, "--as-of", ASOF, "--all"], env=env,
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        outputs.append((done.returncode, re.sub(rb" in \d+(\.\d+)? s\b", b"", done.stdout)))
    assert outputs[0] == outputs[1] and outputs[0][0] == 1


def test_a_reader_closing_the_output_early_gets_exit_141_from_the_server_too(server):
    before = _served(server)
    child = subprocess.Popen([sys.executable, "-m", "compliance", "check", D, "--as-of", ASOF, "--format", "jsonl"],
                             env=server, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.read(10)
    child.stdout.close()
    with child.stderr:
        assert (child.wait(), child.stderr.read()) == (141, b"")
    assert _served(server) == before + 1


def test_ctrl_c_reaches_the_worker(server, tmp_path):
    """A worker blocked reading a register (a named pipe no one writes) stops on Ctrl-C as the
    command does in its own process: click's "Aborted!", exit 1."""
    dataset = _blocked_dataset(tmp_path)
    results = []
    for env in (server, {**server, "COMPLIANCE_NO_SERVER": "1"}):
        code, err = _signalled(dataset, env, signal.SIGINT)
        results.append((code, err.strip().splitlines()[-1:]))
    assert results[0] == results[1] == (1, [b"Aborted!"])


def test_other_python_settings_are_declined_and_run_alone(server):
    """A command the server cannot stand in for (here another hash seed, a variable Python reads as
    it starts) runs in its own process: the same output, nothing served."""
    before = _served(server)
    env = {**server, "PYTHONHASHSEED": "12345", "COMPLIANCE_DEBUG": "1"}
    done = _compliance(env, "check", D, "--as-of", ASOF, "-q")
    assert done.returncode == 1 and b"the server declined (the command's startup_env is not the server's)" in done.stderr
    assert _served(server) == before


def test_changed_code_is_declined_and_stops_the_server(tmp_path):
    """An installation whose files change under a running server (an upgrade, an edit) is never
    served by the old code: the worker declines, the command runs alone, the server stops."""
    src = _short_dir("cs-src-")
    cache = _short_dir("cs-")
    try:
        shutil.copytree(ROOT / "src" / "compliance", src / "compliance", ignore=shutil.ignore_patterns("__pycache__"))
        env = _environment(cache, src)
        assert _compliance(env, "server", "start").returncode == 0
        assert _compliance(env, "rules", "list").returncode == 0 and _served(env) == 1
        (src / "compliance" / "report" / "text.py").write_text((src / "compliance" / "report" / "text.py").read_text() + "\n# changed\n")
        done = _compliance({**env, "COMPLIANCE_DEBUG": "1"}, "check", D, "--as-of", ASOF, "-q")
        assert done.returncode == 1 and b"the installed code changed since the server started" in done.stderr
        for _ in range(100):
            if _compliance(env, "server", "status").returncode == 1:
                break
            time.sleep(0.1)
        assert _compliance(env, "server", "status").returncode == 1
        assert not any(cache.glob("server/*.sock"))
    finally:
        _compliance(_environment(cache, src), "server", "stop")
        shutil.rmtree(src, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)


def test_a_killed_server_leaves_commands_running_alone_and_can_be_started_again():
    cache = _short_dir("cs-")
    env = _environment(cache)
    try:
        started = _compliance(env, "server", "start", "--idle-timeout", "1")
        pid = int(re.search(rb"process (\d+)", started.stdout).group(1))
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        assert any(cache.glob("server/*.sock")), "a killed server leaves its socket"
        done = _compliance(env, "check", D, "--as-of", ASOF, "-q")
        assert done.returncode == 1 and b"219 failed" in done.stderr
        again = _compliance(env, "server", "start", "--idle-timeout", "1")
        assert again.returncode == 0 and again.stdout.startswith(b"started"), again
        for _ in range(100):  # an idle timeout of 1 s: it stops by itself and removes its socket
            if not any(cache.glob("server/*.sock")):
                break
            time.sleep(0.1)
        assert not any(cache.glob("server/*.sock"))
        assert _compliance(env, "server", "status").returncode == 1
        assert _compliance(env, "server", "stop").stdout == b"no server was running\n"
    finally:
        _compliance(env, "server", "stop")
        shutil.rmtree(cache, ignore_errors=True)


def test_a_socket_path_too_long_is_a_clear_error(tmp_path):
    deep = tmp_path / ("x" * 120)
    done = _compliance(_environment(deep), "server", "start")
    assert done.returncode == 2 and b"longer than a Unix socket's path may be" in done.stderr
    assert b"COMPLIANCE_CACHE_DIR" in done.stderr


def test_a_cache_directory_that_cannot_be_written_is_a_clear_error(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    done = _compliance(_environment(blocked), "server", "start")
    assert done.returncode == 2 and b"cannot write to" in done.stderr and b"COMPLIANCE_CACHE_DIR" in done.stderr


def test_messages_keep_their_bounds_and_carry_file_descriptors():
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        sender, receiver = protocol.Channel(left), protocol.Channel(right)
        read, write = os.pipe()
        sender.send({"op": "run", "argv": ["compliance", "é"]}, fds=(write,))
        sender.send({"exit": 3})  # two messages that may arrive in one read are two messages
        message, fds = receiver.receive(max_fds=3)
        assert message == {"op": "run", "argv": ["compliance", "é"]} and len(fds) == 1
        os.write(fds[0], b"through the passed descriptor")
        assert os.read(read, 100) == b"through the passed descriptor"
        assert receiver.receive() == ({"exit": 3}, [])
        for fd in (read, write, *fds):
            os.close(fd)
        left.sendall((protocol.MAX_MESSAGE + 1).to_bytes(4, "big"))
        with pytest.raises(ValueError, match="at most"):
            receiver.receive()
    # a malformed body is ValueError whatever marshal raises for it (EOFError for one cut short),
    # which is what the server catches, and the descriptors sent with it are closed
    for body, error in ((b"\x00", "not marshal data"), (b"", "not marshal data"), (b"\xff", "not marshal data"),
                        (marshal.dumps(1001, 4), "not a mapping")):
        left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with left, right:
            read, write = os.pipe()
            left.sendmsg([len(body).to_bytes(4, "big") + body],
                         [(socket.SOL_SOCKET, socket.SCM_RIGHTS, write.to_bytes(4, sys.byteorder))])
            os.close(write)
            with pytest.raises(ValueError, match=error):
                protocol.Channel(right).receive(max_fds=3)
            assert os.read(read, 1) == b"", "the descriptor that came with the message is still open"
            os.close(read)
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        left.sendall(protocol.encode({"exit": 0})[:6])  # cut short: the other end went away
        left.shutdown(socket.SHUT_WR)
        assert protocol.Channel(right).receive() == (None, [])


def test_the_client_stands_aside_when_told_to_or_for_the_server_commands(monkeypatch):
    monkeypatch.setenv("COMPLIANCE_NO_SERVER", "1")
    assert client.disabled() and client.forward(["compliance", "check", "x"]) is None
    monkeypatch.delenv("COMPLIANCE_NO_SERVER")
    assert client._first_word(["compliance", "--debug", "server", "stop"]) == "server"
    assert client.forward(["compliance", "server", "stop"]) is None


def test_no_server_is_no_status(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path))
    assert control.status() is None and control.stop() is None
    with pytest.raises(control.ServerError, match="above 0"):
        control.start(idle_timeout=0)
