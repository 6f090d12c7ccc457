"""Attention heads and feed-forward neurons as structured units: removing them shrinks the
layers and changes nothing but the removed units' contribution."""

from __future__ import annotations

import copy

import pytest
import torch

from fedprune.models import build_model
from fedprune.prune.structured import (
    apply_plan,
    channel_groups,
    channel_scores,
    conform,
    plan_channels,
)

L = 12
EX = torch.zeros(1, L, dtype=torch.long)


def make(seed: int = 0):
    torch.manual_seed(seed)
    return build_model(name="text_transformer", input_shape=(L,), num_classes=5, vocab_size=50)


def tokens(seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(1, 50, (4, L), generator=g)
    x[1, 7:] = 0  # padding
    return x


def silenced(model, *, heads: dict[int, list[int]], neurons: dict[int, list[int]]):
    """A copy whose removed heads/neurons contribute nothing: their output columns zeroed."""
    out = copy.deepcopy(model)
    with torch.no_grad():
        for b, hs in heads.items():
            attn = out.blocks[b].attn
            for h in hs:
                attn.out.weight[:, h * attn.head_dim : (h + 1) * attn.head_dim] = 0
        for b, ns in neurons.items():
            out.blocks[b].ffn.fc2.weight[:, ns] = 0
    return out


def test_units_are_listed_per_block():
    assert channel_groups(model=make(), example_input=EX) == {
        "blocks.0.attn": 4,
        "blocks.0.ffn.fc1": 128,
        "blocks.1.attn": 4,
        "blocks.1.ffn.fc1": 128,
    }


def test_removing_heads_and_neurons_equals_silencing_them():
    model = make()
    plan = {
        "blocks.0.attn": torch.tensor([1, 3]),
        "blocks.1.attn": torch.tensor([0]),
        "blocks.0.ffn.fc1": torch.tensor([0, 5, 127]),
    }
    reference = silenced(model, heads={0: [1, 3], 1: [0]}, neurons={0: [0, 5, 127]})

    apply_plan(model=model, example_input=EX, plan=plan)

    assert model.blocks[0].attn.heads == 2 and model.blocks[1].attn.heads == 3
    assert model.blocks[0].attn.q.weight.shape == (32, 64)
    assert model.blocks[0].attn.out.weight.shape == (64, 32)
    assert model.blocks[0].ffn.fc1.weight.shape == (125, 64)
    assert model.blocks[0].ffn.fc2.weight.shape == (64, 125)
    x = tokens()
    torch.testing.assert_close(model(x), reference(x), rtol=1e-5, atol=1e-5)


def test_index_maps_point_at_the_kept_heads_rows():
    model = make()
    before = {n: t.clone() for n, t in model.state_dict().items()}

    maps = apply_plan(model=model, example_input=EX, plan={"blocks.0.attn": torch.tensor([0])})

    for name, t in model.state_dict().items():
        torch.testing.assert_close(before[name].reshape(-1)[maps[name]], t)
    # head 0 gone: the first kept q row is the old row 16 (head_dim 16)
    assert int(maps["blocks.0.attn.q.weight"][0, 0]) == 16 * 64


def test_l1_scores_sum_every_slice_of_a_head():
    model = make()
    attn = model.blocks[0].attn
    d = attn.head_dim
    expected = torch.stack(
        [
            sum(
                getattr(attn, p).weight[h * d : (h + 1) * d].abs().sum()
                + getattr(attn, p).bias[h * d : (h + 1) * d].abs().sum()
                for p in ("q", "k", "v")
            )
            + attn.out.weight[:, h * d : (h + 1) * d].abs().sum()
            for h in range(4)
        ]
    )

    scores = channel_scores(model=model, example_input=EX, criterion="l1")

    torch.testing.assert_close(scores["blocks.0.attn"], expected.float(), rtol=1e-5, atol=1e-5)


def test_taylor_needs_gradients_and_weighs_them():
    model = make()
    grads = {n: torch.ones_like(p) for n, p in model.named_parameters()}
    with pytest.raises(ValueError, match="needs gradients"):
        channel_scores(model=model, example_input=EX, criterion="taylor")

    taylor = channel_scores(model=model, example_input=EX, criterion="taylor", grads=grads)
    l1 = channel_scores(model=model, example_input=EX, criterion="l1")

    torch.testing.assert_close(taylor["blocks.1.ffn.fc1"], l1["blocks.1.ffn.fc1"])


def test_bn_scale_cannot_score_heads():
    with pytest.raises(ValueError, match=r"cannot score unit group 'blocks\.0\.attn'"):
        channel_scores(model=make(), example_input=EX, criterion="bn_scale")


def test_a_plan_removing_every_head_is_refused_and_leaves_the_model():
    model = make()
    with pytest.raises(ValueError, match="remove all 4 channels"):
        apply_plan(model=model, example_input=EX, plan={"blocks.0.attn": torch.arange(4)})
    assert model.blocks[0].attn.heads == 4


def test_conform_follows_a_pruned_model():
    pruned = make()
    scores = channel_scores(model=pruned, example_input=EX, criterion="l1")
    apply_plan(
        model=pruned,
        example_input=EX,
        plan=plan_channels(scores=scores, ratio=0.5, scope="layer"),
    )
    follower = make(seed=3)

    conform(
        model=follower,
        example_input=EX,
        shapes={n: tuple(t.shape) for n, t in pruned.state_dict().items()},
    )
    follower.load_state_dict(pruned.state_dict())

    x = tokens()
    torch.testing.assert_close(follower(x), pruned(x))
