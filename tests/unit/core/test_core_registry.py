"""The name -> factory registry."""

from __future__ import annotations

import pytest

from fedprune.registry import Registry


def registry() -> Registry[int]:
    reg: Registry[int] = Registry("widget")
    reg.register("b")(2)
    reg.register("a")(1)
    return reg


def test_register_returns_the_object_and_get_finds_it() -> None:
    reg: Registry[object] = Registry("widget")
    thing = object()

    returned = reg.register("t")(thing)

    assert returned is thing
    assert reg.get("t") is thing


def test_names_and_iteration_are_sorted() -> None:
    reg = registry()

    assert reg.names() == ["a", "b"]
    assert list(reg) == ["a", "b"]


def test_contains_checks_names() -> None:
    reg = registry()

    assert "a" in reg
    assert "c" not in reg


def test_unknown_name_lists_the_allowed_ones() -> None:
    reg = registry()

    with pytest.raises(ValueError, match=r"^unknown widget 'c'; allowed: a, b$"):
        reg.get("c")


def test_duplicate_name_is_an_error_and_keeps_the_first() -> None:
    reg = registry()

    with pytest.raises(ValueError, match="widget 'a' is already registered"):
        reg.register("a")(99)

    assert reg.get("a") == 1


def test_registries_do_not_share_entries() -> None:
    first: Registry[int] = Registry("x")
    second: Registry[int] = Registry("x")

    first.register("only")(1)

    assert "only" not in second
