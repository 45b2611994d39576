"""facts/ derives only what is generic: no organisation's pattern, prompt, code or numbering.

Criteria live in the rule packs (DESIGN.md principle 5). This test reads the facts package's
source: a regular expression, a form's prompt, a predecessor body's name or a purpose code there
would be a criterion hidden from the rule author.
"""

import re
from pathlib import Path

import compliance.facts as facts_pkg

SOURCES = sorted(Path(facts_pkg.__file__).parent.glob("*.py"))
CRITERIA = [r"\bCCG\b", r"click or tap", r"choose an item", r'\{"A", "R"\}', r"\d{4}\)-\(", r"re\.compile", r"import re\b"]


def test_facts_package_holds_no_organisation_specific_pattern_or_string():
    found = [(p.name, pat) for p in SOURCES for pat in CRITERIA if re.search(pat, p.read_text(encoding="utf-8"), re.I)]
    assert not found, found

