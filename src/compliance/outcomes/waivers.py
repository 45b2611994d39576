"""Resolve the waiver register against the findings of a run: the one place waivers are applied.

Every output (``check`` in any format, ``report``, ``preboard``) gets its findings through
``apply_waivers`` so a waiver cannot mean one thing in the JSON and another in the HTML.

Each waiver ends in exactly one state:

- ``applied``: in force on ``as_of`` and its finding fails; the finding becomes ``waived``.
- ``expired``: its (possibly capped) expiry is before ``as_of``; it no longer applies.
- ``not_yet_valid``: ``valid_from`` is after ``as_of``.
- ``orphaned``: no finding has its rule id and subject id (unknown rule, or no such subject).
- ``on_error``: its finding is an ``error``; a waiver never changes an error.
- ``not_needed``: its finding passes or does not apply (or another waiver already covers it).

Independently, a waiver is ``capped`` when its rule's ``max_waiver_days`` ends it before the
``expires`` it states; the capped expiry is the one used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from ..engine.findings import Finding
from ..model.waivers import Waiver
from ..rules.loader import renamed_ids
from ..rules.schema import Rule

STATES = ("applied", "expired", "not_yet_valid", "orphaned", "on_error", "not_needed")


@dataclass(frozen=True)
class WaiverStatus:
    """What became of one waiver in one run."""

    waiver: Waiver
    state: str
    effective_expires: dt.date
    capped: bool
    max_waiver_days: int | None
    finding_outcome: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used in the document's ``waivers`` section and in a waived finding."""
        w = self.waiver
        return {
            "key": w.key, "id": w.id, "rule_id": w.rule_id, "subject": w.subject, "reason": w.reason,
            "approved_by": w.approved_by, "approval_ref": w.approval_ref, "owner": w.owner,
            "valid_from": w.valid_from.isoformat(), "expires": w.expires.isoformat(),
            "effective_expires": self.effective_expires.isoformat(), "capped": self.capped,
            "max_waiver_days": self.max_waiver_days, "state": self.state,
            "finding_outcome": self.finding_outcome, "detail": self.detail, "note": w.note,
        }


@dataclass
class WaiverResolution:
    """The findings with waivers applied, and the state of every waiver."""

    findings: list[Finding]
    statuses: list[WaiverStatus]

    def by_state(self, state: str) -> list[WaiverStatus]:
        return [s for s in self.statuses if s.state == state]

    def section(self) -> dict[str, list[dict[str, Any]]]:
        """The document's ``waivers`` section: one list per state, plus ``capped`` across states."""
        out = {state: [s.to_dict() for s in self.by_state(state)] for state in STATES}
        out["capped"] = [s.to_dict() for s in self.statuses if s.capped]
        return out


def apply_waivers(findings: list[Finding], waivers: Iterable[Waiver], rules: Iterable[Rule],
                  as_of: dt.date) -> WaiverResolution:
    """Apply the waiver register to ``findings`` as of ``as_of``; the input findings are not changed.

    Only a ``fail`` finding can become ``waived``; every other outcome is left as it is. Waivers
    are reported in the order of the register, so output is deterministic.
    """
    stream = WaiverStream(waivers, rules, as_of)
    last = {(f.rule_id, f.subject.id): i for i, f in enumerate(findings)}  # a waiver names the last of equal keys
    out = [stream.settle(f) if last[f.rule_id, f.subject.id] == i else f for i, f in enumerate(findings)]
    return WaiverResolution(out, stream.statuses())


class WaiverStream:
    """The waiver register applied to findings one at a time (``apply_waivers`` over a list, or a
    stream of findings sorted by rule id and subject id): ``settle`` each (rule, subject)'s
    finding once, then ``statuses`` gives every waiver's state, in register order."""

    def __init__(self, waivers: Iterable[Waiver], rules: Iterable[Rule], as_of: dt.date):
        rules = list(rules)
        self.rule_by_id = {r.id: r for r in rules}
        self.rule_by_id.update({old: self.rule_by_id[new] for old, new in renamed_ids(rules).items()})  # a waiver written before a rename
        self.as_of = as_of
        self.waivers = list(waivers)
        self.targets: dict[tuple[str, str], list[int]] = {}  # (rule id, subject) -> waivers naming it, in register order
        for n, waiver in enumerate(self.waivers):
            rule = self.rule_by_id.get(waiver.rule_id)
            self.targets.setdefault((rule.id if rule else waiver.rule_id, waiver.subject), []).append(n)
        self._statuses: dict[int, WaiverStatus] = {}

    def settle(self, finding: Finding) -> Finding:
        """``finding`` with the waivers naming its (rule, subject) applied (the first in force wins)."""
        out = finding
        for n in self.targets.get((finding.rule_id, finding.subject.id), ()):
            status = self._status(self.waivers[n], finding, out)
            self._statuses[n] = status
            if status.state == "applied":
                out = finding.model_copy(update={"outcome": "waived", "waiver": status.to_dict()})
        return out

    def statuses(self) -> list[WaiverStatus]:
        """Every waiver's state in register order; a waiver whose finding never came is orphaned."""
        return [self._statuses.get(n) or self._status(w, None, None) for n, w in enumerate(self.waivers)]

    def _status(self, waiver: Waiver, finding: Finding | None, current: Finding | None) -> WaiverStatus:
        rule = self.rule_by_id.get(waiver.rule_id)
        max_days = rule.max_waiver_days if rule else None
        expires = waiver.capped_expiry(max_days)
        capped = expires < waiver.expires
        state, detail = _state(waiver, rule, finding, expires, self.as_of)
        if state == "applied" and current.outcome == "waived":
            # the loader refuses overlapping waivers; called directly, the first one wins
            state, detail = "not_needed", f"the finding is already waived by {current.waiver['key']}"
        if capped:
            detail += (f"; expiry {waiver.expires.isoformat()} capped to {expires.isoformat()}: "
                       f"{waiver.rule_id} allows waivers of at most {max_days} days")
        return WaiverStatus(waiver, state, expires, capped, max_days, finding.outcome if finding else None, detail)


def _state(waiver: Waiver, rule: Rule | None, finding: Finding | None, expires: dt.date,
           as_of: dt.date) -> tuple[str, str]:
    if finding is None:
        if rule is None:
            return "orphaned", f"no rule {waiver.rule_id} was evaluated (unknown id or not in force)"
        return "orphaned", f"rule {waiver.rule_id} has no subject {waiver.subject!r} in this data set"
    if as_of < waiver.valid_from:
        return "not_yet_valid", f"valid from {waiver.valid_from.isoformat()}, after {as_of.isoformat()}"
    if as_of > expires:
        return "expired", f"expired {expires.isoformat()}; the finding is reported as {finding.outcome}"
    if finding.outcome == "error":
        return "on_error", "the finding is an error (the rule could not be decided); a waiver never changes an error"
    if finding.outcome != "fail":
        return "not_needed", f"the finding is {finding.outcome}; nothing to waive"
    return "applied", f"waived until {expires.isoformat()}"
