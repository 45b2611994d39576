"""Interest periods and removal notes as registers write them.

'(2012 - present)', '(January 2014- March 2017)', '(2018- 31st March 2024 retired)',
'(December - 31/05/2024' (no year, no closing bracket), '(June' (cut off), and removal notes
such as '(To be removed from register November 2024)'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...model.dates import _MONTHS, parse_date

_OPEN_WORDS = {"ongoing", "present", "current", "to date", "date"}
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE_SPLIT = re.compile(r"\s*[-–—]\s*|\s+to\s+")
_TRAILING_WORDS = re.compile(r"\s+(retired|resigned|ended|ceased|left)$", re.I)


class PeriodError(ValueError):
    """A period that cannot be read; the message says what was expected."""


@dataclass
class Period:
    start: str | None = None
    end: str | None = None
    ongoing: bool = False
    notes: list[str] = field(default_factory=list)


def partial(text: str) -> str:
    """'2012' -> '2012'; 'January 2014' -> '2014-01'; '31st March 2024' or '31/05/2024' -> ISO day."""
    text = text.strip().rstrip(".,")
    if _YEAR.match(text):
        return text
    m = _MONTH_YEAR.match(text)
    if m and m.group(1).lower() in _MONTHS:
        return f"{m.group(2)}-{_MONTHS[m.group(1).lower()]:02d}"
    if text.lower() in _MONTHS:
        raise PeriodError(f"a year with the month {text!r}")
    try:
        return parse_date(text).isoformat()
    except ValueError:
        raise PeriodError(f"a year, 'Month YYYY' or a full date, not {text!r}") from None


def parse_period(text: str) -> Period:
    """Read the inside of a period bracket. Raise PeriodError for a part it cannot read."""
    body = text.strip()
    if body.lower() in _OPEN_WORDS:
        return Period(ongoing=True)
    parts = _RANGE_SPLIT.split(body, maxsplit=1)
    if len(parts) == 1:
        return Period(start=partial(body))
    start_text, end_text = parts[0].strip(), parts[1].strip()
    period = Period()
    m = _TRAILING_WORDS.search(end_text)
    if m:
        period.notes.append(f"'{m.group(1)}' read as the end of the interest")
        end_text = end_text[: m.start()]
    errors = []
    if start_text:
        try:
            period.start = partial(start_text)
        except PeriodError as exc:
            errors.append(f"start: {exc}")
    if end_text.lower() in _OPEN_WORDS:
        period.ongoing = True
    else:
        try:
            period.end = partial(end_text)
        except PeriodError as exc:
            errors.append(f"end: {exc}")
    if errors:
        period.notes.extend(errors)
    return period


def is_removal(text: str) -> bool:
    return "remov" in text.lower()


def removal_month(text: str) -> str | None:
    """'(To be removed from register November 2024)' -> '2024-11'; None when no month/year is written."""
    m = re.search(r"([A-Za-z]+)\s+(\d{4})", text)
    if m and m.group(1).lower() in _MONTHS:
        return f"{m.group(2)}-{_MONTHS[m.group(1).lower()]:02d}"
    m = re.search(r"(\d{1,2}/\d{1,2}/\d{2,4})", text)
    return parse_date(m.group(1)).isoformat() if m else None


_CODE_RANGE = re.compile(r"\(([a-i])\)\s*(?:to|-|–)\s*\(([a-i])\)", re.I)
_CODE = re.compile(r"\(([a-i])\)", re.I)


def mitigation_codes(text: str) -> list[str]:
    """'(a) to (g) inclusive ... (h) recorded' -> ['a', ..., 'h'] in order, no repeats."""
    codes: list[str] = []
    for m in _CODE_RANGE.finditer(text):
        codes += [chr(c) for c in range(ord(m.group(1).lower()), ord(m.group(2).lower()) + 1)]
    for m in _CODE.finditer(_CODE_RANGE.sub("", text)):
        codes.append(m.group(1).lower())
    return sorted(set(codes))
