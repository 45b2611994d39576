"""Date parsing for the forms real governance registers use.

Registers are typed by people: ISO dates sit next to ``20/09/2024``, ``20th September 2024``
and ``26 th September 2024``. One parser accepts all of them so every register agrees.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_DMY_WORDS = re.compile(r"^(\d{1,2})\s*(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")

DATE_FORMS = "an ISO date (2024-09-20), 20/09/2024, 20/09/24 or 20th September 2024"


def parse_date(value: object) -> dt.date:
    """Parse one date written in any of the accepted forms; raise ValueError naming them."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected {DATE_FORMS}, got {value!r}")
    text = " ".join(value.strip().split())
    m = _ISO.match(text)
    if m:
        return _checked(int(m.group(1)), int(m.group(2)), int(m.group(3)), value)
    m = _DMY_NUMERIC.match(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
        if year < 100:
            year += 2000
        return _checked(year, month, day, value)
    m = _DMY_WORDS.match(text)
    if m and m.group(2).lower() in _MONTHS:
        return _checked(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)), value)
    raise ValueError(f"expected {DATE_FORMS}, got {value!r}")


def _checked(year: int, month: int, day: int, original: object) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"not a real date: {original!r} ({exc})") from None


_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def partial_bounds(value: str) -> tuple[dt.date, dt.date]:
    """Earliest and latest day a partial date (``2012``, ``2014-01``, ``2024-03-31``) can mean."""
    m = _PARTIAL.match(value)
    if not m:
        raise ValueError(f"expected YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    year, month, day = m.group(1), m.group(2), m.group(3)
    y = int(year)
    if month is None:
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    mo = int(month)
    if not 1 <= mo <= 12:
        raise ValueError(f"month {mo} does not exist in {value!r}; expected YYYY, YYYY-MM or YYYY-MM-DD")
    if day is None:
        first = dt.date(y, mo, 1)
        nxt = dt.date(y + (mo == 12), mo % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1)
    d = _checked(y, mo, int(day), value)
    return d, d


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar month arithmetic, clamping to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = (nxt - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def financial_year_start(day: dt.date, start_month: int = 4, start_day: int = 1) -> dt.date:
    """First day of the financial year containing ``day`` (UK public bodies: 1 April)."""
    candidate = dt.date(day.year, start_month, start_day)
    return candidate if day >= candidate else dt.date(day.year - 1, start_month, start_day)
