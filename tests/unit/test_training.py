"""Local training keeps pruned weights exactly zero."""

import torch
from torch import nn

from fedprune.messages import Instruction
from fedprune.models import build_model, prunable_names
from fedprune.prune import CRITERIA, PRUNERS
from fedprune.prune.mask import apply_masks, full_masks
from fedprune.training import GradientMean, evaluate, loss_gradients, train_local


def test_masked_weights_stay_exactly_zero_through_sgd_with_momentum_and_decay() -> None:
    torch.manual_seed(0)
    model = build_model(name="cnn", input_shape=(1, 8, 8), num_classes=10)
    names = prunable_names(model)
    params = dict(model.named_parameters())
    masks = PRUNERS.get("global")().compute_masks(
        scores=CRITERIA.get("magnitude")()(params={n: params[n] for n in names}),
        masks=full_masks(params, names),
        target=0.7,
    )
    with torch.no_grad():
        apply_masks(params, masks)
    x, y = torch.randn(64, 1, 8, 8), torch.randint(0, 10, (64,))
    instr = Instruction(epochs=3, batch_size=8, lr=0.1, momentum=0.9, weight_decay=1e-3)

    train_local(
        model=model,
        x=x,
        y=y,
        masks=masks,
        instruction=instr,
        generator=torch.Generator().manual_seed(1),
    )

    for name in names:
        assert bool((params[name][~masks[name]] == 0).all()), name
        assert bool((params[name][masks[name]] != 0).any()), name  # kept weights did train


def test_training_reduces_loss_on_a_learnable_task() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    x = torch.randn(200, 4)
    y = (x[:, 0] > 0).long()
    before = evaluate(model=model, x=x, y=y)[1]
    train_local(
        model=model,
        x=x,
        y=y,
        masks={},
        generator=torch.Generator().manual_seed(0),
        instruction=Instruction(epochs=20, batch_size=20, lr=0.5),
    )
    acc, after = evaluate(model=model, x=x, y=y)
    assert after < before / 2
    assert acc > 0.95


def _linear(weight: list[list[float]]) -> nn.Linear:
    model = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(weight))
    return model


# W = [[1, 1], [2, 0]] on x = [1, 1] gives equal logits (2, 2), so softmax is (1/2, 1/2) and
# dCE/dW = (p - onehot(y)) x^T = [[-1/2, -1/2], [1/2, 1/2]] for y = 0.
W0 = [[1.0, 1.0], [2.0, 0.0]]
G0 = torch.tensor([[-0.5, -0.5], [0.5, 0.5]])


def test_loss_gradients_match_the_hand_computed_gradient_and_leave_the_model_alone() -> None:
    model = _linear(W0)

    grads = loss_gradients(
        model=model,
        x=torch.tensor([[1.0, 1.0]]),
        y=torch.tensor([0]),
        names=["weight"],
        batch_size=4,
        batches=3,
        generator=torch.Generator().manual_seed(0),
    )

    torch.testing.assert_close(grads["weight"], G0)
    assert model.weight.grad is None
    assert torch.equal(model.weight.detach(), torch.tensor(W0))


def test_loss_gradients_average_over_at_most_the_given_number_of_batches() -> None:
    # the second example (x = [2, 2], y = 1) alone has gradient [[1, 1], [-1, -1]]
    x, y = torch.tensor([[1.0, 1.0], [2.0, 2.0]]), torch.tensor([0, 1])

    def grads(batches: int) -> torch.Tensor:
        return loss_gradients(
            model=_linear(W0),
            x=x,
            y=y,
            names=["weight"],
            batch_size=1,
            batches=batches,
            generator=torch.Generator().manual_seed(0),
        )["weight"]

    both, first = grads(5), grads(1)

    torch.testing.assert_close(both, torch.tensor([[0.25, 0.25], [-0.25, -0.25]]))
    assert torch.equal(first, G0) or torch.equal(first, torch.tensor([[1.0, 1.0], [-1.0, -1.0]]))


