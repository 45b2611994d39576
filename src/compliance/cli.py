"""Command line: `compliance check`, `compliance rules list|validate|explain`, `compliance schema`."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

import click

from .clitypes import date_option as _date

RULES_HELP = "a shipped pack's name (nhs-icb, nhs-performance, ...) or rule files/directories (repeatable) [default: the data set's compliance.yaml, else the nhs-icb profile]"
CHECK_FORMATS = ("table", "json", "jsonl", "junit", "csv", "sarif")
EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".xml": "junit", ".csv": "csv", ".sarif": "sarif"}




class _Main(click.Group):
    """The command group: an unexpected exception exits 3 with one line (a traceback with --debug).

    Exit codes: 0 nothing at or above --fail-on; 1 failures (and, unless --no-fail-on-unchecked,
    errors and not-checked rules) at or above --fail-on; 2 bad input or bad rules; 3 an internal error;
    141 the output's reader closed it early (``| head``), as a shell reports a process SIGPIPE stopped.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader went away (`| head`): not an internal error
            # what Python's documentation advises: nothing more is written to the closed pipe
            # (not even at exit), and the status a shell gives a process stopped by SIGPIPE
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as exc:  # noqa: BLE001 - the one place an unexpected error is turned into exit 3
            if ctx.params.get("debug") or os.environ.get("COMPLIANCE_DEBUG"):
                raise
            where = exc.__traceback__
            while where is not None and where.tb_next is not None:
                where = where.tb_next
            at = f" at {Path(where.tb_frame.f_code.co_filename).name}:{where.tb_lineno}" if where else ""
            click.echo(f"internal error: {type(exc).__name__}: {exc}{at}; please report it with the command and "
                       "`compliance --debug ...` output (the traceback)", err=True)
            sys.exit(3)


UNCHECKED_HELP = "errors and not-checked rules do not count towards --fail-on (by default they do, at their rule's severity)"


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="compliance")
@click.option("--debug", is_flag=True, help="on an internal error, print the traceback (exit 3 either way)")
def main(debug: bool) -> None:
    """Check board governance records against compliance rules written in YAML."""


