import datetime as dt
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "fixtures" / "ssot-2024-10-17"
AS_OF = dt.date(2024, 10, 17)


@pytest.fixture
def dataset(tmp_path):
    """A writable copy of the real data set."""
    target = tmp_path / "ds"
    shutil.copytree(REAL, target)
    return target
