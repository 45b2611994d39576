"""The committed example reports are what the README's command produces today."""

import subprocess
import sys

import pytest

from conftest import REAL, ROOT


@pytest.mark.parametrize("fmt, name", [("html", "ssot-2024-10-17.html"), ("markdown", "ssot-2024-10-17.md")])
def test_committed_example_report_is_current(tmp_path, fmt, name):
    out = tmp_path / name
    result = subprocess.run([sys.executable, "-m", "compliance", "report", str(REAL.relative_to(ROOT)), "--as-of", "2024-10-17",
                             "--format", fmt, "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_mode & 0o044, "a report is written readable by others"
    assert out.read_text(encoding="utf-8") == (ROOT / "reports" / name).read_text(encoding="utf-8"), (
        f"reports/{name} is stale: regenerate it with the command in the README")
