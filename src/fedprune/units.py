"""Human-readable byte counts for tables and progress lines."""

from __future__ import annotations

__all__ = ["fmt_bytes"]


def fmt_bytes(n: float | None) -> str:
    """``1234567`` -> ``1.23 MB`` (decimal units: the ledger counts single bytes); ``None`` ->
    ``—``."""
    if n is None:
        return "—"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.0f} B"
