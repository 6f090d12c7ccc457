"""The ``Engine`` interface: where client work runs and how bytes get there."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from fedprune.messages import ClientJob, ClientReply
from fedprune.registry import Registry

ClientWork = Callable[[ClientJob], ClientReply]


class Engine(ABC):
    """Delivers each job's downlink bytes to its client, runs ``work`` there, returns replies.

    A client whose work raises yields a reply with ``error`` set; the round goes on without it.
    """

    @abstractmethod
    def run(self, *, jobs: Sequence[ClientJob], work: ClientWork) -> list[ClientReply]:
        """One reply per job, in job order."""

    def close(self) -> None:  # noqa: B027  (optional hook; most engines hold nothing)
        """Release workers or connections."""


ENGINES: Registry[type[Engine]] = Registry("engine")
