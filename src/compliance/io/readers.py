"""Readers that turn one register file into raw records, each with where it came from.

A raw record is a plain dict plus a location string. Tabular files (CSV, XLSX) are turned into
the same nested dicts as YAML/JSON so one validator serves every format.
"""

from __future__ import annotations

import io
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .issues import LoadIssue
from .text import TextFileError, read_text
from .yamlsafe import item_lines, key_lines, load_document, parse_yaml, safe_loader, yaml_error


def load_yaml(text: str):
    """``yaml.safe_load`` through libyaml when it is installed (same result, much faster)."""
    import yaml

    return yaml.load(text, Loader=safe_loader())  # noqa: S506 - a safe loader

TABULAR = (".csv", ".xlsx")
SETTINGS = ("organisation", "compliance")
STRUCTURED = (".yaml", ".yml", ".json")


@dataclass
class RawRecord:
    data: Any
    location: str


def read_structured(path: Path, register: str) -> tuple[list[RawRecord] | dict | None, list[LoadIssue]]:
    """Read a YAML or JSON register: a list at top level or under the register's key."""
    try:
        text = read_text(path)
    except TextFileError as exc:
        return None, [LoadIssue(path.name, exc.location, "", str(exc), register=register)]
    lines, problems = None, []
    try:
        if path.suffix == ".json":
            duplicates: list[str] = []
            doc = json.loads(text, object_pairs_hook=lambda pairs: _json_object(pairs, duplicates))
            if duplicates:
                return None, [LoadIssue(path.name, "", key, "duplicate key in a JSON object; expected each key once", register=register)
                              for key in sorted(set(duplicates))]
        elif register == "compliance":  # read before the rules, on every run: from the cache (``load_document``)
            doc, problems = load_document(text)
        else:
            doc, root, problems = parse_yaml(text)
            lines = item_lines(root, register) if not problems else None
        if problems:
            return None, [LoadIssue(path.name, p.location, "", str(p), register=register) for p in problems]
    except (json.JSONDecodeError, yaml_error()) as exc:
        return None, [LoadIssue(path.name, _syntax_location(exc), "", f"is not valid {path.suffix[1:].upper()}: {_first_line(exc)}", register=register)]
    except RecursionError:
        return None, [LoadIssue(path.name, "", "", "is nested too deeply to read; expected at most a few hundred levels", register=register)]
    if register in SETTINGS:  # settings files: one mapping, not a list of records
        if not isinstance(doc, dict):
            return None, [LoadIssue(path.name, "", "", f"expected a mapping of {register} settings", register=register)]
        return doc, []
    if isinstance(doc, dict) and register in doc:
        extra = sorted(k for k in doc if k != register)
        if extra:
            return None, [LoadIssue(path.name, "", ",".join(extra), f"unexpected top-level key(s); expected only '{register}'", register=register)]
        doc = doc[register]
    if doc is None:
        return [], []
    if not isinstance(doc, list):
        return None, [LoadIssue(path.name, "", "", f"expected a list of {register} records (at top level or under '{register}:')", register=register)]
    records = []
    for i, item in enumerate(doc):
        where = f"line {lines[i]}" if lines and i < len(lines) else f"record {i + 1}"
        records.append(RawRecord(item, where))
    return records, []


def _json_object(pairs: list[tuple[str, Any]], duplicates: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            duplicates.append(key)
        out[key] = value
    return out


def organisation_key_lines(path: Path) -> dict[str, int]:
    """Line of each top-level key of a YAML organisation file, so its errors name a line."""
    if path.suffix == ".json":
        return {}
    try:
        import yaml

        return key_lines(yaml.compose(read_text(path), Loader=safe_loader()))
    except (TextFileError, RecursionError, yaml_error()):
        return {}


def _syntax_location(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return f"line {mark.line + 1}"
    lineno = getattr(exc, "lineno", None)
    return f"line {lineno}" if lineno else ""


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "problem", None) or getattr(exc, "msg", None) or exc).splitlines()[0]


