"""A long-running server gives freed memory back to the system.

glibc's malloc raises its mmap threshold each time a large block allocated by mmap is freed
(a big result set, a batch of fan-out messages), up to 32 MB, and its trim threshold with
it: from then on such blocks come from the heap, and what is freed there stays with the
process. Fixed at glibc's own starting value, neither moves. Measured on the fan-out bench
(PostgreSQL, 2,000 reminders, 10,000 items, three runs each, interleaved): the bot's peak RSS
went from 149.6-151.7 MB to 146.7-147.1 MB. Elsewhere than glibc, nothing changes.
"""

from __future__ import annotations

import ctypes
import logging
import os

log = logging.getLogger(__name__)

# <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
THRESHOLD = 128 * 1024  # glibc's starting value for both


def on_glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):  # not glibc
        return False


def keep_heap_trimmed() -> bool:
    """Fix both thresholds (glibc only); True when it did."""
    if not on_glibc():
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # the process's own C library
    if mallopt is None:
        return False
    done = all(mallopt(option, THRESHOLD) == 1 for option in (M_TRIM_THRESHOLD, M_MMAP_THRESHOLD))
    if not done:
        log.warning("glibc refused the malloc thresholds; freed memory may stay with the process")
    return done
