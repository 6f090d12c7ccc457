"""Block removal on the ResNet: blocks become identities, and their loss-based importance."""

import copy

import pytest
import torch
from torch import nn

from fedprune.profile import count_params
from fedprune.prune.structured import block_scores, removable_blocks, remove_blocks

Y = torch.tensor([0, 1, 2, 3])


def silence(model: nn.Module, block: str) -> None:
    """Zero the residual branch: the block then outputs relu(x) = x for its post-ReLU input."""
    with torch.no_grad():
        bn = model.get_submodule(f"{block}.bn2")
        bn.weight.zero_()
        bn.bias.zero_()


def test_removable_blocks_are_those_without_projection(build):
    assert removable_blocks(model=build("resnet")) == [
        "layer1.0",
        "layer1.1",
        "layer2.1",
        "layer3.1",
    ]
    assert removable_blocks(model=build("cnn")) == []


def test_removing_a_silent_block_keeps_outputs_and_another_changes_them(build, x):
    model = build("resnet")
    silence(model, "layer2.1")
    reference = model(x)
    params = count_params(model=model)
    block_params = count_params(model=model.layer2[1])
    other = copy.deepcopy(model)

    remove_blocks(model=model, blocks=["layer2.1"])
    remove_blocks(model=other, blocks=["layer3.1"], example_input=x)

    assert isinstance(model.layer2[1], nn.Identity)
    assert count_params(model=model) == params - block_params
    assert not any(k.startswith("layer2.1.") for k in model.state_dict())
    assert torch.allclose(model(x), reference, rtol=0, atol=1e-12)
    assert not torch.allclose(other(x), reference, atol=1e-3)


def test_several_blocks_can_go_and_the_model_still_runs(build, x):
    model = build("resnet")

    remove_blocks(model=model, blocks=["layer1.0", "layer1.1", "layer3.1"])

    assert model(x).shape == (4, 10)


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        (["layer2.0"], "changes the shape"),
        (["layer9"], "no block named 'layer9'"),
        ([""], "no block named ''"),
        (["layer1.0", "layer1.0"], "repeat"),
        (["layer1", "layer1.0"], "inside block 'layer1'"),
        (["stem.2"], "does not declare shape_preserving"),
    ],
)
def test_bad_blocks_are_rejected_and_the_model_is_untouched(build, blocks, message):
    model = build("resnet")
    before = list(model.state_dict())

    with pytest.raises(ValueError, match=message):
        remove_blocks(model=model, blocks=blocks)

    assert list(model.state_dict()) == before


def test_measured_shapes_decide_when_an_example_input_is_given(build, x):
    model = build("resnet")

    with pytest.raises(ValueError, match=r"'layer3\.0' maps shape \(4, 32, 14, 14\)"):
        remove_blocks(model=model, blocks=["layer3.0"], example_input=x)
    remove_blocks(model=model, blocks=["stem.2"], example_input=x)  # a ReLU keeps its shape

    assert isinstance(model.stem[2], nn.Identity)


def test_block_scores_are_the_loss_increase_without_the_block(build, x):
    model = build("resnet").train()
    silence(model, "layer1.1")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    blocks = removable_blocks(model=model)

    scores = block_scores(model=model, x=x, y=Y, blocks=blocks)

    assert model.training and list(scores) == blocks
    assert scores["layer1.1"] == 0.0
    assert all(scores[b] != 0.0 for b in blocks if b != "layer1.1")
    without = copy.deepcopy(model).eval()
    remove_blocks(model=without, blocks=["layer3.1"])
    with torch.no_grad():
        base = nn.functional.cross_entropy(copy.deepcopy(model).eval()(x), Y)
        expected = float(nn.functional.cross_entropy(without(x), Y) - base)
    assert scores["layer3.1"] == pytest.approx(expected, abs=1e-12)
    # the model is left as it was: its blocks, weights and BN statistics
    assert not isinstance(model.layer3[1], nn.Identity)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_block_scores_reject_shape_changing_blocks(build, x):
    with pytest.raises(ValueError, match=r"layer2\.0"):
        block_scores(model=build("resnet"), x=x, y=Y, blocks=["layer2.0"])
