"""`compliance import ...`: build a data set from a published document."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import click

from ..clitypes import date_option as _date




STEPS = 6  # agenda, attendance, conflicts, actions, cover sheets, assurance framework


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(2)


@click.group("import")
def import_group() -> None:
    """Import governance registers from published documents into a data set."""


@import_group.command("boardpack")
@click.argument("pack", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="data set directory to write (created if needed)")
@click.option("--meeting-date", callback=_date, help="date of the meeting the pack is for [default: read from the agenda]")
@click.option("--mapping", "mapping_path", type=click.Path(dir_okay=False, path_type=Path), help="YAML of organisation facts: ids, role groups, cohorts, seats")
def boardpack(pack, out, meeting_date, mapping_path):
    """Read a board pack's text export (PACK.txt) into a data set directory.

    Writes one YAML file per register, import-report.yaml (everything recognised but not
    read, with its line) and mapping.suggested.yaml. Exits 2 when the input is not a board pack.
    """
    from .boardpack import NotABoardPack, Pack, import_boardpack
    from .mapping import MappingError, load_mapping
    from .writer import write_dataset

    try:
        mapping = load_mapping(mapping_path)
    except MappingError as exc:
        _fail(f"mapping file: {exc}")
    try:
        text = Pack.read(pack)
    except FileNotFoundError:
        _fail(f"{pack}: no such file; expected the text export of a board pack")
    except UnicodeDecodeError:
        _fail(f"{pack}: is not UTF-8 text; expected the text export of a board pack (save the Word/PDF pack as plain text)")
    # a progress bar only on a terminal: piped output stays a clean summary
    bar = click.progressbar(length=STEPS, label=f"importing {pack.name}", file=sys.stderr, item_show_func=lambda item: item) if sys.stderr.isatty() else nullcontext()
    try:
        with bar as shown:
            result = import_boardpack(text, mapping, meeting_date, progress=(lambda label: shown.update(1, label)) if shown else None)
    except NotABoardPack as exc:
        _fail(str(exc))
    if result.meeting_date is None:
        _fail(f"{pack}: no meeting date found in the agenda heading; pass --meeting-date DATE")
    write_dataset(out, pack.name, result.organisation, result.registers, result.report.to_dict(), result.suggested_mapping)
    for line in result.report.summary_lines():
        click.echo(line)
    for issue in sorted(result.report.issues)[:20]:
        click.echo(f"  {issue}")
    if len(result.report.issues) > 20:
        click.echo(f"  ... {len(result.report.issues) - 20} more in {out / 'import-report.yaml'}")
    click.echo(f"wrote {out}")
