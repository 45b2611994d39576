"""The start-up server's side: import the tool once, then fork a worker for each command.

Run by ``compliance server start`` as ``python -m compliance.server.daemon`` (in its own session,
its output to a log beside its socket). It serves one installation (``protocol.socket_path``)
and declines what a fresh process would do differently (``protocol.identity``); a worker whose
installed code or libraries changed since the server started declines too and stops the server,
so an upgrade never runs old code. It stops on ``compliance server stop``, SIGTERM or SIGINT, or
after ``idle_timeout`` seconds without a command.
"""

from __future__ import annotations

import gc
import importlib
import io
import os
import pkgutil
import signal
import socket
import stat
import sys
import threading
import time
import types

from . import protocol

PRELOAD_SKIP = ("compliance.server", "compliance.testing", "compliance.__main__")
"""Modules not imported up front: the server's own, and the rule-test harness (it imports pytest
and hypothesis, which a ``check`` never does; ``compliance test`` imports them in its worker)."""
PRELOAD_LIBRARIES = ("yaml", "csv", "shutil")
"""Imported up front too although the tool imports them only where needed (a run served from the
cache needs none): every check of records read afresh does."""
REQUEST_TIMEOUT = 10.0
"""Seconds a connection may take to send its request (a stuck client cannot hold the server)."""


class Server:
    """One listening server: its socket, its identity and what it has served."""

    def __init__(self, idle_timeout: float) -> None:
        self.idle_timeout = idle_timeout
        self.path = protocol.socket_path()
        self.identity = protocol.identity()
        self.started = time.time()
        self.served = 0
        self.workers: set[int] = set()
        self.fingerprint: tuple = ()
        self.listener: socket.socket | None = None
        self.inode = 0
        self.stopping = False

    def start(self) -> None:
        """Import the tool, note what it was imported from, and listen."""
        preload()
        log(f"{prebuild()} models' validators built")
        self.fingerprint = fingerprint()
        gc.freeze()  # the imported modules stay out of every worker's collections (and its pages shared)
        self.listener = listen(self.path)
        self.inode = os.stat(self.path).st_ino
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop_signal)

    def _stop_signal(self, signum, frame) -> None:
        self.stopping = True

    def serve_forever(self) -> None:
        """Accept commands until stopped or idle for ``idle_timeout`` seconds."""
        assert self.listener is not None
        idle_since = time.monotonic()
        self.listener.settimeout(1.0)  # wakes to notice a stop signal and the idle time
        try:
            while not self.stopping:
                self._reap()
                try:
                    conn, _ = self.listener.accept()
                except (TimeoutError, InterruptedError):
                    if not self.workers and time.monotonic() - idle_since > self.idle_timeout:
                        log(f"idle for {self.idle_timeout:g} s: stopping")
                        break
                    continue
                idle_since = time.monotonic()
                with conn:
                    self._handle(conn)
        finally:
            self.close()

    def _handle(self, conn: socket.socket) -> None:
        if not _same_user(conn):
            return
        conn.settimeout(REQUEST_TIMEOUT)
        channel = protocol.Channel(conn)
        try:
            request, fds = channel.receive(max_fds=len(protocol.STREAMS))
        except (OSError, ValueError) as exc:
            log(f"a bad request: {exc}")
            return
        try:
            self._answer(channel, request or {}, fds)
        except OSError as exc:  # the client went away
            log(f"a client went away: {exc}")
        finally:
            for fd in fds:
                os.close(fd)

    def _answer(self, channel: protocol.Channel, request: dict, fds: list[int]) -> None:
        op = request.get("op")
        if op == "status":
            channel.send(self.status())
        elif op == "stop":
            self.stopping = True
            channel.send({"stopping": True, "pid": os.getpid()})
        elif op == "run":
            why = protocol.mismatch(request, self.identity) or (
                None if len(fds) == len(protocol.STREAMS) else "the command's standard streams did not arrive")
            if why:
                channel.send({"declined": why})
                return
            self.served += 1
            pid = os.fork()
            if pid == 0:
                _worker(self, channel, request, fds)  # never returns
            self.workers.add(pid)
        else:
            channel.send({"declined": f"unknown request {op!r}"})

    def status(self) -> dict:
        """What ``compliance server status`` shows (workers that have ended are not counted)."""
        self._reap()
        return {"pid": os.getpid(), "socket": self.path, "started": self.started, "served": self.served,
                "running": len(self.workers), "idle_timeout": self.idle_timeout}

    def _reap(self) -> None:
        for pid in list(self.workers):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.workers.discard(pid)

    def close(self) -> None:
        """Stop listening and remove the socket, if it is still this server's."""
        if self.listener is None:
            return
        try:
            if os.stat(self.path).st_ino == self.inode:  # not a socket a newer server put there
                os.unlink(self.path)
        except OSError:
            pass
        self.listener.close()
        self.listener = None
        log("stopped")


def preload() -> None:
    """Import every module of the tool a command may need, so no worker imports it again."""
    for library in PRELOAD_LIBRARIES:
        importlib.import_module(library)
    pending = ["compliance"]
    while pending:  # not pkgutil.walk_packages: it imports every package to look inside, skipped or not
        package = importlib.import_module(pending.pop())
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            if not info.name.startswith(PRELOAD_SKIP):
                if info.ispkg:
                    pending.append(info.name)
                else:
                    importlib.import_module(info.name)


