"""Keeping freed buffers in the heap: applied on glibc, refused quietly elsewhere."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_thresholds() -> None:
    # in a child, so this test process keeps its own allocator settings
    code = "from fedprune.engine.heap import keep_freed_memory; print(keep_freed_memory())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_without_a_c_library_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from fedprune.engine import heap

    monkeypatch.setattr(heap.ctypes.util, "find_library", lambda name: None)
    assert heap.keep_freed_memory() is False
