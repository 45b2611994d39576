"""Mutation check of a rule pack: change one threshold or operator at a time and see the cases notice.

Each mutant is the pack with exactly one change (``ge`` → ``gt``, a parameter 6 → 7, ``eq true`` →
``eq false``, an ``as_of`` offset moved by a day, ...). A mutant is *caught* when some test case
that names the mutated rule now gets a different outcome. Survivors point at thresholds and
boundaries no case pins down.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from ..io.writer import dump_yaml
from ..rules import load_rules
from ..rules.loader import RuleSetError, rule_files
from ..rules.packs import PACK_FILE
from .cases import CaseError, case_files, load_case_file, run_case

OP_SWAPS = {"lt": "le", "le": "lt", "gt": "ge", "ge": "gt", "eq": "ne", "ne": "eq", "in": "not_in",
            "not_in": "in", "exists": "missing", "missing": "exists"}
OFFSETS = ("plus_days", "minus_days", "plus_months", "minus_months")


@dataclass
class Mutant:
    rule_id: str
    where: str
    change: str
    file: Path
    index: int
    path: tuple
    value: Any
    caught: bool | None = None  # None: the mutant is not a valid rule set
    detail: str = ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _leaf_mutations(leaf: dict, path: tuple) -> Iterator[tuple[tuple, Any, str]]:
    op = next((k for k in leaf if k in OP_SWAPS), None)
    if op is None:
        return
    value = leaf[op]
    swapped = {k: v for k, v in leaf.items() if k != op}
    swapped[OP_SWAPS[op]] = value
    yield path, swapped, f"{leaf['field']} {op} → {OP_SWAPS[op]}"
    if isinstance(value, bool) and op in ("eq", "ne"):
        yield path, {**leaf, op: not value}, f"{leaf['field']} {op} {value} → {not value}"
    elif _is_int(value):
        for delta in (1, -1):
            yield path, {**leaf, op: value + delta}, f"{leaf['field']} {op} {value} → {value + delta}"
    elif isinstance(value, dict) and "as_of" in value:
        offset = value["as_of"] or {}
        key = next((k for k in OFFSETS if k in offset), None)
        if key is None:
            for shifted in ({"plus_days": 1}, {"minus_days": 1}):
                yield path, {**leaf, op: {"as_of": shifted}}, f"{leaf['field']} {op} as_of → as_of {shifted}"
        elif _is_int(offset[key]):
            for delta in (1, -1):
                yield path, {**leaf, op: {"as_of": {key: offset[key] + delta}}}, f"{leaf['field']} as_of {key} {offset[key]} → {offset[key] + delta}"


def _condition_mutations(cond: Any, path: tuple) -> Iterator[tuple[tuple, Any, str]]:
    if not isinstance(cond, dict):
        return
    if "field" in cond:
        yield from _leaf_mutations(cond, path)
        return
    for key in ("all", "any"):
        for i, item in enumerate(cond.get(key, []) or []):
            yield from _condition_mutations(item, path + (key, i))
    if "not" in cond:
        yield from _condition_mutations(cond["not"], path + ("not",))


def mutants(rules_dir: Path) -> list[Mutant]:
    """Every single-change mutant of the rules under ``rules_dir``."""
    out: list[Mutant] = []
    for file in rule_files([rules_dir]):
        doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for index, rule in enumerate(doc.get("rules", [])):
            rid = rule.get("id", f"#{index}")
            for part in ("when", "require"):
                for path, value, change in _condition_mutations(rule.get(part), (part,)):
                    out.append(Mutant(rid, part, change, file, index, path, value))
            for name, value in (rule.get("params") or {}).items():
                if _is_int(value):
                    for delta in (1, -1):
                        out.append(Mutant(rid, "params", f"{name} {value} → {value + delta}", file, index,
                                          ("params", name), value + delta))
    return out


def _set(doc: dict, path: tuple, value: Any) -> None:
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _write_mutant(rules_dir: Path, mutant: Mutant, target: Path) -> None:
    for pack in rules_dir.rglob(PACK_FILE):  # the packs' pack.yaml too, so extends: resolves as in the original
        dest = target / pack.relative_to(rules_dir)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(pack.read_bytes())
    for file in rule_files([rules_dir]):
        doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if file == mutant.file:
            doc = copy.deepcopy(doc)
            _set(doc["rules"][mutant.index], mutant.path, mutant.value)
        dest = target / file.relative_to(rules_dir)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(dump_yaml(doc), encoding="utf-8")


def run_mutation(rules_dir: Path, engine: str = "reference", progress=None) -> list[Mutant]:
    """Try every mutant of ``rules_dir`` against the cases in its ``tests`` folders."""
    rules_dir = Path(rules_dir)
    cases = []
    for path in case_files([rules_dir]):
        parsed = load_case_file(path)
        cases += [(path, parsed, case) for case in parsed.cases]
    results = mutants(rules_dir)
    for mutant in results:
        with tempfile.TemporaryDirectory(prefix="compliance-mutant-") as tmp:
            _write_mutant(rules_dir, mutant, Path(tmp))
            try:
                ruleset = load_rules(Path(tmp))
            except RuleSetError as exc:
                mutant.detail = f"not a valid rule set: {exc.issues[0]}"
                continue
            mutant.caught = False
            for path, parsed, case in cases:
                if mutant.rule_id not in case.expect:
                    continue
                try:
                    result = run_case(path, parsed, case, ruleset, engine)
                except CaseError as exc:
                    mutant.caught, mutant.detail = True, f"{case.name}: {exc}"
                    break
                if not result.ok:
                    mutant.caught, mutant.detail = True, f"{case.name}: {result.mismatches[0]}"
                    break
        if progress:
            progress(mutant)
    return results


def score(results: list[Mutant]) -> tuple[int, int]:
    """(caught, valid mutants)."""
    valid = [m for m in results if m.caught is not None]
    return sum(1 for m in valid if m.caught), len(valid)
