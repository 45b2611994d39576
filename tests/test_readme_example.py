"""The README's property-test example runs as written, against the shipped rules."""

import re

from conftest import ROOT

SECTION = "### Property-testing your own rule set"


def _example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in readme, f"README has no section {SECTION!r}"
    section = readme.split(SECTION, 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, f"README section {SECTION!r} has no ```python example"
    return blocks[0]


def test_readme_property_example_runs_against_the_shipped_rules(monkeypatch):
    monkeypatch.chdir(ROOT)  # the example names its rules directory relative to the project
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(_example(), "README.md (property-testing example)", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_") and callable(f)]
    assert tests, "the README example defines no test_ function"
    for test in tests:
        test()  # hypothesis runs it over generated data sets; a failing property raises here
