"""Pausing Python's cycle collector while one big import runs.

A 20,000-contact file is a few hundred thousand short-lived objects. Each time the
collector's oldest generation comes due it walks every object in the process, and while
it does, in whichever thread it started, nothing else runs: measured at 44-129 ms a pass,
several passes per import (bench figure 14), which is every other chat stalled that long.
The import's objects are freed by reference counting when it ends (none of them form
cycles worth waiting for), so the collector is paused for its duration and resumes as it
was. Imports can overlap (two users at once), so the pause is counted; it is only ever
taken on the event loop's thread.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_held = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Automatic cycle collection off inside the block (and any block it overlaps)."""
    global _held, _was_enabled
    if _held == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _held += 1
    try:
        yield
    finally:
        _held -= 1
        if _held == 0 and _was_enabled:
            gc.enable()
