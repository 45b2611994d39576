"""Fuzz: hypothesis mutations of the shipped data set and rule pack never crash the checker.

Each example copies the real data set (or the rule pack), applies one or more mutations (a field
deleted, a value's type swapped, a record or key duplicated, the file re-encoded, a control
character in a text, a register rewritten as a CSV with a spreadsheet quirk) and runs
``compliance check`` in-process. For every mutation: no traceback, exit code 0, 1 or 2, every
load problem names a file of the data set or rule pack, and no (rule, subject) has two outcomes.

The example count follows the hypothesis profile (``ci`` by default, ``HYPOTHESIS_PROFILE=thorough``
for a long run); the number of mutations tried is printed at the end of the module.
"""

import csv
import io
import json
import shutil
import tempfile
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from compliance.cli import main
from conftest import REAL, ROOT

TRIED = {"data set": 0, "rule pack": 0}
EXITS: dict[int, int] = {}
REGISTER_FILES = sorted(p.name for p in REAL.glob("*.yaml") if p.name != "expected.yaml")
PACKS = ROOT / "src" / "compliance" / "packs"
RULE_FILES = sorted(p.relative_to(PACKS) for p in PACKS.rglob("*.yaml") if "tests" not in p.parts)
CONTROL = ["\x00", "\x01", "\x0b", "\x0c", "\x1b", "\u2028", "\ufeff", "\r"]


def fuzz_summary() -> str:
    """The line ``conftest.pytest_terminal_summary`` prints after the run."""
    return (f"fuzz: {TRIED['data set']} data set mutations, {TRIED['rule pack']} rule pack mutations tried; "
            f"exit codes {dict(sorted(EXITS.items()))}")


def _paths(node, prefix=()):
    """Every (path, value) inside a YAML document, so a mutation can reach any field."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def _swap(value, choice: int):
    options = [None, "", 0, -1, True, "maybe", [], {}, 1.5, "2024-02-30", "x" * 300, [value], float("nan"), 10 ** 20]
    return options[choice % len(options)]


@st.composite
def doc_mutation(draw, doc):
    """Mutate a loaded YAML document in place: delete, swap a type, duplicate a list item, add a control character."""
    paths = [p for p, _ in _paths(doc) if p]
    if not paths:
        return "none"
    path = draw(st.sampled_from(paths))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    kind = draw(st.sampled_from(["delete", "swap", "duplicate", "control"]))
    if kind == "delete":
        del parent[last]
    elif kind == "swap":
        parent[last] = _swap(parent[last], draw(st.integers(0, 13)))
    elif kind == "duplicate" and isinstance(parent, list):
        parent.insert(last, json.loads(json.dumps(parent[last], default=str)))
    elif isinstance(parent[last], str):
        at = draw(st.integers(0, len(parent[last])))
        parent[last] = parent[last][:at] + draw(st.sampled_from(CONTROL)) + parent[last][at:]
    return f"{kind} {'.'.join(map(str, path))}"


def _write(path: Path, doc, encoding: str, duplicate_key: bool) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    if duplicate_key:
        lines = text.splitlines()
        keyed = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("-")]
        if keyed:
            lines.insert(keyed[len(keyed) // 2], lines[keyed[len(keyed) // 2]])
        text = "\n".join(lines) + "\n"
    if encoding == "utf-16-le":
        path.write_bytes(text.encode("utf-16-le"))  # no byte-order mark: not readable as text
    else:
        path.write_bytes(text.encode(encoding, errors="replace"))


def _as_csv(path: Path, doc, register: str, quirk: str) -> None:
    """Rewrite a register as CSV of its flat fields, with one spreadsheet quirk."""
    records = doc.get(register) if isinstance(doc, dict) else doc
    records = records if isinstance(records, list) else []
    flat = [{k: v for k, v in r.items() if not isinstance(v, (dict, list))} for r in records if isinstance(r, dict)]
    header = sorted({k for r in flat for k in r})
    if quirk == "duplicate header" and header:
        header.append(header[0])
    elif quirk == "blank header" and header:
        header[-1] = ""
    elif quirk == "missing column" and len(header) > 1:
        header.pop()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for r in flat:
        writer.writerow(["" if r.get(h) is None else r.get(h) for h in (header if quirk != "blank header" else list(r))])
    path.unlink()
    path.with_suffix(".csv").write_text(out.getvalue(), encoding="utf-8")


def _check(dataset: Path, rules: Path, known_files: set[str], keep_going: bool) -> None:
    args = ["check", str(dataset), "--rules", str(rules), "--as-of", "2024-10-17", "--format", "json"]
    result = CliRunner().invoke(main, args + (["--keep-going"] if keep_going else []))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.output
    EXITS[result.exit_code] = EXITS.get(result.exit_code, 0) + 1
    stderr = result.stderr if hasattr(result, "stderr") else result.output
    for line in stderr.splitlines():
        if line.startswith("  "):
            named = line.strip().split(":")[0]
            assert named in known_files or any(named.endswith(f) for f in known_files), line
    if result.exit_code in (0, 1) and result.stdout.strip().startswith("{"):
        findings = json.loads(result.stdout)["findings"]
        keys = [(f["rule_id"], f["subject"]["id"]) for f in findings]
        assert len(keys) == len(set(keys)), "a (rule, subject) has two outcomes"


@given(data=st.data())
def test_mutated_data_sets_never_crash_and_every_problem_is_located(data):
    TRIED["data set"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / "ds"
        shutil.copytree(REAL, dataset)
        (dataset / "expected.yaml").unlink()
        name = data.draw(st.sampled_from(REGISTER_FILES))
        path = dataset / name
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for _ in range(data.draw(st.integers(1, 3))):
            data.draw(doc_mutation(doc))
        register = path.stem
        quirk = data.draw(st.sampled_from(["none", "none", "none", "csv", "duplicate header", "blank header", "missing column"]))
        if quirk != "none" and register in ("people", "actions") and isinstance(doc, (dict, list)):
            _as_csv(path, doc, register, quirk)
        else:
            encoding = data.draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1", "utf-16-le"]))
            _write(path, doc, encoding, data.draw(st.booleans()))
        known = {p.name for p in dataset.iterdir()} | {"organisation.yaml"}
        _check(dataset, PACKS, known, keep_going=data.draw(st.booleans()))


@given(data=st.data())
def test_mutated_rule_packs_never_crash(data):
    TRIED["rule pack"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules"
        shutil.copytree(PACKS, rules)
        path = rules / data.draw(st.sampled_from(RULE_FILES))
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.draw(doc_mutation(doc))
        _write(path, doc, data.draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1"])), data.draw(st.booleans()))
        known = {str(p) for p in rules.rglob("*.yaml")} | {"rules"}
        _check(REAL, rules, known | {p.name for p in rules.rglob("*.yaml")}, keep_going=False)
