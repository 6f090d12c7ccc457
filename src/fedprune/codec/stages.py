"""Registries of wire stages: a name for configs and a one-byte id for the wire, both unique."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from fedprune.registry import Registry


class WireStage:
    """A stage the wire names by id: a mask encoding, a value encoding or an entropy coder."""

    name: ClassVar[str]
    wire_id: ClassVar[int]


S = TypeVar("S", bound=WireStage)


class StageRegistry(Generic[S]):
    """Stage classes by name (``get``) and by wire id (``by_id``); ids 1..255, 0 is never valid."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._names: Registry[type[S]] = Registry(kind)
        self._ids: dict[int, type[S]] = {}

    def register(self, name: str) -> Callable[[type[S]], type[S]]:
        """Class decorator: register under ``name``, refusing a reused name or wire id."""

        def deco(cls: type[S]) -> type[S]:
            if not 1 <= cls.wire_id <= 255:
                raise ValueError(f"{self.kind} {name!r}: wire_id must be 1..255, got {cls.wire_id}")
            if cls.wire_id in self._ids:
                taken = self._ids[cls.wire_id].name
                raise ValueError(
                    f"{self.kind} {name!r}: wire_id {cls.wire_id} is taken by {taken!r}"
                )
            self._names.register(name)(cls)
            cls.name = name
            self._ids[cls.wire_id] = cls
            return cls

        return deco

    def get(self, name: str) -> type[S]:
        """The class registered as ``name``; a ``ValueError`` lists the allowed names."""
        return self._names.get(name)

    def by_id(self, wire_id: int) -> type[S] | None:
        """The class carrying ``wire_id``, or ``None``."""
        return self._ids.get(wire_id)

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return self._names.names()

    def __contains__(self, name: object) -> bool:
        return name in self._names