def test_train_local_accumulates_the_mean_data_gradient_over_its_steps() -> None:
    model = _linear(W0)
    running = GradientMean(params={"weight": model.weight})

    train_local(
        model=model,
        x=torch.tensor([[1.0, 1.0], [2.0, 2.0]]),
        y=torch.tensor([0, 1]),
        masks={},
        # lr 0 keeps W fixed, so the two per-example gradients are the hand-computed ones
        instruction=Instruction(epochs=1, batch_size=1, lr=0.0, prox_mu=0.5),
        generator=torch.Generator().manual_seed(0),
        gradients=running,
    )

    assert running.steps == 2
    torch.testing.assert_close(
        running.mean()["weight"], torch.tensor([[0.25, 0.25], [-0.25, -0.25]])
    )


def test_an_l1_shrink_step_is_sgd_then_soft_threshold_by_lr_times_l1() -> None:
    model = _linear(W0)

    train_local(
        model=model,
        x=torch.tensor([[1.0, 1.0]]),
        y=torch.tensor([0]),
        masks={"weight": torch.ones(2, 2, dtype=torch.bool)},
        instruction=Instruction(epochs=1, batch_size=1, lr=1.0, shrink_l1=0.6),
        generator=torch.Generator().manual_seed(0),
    )

    # W - G0 = [[1.5, 1.5], [1.5, -0.5]], then shrunk by 0.6: the -0.5 becomes exactly 0
    torch.testing.assert_close(model.weight.detach(), torch.tensor([[0.9, 0.9], [0.9, 0.0]]))
    assert float(model.weight.detach()[1, 1]) == 0.0


def _trained(shrink_l1: float, masks: dict[str, torch.Tensor] | None = None) -> nn.Module:
    torch.manual_seed(0)
    model = build_model(name="mlp", input_shape=(8,), num_classes=3)
    names = prunable_names(model)
    gen = torch.Generator().manual_seed(2)
    x, y = torch.randn(60, 8, generator=gen), torch.randint(0, 3, (60,), generator=gen)
    if masks is None:
        masks = full_masks(dict(model.named_parameters()), names)
    with torch.no_grad():
        apply_masks(dict(model.named_parameters()), masks)
    train_local(
        model=model,
        x=x,
        y=y,
        masks=masks,
        instruction=Instruction(epochs=3, batch_size=10, lr=0.1, momentum=0.5, shrink_l1=shrink_l1),
        generator=torch.Generator().manual_seed(1),
    )
    return model


def test_l1_shrinkage_drives_prunable_weights_to_exact_zero_and_leaves_biases() -> None:
    plain, shrunk = _trained(0.0), _trained(0.01)
    names = prunable_names(shrunk)

    zeros = {n: int((shrunk.get_parameter(n) == 0).sum()) for n in names}
    # measured: 4%, 25% and 13% of the three layers are exactly zero after 18 steps
    assert all(z > 0.02 * shrunk.get_parameter(n).numel() for n, z in zeros.items()), zeros
    assert all(int((plain.get_parameter(n) == 0).sum()) == 0 for n in names)
    biases = [n for n, _ in shrunk.named_parameters() if n not in names]
    assert all(int((shrunk.get_parameter(n) == 0).sum()) == 0 for n in biases)


def test_with_l1_shrinkage_pruned_entries_still_stay_zero() -> None:
    torch.manual_seed(0)
    model = build_model(name="mlp", input_shape=(8,), num_classes=3)
    names = prunable_names(model)
    params = dict(model.named_parameters())
    masks = PRUNERS.get("layer")().compute_masks(
        scores=CRITERIA.get("magnitude")()(params={n: params[n] for n in names}),
        masks=full_masks(params, names),
        target=0.5,
    )

    trained = _trained(0.001, masks)

    for n in names:
        assert bool((trained.get_parameter(n)[~masks[n]] == 0).all()), n
        assert bool((trained.get_parameter(n)[masks[n]] != 0).any()), n


def test_batches_merge_a_single_last_example_only_when_asked() -> None:
    from fedprune.training import batches

    order = torch.arange(7)
    assert [b.tolist() for b in batches(order, size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    merged = batches(order, size=3, merge_single=True)
    assert [b.tolist() for b in merged] == [[0, 1, 2], [3, 4, 5, 6]]
    assert [b.tolist() for b in batches(torch.arange(1), size=3, merge_single=True)] == [[0]]
