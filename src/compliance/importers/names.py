"""Names and ids: how one person written differently in two tables is recognised as one."""

from __future__ import annotations

import re


def slug(text: str) -> str:
    """An id-safe lower-case slug: 'Paul Edmondson-Jones' -> 'paul-edmondson-jones'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_HONOURS = {"obe", "mbe", "cbe", "kbe", "dbe", "frcp", "frcn"}
_TITLES = {"dr", "mr", "mrs", "ms", "miss", "prof", "professor", "sir", "dame", "cllr"}


def name_key(name: str) -> tuple[str, str]:
    """(first initial, surname) in lower case, honours and titles dropped: how registers and
    matrices that spell first names differently ('Josie' / 'Josephine') still agree."""
    words = [w for w in re.split(r"[\s,]+", name.replace(".", " ")) if w]
    words = [w for w in words if w.lower() not in _HONOURS]
    while words and words[0].lower() in _TITLES:
        words = words[1:]
    if not words:
        return ("", "")
    return (words[0][0].lower(), words[-1].lower())
