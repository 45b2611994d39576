"""Compile rules to durable-rules, evaluate, and assemble one finding per (rule, subject)."""

from .evaluate import ENGINES, evaluate
from .findings import Finding, OUTCOMES

__all__ = ["evaluate", "Finding", "OUTCOMES", "ENGINES"]
