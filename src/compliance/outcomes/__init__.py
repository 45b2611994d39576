"""What a run's findings mean once waivers and the previous run are taken into account.

``finalise`` is the single entry point every output (check, report, preboard) goes through.
"""

from .baseline import BaselineComparison, BaselineError, check_baseline, compare, load_baseline
from .finalise import finalise
from .waivers import STATES, WaiverResolution, WaiverStatus, apply_waivers

__all__ = [
    "BaselineComparison", "BaselineError", "STATES", "WaiverResolution", "WaiverStatus", "apply_waivers",
    "check_baseline", "compare", "finalise", "load_baseline",
]
