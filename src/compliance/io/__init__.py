"""Loading governance data sets from disk into the pydantic models."""

from .dataset import load_dataset
from .issues import LoadIssue, DatasetError

__all__ = ["load_dataset", "LoadIssue", "DatasetError"]
