"""fedprune: federated learning with pruning as a first-class citizen."""

__version__ = "0.1.0"
