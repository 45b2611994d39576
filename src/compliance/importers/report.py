"""The import report: everything an importer recognised but could not read as data.

An importer never drops a row silently. Each problem names the file, the line, what the importer
expected there and what it found, so a governance officer can fix the pack or the data set by hand.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, order=True)
class ImportIssue:
    """One problem found while importing, anchored to a line of the source file."""

    file: str
    line: int
    table: str  # the table kind: agenda, attendance, conflicts, actions, cover-sheet, sbaf, pack
    expected: str
    found: str
    severity: Severity = "warning"

    def __str__(self) -> str:
        found = self.found if len(self.found) <= 80 else self.found[:77] + "..."
        return f"{self.file}:{self.line}: [{self.table}] expected {self.expected}; found {found!r}"


@dataclass
class ImportReport:
    """Every issue of one import, plus counts of the records written per register."""

    file: str
    issues: list[ImportIssue] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, line: int, table: str, expected: str, found: str, severity: Severity = "warning") -> None:
        """Record one problem at ``line`` of the source file."""
        self.issues.append(ImportIssue(self.file, line, table, expected, found, severity))

    def by_table(self) -> Counter:
        return Counter(i.table for i in self.issues)

    def summary_lines(self) -> list[str]:
        """A short human summary: records written, then issue counts by table."""
        lines = ["records: " + ", ".join(f"{k} {v}" for k, v in self.counts.items())]
        if self.issues:
            per_table = ", ".join(f"{k} {v}" for k, v in sorted(self.by_table().items()))
            lines.append(f"import report: {len(self.issues)} issue(s) ({per_table})")
        else:
            lines.append("import report: no issues")
        return lines

    def to_dict(self) -> dict:
        """The report as plain data, issues sorted by line (written as import-report.yaml)."""
        return {
            "file": self.file,
            "counts": dict(self.counts),
            "issues": [asdict(i) for i in sorted(self.issues, key=lambda i: (i.line, i.table, i.expected))],
        }