@main.command()
@click.argument("datasets", metavar="DATASET...", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--rules", "rules_paths", multiple=True, help=RULES_HELP)
@click.option("--as-of", callback=_date, help="the date to check as of (YYYY-MM-DD or 17/10/2024) [default: today]")
@click.option("--format", "fmt", type=click.Choice(list(CHECK_FORMATS)), default="table", show_default=True, help="json: versioned document (docs/report-format.md); jsonl: one finding per line, then the rest of the document; junit: one testcase per rule x subject; csv: one row per finding; sarif: SARIF 2.1.0")
@click.option("--out", "outs", multiple=True, metavar="[FORMAT:]PATH", help="write to a file (atomically) instead of stdout; repeatable; the format is FORMAT:, else the extension (.json .jsonl .xml .csv .sarif), else --format")
@click.option("-q", "--quiet", is_flag=True, help="print only the closing summary line (and problems)")
@click.option("--color", "colour", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="colour the table; auto: on a terminal unless NO_COLOR is set")
@click.option("--rule", "only_rules", multiple=True, metavar="ID", help="evaluate only this rule (repeatable; * and ? match)")
@click.option("--skip-rule", "skip_rules", multiple=True, metavar="ID", help="leave this rule out (repeatable; * and ? match)")
@click.option("--family", "families", multiple=True, help="evaluate only rules of this family (repeatable)")
@click.option("--min-severity", type=click.Choice(["info", "low", "medium", "high", "critical"]), help="evaluate only rules of at least this severity")
@click.option("--fail-on", type=click.Choice(["info", "low", "medium", "high", "critical", "never"]), default="high", show_default=True, help="exit 1 when a failure at or above this severity")
@click.option("--no-fail-on-unchecked", "pass_unchecked", is_flag=True, help=UNCHECKED_HELP)
@click.option("--keep-going", is_flag=True, help="evaluate the valid records; report invalid ones as error findings")
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable", show_default=True, help="durable: durable-rules decides, the reference evaluator cross-checks")
@click.option("--all", "show_all", is_flag=True, help="list passes and not-applicable findings in the table too")
@click.option("--no-waivers", is_flag=True, help="ignore waivers.yaml: show the raw state")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="a previous --format json output: mark failures new / persisting / resolved")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="with several data sets: evaluate them in this many processes")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), help="with several data sets: write each one's JSON document here; the report keeps only summaries")
@click.option("--executor", type=click.Choice(["processes", "dask"]), default="processes", show_default=True, help="with several data sets: processes: --jobs processes on this machine; dask: Dask distributed (--workers, --scheduler; pip install 'compliance[dask]')")
@click.option("--workers", type=click.IntRange(min=1), help="with --executor dask and no --scheduler: a local cluster of this many worker processes [default: --jobs]")
@click.option("--scheduler", metavar="ADDRESS", help="with --executor dask: an existing cluster's scheduler, e.g. tcp://host:8786 (data sets and --out-dir on storage every worker reads at the same path)")
def check(datasets, rules_paths, as_of, fmt, outs, quiet, colour, only_rules, skip_rules, families, min_severity, fail_on,
          pass_unchecked, keep_going, engine, show_all, no_waivers, baseline, jobs, out_dir, **distributed):
    """Evaluate DATASET against the rules and print one finding per (rule, subject).

    Several data sets (DATASET... or a directory of data sets) are evaluated independently, each
    with its own compliance.yaml unless --rules is given, in parallel with --jobs or on a Dask
    cluster with --executor dask, and combined into one report.
    """
    if len(datasets) > 1 or _holds_datasets(datasets[0]):
        from .selection import Selection

        if len(outs) > 1:
            _fail("--out (more than once) works on one data set at a time", [])
        selection = Selection(tuple(only_rules), tuple(skip_rules), tuple(families), min_severity)
        _check_many(datasets, rules_paths, as_of, fmt, outs[0] if outs else None, fail_on, keep_going, engine, show_all, no_waivers, baseline, jobs, out_dir,
                    not pass_unchecked, selection, **distributed)
    if out_dir or distributed["executor"] != "processes" or distributed["workers"] or distributed["scheduler"]:
        _fail("--out-dir, --executor, --workers and --scheduler are for several data sets; with one, use --out", [])
    dataset = datasets[0]
    from .outcomes import BaselineError, finalise, load_baseline
    from .report.render import summary_line

    started = time.perf_counter()  # for the summary line only; never in a finding
    as_of = as_of or dt.date.today()  # the CLI is the one place the clock is read
    targets = [_out_target(spec, fmt) for spec in outs]
    ruleset = _select_rules(_load_rules(rules_paths, dataset), only_rules, skip_rules, families, min_severity)
    try:
        previous = load_baseline(baseline) if baseline else None
    except BaselineError as exc:
        _fail(f"--baseline: {exc}", [])
    # one JSON or JSON lines output, or none (-q): findings written (or counted) as they are made, memory flat
    streamed = previous is None and (len(targets) == 1 and targets[0][0] in ("json", "jsonl")
                                     or not targets and (fmt in ("json", "jsonl") or quiet and fmt == "table"))
    run = _run_or_exit(dataset, ruleset, as_of, keep_going, engine, stream=streamed, explain=fmt != "table" or bool(targets))
    if streamed:
        _check_streamed(run, ruleset, targets[0] if targets else (fmt, None), quiet, not no_waivers, started,
                        fail_on, not pass_unchecked)
    document = finalise(run, ruleset, use_waivers=not no_waivers, baseline=previous)
    for out_fmt, path in targets:
        _write_out(path, _render_check(out_fmt, document, show_all, dataset, colour=False))
        if not quiet:
            click.echo(f"wrote {path} ({out_fmt}, {len(document['findings'])} findings)", err=True)
    if not targets and not (quiet and fmt == "table"):
        use_colour = fmt == "table" and _use_colour(colour, sys.stdout.isatty(), os.environ)
        text = _render_check(fmt, document, show_all, dataset, colour=use_colour)
        for piece in [text] if isinstance(text, str) else text:  # JSON lines go out one by one
            click.echo(piece, nl=False, color=use_colour or None)
    if targets or fmt == "table":  # a machine format on stdout stays exactly the document, even with 2>&1
        click.echo(summary_line(document["summary"], time.perf_counter() - started), err=True)
    sys.exit(_exit_code(document["findings"], fail_on, not pass_unchecked))


