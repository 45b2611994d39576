import atexit
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# the loaded-rules and data-set cache (compliance.cache) of this run only, never the user's; the
# commands the tests start inherit it
os.environ["COMPLIANCE_CACHE_DIR"] = tempfile.mkdtemp(prefix="compliance-test-cache-")
atexit.register(shutil.rmtree, os.environ["COMPLIANCE_CACHE_DIR"], ignore_errors=True)
os.environ.pop("COMPLIANCE_NO_CACHE", None)

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "fixtures" / "ssot-2024-10-17"
AS_OF = dt.date(2024, 10, 17)

# Property tests draw whole data sets and evaluate them (~0.1 s each on durable-rules): "ci" keeps
# the suite fast, HYPOTHESIS_PROFILE=thorough searches harder. Tests that set max_examples keep it.
_SLOW_DATA = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True)
settings.register_profile("ci", max_examples=20, **_SLOW_DATA)
settings.register_profile("thorough", max_examples=500, **_SLOW_DATA)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def dataset(tmp_path):
    """A writable copy of the real data set."""
    target = tmp_path / "ds"
    shutil.copytree(REAL, target)
    return target


def pytest_terminal_summary(terminalreporter):
    """Say how many inputs the fuzz suite (tests/test_fuzz_inputs.py) tried, when it ran."""
    import sys
    fuzz = sys.modules.get("test_fuzz_inputs")
    if fuzz is not None and any(fuzz.TRIED.values()):
        terminalreporter.write_line(fuzz.fuzz_summary())
