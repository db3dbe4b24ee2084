"""Memory that a finished stage freed, handed back to the system between stages."""

from __future__ import annotations

import ctypes
from typing import Callable, Optional

_trim: Optional[Callable[[int], int]] = None
_looked = False


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``); False where there is none.

    glibc keeps what a stage freed for the same thread's later use: on a county that is 0.5-0.7 GB
    after the build and again after the checks, which QGIS's render threads (their own heaps) never
    reuse, so it adds to the run's peak. Trimming takes milliseconds (70 ms at most on a county).
    """
    global _trim, _looked
    if not _looked:
        _looked = True
        try:
            _trim = ctypes.CDLL(None).malloc_trim  # glibc only: macOS and Windows have no such call
        except (AttributeError, OSError, TypeError):
            _trim = None
    if _trim is None:
        return False
    _trim(0)
    return True
