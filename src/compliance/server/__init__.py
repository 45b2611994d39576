"""A start-up server, as mypy's ``dmypy``, Rails' Spring and Gradle's daemon are: one long-lived
process that has imported the tool once, forking a worker for each command.

Most of a cached ``compliance check`` of one board pack is importing the tool (pydantic, the
record models, click, durable-rules: about 14 × `python -c pass` of its 24 ×, docs/scaling.md).
With ``compliance server start``, each later ``compliance`` command of the same installation is
run by a fork of that process: the command's own process (``client``) imports almost nothing,
hands its working directory, environment, arguments and its standard input, output and error
(the file descriptors themselves) to the server, and waits for the worker's exit code. The worker
is a fresh copy of the server made for that one command, so no command sees another's state, and
it writes to the caller's own terminal, pipe or file, so the output is the bytes the command
would write run directly. Where the server cannot stand in for a fresh process (another Python,
other start-up flags or ``PYTHON*`` variables, or the installed code changed since it started),
it declines and the command runs in its own process as it would without a server.

Layers: ``protocol`` (where the server listens, how a message is framed: light, the client reads
it), ``client`` (the command's side), ``daemon`` (the server's), ``control`` (start, stop,
status: the Python API the ``compliance server`` commands wrap).
"""
