"""Plug your own dataset and model into a pruned federation through the Python API."""

import numpy as np
from sklearn.datasets import load_breast_cancer
from torch import nn

from fedprune.config import build_config
from fedprune.data import DATASETS, ArrayDataset, DataSplit
from fedprune.experiment import Experiment
from fedprune.models import MODELS


@DATASETS.register("breast_cancer")
def breast_cancer(*, root: str | None = None) -> DataSplit:  # root: for data read from disk
    x, y = load_breast_cancer(return_X_y=True)  # 569 samples, 30 features, 2 classes
    x = ((x - x[:455].mean(0)) / x[:455].std(0)).astype(np.float32)  # training rows' statistics
    data = ArrayDataset(x=x, y=y.astype(np.int64), num_classes=2, name="breast_cancer")
    return DataSplit(train=data.subset(np.arange(455)), test=data.subset(np.arange(455, 569)))


@MODELS.register("small_mlp")
def small_mlp(*, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    return nn.Sequential(nn.Linear(input_shape[0], 64), nn.ReLU(), nn.Linear(64, num_classes))


setup = "data.dataset=breast_cancer model.name=small_mlp data.num_clients=10 engine.threads=1"
prune = "federation.clients_per_round=5 federation.rounds=3 pruning.target=0.7 pruning.end_round=3"
s = Experiment(config=build_config(overrides=[*setup.split(), *prune.split()])).run().summary
print({k: s[k] for k in ("final_accuracy", "global_sparsity", "bytes_total")})
