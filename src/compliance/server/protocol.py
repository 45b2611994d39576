"""Where the start-up server listens and how a message is framed.

The client (``compliance.server.client``) imports this module and nothing else of the tool, so
it uses only modules Python has already loaded or that cost nothing to load (``_socket``, not
``socket``, which alone is about 6 ms through ``enum``; ``marshal``, not ``json``): a message is
a 4-byte length and a ``marshal``-ed dict of plain values. (Nor ``from __future__ import
annotations`` here, in ``client``, ``locations`` or ``launch``: it imports a module too, and
Python 3.11 reads their annotations as they are.) Both ends are the same Python (the
request says which; the server declines another), so ``marshal``'s format is the same at both.
"""

import marshal
import os
import sys
import zlib

from ..locations import cache_root

VERSION = 1
"""The protocol's version: a request of another is declined."""
MARSHAL_VERSION = 4
MAX_MESSAGE = 16 * 1024 * 1024
"""The largest message read (a request carries the caller's environment and arguments)."""
STREAMS = (0, 1, 2)
"""The caller's standard input, output and error, handed to the worker as file descriptors."""
SOCKET_PATH_LIMIT = 100
"""A Unix socket's path is at most 104-108 bytes, depending on the system."""
PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
"""This installation's ``compliance`` package directory."""
STARTUP_VARIABLES = ("LANG", "LC_ALL", "LC_CTYPE")
"""Variables besides ``PYTHON*`` that decide what a fresh process would be (its encodings); a
worker takes on every other variable of the caller's environment (TZ too: ``time.tzset``)."""


def server_dir() -> str:
    """The directory of the servers' sockets and logs (only this user may enter it)."""
    return os.path.join(cache_root(), "server")


def socket_path() -> str:
    """Where the server of this installation (this Python and environment, this package directory) listens."""
    tag = zlib.crc32(f"{os.path.realpath(sys.executable)}\0{sys.prefix}\0{PACKAGE}".encode())
    return os.path.join(server_dir(), f"{tag:08x}.sock")


def existing_socket() -> str | None:
    """``socket_path()`` when a socket is there (a server may be listening), else None."""
    path = socket_path()
    return path if not path_too_long(path) and os.path.exists(path) else None


def path_too_long(path: str) -> str | None:
    """Why ``path`` cannot be a Unix socket's (None when it can)."""
    if len(path) <= SOCKET_PATH_LIMIT:
        return None
    return (f"the server's socket would be {path}, longer than a Unix socket's path may be "
            f"({SOCKET_PATH_LIMIT} bytes); set COMPLIANCE_CACHE_DIR to a shorter directory")


def identity() -> dict:
    """What a fresh process of this command would be: a server serves only requests whose
    identity is its own."""
    return {
        "version": VERSION,
        "python": sys.version,
        "executable": os.path.realpath(sys.executable),  # python, python3 and python3.11 of one venv alike
        "prefix": sys.prefix,
        "package": PACKAGE,
        "flags": tuple(sys.flags),
        "xoptions": sorted(f"{k}={v}" for k, v in sys._xoptions.items()),
        "warnoptions": list(sys.warnoptions),
        "unbuffered": getattr(sys.__stdout__, "write_through", None),  # -u or PYTHONUNBUFFERED
        "path": sys.path[1:],  # [0] is the script's or the working directory, never the tool's own
        "startup_env": sorted((k, v) for k, v in os.environ.items() if k.startswith("PYTHON") or k in STARTUP_VARIABLES),
    }


def mismatch(request: dict, own: dict) -> str | None:
    """Why a request cannot be served by a server whose identity is ``own`` (None: it can)."""
    for key, value in own.items():
        if request.get("identity", {}).get(key) != value:
            return f"the command's {key} is not the server's"
    return None


def encode(message: dict) -> bytes:
    """One framed message."""
    body = marshal.dumps(message, MARSHAL_VERSION)
    return len(body).to_bytes(4, "big") + body


class Channel:
    """Framed messages over a connected Unix socket (``_socket.socket``), with file descriptors
    sent alongside a message (SCM_RIGHTS). Reads are buffered: two messages that arrive in one
    read are two messages."""

    def __init__(self, sock) -> None:
        self.sock = sock
        self._buffer = b""

    def send(self, message: dict, fds: tuple[int, ...] = ()) -> None:
        """Send ``message``, with ``fds`` (file descriptors) alongside."""
        import _socket

        data = encode(message)
        if fds:
            rights = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)  # a C int array
            sent = self.sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
            data = data[sent:]
        if data:
            self.sock.sendall(data)

    def receive(self, max_fds: int = 0) -> tuple[dict | None, list[int]]:
        """The next message and any file descriptors that came with it; (None, fds) when the other
        end closed the connection before a whole message. A malformed message is ValueError."""
        fds: list[int] = []
        try:
            return self._message(fds, max_fds), fds
        except ValueError:  # the descriptors that came with a bad message are this end's to close
            for fd in fds:
                os.close(fd)
            raise

    def _message(self, fds: list[int], max_fds: int) -> dict | None:
        if max_fds and not self._buffer:
            if not self._read(fds, max_fds):
                return None
        while len(self._buffer) < 4:
            if not self._read(fds):
                return None
        length = int.from_bytes(self._buffer[:4], "big")
        if length > MAX_MESSAGE:
            raise ValueError(f"a message of {length} bytes (at most {MAX_MESSAGE})")
        while len(self._buffer) < 4 + length:
            if not self._read(fds):
                return None
        body, self._buffer = self._buffer[4:4 + length], self._buffer[4 + length:]
        try:
            message = marshal.loads(body)
        except (ValueError, EOFError, TypeError) as exc:  # marshal's own errors for bad data are not all ValueError
            raise ValueError(f"a message that is not marshal data ({exc})") from None
        if not isinstance(message, dict):
            raise ValueError("a message that is not a mapping")
        return message

    def _read(self, fds: list[int], max_fds: int = 0) -> bool:
        """Read what has arrived into the buffer (False at the end of the connection)."""
        import _socket

        if not max_fds:
            chunk = self.sock.recv(65536)
        else:
            chunk, ancillary, _flags, _address = self.sock.recvmsg(65536, _socket.CMSG_SPACE(4 * max_fds))
            for level, kind, data in ancillary:
                if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                    usable = len(data) - len(data) % 4
                    fds += [int.from_bytes(data[i:i + 4], sys.byteorder, signed=True) for i in range(0, usable, 4)]
        self._buffer += chunk
        return bool(chunk)
