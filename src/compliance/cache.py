"""A cache of loaded rule sets and data sets, so a second ``compliance check`` of the same files
skips parsing YAML and validating records (most of a run's start-up on the real pack).

An entry is keyed by the sha256 of everything the loaded result depends on: this tool's version,
the Python version, the bytes of the package's own source (a changed loader or model must not
read an entry written by the old one), the versions of pydantic, PyYAML and openpyxl, and the
bytes of every input file, never a modification time. An entry is a pickle written atomically
(a temporary file renamed over it), so a reader sees a whole entry or none; any problem reading
one (missing, corrupt, written by another version) is a miss and the caller loads normally.
Only successful loads are stored, and none of inputs written for one run (``transient``). Also
cached: ``compliance.yaml`` and the packs' small YAML files a run reads before the rules
(``io.yamlsafe.load_document``), so a run served from the cache need not import PyYAML.

Where: ``$COMPLIANCE_CACHE_DIR``, else ``$XDG_CACHE_HOME/compliance``, else
``~/.cache/compliance``: a directory only this user can write to, since reading a pickle can run
code. ``COMPLIANCE_NO_CACHE=1`` turns it off; deleting the directory clears it; it keeps the
``MAX_ENTRIES`` newest entries.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import __version__
from .locations import cache_root

_PACKAGE = Path(__file__).resolve().parent
MAX_ENTRIES = 200
"""Most entries kept; writing one more removes the oldest."""
_code_digest: str | None = None
_libraries_seen: str | None = None


def enabled() -> bool:
    """False when ``COMPLIANCE_NO_CACHE`` is set to anything but empty or ``0``."""
    return os.environ.get("COMPLIANCE_NO_CACHE", "") in ("", "0")


def cache_dir() -> Path:
    """The cache directory (not created here; ``locations.cache_root``)."""
    return Path(cache_root())


def code_digest(afresh: bool = False) -> str:
    """The sha256 of the package's Python source, read once per process; with ``afresh``, read again
    now (a start-up server's worker compares it with the source the server imported)."""
    global _code_digest
    if _code_digest is None or afresh:
        sources = []
        for root, dirs, files in os.walk(_PACKAGE):  # not rglob: it lists every byte-code file too
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            sources += [Path(root, name) for name in files if name.endswith(".py")]
        digest = hashlib.sha256()
        for path in sorted(sources):
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        _code_digest = digest.hexdigest()
    return _code_digest


def _libraries() -> str:
    """The versions of the libraries a load goes through: pydantic builds the records, PyYAML and
    openpyxl read the files. The last two are read off their files, not imported (a hit needs
    neither)."""
    import importlib.util

    import pydantic
    import pydantic_core

    found = [pydantic.VERSION, pydantic_core.__version__]
    for name, version_file in (("yaml", "__init__.py"), ("openpyxl", "_constants.py")):
        spec = importlib.util.find_spec(name)
        try:
            found.append(_version_line((Path(spec.origin).parent / version_file).read_text()) if spec and spec.origin else "-")
        except OSError:
            found.append("?")
    return " ".join(found)


def _version_line(source: str) -> str:
    return next((line for line in source.splitlines() if line.startswith("__version__")), "?")


def key(kind: str, parts: Iterable[str | bytes]) -> str:
    """The entry name for ``kind`` ("rules", "dataset") and the given inputs (names, file bytes)."""
    global _libraries_seen
    if _libraries_seen is None:
        _libraries_seen = _libraries()
    digest = hashlib.sha256()
    for part in (kind, __version__, sys.version, str(pickle.HIGHEST_PROTOCOL), code_digest(), _libraries_seen, *parts):
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little") + data)  # length-prefixed: parts cannot run together
    return f"{kind}-{digest.hexdigest()}"


TRANSIENT_ROOTS: list[Path] | None = None
"""Where inputs are written for one run (None: the system's temporary directory)."""


def transient(paths: Iterable[Path]) -> bool:
    """True when any of the paths is under a ``TRANSIENT_ROOTS`` directory: a rule test case's data
    set or a mutant's rule files, written for one run under a name never used again, whose entry
    would never be read (``compliance test`` would write one per case, crowding out the rest)."""
    import tempfile

    if TRANSIENT_ROOTS is None and os.environ.get("COMPLIANCE_CACHE_TEMP", "") not in ("", "0"):
        return False  # asked to store them too (a checkout that itself lives under the temporary directory)
    roots = [Path(tempfile.gettempdir())] if TRANSIENT_ROOTS is None else TRANSIENT_ROOTS
    resolved = [r.resolve() for r in roots]
    return any(p.resolve().is_relative_to(root) for p in paths for root in resolved)


def load(name: str) -> Any | None:
    """The entry ``name``, or None on any problem (a miss)."""
    try:
        with open(cache_dir() / f"{name}.pickle", "rb") as handle, unpickling():
            return pickle.load(handle)
    except Exception:  # noqa: BLE001 - a corrupt or foreign entry is a miss, never an error
        return None


@contextmanager
def unpickling() -> Iterator[None]:
    """No cyclic collection while an entry is unpickled: it makes many objects, all kept, which
    the collector would only rescan (measured: about a third of loading the real data set)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def store(name: str, value: Any) -> None:
    """Write the entry ``name`` atomically; a cache that cannot be written is silently skipped."""
    import tempfile  # only a miss writes: a hit need not import it (start-up)

    directory = cache_dir()
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, directory / f"{name}.pickle")
        except BaseException:
            os.unlink(temp)
            raise
        _prune(directory)
    except Exception:  # noqa: BLE001 - read-only home, full disk, an unpicklable value: run uncached
        return


def _prune(directory: Path) -> None:
    """Keep the ``MAX_ENTRIES`` newest entries: each edit of a data set or rule file, and each new
    version of the tool, leaves an entry nothing will read again."""
    entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        old.unlink(missing_ok=True)
