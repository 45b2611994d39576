"""`compliance server start|stop|status`: the start-up server's commands (``control`` does the work)."""

from __future__ import annotations

import datetime as dt
import sys

import click


@click.group("server")
def server_group() -> None:
    """Keep the tool imported in a background server: commands skip importing it (about half a check).

    While it runs, every `compliance` command of this installation is run by a fresh fork of it,
    with the command's own directory, environment and terminal: the same output and exit code,
    without importing the tool again (docs/scaling.md, "Start-up"). COMPLIANCE_NO_SERVER=1 runs a
    command in its own process regardless.
    """


@server_group.command("start")
@click.option("--idle-timeout", type=click.FloatRange(min=0, min_open=True), default=3600, show_default=True,
              help="stop after this many seconds without a command")
def start(idle_timeout):
    """Start the server in the background (nothing to do if it runs already)."""
    from .control import ServerError, start as start_server

    try:
        running, started = start_server(idle_timeout)
    except ServerError as exc:
        click.echo(f"compliance server: {exc}", err=True)
        sys.exit(2)
    click.echo(("started" if started else "already running") + f": process {running.pid}, listening on {running.socket} "
               f"(idle timeout {running.idle_timeout:g} s; log {running.log})")


@server_group.command("stop")
def stop():
    """Stop the server (commands it is running finish first)."""
    from .control import ServerError, stop as stop_server

    try:
        stopped = stop_server()
    except ServerError as exc:
        click.echo(f"compliance server: {exc}", err=True)
        sys.exit(2)
    click.echo(f"stopped: process {stopped.pid} ({_commands(stopped.served)} served)" if stopped else "no server was running")


@server_group.command("status")
def status():
    """Say whether the server runs (exit 0) or not (exit 1), and what it has served."""
    from .control import status as server_status

    running = server_status()
    if running is None:
        click.echo("no server is running (start one with `compliance server start`)")
        sys.exit(1)
    since = dt.datetime.fromtimestamp(running.started).strftime("%Y-%m-%d %H:%M:%S")
    click.echo(f"running: process {running.pid} since {since}, {_commands(running.served)} served, {running.running} running now; "
               f"listening on {running.socket} (idle timeout {running.idle_timeout:g} s; log {running.log})")


def _commands(n: int) -> str:
    return f"{n} command" + ("" if n == 1 else "s")
