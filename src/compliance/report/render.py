"""Text renderers for `compliance check`: the terminal table, the closing summary line, JSON."""

from __future__ import annotations

from typing import Any

import click

from .text import one_line

OUTCOME_COLOURS = {"fail": "red", "error": "yellow", "not_checked": "magenta", "waived": "cyan", "pass": "green", "not_applicable": None}
SUMMARY_WORDS = (("fail", "failed"), ("error", "errors"), ("not_checked", "not checked"), ("waived", "waived"), ("pass", "passed"), ("not_applicable", "not applicable"))


def render_json(document: dict[str, Any]) -> str:
    """Deterministic JSON: sorted keys, stable order of findings (``io.writer.dumps_json``: fast, same bytes)."""
    from ..io.writer import dumps_json

    return dumps_json(document) + "\n"


def render_json_bytes(document: dict[str, Any]) -> bytes:
    """``render_json`` as UTF-8 bytes, for a file (made without the text in between)."""
    from ..io.writer import dumps_json_bytes

    return dumps_json_bytes(document) + b"\n"


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` when set), at least 60."""
    import shutil  # noqa: PLC0415 - only a table asks (start-up of a cached run)

    return max(60, shutil.get_terminal_size((100, 24)).columns)


def summary_line(summary: dict[str, Any], seconds: float | None = None) -> str:
    """'71 failed, 6 errors, 333 passed, 336 not applicable in 0.5 s' (outcomes with none left out)."""
    counts = summary["by_outcome"]
    parts = [f"{counts.get(o, 0)} {word}" for o, word in SUMMARY_WORDS if counts.get(o, 0)] or ["no findings"]
    return ", ".join(parts) + (f" in {seconds:.1f} s" if seconds is not None else "")


def render_table(document: dict[str, Any], show_passes: bool = False, width: int | None = None, colour: bool = False) -> str:
    """Summary, then one row per failure, error and waiver (every finding with ``show_passes``).

    Cells wrap to ``width`` (the terminal's by default); nothing is cut. Subjects are shown by
    name. Text from the registers is put on one line with control characters made visible.
    """
    width = width or terminal_width()
    summary = document["summary"]
    head = [f"{one_line(document['dataset'])} as of {document['as_of']} (rules digest {document['rules_digest']})", ""]
    from tabulate import tabulate  # noqa: PLC0415 - only a table needs it (about 11 ms of start-up)

    head.append(tabulate([[o, n] for o, n in summary["by_outcome"].items()], headers=["outcome", "count"]))
    if summary["failures_by_severity"]:
        head += ["", tabulate(list(summary["failures_by_severity"].items()), headers=["failures by severity", "count"])]
    changes = document.get("changes")
    shown = [f for f in document["findings"] if show_passes or f["outcome"] in ("fail", "error", "not_checked", "waived")]
    headers = ["outcome", "severity", "rule", "subject", "message"] + (["change"] if changes else [])
    rows = [[f["outcome"], f["severity"], f["rule_id"], one_line(f["subject"]["label"]), one_line(f["message"])]
            + ([f.get("change") or ""] if changes else []) for f in shown]
    if rows:
        fixed = [max(len(h), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers[:2])]
        rest = width - sum(fixed) - 2 * (len(headers) - 1) - (11 if changes else 0)
        rule_w = min(max(len(r[2]) for r in rows), max(16, rest // 4))
        subject_w = max(14, (rest - rule_w) * 2 // 5)
        message_w = max(20, rest - rule_w - subject_w)
        for _ in range(3):  # tabulate's padding is not quite predictable: shrink the message to fit
            body = tabulate(rows, headers=headers, maxcolwidths=[None, None, rule_w, subject_w, message_w] + ([None] if changes else []),
                            disable_numparse=True)
            over = max(len(line) for line in body.splitlines()) - width
            if over <= 0 or message_w <= 20:
                break
            message_w = max(20, message_w - over)
        if colour:
            body = _colour_outcomes(body, shown)
    else:
        body = "no failures or errors"
    return "\n".join(head + ["", body] + _waiver_and_change_notes(document)) + "\n"


def _colour_outcomes(body: str, shown: list[dict[str, Any]]) -> str:
    """Colour the outcome word that starts each row (continuation lines start with spaces)."""
    lines = body.split("\n")
    for i, line in enumerate(lines[2:], start=2):
        word = line.split(" ", 1)[0]
        if word in OUTCOME_COLOURS and OUTCOME_COLOURS[word]:
            lines[i] = click.style(word, fg=OUTCOME_COLOURS[word], bold=word == "fail") + line[len(word):]
    return "\n".join(lines)


def _waiver_and_change_notes(document: dict[str, Any]) -> list[str]:
    """Footer lines: waivers that need attention and the change since the baseline."""
    lines: list[str] = []
    waivers = document.get("waivers") or {}
    for state in ("expired", "orphaned", "on_error", "not_yet_valid", "capped"):
        for w in waivers.get(state, []):
            lines.append(one_line(f"waiver {w['key']} ({w['rule_id']} / {w['subject']}) {state.replace('_', ' ')}: {w['detail']}"))
    changes = document.get("changes")
    if changes:
        lines.append(f"since {changes['baseline_as_of']}: {len(changes['new'])} new, {len(changes['persisting'])} persisting, "
                     f"{len(changes['resolved'])} resolved failures")
        lines += [one_line(f"  resolved: {r['rule_id']} / {r['subject']['id']} (now {r['now']})") for r in changes["resolved"]]
    return [""] + lines if lines else []
