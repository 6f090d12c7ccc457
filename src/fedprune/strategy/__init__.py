"""Strategies: what happens in a round (FedAvg) and pruning wrappers around them."""

from fedprune.strategy.base import STRATEGIES, Strategy
from fedprune.strategy.client_pruning import ClientSidePruning
from fedprune.strategy.fedavg import FedAvg
from fedprune.strategy.server_pruning import ServerSidePruning

__all__ = ["STRATEGIES", "ClientSidePruning", "FedAvg", "ServerSidePruning", "Strategy"]
