"""Rule packs: directories of rule files with a ``pack.yaml``, shipped inside the package or your own.

A pack is a directory holding rule files, a ``tests/`` folder of cases and a ``pack.yaml``::

    name: nhs-icb
    title: NHS integrated care board
    description: the ICB constitution's quorum and partner members, and the ICB's own records
    extends: [nhs-common]

``--rules NAME`` (and a data set's ``compliance.yaml``) chooses a shipped pack by name; a path to a
file or directory still works and wins when it exists. ``extends:`` loads the packs it names first;
an entry is a pack's name (a sibling directory of that name with a pack.yaml, else the shipped
pack), or a path (holding ``/`` or starting with ``.``) relative to the ``pack.yaml``. A cycle, an unknown name or a malformed ``pack.yaml`` is an error naming the file.
Profiles (``profiles.yaml`` beside the shipped packs) name the packs an organisation of a kind uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..io.text import TextFileError, read_text
from ..io.yamlsafe import load_document, yaml_error

SHIPPED = Path(__file__).resolve().parent.parent / "packs"
PACK_FILE = "pack.yaml"
PROFILES_FILE = SHIPPED / "profiles.yaml"
PACK_KEYS = {"name", "title", "description", "extends"}
DEFAULT_PROFILE = "nhs-icb"  # what `rules/` held before packs had names: the data sets without a compliance.yaml keep it


@dataclass
class Pack:
    """A pack's ``pack.yaml``: its name, title, description and the packs it extends."""

    path: Path
    name: str
    title: str = ""
    description: str = ""
    extends: list[str] = field(default_factory=list)


class PackError(Exception):
    """A pack that cannot be resolved: ``problems`` are (file, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


def shipped_packs() -> dict[str, Path]:
    """The packs inside the installed package, by name (a directory with a ``pack.yaml``)."""
    if not SHIPPED.is_dir():
        return {}
    return {p.name: p for p in sorted(SHIPPED.iterdir()) if (p / PACK_FILE).is_file()}


def is_pack_name(text: str) -> bool:
    """A bare name (no path separator, not starting with '.'), which ``--rules`` looks up among the shipped packs."""
    return bool(text) and "/" not in text and "\\" not in text and not text.startswith(".")


def read_pack(directory: Path) -> Pack:
    """Parse and check a directory's ``pack.yaml``; PackError naming the file on any problem."""
    file = directory / PACK_FILE
    try:
        doc, yaml_problems = load_document(read_text(file))
    except (TextFileError, RecursionError, yaml_error()) as exc:  # unreadable or not YAML: said, never a traceback
        # one line: a YAML error's own text spans lines ("in <unicode string>, line 1") that would read as other problems
        raise PackError([(str(file), f"cannot be read as YAML: {' '.join(str(exc).split())}")]) from None
    if yaml_problems:
        raise PackError([(str(file), str(p)) for p in yaml_problems])
    if not isinstance(doc, dict):
        raise PackError([(str(file), f"expected a mapping with keys {', '.join(sorted(PACK_KEYS))}; got {doc!r}")])
    problems = [f"unknown key {k!r}; expected {', '.join(sorted(PACK_KEYS))}" for k in sorted(map(str, set(doc) - PACK_KEYS))]
    extends = doc.get("extends") or []
    if not isinstance(extends, list) or not all(isinstance(e, str) and e for e in extends):
        problems.append(f"extends: got {extends!r}; expected a list of pack names or paths")
        extends = []
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        problems.append(f"name: got {name!r}; expected the pack's name (text)")
    for key in ("title", "description"):
        if not isinstance(doc.get(key, ""), str):
            problems.append(f"{key}: got {doc[key]!r}; expected text")
    if problems:
        raise PackError([(str(file), p) for p in problems])
    return Pack(directory, name, doc.get("title", ""), doc.get("description", ""), list(extends))


def resolve(spec: str | Path) -> Path | None:
    """A ``--rules`` entry as a path: an existing path as given, else a shipped pack of that name, else None."""
    path = Path(spec)
    if path.exists():
        return path
    if is_pack_name(str(spec)):
        return shipped_packs().get(str(spec))
    return None


def _named(directory: Path, name: str) -> Path | None:
    """A pack named in ``extends:``: a sibling directory of that name holding a pack.yaml (so a
    directory of packs, copied or your own, is self-contained), else the shipped pack."""
    sibling = directory.parent / name
    return sibling if (sibling / PACK_FILE).is_file() else shipped_packs().get(name)


def with_extended(paths: list[Path]) -> list[Path]:
    """The paths with every pack they hold preceded by the packs it extends (depth first, each once).

    A directory holding ``pack.yaml`` is a pack; a directory of packs (such as the shipped ones)
    has each of its packs expanded. Raise PackError on an unknown name or a cycle, naming the file.
    """
    out: list[Path] = []
    done: set[Path] = set()
    problems: list[tuple[str, str]] = []

    def visit(directory: Path, chain: list[Path]) -> None:
        key = directory.resolve()
        if key in done:
            return
        if key in chain:
            names = " -> ".join(p.name for p in chain[chain.index(key):] + [key])
            problems.append((str(directory / PACK_FILE), f"extends: a cycle of packs ({names})"))
            return
        try:
            pack = read_pack(directory)
        except PackError as exc:
            problems.extend(exc.problems)
            return
        for entry in pack.extends:
            target = (directory / entry) if not is_pack_name(entry) else _named(directory, entry)
            if target is None or not (target / PACK_FILE).is_file():
                known = ", ".join(shipped_packs()) or "none"
                problems.append((str(directory / PACK_FILE), f"extends: unknown pack {entry!r}; shipped packs are {known}"
                                 + ("" if is_pack_name(entry) else " (or a path to a directory with a pack.yaml)")))
                continue
            visit(target, chain + [key])
        done.add(key)
        out.append(directory)

    for path in paths:
        if path.is_dir() and (path / PACK_FILE).is_file():
            visit(path, [])
        elif path.is_dir():
            inner = sorted(p.parent for p in path.rglob(PACK_FILE) if "tests" not in p.relative_to(path).parts)
            for pack_dir in inner:
                visit(pack_dir, [])
            if not inner:
                out.append(path)
        else:
            out.append(path)
    if problems:
        raise PackError(problems)
    return out


def load_profiles() -> dict[str, list[str]]:
    """The shipped profiles: a kind of organisation -> the packs it uses (``packs/profiles.yaml``)."""
    doc, _ = load_document(read_text(PROFILES_FILE))
    return {name: list(entry["packs"]) for name, entry in (doc or {}).get("profiles", {}).items()}


def profile_descriptions() -> dict[str, str]:
    """Each shipped profile's one-line description, for help texts and the README."""
    doc, _ = load_document(read_text(PROFILES_FILE))
    return {name: str(entry.get("description", "")) for name, entry in (doc or {}).get("profiles", {}).items()}


def profile_packs(profile: str) -> list[str]:
    """The packs a profile names; PackError (listing the known profiles) for an unknown one."""
    profiles = load_profiles()
    if profile not in profiles:
        raise PackError([(str(PROFILES_FILE), f"unknown profile {profile!r}; expected one of {', '.join(profiles)}")])
    return profiles[profile]