def _holds_datasets(path: Path) -> bool:
    """A directory of data sets (not one itself, with one or more below it). A data set without
    sub-directories is answered without importing ``compliance.batch`` (start-up)."""
    if not path.is_dir() or not any(p.is_dir() for p in path.iterdir()):
        return False
    from .batch import is_dataset

    return not is_dataset(path) and any(is_dataset(p) for p in path.iterdir() if p.is_dir())


def _check_streamed(run, ruleset, target, quiet, use_waivers, started, fail_on, count_unchecked) -> None:
    """``check`` with one JSON / JSON lines output, or only the summary line (``-q``): the same
    bytes and exit code, the document's findings written (or counted) one at a time
    (``outcomes.DocumentStream``)."""
    from .outcomes.finalise import DocumentStream
    from .report.render import summary_line

    out_fmt, path = target
    stream = DocumentStream(run, ruleset, use_waivers=use_waivers)
    if out_fmt == "table":  # -q: nothing but the summary, so no finding is dumped or explained
        for _ in stream.findings(dump=False):
            pass
    else:
        from .report.machine import iter_json_stream, iter_json_stream_bytes, iter_jsonl_stream

        json_stream = iter_json_stream if path is None else iter_json_stream_bytes  # a file takes the bytes
        pieces = (iter_jsonl_stream if out_fmt == "jsonl" else json_stream)(stream.findings(), stream.rest)
        if path is None:
            for piece in pieces:
                click.echo(piece, nl=False)
        else:
            _write_out(path, pieces)
    summary = stream.rest()["summary"]
    if path is not None and not quiet:
        click.echo(f"wrote {path} ({out_fmt}, {summary['total']} findings)", err=True)
    if path is not None or out_fmt == "table":
        click.echo(summary_line(summary, time.perf_counter() - started), err=True)
    sys.exit(_exit_code(stream.outcomes(), fail_on, count_unchecked))


def _out_target(spec: str, default: str) -> tuple[str, Path]:
    """``[FORMAT:]PATH`` -> (format, path): the prefix, else the file's extension, else --format."""
    prefix, sep, rest = spec.partition(":")
    if sep and prefix in CHECK_FORMATS and rest:
        return prefix, Path(rest)
    path = Path(spec)
    return EXTENSIONS.get(path.suffix.lower(), default), path


def _render_check(fmt: str, document: dict, show_all: bool, dataset: Path, colour: bool):
    """The text of ``fmt``; for jsonl an iterator of lines, written as they come."""
    from .report import render_json, render_table
    from .report.machine import iter_jsonl, render_csv, render_junit
    from .report.sarif import render_sarif

    if fmt == "jsonl":
        return iter_jsonl(document)
    if fmt == "table":
        return render_table(document, show_all, colour=colour)
    if fmt == "sarif":
        return render_sarif(document, dataset.as_posix())
    return {"json": render_json, "junit": render_junit, "csv": render_csv}[fmt](document)


def _use_colour(mode: str, is_tty: bool, env) -> bool:
    """--color always / never; auto: on a terminal, unless NO_COLOR is set to anything (no-color.org)."""
    if mode != "auto":
        return mode == "always"
    return is_tty and not env.get("NO_COLOR")


def _select_rules(ruleset, only, skip, families, min_severity):
    """The rules chosen by --rule / --skip-rule / --family / --min-severity (``compliance.selection``);
    exit 2 when a pattern or family matches no rule, or nothing is left to evaluate."""
    from .selection import Selection, select, unmatched

    selection = Selection(tuple(only), tuple(skip), tuple(families), min_severity)
    if not selection:
        return ruleset
    problems = unmatched([ruleset], selection)
    chosen = select(ruleset, selection)
    if not chosen.rules and not problems:
        problems.append("the rule selection leaves no rule to evaluate")
    if problems:
        _fail(f"{len(problems)} problem(s) selecting rules:", problems)
    return chosen


