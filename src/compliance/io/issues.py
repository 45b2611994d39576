"""Load problems: each names the file, where in it, the field, the bad value and the expected form."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class LoadIssue:
    """One problem found while loading a data set."""

    file: str
    location: str  # "line 12", "row 4", "record 3"
    field: str
    message: str
    value: str = ""
    register: str = ""
    record_id: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.location}" if self.location else self.file
        field = f" field '{self.field}'" if self.field else ""
        # a validator's own message may already quote the value ("..., got 'not-a-date'"): say it once
        value = f" (got {self.value})" if self.value and self.value not in self.message else ""
        return f"{where}:{field} {self.message}{value}"


class DatasetError(Exception):
    """Raised when a data set cannot be loaded; carries every issue found, not only the first."""

    def __init__(self, issues: list[LoadIssue]):
        self.issues = sorted(issues)
        super().__init__(f"{len(self.issues)} problem(s) loading the data set")
