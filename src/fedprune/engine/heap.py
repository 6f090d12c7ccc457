"""Keep freed multi-MB buffers in the process heap (glibc), so the next payload reuses them."""

from __future__ import annotations

import ctypes
import ctypes.util

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
# glibc's ceiling for M_MMAP_THRESHOLD on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX)
MMAP_CEILING = 32 << 20


def keep_freed_memory(*, trim_bytes: int = 1 << 30) -> bool:
    """Serve allocations up to 32 MiB from the heap and return freed heap to the system only
    past ``trim_bytes``; ``False`` where the C library is not glibc (nothing changes).

    Why: every round a client decodes a downlink, clones its trained state and encodes an
    upload, several fresh buffers of the model's size. glibc hands such sizes out as new
    mappings or trims them off the heap top when freed, so each one faults its pages in again
    (measured in ``benchmarks/sim_speed.py``: a 6.6 MB decode 2.4 ms into reused memory, 16 to 23
    ms into fresh). Kept in the heap they are reused; the process's footprint stays at its
    high-water mark, which a worker reaches every round anyway.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        gnu = libc.gnu_get_libc_version  # absent from musl and other C libraries
    except (OSError, AttributeError):
        return False
    del gnu
    ok = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_CEILING) == 1
    return libc.mallopt(_M_TRIM_THRESHOLD, trim_bytes) == 1 and ok
