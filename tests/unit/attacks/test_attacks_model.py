"""Model and data poisoning: exact small numbers, masks kept, inputs untouched."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from fedprune.attacks import ATTACKS, HONEST, backdoor_success, flip_labels, stamp

T, F = True, False
RECEIVED = {"w": torch.tensor([1.0, 1.0, 1.0]), "b": torch.tensor([2.0])}
TRAINED = {"w": torch.tensor([2.0, 3.0, 0.0]), "b": torch.tensor([3.0])}  # entry 2 pruned
MASKS = {"w": torch.tensor([T, T, F])}


def poison(kind: str, **options: float) -> tuple[dict, dict]:
    attack = ATTACKS.get(kind)(**options)
    return attack.poison_model(
        state=TRAINED, received=RECEIVED, masks=MASKS, generator=torch.Generator().manual_seed(0)
    )


@pytest.mark.parametrize(
    ("kind", "options", "w", "b"),
    [
        ("sign_flip", {}, [0.0, -1.0, 0.0], [1.0]),  # g - (x - g)
        ("sign_flip", {"scale": 2.0}, [-1.0, -3.0, 0.0], [0.0]),
        ("scale", {}, [11.0, 21.0, 0.0], [12.0]),  # g + 10 (x - g)
        ("scale", {"scale": -1.0}, [0.0, -1.0, 0.0], [1.0]),
    ],
)
def test_update_attacks_rescale_the_change_under_the_clients_mask(
    kind: str, options: dict, w: list[float], b: list[float]
) -> None:
    state, masks = poison(kind, **options)

    assert state["w"].tolist() == w and state["b"].tolist() == b
    assert masks["w"] is MASKS["w"]
    assert TRAINED["w"].tolist() == [2.0, 3.0, 0.0]  # inputs untouched


def test_gaussian_replaces_the_update_by_seeded_noise_on_kept_entries() -> None:
    big = {"w": torch.zeros(20_000)}
    keep = {"w": torch.arange(20_000) % 4 != 0}
    attack = ATTACKS.get("gaussian")(std=0.5)

    def run(seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        return attack.poison_model(state=big, received=big, masks=keep, generator=gen)[0]["w"]

    sent = run(0)
    assert torch.equal(sent, run(0)) and not torch.equal(sent, run(1))
    assert bool((sent[~keep["w"]] == 0).all())
    assert float(sent[keep["w"]].std()) == pytest.approx(0.5, rel=0.03)


def test_label_flip_mirrors_the_labels() -> None:
    x, y = torch.zeros(3, 1, 4, 4), torch.tensor([0, 3, 9])
    attack = ATTACKS.get("label_flip")(num_classes=10)

    px, py = attack.poison_data(x=x, y=y, generator=torch.Generator())

    assert py.tolist() == [9, 6, 0] and px is x
    assert flip_labels(torch.tensor([0, 1]), num_classes=2).tolist() == [1, 0]


def test_stamp_whitens_the_bottom_right_square_of_every_channel() -> None:
    x = torch.zeros(2, 2, 5, 5)

    out = stamp(x)

    assert out[:, :, 2:, 2:].eq(1).all() and out.sum() == 2 * 2 * 9
    assert x.sum() == 0
    with pytest.raises(ValueError, match="images"):
        stamp(torch.zeros(2, 25))


def test_backdoor_poisons_the_configured_share_and_relabels_it() -> None:
    x, y = torch.zeros(10, 1, 4, 4), torch.arange(10) % 3 + 1
    attack = ATTACKS.get("backdoor")(num_classes=10, target=0, poison_fraction=0.25)

    px, py = attack.poison_data(x=x, y=y, generator=torch.Generator().manual_seed(0))

    stamped = px.flatten(1).sum(1) > 0
    assert int(stamped.sum()) == math.ceil(0.25 * 10)
    assert bool((py[stamped] == 0).all()) and torch.equal(py[~stamped], y[~stamped])
    assert x.sum() == 0 and bool((y > 0).all())


class Fixed(nn.Module):
    """Predicts ``triggered`` for images with the trigger, ``other`` otherwise."""

    def __init__(self, triggered: int, other: int) -> None:
        super().__init__()
        self.triggered, self.other = triggered, other

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hit = x[:, 0, -1, -1] == 1
        return nn.functional.one_hot(
            torch.where(hit, self.triggered, self.other), num_classes=10
        ).float()


def test_backdoor_success_counts_triggered_non_target_images_taken_for_the_target() -> None:
    x, y = torch.zeros(6, 1, 4, 4), torch.tensor([0, 0, 1, 2, 3, 4])

    assert backdoor_success(model=Fixed(7, 1), x=x, y=y, target=7) == 1.0
    assert backdoor_success(model=Fixed(7, 1), x=x, y=y, target=0) == 0.0
    assert backdoor_success(model=Fixed(0, 0), x=x, y=y, target=0) == 1.0  # 4 of 4 non-zeros
    assert backdoor_success(model=Fixed(0, 0), x=x[:2], y=y[:2], target=0) == 0.0


def test_backdoor_reports_its_success_as_a_round_metric() -> None:
    attack = ATTACKS.get("backdoor")(num_classes=10, target=7)
    x, y = torch.zeros(4, 1, 4, 4), torch.tensor([0, 1, 2, 7])

    assert attack.round_metrics(model=Fixed(7, 1), x=x, y=y) == {"backdoor_success": 1.0}
    assert HONEST.round_metrics(model=Fixed(7, 1), x=x, y=y) == {}


def test_revive_claims_every_entry_and_fills_the_pruned_ones() -> None:
    state, masks = poison("revive")

    assert bool(masks["w"].all())
    assert state["w"][:2].tolist() == [2.0, 3.0] and state["w"][2] != 0
    assert not bool(MASKS["w"].all())


@pytest.mark.parametrize(
    ("kind", "options", "match"),
    [
        ("sign_flip", {"scale": 0.0}, "scale"),
        ("gaussian", {"std": -1.0}, "std"),
        ("backdoor", {"num_classes": 10, "target": 10}, "target"),
        ("backdoor", {"num_classes": 10, "poison_fraction": 0.0}, "poison_fraction"),
        ("label_flip", {"num_classes": 1}, "2 classes"),
    ],
)
def test_bad_options_are_refused(kind: str, options: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ATTACKS.get(kind)(**options)


def test_the_honest_hooks_change_nothing() -> None:
    x, y = torch.zeros(2, 1, 4, 4), torch.tensor([1, 2])
    gen = torch.Generator()

    assert HONEST.poison_data(x=x, y=y, generator=gen) == (x, y)
    state, masks = HONEST.poison_model(state=TRAINED, received=RECEIVED, masks=MASKS, generator=gen)
    assert state == TRAINED and masks == MASKS
    assert HONEST.poison_payload(payload=b"abc", state=TRAINED, masks=MASKS) == b"abc"
