"""Shared by the report tests: the real data set's findings document and the report command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from click.testing import CliRunner

from compliance.cli import main
from compliance.outcomes import finalise
from compliance.pipeline import run_check
from compliance.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "fixtures" / "ssot-2024-10-17"
RULES = ["nhs-icb", "nhs-performance"]  # the nhs-icb profile
RULE_OPTIONS = [o for name in RULES for o in ("--rules", name)]
AS_OF = "2024-10-17"


def real_run(dataset: Path = REAL, as_of: str = AS_OF):
    """(ruleset, run, document) for a data set, the way `compliance report` computes them."""
    import datetime as dt

    ruleset = load_rules(RULES)
    run = run_check(dataset, ruleset, dt.date.fromisoformat(as_of))
    return ruleset, run, finalise(run, ruleset)


def report(tmp_path: Path, *args: str, dataset: Path = REAL, fmt: str = "html", name: str = "report") -> tuple[int, str, str]:
    """Run `compliance report`; (exit code, the report text or '', stderr)."""
    out = tmp_path / f"{name}.{'html' if fmt == 'html' else 'md'}"
    result = CliRunner().invoke(main, ["report", str(dataset), "--as-of", AS_OF, *RULE_OPTIONS, "--format", fmt,
                                       "--out", str(out), *args])
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    return result.exit_code, text, result.output


def check_json(tmp_path: Path, as_of: str, name: str, dataset: Path = REAL) -> Path:
    """`compliance check --format json` at another date: an earlier report's document."""
    out = tmp_path / f"{name}.json"
    result = CliRunner().invoke(main, ["check", str(dataset), "--as-of", as_of, *RULE_OPTIONS, "--format", "json",
                                       "--out", str(out), "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    json.loads(out.read_text(encoding="utf-8"))
    return out


def shipped_rules() -> Iterator[tuple[Path, dict[str, Any]]]:
    """(file, raw rule mapping) for every rule of the shipped packs, their test cases left out."""
    for path in sorted((ROOT / "src" / "compliance" / "packs").rglob("*.yaml")):
        if "tests" not in path.parts:
            for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", []) or []:
                yield path, rule


@pytest.fixture(scope="module")
def real():
    """The real pack's (ruleset, run, document), once per test module."""
    return real_run()


@pytest.fixture(scope="module")
def md(tmp_path_factory):
    """The real pack's Markdown report, once per test module."""
    code, text, output = report(tmp_path_factory.mktemp("md"), fmt="markdown")
    assert code == 0, output
    return text
