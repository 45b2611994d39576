"""GovernanceData -> flat facts, one per subject. All derivation and aggregation lives here.

Facts are plain JSON-able dicts of ints, bools and strings: dates are day ordinals (days since
0001-01-01, ``date.toordinal()``) so the engine compares them as numbers; a value that is not
known is left out, never sent as null, so a rule that needs it reports ``error``.
"""

from .derive import derive_facts, facts_owned, owned_facts
from .kinds import FACT_MODELS, SUBJECT_KINDS, day, from_day

__all__ = ["derive_facts", "facts_owned", "owned_facts", "FACT_MODELS", "SUBJECT_KINDS", "day", "from_day"]