def _write_out(path: Path, text) -> None:
    """Write atomically, or exit 2 saying why the path cannot be written (no traceback)."""
    from .io.writer import write_atomic

    parent = path.parent
    if path.is_dir():
        _fail(f"--out {path}: is a directory; expected a file path", [])
    if not parent.exists():
        _fail(f"--out {path}: directory {parent} does not exist; create it first", [])
    if not parent.is_dir():
        _fail(f"--out {path}: {parent} is a file, not a directory", [])
    try:
        write_atomic(path, text)
    except OSError as exc:
        _fail(f"--out {path}: cannot be written ({exc.strerror or exc})", [])


def _check_many(datasets, rules_paths, as_of, fmt, out, fail_on, keep_going, engine, show_all, no_waivers, baseline, jobs, out_dir,
                count_unchecked=True, selection=None, executor="processes", workers=None, scheduler=None):
    """Several data sets: one combined report (compliance.batch), written piece by piece so memory
    holds summaries only; exit 2 if any could not be loaded, 3 if one was lost to an internal error."""
    from .batch import INDEX_NAME, BatchError, check_streamed, combine, expand
    from .batch_report import iter_json, iter_table
    from .executors import ExecutorUnavailable
    from .report import render_json

    if baseline or fmt in ("junit", "csv", "jsonl", "sarif"):
        _fail(f"{'--baseline' if baseline else '--format ' + fmt} works on one data set at a time; with several use --format table or json", [])
    if executor != "dask" and (workers or scheduler):
        _fail(f"{'--workers' if workers else '--scheduler'} is for --executor dask", [])
    if workers and scheduler:
        _fail("--workers starts a local cluster, --scheduler uses an existing one; give one of them", [])
    as_of = as_of or dt.date.today()  # the CLI is the one place the clock is read
    if rules_paths:  # one rule set for every data set: its problems stop the run, as with one data set
        _load_rules(rules_paths)
    try:
        found = expand(list(datasets))
        if scheduler:  # a remote worker's directory is not ours: it reads the paths as absolute ones
            found, rules_paths = [p.resolve() for p in found], [_absolute_spec(r) for r in rules_paths]
            out_dir = out_dir.resolve() if out_dir else None
        results, spool, digest = check_streamed(
            found, [str(p) for p in rules_paths], as_of, render=fmt, show_all=show_all, keep_going=keep_going, engine=engine,
            use_waivers=not no_waivers, out_dir=out_dir, selection=selection, jobs=jobs, executor=executor,
            workers=workers, scheduler=scheduler)
    except BatchError as exc:
        _fail(str(exc), [])
    except ExecutorUnavailable as exc:
        _fail(str(exc), [])
    combined = combine(results, as_of, digest)
    if out_dir:  # the index `compliance combine` rebuilds the full report from
        _write_out(Path(out_dir) / INDEX_NAME, render_json(combined))
    if fmt == "json":
        pieces = iter_json(combined, spool)
    else:
        pieces = iter_table(combined, [r.summary for r in results], spool.get)
    if out:
        _write_out(Path(out), pieces)
        click.echo(f"wrote {out} ({len(results)} data sets, {combined['summary']['total']} findings)", err=True)
    else:
        for piece in pieces:
            click.echo(piece, nl=False)
    spool.close()
    for r in results:
        if r.problems:
            kind = "problem(s) evaluating the data set" if r.error else "problem(s) loading the data set (use --keep-going to report them as findings)"
            click.echo(f"{r.path}: {len(r.problems)} {kind}", err=True)
    if any(r.error for r in results):
        sys.exit(3)
    if any(r.problems for r in results):
        sys.exit(2)
    sys.exit(max((_exit_code(r.failing, fail_on, count_unchecked) for r in results), default=0))


def _absolute_spec(spec: str) -> str:
    """A --rules entry as a remote worker can read it: a shipped pack's name as is, a path made absolute."""
    from .rules.packs import is_pack_name

    return str(Path(spec).resolve()) if Path(spec).exists() or not is_pack_name(spec) else spec


def _exit_code(findings: list[dict], fail_on: str, count_unchecked: bool = True) -> int:
    """1 when a finding fails the run at or above ``fail_on`` (``outcomes.gate``); ``waived`` never counts."""
    from .outcomes.gate import fails_run

    return 1 if fails_run(findings, fail_on, count_unchecked) else 0


