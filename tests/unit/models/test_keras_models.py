"""The Keras 3 ``keras_dense`` model behaves in the federation like its PyTorch twin."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from fedprune.aggregate.mean import weighted_mean
from fedprune.codec import decode, encode
from fedprune.models import build_model, prunable_names
from fedprune.models.keras_models import KerasModule, import_keras
from fedprune.payload import load_sent_state, sent_state
from fedprune.prune.global_ import GlobalPruner
from fedprune.prune.layerwise import LayerwisePruner

try:
    import_keras()
except ImportError:
    pytest.skip("needs the keras extra", allow_module_level=True)

SHAPE = (1, 4, 4)
KERNEL, BIAS = "keras_dense/dense/kernel", "keras_dense/dense/bias"


def twins(seed: int = 0) -> tuple[KerasModule, nn.Sequential]:
    """A Keras model and ``nn.Sequential(Flatten, Linear)`` holding the same weights."""
    keras_net = build_model(name="keras_dense", input_shape=SHAPE, num_classes=3)
    assert isinstance(keras_net, KerasModule)
    torch_net = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    g = torch.Generator().manual_seed(seed)
    weight, bias = torch.randn(3, 16, generator=g), torch.randn(3, generator=g)
    keras_net.load_state_dict({KERNEL: weight.T.contiguous(), BIAS: bias})
    torch_net.load_state_dict({"1.weight": weight, "1.bias": bias})
    return keras_net, torch_net


def test_state_has_one_tensor_per_keras_weight_and_only_kernels_are_prunable() -> None:
    keras_net, _ = twins()

    assert list(keras_net.state_dict()) == [KERNEL, BIAS]
    assert prunable_names(keras_net) == [KERNEL]


def test_same_logits_as_the_torch_twin() -> None:
    keras_net, torch_net = twins()
    x = torch.randn(5, *SHAPE, generator=torch.Generator().manual_seed(1))

    torch.testing.assert_close(keras_net(x), torch_net(x))


@pytest.mark.parametrize("pruner", [LayerwisePruner(), GlobalPruner()], ids=["layer", "global"])
def test_same_magnitude_masks_as_the_torch_twin(pruner: LayerwisePruner | GlobalPruner) -> None:
    keras_net, torch_net = twins()
    k_kernel = keras_net.state_dict()[KERNEL]
    t_weight = torch_net.state_dict()["1.weight"]

    k_mask = pruner.compute_masks(
        scores={KERNEL: k_kernel.abs()},
        masks={KERNEL: torch.ones_like(k_kernel, dtype=torch.bool)},
        target=0.2,
    )[KERNEL]
    t_mask = pruner.compute_masks(
        scores={"1.weight": t_weight.abs()},
        masks={"1.weight": torch.ones_like(t_weight, dtype=torch.bool)},
        target=0.2,
    )["1.weight"]

    assert torch.equal(k_mask.T, t_mask)
    assert (~k_mask).sum() == round(0.2 * k_kernel.numel())


def test_same_fedavg_aggregate_as_the_torch_twin() -> None:
    updates = [twins(seed=s) for s in (1, 2)]
    keras_states = [sent_state(k) for k, _ in updates]
    torch_states = [sent_state(t) for _, t in updates]

    k_mean = weighted_mean(tensors=keras_states, weights=[30.0, 10.0])
    t_mean = weighted_mean(tensors=torch_states, weights=[30.0, 10.0])

    torch.testing.assert_close(k_mean[KERNEL].T, t_mean["1.weight"])
    torch.testing.assert_close(k_mean[BIAS], t_mean["1.bias"])


def test_deepcopy_loads_the_servers_weights_and_trains_independently() -> None:
    server, _ = twins()
    client = copy.deepcopy(server)
    server_state = sent_state(server)

    with torch.no_grad():
        for p in client.parameters():
            p.add_(1.0)
    assert not torch.equal(sent_state(client)[KERNEL], server_state[KERNEL])
    load_sent_state(client, server_state)

    x = torch.randn(2, *SHAPE)
    torch.testing.assert_close(client(x), server(x))


def test_codec_round_trips_slash_names_with_a_mask() -> None:
    keras_net, _ = twins()
    state = sent_state(keras_net)
    mask = state[KERNEL].abs() > 0.5

    decoded = decode(encode(tensors=state, masks={KERNEL: mask}))

    assert list(decoded.tensors) == [KERNEL, BIAS]
    torch.testing.assert_close(decoded.tensors[KERNEL], state[KERNEL] * mask)
    assert torch.equal(decoded.masks[KERNEL], mask)


def test_sgd_step_moves_the_keras_weights_and_the_keras_model_sees_it() -> None:
    keras_net, torch_net = twins()
    x, y = torch.randn(4, *SHAPE), torch.tensor([0, 1, 2, 0])
    for net in (keras_net, torch_net):
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    torch.testing.assert_close(keras_net(x), torch_net(x))
    kernel = keras_net.keras_model.get_layer("dense").kernel.value
    torch.testing.assert_close(kernel.T, torch_net.state_dict()["1.weight"])


def test_to_keras_adds_the_softmax_back() -> None:
    keras_net, torch_net = twins()
    x = torch.randn(3, *SHAPE)

    probs = keras_net.to_keras(softmax=True)(x)

    torch.testing.assert_close(probs, torch.softmax(torch_net(x), dim=1))
