"""Freed memory given back to the operating system, where the C library can be asked to.

A workbook's parsed sheet (calamine's, a few hundred MB for a large GIAS extract) and a plan's
working data are many small C allocations; freed, they stay in the C library's heap, counted
in the process's resident memory, and Python's own small objects cannot reuse them. After such
a step :func:`trim` asks glibc (``malloc_trim``) to return the free pages; elsewhere (another
C library, Windows, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

_trim: Any = None


def trim() -> None:
    """Return freed heap pages to the OS (glibc only; a few milliseconds)."""
    global _trim
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                _trim = libc.malloc_trim
            except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
                _trim = False
    if _trim:
        _trim(0)