def _run_or_exit(dataset: Path, ruleset, as_of: dt.date, keep_going: bool = False, engine: str = "durable",
                 stream: bool = False, explain: bool = False):
    """``pipeline.run_check``, or exit 2 listing every load problem (or the engine's)."""
    from .engine.durable_engine import EngineUnavailable
    from .io import DatasetError
    from .pipeline import run_check

    try:
        run = run_check(dataset, ruleset, as_of, keep_going=keep_going, engine=engine, stream=stream, explain=explain)
        for warning in run.loaded.warnings:
            click.echo(f"warning: {warning}", err=True)
        return run
    except DatasetError as exc:
        hint = "" if keep_going else " (use --keep-going to report them as findings)"
        _fail(f"{dataset}: {len(exc.issues)} problem(s) loading the data set{hint}:", [str(i) for i in exc.issues])
    except EngineUnavailable as exc:
        _fail(str(exc), [])
    except OverflowError:
        _fail(f"--as-of {as_of.isoformat()}: too close to the calendar's edge for the rules' date arithmetic; "
              "expected a date between 0002-01-01 and 9998-12-31", [])


def _default_rules(dataset: Path | None = None) -> list[str]:
    """The rules when --rules is not given: the data set's compliance.yaml (profile, packs), else
    the default profile's packs (what ``rules/`` held before packs had names); exit 2 on a bad
    compliance.yaml, naming file, line and field."""
    from .io import DatasetError
    from .io.config import config_rules, read_config
    from .rules.packs import DEFAULT_PROFILE, PackError, profile_packs

    try:
        chosen = config_rules(dataset, read_config(dataset)) if dataset is not None and dataset.is_dir() else []
        return chosen or profile_packs(DEFAULT_PROFILE)
    except DatasetError as exc:
        _fail(f"{dataset}: {len(exc.issues)} problem(s) in compliance.yaml:", [str(i) for i in exc.issues])
    except PackError as exc:
        _fail(str(exc), [])


def _load_rules(paths, dataset: Path | None = None):
    """Load rules from the given paths or pack names (default: ``_default_rules``), or exit 2
    listing every problem."""
    from .rules import RuleSetError, load_rules

    try:
        return load_rules(list(paths) or _default_rules(dataset))
    except RuleSetError as exc:
        _fail(f"{len(exc.issues)} problem(s) in the rules:", [str(i) for i in exc.issues])


def _pack_path(spec: str) -> Path:
    """A path as given, or the directory of the shipped pack of that name (so `compliance test nhs-icb` works)."""
    from .rules.packs import resolve

    return resolve(spec) or Path(spec)


def _fail(headline: str, lines: list[str]) -> None:
    click.echo(headline, err=True)
    for line in lines:
        click.echo(f"  {line}", err=True)
    sys.exit(2)


