"""The same pack as Markdown tables imports to the same data set."""

from click.testing import CliRunner
from import_compare import field_differences
from import_helpers import pack_of

from compliance.cli import main
from compliance.importers.boardpack.coversheets import parse_cover_sheet
from compliance.importers.boardpack.text import checkbox, markdown_row

from conftest import ROOT

PACK = ROOT / "fixtures" / "packs" / "ssot-icb-board-pack-2024-10-17.txt"  # a copy of ../shared/seeds
MAPPING = ROOT / "fixtures" / "ssot-2024-10-17.mapping.yaml"


def to_markdown(text: str) -> str:
    """Every TAB row as a Markdown table row, '|' in cells escaped; other lines unchanged."""
    out = []
    for line in text.splitlines():
        if "\t" in line:
            cells = [c.replace("|", "\\|") for c in line.split("\t")]
            line = "| " + " | ".join(cells) + " |"
        out.append(line)
    return "\n".join(out) + "\n"


def test_markdown_rows_rules_and_escapes():
    assert markdown_row("| Members: | Quoracy | 18/04/24 |") == "Members:\tQuoracy\t18/04/24"
    assert markdown_row("|---|:---:|---|") == ""
    assert markdown_row("| a \\| b | c |") == "a | b\tc"
    assert markdown_row("Plain text | with a bar") == "Plain text | with a bar"


def test_checkbox_glyphs():
    assert checkbox("☒") is True and checkbox("[ ]") is False and checkbox("Yes") is None


def test_markdown_cover_sheet_with_glyph_checkboxes():
    text = "\n".join([
        "| Report to: | Integrated Care Board |", "|---|---|", "| Title: | Finance Report |",
        "| Action Required (select): | Information (I) | ☒ | Discussion (D) | ☐ |",
        "|  | Approval (A) | ☐ | Ratification (R) | ☒ |",
        "|  | DPIA | ☐ | ☒ | ☐ | not needed |",
        "(5) Integration with the BAF & Key Risks:",
        "| BAF1 | Elective | ☒ | BAF5 | Quality | ☐ |",
    ])
    pack, report = pack_of(text)
    sheet = parse_cover_sheet(pack, 1, len(pack) + 1, report)
    assert sheet.title == "Finance Report" and sheet.purposes == ["I", "R"]
    assert sheet.assessments["dpia"].answer == "no" and sheet.linked_risks == ["BAF1"]


def test_whole_pack_as_markdown_imports_to_the_same_data_set(tmp_path):
    md = tmp_path / PACK.name  # same name, so every record's source.file is the same
    md.write_text(to_markdown(PACK.read_text(encoding="utf-8")), encoding="utf-8")
    runner = CliRunner()
    for src, out in ((PACK, tmp_path / "tsv"), (md, tmp_path / "md")):
        result = runner.invoke(main, ["import", "boardpack", str(src), "--out", str(out), "--mapping", str(MAPPING)])
        assert result.exit_code == 0, result.output
    assert field_differences(tmp_path / "md", tmp_path / "tsv") == []
    assert (tmp_path / "md" / "import-report.yaml").read_text() == (tmp_path / "tsv" / "import-report.yaml").read_text()
