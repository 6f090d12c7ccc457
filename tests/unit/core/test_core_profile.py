"""profile: MACs and parameters counted by hand on tiny models; latency measurement."""

import pytest
import torch
from torch import nn

from fedprune.profile import count_macs, count_params, measure_latency


def test_linear_macs_are_inputs_times_outputs_per_sample():
    layer = nn.Linear(4, 3)

    assert count_macs(model=layer, example_input=torch.zeros(1, 4)) == 12
    assert count_macs(model=layer, example_input=torch.zeros(5, 4)) == 60


def test_conv_macs_count_each_output_position():
    # 2 -> 3 channels, 3x3 kernel on 5x5 without padding: 3x3 outputs per channel
    conv = nn.Conv2d(2, 3, 3)
    grouped = nn.Conv2d(4, 6, 3, padding=1, groups=2)  # each output sees 2 input channels

    assert count_macs(model=conv, example_input=torch.zeros(1, 2, 5, 5)) == 3 * 9 * (2 * 9)
    assert count_macs(model=grouped, example_input=torch.zeros(1, 4, 5, 5)) == 6 * 25 * (2 * 9)


def test_macs_sum_over_layers_and_skip_activations_norms_and_pools():
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1),
        nn.BatchNorm2d(2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(2 * 2 * 2, 5),
    ).train()

    macs = count_macs(model=model, example_input=torch.zeros(1, 1, 4, 4))

    assert macs == 2 * 16 * 9 + 8 * 5
    assert model.training and int(model[1].num_batches_tracked) == 0  # ran in eval mode


def test_params_total_and_nonzero():
    layer = nn.Linear(4, 3)
    with torch.no_grad():
        layer.weight[:, :2] = 0.0
        layer.bias[0] = 0.0
    shared = nn.Sequential(layer, nn.ReLU(), layer)  # the same weights twice count once

    assert count_params(model=layer) == 15
    assert count_params(model=layer, nonzero=True) == 15 - 6 - 1
    assert count_params(model=shared) == 15
    assert count_params(model=nn.BatchNorm1d(3)) == 6  # running statistics are buffers


def test_latency_is_a_positive_median_per_batch_size_and_restores_training_mode():
    model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5)).train()

    out = measure_latency(
        model=model, example_input=torch.zeros(3, 8), batch_sizes=(1, 16), repeats=3, warmup=1
    )

    assert list(out) == [1, 16] and all(s > 0 for s in out.values())
    assert model.training and model[1].training


def test_latency_grows_with_the_work_done():
    small, big = nn.Linear(64, 64), nn.Linear(64, 4096)
    x = torch.zeros(1, 64)

    t_small = measure_latency(
        model=small, example_input=x, batch_sizes=(256,), repeats=15, warmup=2
    )
    t_big = measure_latency(model=big, example_input=x, batch_sizes=(256,), repeats=15, warmup=2)

    assert t_big[256] > 4 * t_small[256]  # 64x the MACs; measured 41-47x on a busy 2-core box


def test_latency_arguments_are_checked():
    with pytest.raises(ValueError, match="repeats"):
        measure_latency(model=nn.Linear(2, 2), example_input=torch.zeros(1, 2), repeats=0, warmup=0)
    with pytest.raises(ValueError, match="batch sizes"):
        measure_latency(
            model=nn.Linear(2, 2), example_input=torch.zeros(1, 2), batch_sizes=(0,), repeats=1
        )
