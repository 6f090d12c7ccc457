"""The shared-memory arena: puts in order, refuses what does not fit, is seen after fork."""

from __future__ import annotations

import multiprocessing as mp

import pytest

from fedprune.engine.arena import Arena


def test_puts_follow_each_other_and_reset_starts_again() -> None:
    arena = Arena(size=10)

    assert arena.put(b"abc") == (0, 3)
    assert arena.put(b"defg") == (3, 4)
    assert arena.take(0, 7) == b"abcdefg"
    arena.reset()
    assert arena.put(b"XY") == (0, 2)
    assert arena.take(0, 4) == b"XYcd"


def test_what_does_not_fit_is_refused_and_nothing_is_written() -> None:
    arena = Arena(size=4)
    arena.put(b"ab")

    assert not arena.fits(3)
    assert arena.put(b"cde") is None
    assert arena.put(b"cd") == (2, 2)


def test_a_slice_outside_the_arena_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="outside a 4-byte arena"):
        Arena(size=4).take(2, 3)
    with pytest.raises(ValueError, match="positive"):
        Arena(size=0)


def _write(arena: Arena) -> None:
    arena.put(b"from the child")


@pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs fork")
def test_a_forked_process_writes_what_the_parent_reads() -> None:
    arena = Arena(size=64)
    child = mp.get_context("fork").Process(target=_write, args=(arena,))
    child.start()
    child.join(timeout=30)

    assert child.exitcode == 0
    assert arena.take(0, 14) == b"from the child"
