"""Message templates: ``str.format`` placeholders, plus one format spec of the rule language's own.

A rule's ``message``, ``pass_message`` and ``error_messages`` are ``str.format`` templates whose
placeholders name a field of the subject kind or a param (dotted names allowed: ``{paper.presenter}``).
The usual format specs work (``{score:>3}``). One more spec says a count with its noun in the right
number, so a message never reads "1 days overdue":

- ``{days_overdue:plural:day}`` gives "1 day", "21 days" (the plural adds "s");
- ``{absent:plural:person/people}`` names an irregular plural after a slash.

Singular is for a count of exactly 1 (or -1); a value that is not a number (a missing field's
placeholder text) is followed by the plural form.
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Any, Callable

PLURAL = "plural:"


def plural(count: Any, forms: str) -> str:
    """``count`` followed by its noun in the right number: ``plural(1, "day")`` is "1 day";
    ``plural(3, "person/people")`` is "3 people"."""
    singular, _, many = forms.partition("/")
    many = many or singular + "s"
    is_number = isinstance(count, (int, float)) and not isinstance(count, bool)
    return f"{count} {singular if is_number and abs(count) == 1 else many}"


def key_names(keys: Any) -> list[Any]:
    """A mapping's keys in order, for a problem message about a rule file: text first, then any key
    YAML read as something else (``1:``, ``yes:``), which does not sort with text."""
    return sorted(keys, key=lambda k: (not isinstance(k, str), str(k)))


def spec_problem(spec: str | None) -> str | None:
    """Why a ``plural:`` spec is unusable (no noun, or spaces in it); None when it is fine or not plural."""
    if not spec or not spec.startswith(PLURAL):
        return None
    forms = spec[len(PLURAL):]
    words = forms.split("/")
    if not forms or len(words) > 2 or not all(w and not w.isspace() and w == w.strip() for w in words):
        return f"plural spec {spec!r}: expected plural:NOUN or plural:SINGULAR/PLURAL (e.g. plural:day, plural:person/people)"
    return None


@lru_cache(maxsize=1024)
def parsed(template: str) -> tuple[tuple[str, str | None, str, str | None], ...]:
    """The template's pieces: (literal text, placeholder name or None, format spec, conversion)."""
    return tuple((literal, name, spec or "", conversion) for literal, name, spec, conversion in string.Formatter().parse(template))


CONVERSIONS: dict[str, Callable[[Any], str]] = {"r": repr, "s": str, "a": ascii}


def render(template: str, value_of: Callable[[str], Any]) -> str:
    """``template`` with each placeholder replaced by ``value_of(name)`` formatted by its spec."""
    out = []
    for literal, name, spec, conversion in parsed(template):
        out.append(literal)
        if name is None:
            continue
        value = value_of(name)
        if spec.startswith(PLURAL):
            out.append(plural(value, spec[len(PLURAL):]))
            continue
        if conversion:
            value = CONVERSIONS[conversion](value)
        out.append(format(value, spec))
    return "".join(out)