@main.command()
@click.argument("dataset", type=click.Path(file_okay=False, path_type=Path))
@click.option("--rules", "rules_paths", multiple=True, help=RULES_HELP)
@click.option("--as-of", callback=_date, help="the date to report as of (YYYY-MM-DD or 17/10/2024) [default: today]")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write to a file (atomically) instead of stdout")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="the previous report's --format json: change since then")
@click.option("--history", multiple=True, type=click.Path(dir_okay=False, path_type=Path), help="earlier --format json outputs (repeatable): trend of failures per family")
@click.option("--no-waivers", is_flag=True, help="ignore waivers.yaml: show the raw state")
@click.option("--keep-going", is_flag=True, help="evaluate the valid records; report invalid ones as error findings")
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable", show_default=True)
def report(dataset, rules_paths, as_of, fmt, out, baseline, history, no_waivers, keep_going, engine):
    """Write the audit committee report for DATASET: headline, one section per rule family with
    pictures, errors, waivers, change since the baseline, and every rule evaluated."""
    from .outcomes import BaselineError, finalise, load_baseline
    from .report.html import render_html
    from .report.markdown import render_markdown
    from .report.view import build_view

    as_of = as_of or dt.date.today()  # the CLI is the one place the clock is read
    ruleset = _load_rules(rules_paths, dataset)
    documents, problems = {}, []
    for option, path in [("--baseline", baseline)] * bool(baseline) + [("--history", p) for p in history]:
        try:
            documents[path] = load_baseline(path)
        except BaselineError as exc:
            problems.append(f"{option} {exc}")
    if problems:
        _fail(f"{len(problems)} unusable earlier report(s):", problems)
    run = _run_or_exit(dataset, ruleset, as_of, keep_going, engine)
    document = finalise(run, ruleset, use_waivers=not no_waivers, baseline=documents.get(baseline))
    view = build_view(document, ruleset.rules, run.loaded.data, run.facts, [documents[p] for p in history])
    text = render_html(view) if fmt == "html" else render_markdown(view)
    if out:
        _write_out(out, text)
        click.echo(f"wrote {out} ({fmt}, {len(document['findings'])} findings)", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("dataset", type=click.Path(file_okay=False, path_type=Path))
@click.option("--meeting", "meeting_spec", required=True, help="the meeting id, or its date when it is the only meeting that day")
@click.option("--rules", "rules_paths", multiple=True, help=RULES_HELP)
@click.option("--as-of", callback=_date, help="the date of the check [default: the meeting date]")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="text: one screen; markdown: every item in full, for the meeting's papers; json: everything")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write to a file (atomically) instead of stdout")
@click.option("--fail-on", type=click.Choice(["info", "low", "medium", "high", "critical", "never"]), default="high", show_default=True, help="exit 1 when a fix is a failure at or above this severity")
@click.option("--no-fail-on-unchecked", "pass_unchecked", is_flag=True, help=UNCHECKED_HELP)
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable", show_default=True)
def preboard(dataset, meeting_spec, rules_paths, as_of, fmt, out, fail_on, pass_unchecked, engine):
    """Before a meeting: quorum with the apologies so far, declarations, papers, actions; fixes first."""
    from .engine.durable_engine import EngineUnavailable
    from .io import DatasetError, load_dataset
    from .pipeline import run_loaded
    from .preboard import PreboardError, find_meeting, preboard as check_meeting
    from .report.preboard import render_markdown as preboard_markdown, render_text as preboard_text

    ruleset = _load_rules(rules_paths, dataset)
    try:
        loaded = load_dataset(dataset)  # once: the meeting it names sets the default as_of
        meeting = find_meeting(loaded.data, meeting_spec)
        run = run_loaded(loaded, ruleset, as_of or meeting.date, engine=engine)
        result = check_meeting(run, ruleset, meeting, engine=engine)
    except DatasetError as exc:
        _fail(f"{dataset}: {len(exc.issues)} problem(s) loading the data set:", [str(i) for i in exc.issues])
    except PreboardError as exc:
        _fail(f"--meeting: {exc}", exc.known)
    except EngineUnavailable as exc:
        _fail(str(exc), [])
    from .io.writer import dumps_json

    text = dumps_json(result.to_dict()) + "\n" if fmt == "json" else preboard_markdown(result) if fmt == "markdown" else preboard_text(result)
    if out:
        _write_out(out, text)
        click.echo(f"wrote {out} ({fmt}, {len(result.fixes)} fixes)", err=True)
    else:
        click.echo(text, nl=False)
    sys.exit(1 if result.failing(fail_on, not pass_unchecked) else 0)


@main.group()
def rules() -> None:
    """List, validate and explain rules."""


@rules.command("list")
@click.argument("paths", metavar="[PACK|PATH]...", nargs=-1)
def rules_list(paths):
    """List rules grouped by family: id, title, severity, subject kind."""
    from tabulate import tabulate

    from .rules.messages import plural

    ruleset = _load_rules(paths)
    families: dict[str, list] = {}
    for rule in sorted(ruleset.rules, key=lambda r: r.id):
        families.setdefault(rule.family_name, []).append([rule.id, rule.title, rule.severity, rule.applies_to])
    blocks = [f"{family} ({plural(len(rows), 'rule')})\n" + tabulate(rows, headers=["id", "title", "severity", "applies to"])
              for family, rows in sorted(families.items())]
    click.echo("\n\n".join(blocks))
    click.echo(f"\n{plural(len(ruleset.rules), 'rule')} in {plural(len(families), 'family/families')}")


