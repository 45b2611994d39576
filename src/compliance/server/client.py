"""The command's side of the start-up server: hand this command to the running server, if there
is one for this installation, and wait for its exit code.

Imports only what Python has loaded before ``main`` or that costs next to nothing (see
``protocol``); anything that goes wrong before the server has taken the command (no server, a
socket left by a server that was killed, a closed standard stream, a declined request) means
the command runs in this process instead, exactly as it would without a server.
"""

import os
import sys

from . import protocol

INTERNAL_ERROR = 3
"""The exit code when the worker ended without one (the CLI's "internal error")."""


def disabled() -> bool:
    """True when ``COMPLIANCE_NO_SERVER`` is set (to anything but empty or ``0``), or the system
    has no ``fork`` (the server needs it)."""
    return os.environ.get("COMPLIANCE_NO_SERVER", "") not in ("", "0") or not hasattr(os, "fork")


def forward(argv: list[str] | None = None) -> int | None:
    """Run this command (``sys.argv``) in the server; its exit code, or None when the server did not
    take it (run it here). The ``compliance server`` commands themselves always run here."""
    argv = sys.argv if argv is None else argv
    if disabled() or _first_word(argv) == "server":
        return None
    path = protocol.existing_socket()
    if path is None:
        return None
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
        channel = protocol.Channel(sock)
        channel.send(_request(argv), fds=protocol.STREAMS)
        reply, _ = channel.receive()
    except (OSError, ValueError):  # no server listening (a stale socket), a closed stream, a bad reply
        sock.close()
        return None
    if reply is None or "pid" not in reply:
        if reply and reply.get("declined") and os.environ.get("COMPLIANCE_DEBUG"):
            print(f"compliance: the server declined ({reply['declined']}); running here", file=sys.stderr)
        sock.close()
        return None
    return _wait(channel, reply["pid"])


def _wait(channel: protocol.Channel, pid: int) -> int:
    """The worker's exit code. Ctrl-C here is passed on to the worker (it is not in this terminal's
    process group), which stops as the command would; so are SIGTERM and SIGHUP, after which the
    exit code is the one a shell gives a process that signal stopped. (``_signal``, not
    ``signal``: the latter imports ``enum``.)"""
    import _signal

    forwarded: list[int] = []

    def pass_on(signum, frame) -> None:
        forwarded.append(signum)
        try:
            os.kill(pid, signum)
        except OSError:
            pass

    for signum in (_signal.SIGTERM, _signal.SIGHUP):
        _signal.signal(signum, pass_on)
    while True:
        try:
            reply, _ = channel.receive()
            break
        except KeyboardInterrupt:
            pass_on(_signal.SIGINT, None)
        except (OSError, ValueError):
            reply = None
            break
    if reply is not None and isinstance(reply.get("exit"), int):
        return reply["exit"]
    ended_by = [s for s in forwarded if s != _signal.SIGINT]
    if ended_by:
        return 128 + ended_by[-1]
    print(f"compliance: the server's worker (process {pid}) ended without an exit code; "
          "run the command again with COMPLIANCE_NO_SERVER=1 and please report it", file=sys.stderr)
    return INTERNAL_ERROR


def _first_word(argv: list[str]) -> str | None:
    """The command's first argument that is not an option (the sub-command's name)."""
    return next((arg for arg in argv[1:] if not arg.startswith("-")), None)


def _request(argv: list[str]) -> dict:
    """What the worker needs to be this command's process."""
    umask = os.umask(0o22)
    os.umask(umask)
    main = sys.modules.get("__main__")
    return {
        "op": "run",
        "identity": protocol.identity(),
        "argv": list(argv),
        "main_package": getattr(main, "__package__", None),
        "path0": sys.path[0] if sys.path else None,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "umask": umask,
    }
