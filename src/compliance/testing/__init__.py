"""Helpers for testing rule sets: rule test cases, hypothesis strategies and a data-set writer.

``governance_data`` and ``facts`` draw valid, self-consistent data sets; ``from_model`` builds a
strategy for any model in ``compliance.model`` from its fields; ``write_dataset`` writes a data
set to a directory that ``compliance check`` and ``compliance.io.load_dataset`` read.

The strategies need hypothesis (``pip install 'compliance[testing]'``). Names are imported on
first use, so ``compliance test`` (which imports ``compliance.testing.cases``) runs without it.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DEFAULT_SIZES": "strategies", "facts": "strategies", "governance_data": "strategies", "organisations": "strategies",
    "Knobs": "models", "OMIT": "models", "boundary_dates": "models", "dates": "models", "edge_or": "models",
    "from_model": "models", "maybe": "models", "field_strategy": "models",
    "dataset_documents": "writer", "dataset_yaml": "writer", "write_dataset": "writer",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
