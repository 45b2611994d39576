"""The console entry point (``compliance``, ``python -m compliance``): the command runs in the
start-up server when one is running for this installation (``compliance.server``), else here.
Imports nothing heavy before it knows which (start-up, issue 17)."""

import os


def run() -> None:
    """Hand the command to the server, or run it in this process (``cli.run``)."""
    from .server.client import forward

    code = forward()
    if code is not None:
        os._exit(code)  # nothing was written here: the worker wrote to this process's streams
    from .cli import run as run_here

    run_here()
