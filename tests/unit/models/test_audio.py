"""The audio keyword CNN: shapes, input checks, and channels that structured pruning removes."""

from __future__ import annotations

import pytest
import torch

from fedprune.models.audio import audio_cnn
from fedprune.profile import count_params
from fedprune.prune.structured import apply_plan, channel_groups, channel_scores, plan_channels


def test_audio_cnn_classifies_log_mel_batches():
    model = audio_cnn(input_shape=(1, 40, 49), num_classes=10)

    out = model(torch.randn(3, 1, 40, 49))

    assert out.shape == (3, 10)
    # 3 BN-conv blocks (16, 32, 64) + fc64 over the 64 x 5 x 6 map + classifier
    assert count_params(model=model) == 147_004


def test_audio_cnn_rejects_flat_or_tiny_inputs():
    with pytest.raises(ValueError, match="audio_cnn"):
        audio_cnn(input_shape=(40, 49), num_classes=10)
    with pytest.raises(ValueError, match="at least 8"):
        audio_cnn(input_shape=(1, 7, 49), num_classes=10)


def test_structured_pruning_halves_every_conv_and_the_hidden_layer():
    torch.manual_seed(0)
    model = audio_cnn(input_shape=(1, 40, 49), num_classes=10).eval()
    example = torch.randn(2, 1, 40, 49)
    scores = channel_scores(model=model, example_input=example[:1], criterion="l1")

    apply_plan(
        model=model,
        example_input=example[:1],
        plan=plan_channels(scores=scores, ratio=0.5, scope="layer"),
    )

    assert list(channel_groups(model=model, example_input=example[:1]).values()) == [8, 16, 32, 32]
    assert model(example).shape == (2, 10)
