"""The ``Engine`` interface: where client work runs and how bytes get there."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from fedprune.messages import ClientJob, ClientReply
from fedprune.registry import Registry

if TYPE_CHECKING:
    from fedprune.config import ExperimentConfig

ClientWork = Callable[[ClientJob], ClientReply]
T = TypeVar("T")


def drain(items: list[T]) -> Iterator[T]:
    """``items`` one at a time, in order, each removed from the list as it is handed on (so
    a consumer that drops what it took holds one at a time)."""
    items.reverse()
    while items:
        yield items.pop()


class Engine(ABC):
    """Delivers each job's downlink bytes to its client, runs ``work`` there, returns replies.

    A client whose work raises yields a reply with ``error`` set; the round goes on without it.
    """

    @abstractmethod
    def run(self, *, jobs: Sequence[ClientJob], work: ClientWork) -> list[ClientReply]:
        """One reply per job, in job order."""

    def stream(self, *, jobs: Sequence[ClientJob], work: ClientWork) -> Iterator[ClientReply]:
        """The replies one at a time, for a server that folds each as it comes, in an order
        that depends on the jobs alone (never on timing); each is dropped once handed on.
        Here: ``run``'s, in job order."""
        return drain(self.run(jobs=jobs, work=work))

    @classmethod
    def from_config(cls, config: ExperimentConfig) -> Engine:
        """The engine for ``config``; engines that need no settings ignore it."""
        return cls()

    def round_metrics(self) -> dict[str, Any]:
        """Extra entries for the last round's row (an engine's own byte counts); none here."""
        return {}

    def sync(self, work: ClientWork) -> None:  # noqa: B027  (optional hook)
        """Bring client memory held elsewhere (worker processes) back into ``work``."""

    def close(self) -> None:  # noqa: B027  (optional hook; most engines hold nothing)
        """Release workers or connections."""


ENGINES: Registry[type[Engine]] = Registry("engine")
