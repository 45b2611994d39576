"""Start, stop and ask after the start-up server of this installation: the Python API the
``compliance server`` commands wrap."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from . import protocol

DEFAULT_IDLE_TIMEOUT = 3600.0
"""Seconds without a command after which a server stops by itself."""


class ServerError(Exception):
    """The server could not be started or stopped; the message says why and what to do."""


@dataclass(frozen=True)
class ServerStatus:
    """A running server, as it describes itself."""

    pid: int
    socket: str
    log: str
    started: float
    served: int
    running: int
    idle_timeout: float


def log_path() -> str:
    """Where the server of this installation writes what it does (beside its socket)."""
    return protocol.socket_path()[: -len(".sock")] + ".log"


def status() -> ServerStatus | None:
    """The running server of this installation, or None."""
    reply = _ask({"op": "status"})
    if not reply or "pid" not in reply:
        return None
    return ServerStatus(reply["pid"], reply["socket"], log_path(), reply["started"], reply["served"], reply["running"],
                        reply["idle_timeout"])


def start(idle_timeout: float = DEFAULT_IDLE_TIMEOUT, wait: float = 60.0) -> tuple[ServerStatus, bool]:
    """Start a server in the background unless one runs: (its status, whether it was started now).

    ServerError if it does not answer within ``wait`` seconds (its log's last lines say why)."""
    if idle_timeout <= 0:
        raise ServerError(f"--idle-timeout {idle_timeout:g}: expected a number of seconds above 0")
    running = status()
    if running:
        return running, False
    too_long = protocol.path_too_long(protocol.socket_path())
    if too_long:
        raise ServerError(too_long)
    try:
        os.makedirs(protocol.server_dir(), mode=0o700, exist_ok=True)
        with open(log_path(), "ab") as log:
            process = subprocess.Popen([sys.executable, "-m", "compliance.server.daemon", repr(idle_timeout)],
                                       cwd=os.sep, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    except OSError as exc:
        raise ServerError(f"cannot write to {protocol.server_dir()} ({exc.strerror or exc}); "
                          "set COMPLIANCE_CACHE_DIR to a directory you can write to") from None
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        running = status()
        if running:
            return running, True
        if process.poll() is not None:
            raise ServerError(f"the server stopped as it started (exit {process.returncode}): {_tail(log_path())}")
        time.sleep(0.05)
    process.terminate()
    raise ServerError(f"the server did not answer within {wait:g} s: {_tail(log_path())}")


def stop(wait: float = 30.0) -> ServerStatus | None:
    """Stop the running server (it finishes the commands it is running first): its last status,
    or None when none was running."""
    running = status()
    if not running:
        return None
    _ask({"op": "stop"})
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and _alive(running.pid):
        time.sleep(0.05)
    if _alive(running.pid):
        raise ServerError(f"the server (process {running.pid}) did not stop within {wait:g} s; kill it with `kill {running.pid}`")
    return running


def _ask(request: dict) -> dict | None:
    """The server's reply to ``request``, or None when none is listening."""
    path = protocol.existing_socket()
    if path is None:
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10.0)
        try:
            sock.connect(path)
            channel = protocol.Channel(sock)
            channel.send({**request, "identity": protocol.identity()})
            reply, _ = channel.receive()
        except (OSError, ValueError):
            return None
    return reply


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)  # our own child (started in this process): reap it
        return finished == 0
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tail(path: str, lines: int = 5) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return " | ".join(handle.read().splitlines()[-lines:]) or "(its log is empty)"
    except OSError:
        return "(no log)"
