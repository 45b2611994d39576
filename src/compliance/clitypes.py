"""Option parsing shared by every command group."""

from __future__ import annotations

import datetime as dt

import click

EARLIEST, LATEST = dt.date(2, 1, 1), dt.date(9998, 12, 31)


def date_option(ctx, param, value):
    """click callback: a date in any form the data sets accept, or a usage error naming the forms."""
    if value is None:
        return None
    from .model.dates import parse_date  # here, not at the top: `compliance --help` need not build the model

    try:
        day = parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if not EARLIEST <= day <= LATEST:
        # the rules count back to the start of a financial year and forward by months: the
        # first and last year of the calendar leave no room for that
        raise click.BadParameter(f"{value!r} is outside the dates the rules can compute with; "
                                 f"expected a date from {EARLIEST.isoformat()} to {LATEST.isoformat()}")
    return day
