"""compliance: a declarative, rules-based compliance checker for board governance."""

__version__ = "0.1.0"
