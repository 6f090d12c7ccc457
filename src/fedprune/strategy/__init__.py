"""Strategies: what happens in a round (FedAvg, FedOpt, FedProx, HeteroFL) and pruning wrappers."""

from fedprune.strategy.base import STRATEGIES, Strategy
from fedprune.strategy.client_pruning import ClientSidePruning
from fedprune.strategy.fedadagrad import FedAdagrad
from fedprune.strategy.fedadam import FedAdam
from fedprune.strategy.fedavg import FedAvg
from fedprune.strategy.fedavgm import FedAvgM
from fedprune.strategy.fedopt import FedOpt
from fedprune.strategy.fedprox import FedProx
from fedprune.strategy.fedyogi import FedYogi
from fedprune.strategy.heterofl import HeteroFL
from fedprune.strategy.server_pruning import ServerSidePruning

__all__ = [
    "STRATEGIES",
    "ClientSidePruning",
    "FedAdagrad",
    "FedAdam",
    "FedAvg",
    "FedAvgM",
    "FedOpt",
    "FedProx",
    "FedYogi",
    "HeteroFL",
    "ServerSidePruning",
    "Strategy",
]
