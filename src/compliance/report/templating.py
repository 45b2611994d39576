"""The Jinja2 environment the report renderers share; templates ship inside the package."""

from __future__ import annotations

from functools import lru_cache

import jinja2
from markupsafe import Markup

from .text import one_line


def css_string(value: object) -> Markup:
    """A CSS string literal (for ``@page`` running headers): quotes, backslashes and ``<`` escaped
    as CSS escapes, since HTML entities mean nothing inside ``<style>``."""
    text = one_line(value)
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;-_()'/&" else f"\\{ord(ch):x} " for ch in text)
    return Markup(f'"{escaped}"')


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    """HTML templates are autoescaped; Markdown ones are not (tabulate builds their tables)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("compliance.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    return env
