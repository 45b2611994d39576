"""Which rules of a rule set a run evaluates: ``--rule``, ``--skip-rule``, ``--family``, ``--min-severity``.

A plain value (``Selection``) so that the same choice can travel to worker processes and be applied
to each data set's own rule set in a batch (data sets may have different profiles, so one pattern
may match rules of one data set and none of another's).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Selection:
    """The rule selection options; an empty selection keeps every rule."""

    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    min_severity: str | None = None

    def __bool__(self) -> bool:
        return bool(self.only or self.skip or self.families or self.min_severity)

    def keeps(self, rule) -> bool:
        """Whether ``rule`` is evaluated under this selection."""
        from .rules import SEVERITY_ORDER

        return ((not self.only or any(fnmatchcase(rule.id, p) for p in self.only))
                and not any(fnmatchcase(rule.id, p) for p in self.skip)
                and (not self.families or rule.family_name in self.families)
                and (not self.min_severity or SEVERITY_ORDER.get(rule.severity, 0) >= SEVERITY_ORDER[self.min_severity]))


def select(ruleset, selection: Selection):
    """``ruleset`` with only the rules ``selection`` keeps (possibly none; the digest is the pack's)."""
    if not selection:
        return ruleset
    return dataclasses.replace(ruleset, rules=[r for r in ruleset.rules if selection.keeps(r)])


def unmatched(rulesets: list, selection: Selection) -> list[str]:
    """A problem for each ``--rule``/``--skip-rule`` pattern that matches no rule, and each
    ``--family`` that is no family, of any of ``rulesets`` (a typo must not silently select nothing)."""
    rules = [r for rs in rulesets for r in rs.rules]
    problems = [f"{opt} {pat!r} matches no rule" for opt, pats in (("--rule", selection.only), ("--skip-rule", selection.skip))
                for pat in pats if not any(fnmatchcase(r.id, pat) for r in rules)]
    known = sorted({r.family_name for r in rules})
    problems += [f"--family {f!r} is not a family of these rules; expected one of: {', '.join(known)}"
                 for f in selection.families if f not in known]
    return problems