@rules.command("validate")
@click.argument("paths", metavar="[PACK|PATH]...", nargs=-1)
def rules_validate(paths):
    """Check rule files against the schema and the subject kinds' fields; exit 2 on any error."""
    ruleset = _load_rules(paths)
    click.echo(f"{len(ruleset.rules)} rules valid ({ruleset.digest})")


@rules.command("fields")
@click.argument("kind", required=False)
def rules_fields(kind):
    """Every field a rule on KIND may read (type, description, source), then the functions; all kinds without KIND."""
    from tabulate import tabulate

    from .facts.kinds import subject_kinds
    from .rules.reference_doc import fields_table, functions_table

    if kind is not None and kind not in subject_kinds():
        _fail(f"unknown kind {kind!r}; expected one of {', '.join(subject_kinds())}", [])
    blocks = [f"{k}\n" + tabulate(fields_table(k), headers=["field", "type", "description", "source"])
              for k in ([kind] if kind else subject_kinds())]
    blocks.append("functions for derived values\n" + tabulate(functions_table(), headers=["function", "yields", "what", "example"]))
    click.echo("\n\n".join(blocks))


@rules.command("explain")
@click.argument("rule_id")
@click.option("--rules", "rules_paths", multiple=True, help=RULES_HELP)
def rules_explain(rule_id, rules_paths):
    """Show a rule in plain words with its references."""
    from .rules.conditions import All, Leaf, Not

    ruleset = _load_rules(rules_paths)
    rule = ruleset.by_id(rule_id)
    if rule is None:
        _fail(f"no rule with id {rule_id!r}; `compliance rules list` shows the ids", [])

    def words(cond, depth=1):
        pad = "  " * depth
        if isinstance(cond, Leaf):
            return [pad + cond.describe(rule.params)]
        if isinstance(cond, Not):
            return [pad + "not:"] + words(cond.item, depth + 1)
        return [pad + ("all of:" if isinstance(cond, All) else "any of:")] + [l for c in cond.items for l in words(c, depth + 1)]

    lines = [f"{rule.id}  [{rule.severity}]  applies to: {rule.applies_to}", rule.title]
    if rule.description:
        lines.append(rule.description)
    if rule.when_condition:
        lines += ["It applies when:"] + words(rule.when_condition)
    lines += ["It passes when:"] + words(rule.require_condition)
    if rule.params:
        lines.append("Parameters: " + ", ".join(f"{k}={v}" for k, v in sorted(rule.params.items())))
    if rule.remediation:
        lines.append(f"Remediation: {rule.remediation}")
    for ref in rule.references:
        lines.append(f"Reference: {ref.cite()}" + (f" <{ref.url}>" if ref.url else "") + (f' "{ref.quote}"' if ref.quote else ""))
    click.echo("\n".join(lines))


