"""Cross-silo clients whose local training spans several worker processes."""

from fedprune.silo.data_parallel import check_data_parallel, train_data_parallel

__all__ = ["check_data_parallel", "train_data_parallel"]
