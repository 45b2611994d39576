"""Machine formats of `compliance check`: JUnit XML (for CI dashboards), CSV (one row per finding)
and JSON lines (one finding per line, then the rest of the document).

All render the versioned document (``compliance.outcomes.finalise``), so waivers and change
since the baseline read the same as in the JSON.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import tempfile
import xml.etree.ElementTree as ET
from typing import IO, Any, Callable, Iterable, Iterator

from .text import one_line

CSV_COLUMNS = (
    "rule_id", "family", "severity", "subject_kind", "subject_id", "subject_label", "outcome", "change",
    "message", "remediation", "references", "waiver", "waiver_expires", "as_of", "evidence",
)


def _cite(ref: dict[str, Any]) -> str:
    return ", ".join(str(ref[k]) for k in ("authority", "clause") if ref.get(k))


def _waiver_text(waiver: dict[str, Any] | None) -> str:
    if not waiver:
        return ""
    return f"{waiver['key']}: {waiver['reason']} (approved by {waiver['approved_by']}, {waiver['approval_ref']}; owner {waiver['owner']})"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """Text a spreadsheet will not run: a leading = + - @ would make a label from a register a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def render_csv(document: dict[str, Any]) -> str:
    """One row per finding, in document order; evidence as compact JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in document["findings"]:
        waiver = f.get("waiver")
        writer.writerow(_cell(value) for value in [
            f["rule_id"], f["family"], f["severity"], f["subject"]["kind"], f["subject"]["id"], f["subject"]["label"],
            f["outcome"], f.get("change") or "", f["message"], f["remediation"],
            "; ".join(_cite(r) for r in f["references"]), _waiver_text(waiver),
            waiver["effective_expires"] if waiver else "", f["as_of"],
            json.dumps(f["evidence"], sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        ])
    return buffer.getvalue()


def iter_jsonl(document: dict[str, Any]) -> Iterator[str]:
    """JSON lines: each finding of the document on its own line as ``{"record": "finding", ...}``,
    in document order, then one ``{"record": "document", ...}`` line holding every other key of the
    document (summary, coverage, waivers, changes, ...). Lines are produced one at a time, so a
    writer never holds the whole text; each line is compact JSON with sorted keys and ends in ``\n``."""
    return iter_jsonl_stream(document["findings"], lambda: {k: v for k, v in document.items() if k != "findings"})


def iter_jsonl_stream(findings: Iterable[dict[str, Any]], rest: Callable[[], dict[str, Any]]) -> Iterator[str]:
    """``iter_jsonl`` of a document given as its findings (each made when reached) and ``rest()``,
    its other keys, asked for once the findings are written: the same lines."""
    from ..io.writer import dumps_json

    for finding in findings:
        yield dumps_json({"record": "finding", **finding}, indent=False) + "\n"
    yield dumps_json({"record": "document", **rest()}, indent=False) + "\n"


def iter_json_stream(findings: Iterable[dict[str, Any]], rest: Callable[[], dict[str, Any]],
                     spool: IO[bytes] | None = None) -> Iterator[str]:
    """The text ``render_json`` writes for the document of ``findings`` and ``rest()``, in pieces
    (``iter_json_stream_bytes``'s, decoded)."""
    decoder = codecs.getincrementaldecoder("utf-8")()  # a piece may end inside a character
    for piece in iter_json_stream_bytes(findings, rest, spool):
        yield decoder.decode(piece)


FINDINGS_PER_CHUNK = 256  # findings encoded in one call: fewer calls, and a chunk's dicts are all it holds


def iter_json_stream_bytes(findings: Iterable[dict[str, Any]], rest: Callable[[], dict[str, Any]],
                           spool: IO[bytes] | None = None) -> Iterator[bytes]:
    """``render_json_bytes`` of the document of ``findings`` and ``rest()``, in pieces.

    Keys are sorted, so ``coverage`` comes before ``findings`` and is known only after them: the
    findings' text goes to ``spool`` (a temporary file by default) as they are made, then the
    document is written around it. Each part is ``dumps_json`` of one value re-indented to its
    depth (JSON text holds a newline only between tokens, so this is the whole document's text).
    The findings are encoded ``FINDINGS_PER_CHUNK`` at a time, as a list whose items are then
    re-indented one level deeper (measured: a call per finding cost more than encoding it).
    """
    from ..io.writer import dumps_json_bytes

    spool = spool if spool is not None else tempfile.TemporaryFile("w+b")
    with spool:
        count = 0
        chunk: list[dict[str, Any]] = []
        for finding in findings:
            chunk.append(finding)
            if len(chunk) == FINDINGS_PER_CHUNK:
                _spool_chunk(spool, chunk, count)
                count += len(chunk)
                chunk = []
        if chunk:
            _spool_chunk(spool, chunk, count)
            count += len(chunk)
        del chunk
        document = rest()
        keys = sorted([*document, "findings"])
        yield b"{\n"
        for n, key in enumerate(keys):
            yield b"  " + dumps_json_bytes(key) + b": "
            if key != "findings":
                yield dumps_json_bytes(document[key]).replace(b"\n", b"\n  ")
            elif not count:
                yield b"[]"
            else:
                yield b"[\n"
                spool.seek(0)
                while piece := spool.read(1 << 20):
                    yield piece
                yield b"\n  ]"
            yield b",\n" if n < len(keys) - 1 else b"\n"
        yield b"}\n"


def _spool_chunk(spool: IO[bytes], chunk: list[dict[str, Any]], before: int) -> None:
    """``chunk``'s findings as items of the document's ``findings`` list (two levels deep)."""
    from ..io.writer import dumps_json_bytes

    text = dumps_json_bytes(chunk)  # b"[\n  {...},\n  {...}\n]": the items one level deep
    spool.write((b",\n    " if before else b"    ") + text[4:-2].replace(b"\n", b"\n  "))


def _details(f: dict[str, Any]) -> str:
    lines = [f"{f['title']} [{f['severity']}]", f"subject: {f['subject']['label']}", f"message: {f['message']}"]
    for e in f["evidence"]:
        lines.append("evidence: " + ", ".join(f"{k}={e[k]}" for k in sorted(e)))
    if f["remediation"]:
        lines.append(f"remediation: {f['remediation']}")
    lines += [f"reference: {_cite(r)}" for r in f["references"]]
    if f.get("change"):
        lines.append(f"change since baseline: {f['change']}")
    return "\n".join(lines)


def _xml_text(text: str) -> str:
    """Text XML 1.0 can hold: newlines and tabs kept, other control characters shown as ``\\xNN``."""
    return "\n".join(one_line(line) for line in text.split("\n"))


def render_junit(document: dict[str, Any]) -> str:
    """JUnit XML: one testsuite per rule, one testcase per (rule, subject).

    fail -> <failure>, error -> <error>, not_applicable -> <skipped>, waived -> <skipped> naming
    the waiver (a waived failure must not break the build, but stays visible), pass -> plain testcase.
    """
    root = ET.Element("testsuites", name=f"compliance {document['dataset']} as of {document['as_of']}")
    suites: dict[str, ET.Element] = {}
    counts: dict[str, dict[str, int]] = {}
    for f in document["findings"]:
        rule = f["rule_id"]
        if rule not in suites:
            suites[rule] = ET.SubElement(root, "testsuite", name=rule)
            counts[rule] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        c = counts[rule]
        c["tests"] += 1
        case = ET.SubElement(suites[rule], "testcase", classname=f"{f['family']}.{rule}", name=f["subject"]["id"])
        outcome = f["outcome"]
        if outcome == "fail":
            c["failures"] += 1
            ET.SubElement(case, "failure", message=f["message"], type=f["severity"]).text = _details(f)
        elif outcome in ("error", "not_checked"):  # neither may look like a pass in a CI dashboard
            c["errors"] += 1
            ET.SubElement(case, "error", message=f["message"],
                          type="insufficient-data" if outcome == "error" else "not-checked").text = _details(f)
        elif outcome == "not_applicable":
            c["skipped"] += 1
            ET.SubElement(case, "skipped", message=f["message"])
        elif outcome == "waived":
            c["skipped"] += 1
            w = f.get("waiver") or {}
            ET.SubElement(case, "skipped", message=f"waived until {w.get('effective_expires', '?')}: {f['message']}").text = (
                _details(f) + "\n" + _waiver_text(w or None))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for rule, suite in suites.items():
        for key, value in counts[rule].items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    for el in root.iter():  # XML 1.0 cannot hold control characters: show them, keep the file well formed
        el.attrib.update({k: _xml_text(v) for k, v in el.attrib.items()})
        if el.text:
            el.text = _xml_text(el.text)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
