"""The Jinja2 environment the report renderers share; templates ship inside the package."""

from __future__ import annotations

from functools import lru_cache

import jinja2


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    """HTML templates are autoescaped; Markdown ones are not (tabulate builds their tables)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("compliance.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