def prebuild() -> int:
    """Build every model's validator and serializer now, as its first use would (they are deferred,
    ``defer_build``, so that a fresh process builds only the ones it uses): a worker that reads
    records afresh (a data set just edited) then builds none, and pydantic's plugins are looked up
    once, here. The number of models built."""
    from pydantic import BaseModel

    built = 0
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending += model.__subclasses__()
        if model.__module__.startswith("compliance.") and not model.__pydantic_generic_metadata__["origin"]:
            model.__pydantic_validator__.title  # noqa: B018 - an attribute's first read builds both (MockValSer)
            built += 1
    return built


def fingerprint() -> tuple:
    """What the loaded code was read from: the package's source digest (``compliance.cache``: new,
    changed or removed files) and each imported module file's size and modification time (an
    upgraded library). A worker compares it with the files as they are now."""
    from .. import cache

    files = []
    for name, module in sorted(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path:
            try:
                info = os.stat(path)
            except OSError:
                continue
            files.append((path, info.st_size, info.st_mtime_ns))
    return cache.code_digest(afresh=True), tuple(files)


def listen(path: str) -> socket.socket:
    """A listening Unix socket at ``path``, in a directory only this user can enter; a socket left
    there by a server that is gone is replaced. RuntimeError if a server is listening already."""
    too_long = protocol.path_too_long(path)
    if too_long:
        raise RuntimeError(too_long)
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    os.chmod(directory, 0o700)
    if os.path.exists(path):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
            raise RuntimeError(f"a server is already listening on {path}")
        except (ConnectionRefusedError, FileNotFoundError):
            if stat.S_ISSOCK(os.lstat(path).st_mode):
                os.unlink(path)
        finally:
            probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    return listener


def _same_user(conn: socket.socket) -> bool:
    """Only this user's processes are served (the directory's mode already keeps others out;
    Linux also says who connected)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    import struct

    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


def _worker(server: Server, channel: protocol.Channel, request: dict, fds: list[int]) -> None:
    """The forked worker: become the command's process, run it, report its exit code, end."""
    code = 3
    try:
        server.listener.close()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if fingerprint() != server.fingerprint:
            channel.send({"declined": "the installed code changed since the server started"})
            os.kill(os.getppid(), signal.SIGTERM)  # an upgrade: stop serving the old code
            os._exit(0)
        _become(request, fds)
        channel.send({"pid": os.getpid()})
        code = _run_command()
    except BaseException:  # noqa: BLE001 - a worker must always answer and end here
        import traceback

        traceback.print_exc()
    finally:
        try:
            channel.send({"exit": code})
        finally:
            os._exit(code)


def _become(request: dict, fds: list[int]) -> None:
    """This process takes on the command's streams, directory, environment, umask and arguments."""
    os.chdir(request["cwd"])  # first: should it fail (a directory removed), the traceback goes to the log
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    os.umask(request["umask"])
    sys.argv = list(request["argv"])
    main = types.ModuleType("__main__")  # click names the program from it (``python -m compliance``)
    main.__package__ = request["main_package"]
    sys.modules["__main__"] = main
    if request.get("path0") is not None:  # where a fresh process would look first for what it imports later
        sys.path[0] = request["path0"]
    for target, fd in zip(protocol.STREAMS, fds):
        os.dup2(fd, target)
        os.close(fd)
    # the same locale and buffering as the server's own streams (identity)
    encoding, errors, buffered = sys.__stdout__.encoding, sys.__stdout__.errors, not sys.__stdout__.write_through
    sys.stdin = sys.__stdin__ = _stdio(0, encoding, errors, buffered)
    sys.stdout = sys.__stdout__ = _stdio(1, encoding, errors, buffered)
    sys.stderr = sys.__stderr__ = _stdio(2, encoding, "backslashreplace", buffered)


def _stdio(fd: int, encoding: str, errors: str, buffered: bool) -> io.TextIOWrapper:
    """The standard stream on ``fd`` as Python makes it at start-up (``create_stdio``): newlines
    never translated; output line-buffered on a terminal and always on stderr; unbuffered and
    written through with ``-u`` or PYTHONUNBUFFERED (``buffered`` False)."""
    writing = fd != 0
    raw = io.open(fd, "wb" if writing else "rb", buffering=-1 if buffered or not writing else 0, closefd=False)
    return io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="\n",
                            line_buffering=buffered and (os.isatty(fd) or fd == 2), write_through=writing and not buffered)


def _run_command() -> int:
    """The command's exit code, reached as ``cli.run`` reaches it; what Python would do at exit
    (a message for a text exit code, the traceback of an uncaught exception, waiting for threads,
    the exit handlers, flushing) is done here."""
    from ..cli import main

    try:
        main()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except KeyboardInterrupt:
        import traceback

        traceback.print_exc()
        code = 128 + signal.SIGINT
    except BaseException:  # noqa: BLE001 - as Python reports an uncaught exception
        sys.excepthook(*sys.exc_info())
        code = 1
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = 120  # Python's own status when the output cannot be flushed at exit
    return code


def _exit_code(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def log(message: str) -> None:
    """A line in the server's log (its standard error)."""
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} [{os.getpid()}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    """``python -m compliance.server.daemon [IDLE_TIMEOUT]``: serve in this process."""
    server = Server(float(argv[0]) if argv else 3600.0)
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        log(f"cannot start: {exc}")
        return 2
    log(f"listening on {server.path} (idle timeout {server.idle_timeout:g} s)")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
