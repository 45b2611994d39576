"""Where this user's cache lives, as a plain string: read by ``compliance.cache`` and by the
start-up client (``compliance.server.client``), which imports nothing it can do without, since
every import is start-up (issue 17)."""

import os


def cache_root() -> str:
    """``$COMPLIANCE_CACHE_DIR``, else ``$XDG_CACHE_HOME/compliance``, else ``~/.cache/compliance``
    (not created here)."""
    explicit = os.environ.get("COMPLIANCE_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "compliance")