def read_table(path: Path, register: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]], list[LoadIssue]]:
    """Read a CSV or XLSX table: the header and (line, row) pairs with empty cells dropped."""
    header, rows, issues = _read_csv(path) if path.suffix == ".csv" else _read_xlsx(path, register)
    return header, rows, issues + _header_issues(path.name, header, rows)


def _header_issues(file: str, header: list[str], rows: list[tuple[int, dict[str, Any]]]) -> list[LoadIssue]:
    """A repeated column (the last would win) or values under a blank header (a merged cell) lose data."""
    issues = [LoadIssue(file, "line 1", name, f"column appears {header.count(name)} times; expected each column once")
              for name in sorted({h for h in header if h and header.count(h) > 1})]
    for line, row in rows:
        if "" in row:
            issues.append(LoadIssue(file, f"line {line}", "", "has a value in a column with no header (a merged or empty "
                                    "header cell); expected a header for every column", repr(row.get("", ""))[:60]))
            break
    return issues


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]], list[LoadIssue]]:
    try:
        text = read_text(path)
    except TextFileError as exc:
        return [], [], [LoadIssue(path.name, exc.location, "", str(exc))]
    with io.StringIO(text, newline="") as handle:
        import csv  # noqa: PLC0415 - only a CSV register needs it (start-up of a cached run)

        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            return [], [], [LoadIssue(path.name, "", "", "is empty; expected a header row")]
        rows = []
        issues = []
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                issues.append(LoadIssue(path.name, f"line {line}", "", f"has {len(cells)} cells but the header has {len(header)} columns"))
                continue
            rows.append((line, {h: c.strip() for h, c in zip(header, cells) if c.strip() != ""}))
    return header, rows, issues


def _read_xlsx(path: Path, register: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]], list[LoadIssue]]:
    import openpyxl  # imported here: only XLSX data sets pay for it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        return [], [], [LoadIssue(path.name, "", "", f"cannot be read as XLSX: {exc}")]
    sheet = book[register] if register in book.sheetnames else book.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows_iter)]
    except StopIteration:
        return [], [], [LoadIssue(path.name, "", "", "is empty; expected a header row")]
    rows = []
    issues = []
    formulas = _formula_rows(path, sheet.title)
    for number, cells in enumerate(rows_iter, start=2):
        row = {}
        for column, (h, c) in enumerate(zip(header, cells), start=1):
            formula = formulas.get(number, {}).get(column)
            if c is None and formula is not None:
                # data_only reads a formula's saved result; a workbook written by a script has none, and
                # reading it as empty would silently apply the field's default
                issues.append(LoadIssue(path.name, f"sheet '{sheet.title}' row {number} column "
                                        f"{openpyxl.utils.get_column_letter(column)}", h,
                                        "formula with no saved value; open and save the workbook in "
                                        "Excel/LibreOffice, or type the value", formula[:60]))
                continue
            if c is None or (isinstance(c, str) and not c.strip()):
                continue
            if isinstance(c, dt.datetime):
                c = c.date().isoformat() if c.time() == dt.time() else c.isoformat()
            elif isinstance(c, dt.date):
                c = c.isoformat()
            elif isinstance(c, float) and c.is_integer():
                c = int(c)
            row[h] = c.strip() if isinstance(c, str) else c
        if row:
            rows.append((number, row))
    book.close()
    return header, rows, issues


def _formula_rows(path: Path, title: str) -> dict[int, dict[int, str]]:
    """Row -> column -> formula text for every formula cell on sheet ``title`` (1-based, as Excel shows)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        found: dict[int, dict[int, str]] = {}
        for number, cells in enumerate(book[title].iter_rows(values_only=True), start=1):
            for column, value in enumerate(cells, start=1):
                if isinstance(value, str) and value.startswith("="):
                    found.setdefault(number, {})[column] = value
        return found
    finally:
        book.close()
