"""Rule schema, loading, validation and the condition tree."""

from .loader import RuleIssue, RuleSet, RuleSetError, load_rules
from .schema import SEVERITY_ORDER, Reference, Rule

__all__ = ["load_rules", "Rule", "RuleSet", "RuleSetError", "RuleIssue", "Reference", "SEVERITY_ORDER"]