@main.command()
@click.argument("out", metavar="OUT.json", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("inputs", metavar="IN.json...", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def combine(out, inputs):
    """Merge the per-data-set documents written by `check ... --out-dir DIR` into the report
    `check D1 D2 ...` writes (the same bytes); include DIR/batch.json for the data sets' paths,
    order and load problems: `compliance combine OUT.json DIR/*.json`."""
    from .batch import CombineError, combine_files
    from .report import render_json

    try:
        combined = combine_files(list(inputs))
    except CombineError as exc:
        _fail(f"{len(exc.problems)} problem(s) combining the reports:", exc.problems)
    _write_out(out, render_json(combined))
    click.echo(f"wrote {out} ({combined['summary']['datasets']} data sets, {combined['summary']['total']} findings)", err=True)


@main.command()
def schema():
    """Print the JSON schema of a data set (derived from the pydantic models)."""
    import json

    from .model import GovernanceData

    click.echo(json.dumps(GovernanceData.model_json_schema(), indent=2, sort_keys=True))


@main.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--coverage", is_flag=True, help="report, per rule, whether cases make it pass, fail and not apply")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None, help="exit 1 when coverage (%) is below this")
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable", show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="print only failing cases and the summary")
def test_cmd(paths, coverage, min_coverage, engine, quiet):
    """Run the rule test cases under PATHS (a path or a shipped pack's name; default: every shipped pack): YAML files in tests/ folders.

    Exit 0 when every case matches, 1 on a mismatch or coverage below --min-coverage,
    2 on a malformed case or rule.
    """
    from tabulate import tabulate

    from .rules import RuleSetError
    from .rules.packs import SHIPPED
    from .testing.cases import CaseError, run_suite

    def progress(result):
        if result.ok and quiet:
            return
        status = "ok  " if result.ok else "FAIL"
        click.echo(f"{status} {result.file.name}: {result.case.name}")
        for mismatch in result.mismatches:
            click.echo(f"       {mismatch}")

    try:
        suite = run_suite([_pack_path(p) for p in paths] or [SHIPPED], engine=engine, progress=progress)
    except CaseError as exc:
        _fail(str(exc), [])
    except RuleSetError as exc:
        _fail(f"{len(exc.issues)} problem(s) in the rules:", [str(i) for i in exc.issues])
    failed = suite.failed
    click.echo(f"\n{len(suite.results) - len(failed)} of {len(suite.results)} cases passed")
    ratio = suite.coverage_ratio() * 100
    if coverage or min_coverage is not None:
        rows = [[r["family"], r["rule"], " ".join(r["covered"]) or "-", " ".join(r["missing"]) or ""] for r in suite.coverage()]
        click.echo(tabulate(sorted(rows), headers=["family", "rule", "covered", "missing"]))
        click.echo(f"coverage: {ratio:.1f}% of the pass/fail/not-applicable outcomes the rules can have")
    low = min_coverage is not None and ratio < min_coverage
    if low:
        click.echo(f"coverage {ratio:.1f}% is below --min-coverage {min_coverage:g}%", err=True)
    sys.exit(1 if failed or low else 0)


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", required=True, help="the kind of organisation: nhs-icb, nhs-trust, uk-company (packs/profiles.yaml)")
@click.option("--force", is_flag=True, help="overwrite files the skeleton would write")
def init_cmd(directory, profile, force):
    """Write a data-set skeleton for PROFILE into DIRECTORY: compliance.yaml, organisation.yaml and
    every register the profile's rules read, as a CSV (and an XLSX in templates/) with the columns
    and one synthetic example row read off the data model."""
    from .init import InitError, write_skeleton
    from .rules.packs import PackError, profile_packs

    try:
        packs = profile_packs(profile)
    except PackError as exc:
        _fail(f"--profile: {exc.problems[0][1]}", [])
    ruleset = _load_rules(packs)
    try:
        written = write_skeleton(directory, profile, ruleset, force)
    except InitError as exc:
        _fail(f"{directory}: {exc}", [])
    except OSError as exc:
        _fail(f"{directory}: cannot be written ({exc.strerror or exc})", [])
    click.echo(f"wrote {len(written)} files to {directory} for profile {profile} (packs: {', '.join(packs)})")
    click.echo(f"next: fill in the registers, then `compliance check {directory}`")


from .importers.cli import import_group  # noqa: E402  (registered last: the import commands live in their own package)
from .server.commands import server_group  # noqa: E402  (and the start-up server's in theirs)

main.add_command(import_group)
main.add_command(server_group)


def run() -> None:
    """The command in this process (``compliance`` and ``python -m compliance`` reach it through
    ``launch.run``, which hands the command to a start-up server instead if one runs): ``main``, then a quick
    exit once the output is flushed and the exit handlers have run, as mypy's ``hard_exit`` does:
    the process ends without freeing its objects one by one, which was about 30 ms of a 250 ms
    ``check`` of the real pack (start-up, issue 17). Only a plain exit code from the main thread
    alone takes the quick way; anything else (a message, live threads, output that cannot be
    flushed) exits as Python normally does. Tests call ``main`` itself (click's CliRunner)."""
    import threading

    try:
        main()
    except SystemExit as exc:
        code = exc.code
        if not (code is None or isinstance(code, int)) or threading.active_count() > 1:
            raise
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed pipe or stream: let Python report it as it would
            raise exc from None
        import atexit

        atexit._run_exitfuncs()
        os._exit(code or 0)
