"""Option parsing shared by every command group."""

from __future__ import annotations

import click

from .model.dates import parse_date


def date_option(ctx, param, value):
    """click callback: a date in any form the data sets accept, or a usage error naming the forms."""
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
