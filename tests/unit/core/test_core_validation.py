"""Server-side update checks: pruned entries zero, no revival, the norm bound."""

from __future__ import annotations

import pytest
import torch

from fedprune.messages import GlobalModel
from fedprune.payload import PayloadError
from fedprune.validation import check_no_revival, check_norm, check_pruned_zero, check_update

T, F = True, False
GLOBAL = GlobalModel(
    params={"w": torch.tensor([1.0, 2.0, 0.0, 0.0]), "b": torch.tensor([0.5])},
    masks={"w": torch.tensor([T, T, F, F])},
)


def update(w: list[float], keep: list[bool], b: float = 0.5) -> dict[str, dict]:
    return {
        "params": {"w": torch.tensor(w), "b": torch.tensor([b])},
        "masks": {"w": torch.tensor(keep)},
    }


def test_an_honest_update_passes_every_check() -> None:
    honest = update([1.5, 0.0, 0.0, 0.0], [T, F, F, F])  # trained, then pruned one more entry

    check_update(**honest, model=GLOBAL, max_norm=1.0)


def test_a_value_under_a_pruned_flag_is_refused() -> None:
    hidden = update([1.0, 2.0, 0.0, 0.0], [T, F, F, F])

    with pytest.raises(PayloadError, match="w: 1 entries pruned in the update's mask are not zero"):
        check_pruned_zero(**hidden)


def test_keeping_an_entry_the_global_mask_pruned_is_refused() -> None:
    revived = update([1.0, 2.0, 0.0, 0.3], [T, T, F, T])

    with pytest.raises(PayloadError, match="w: revives 1 entries pruned in the global mask"):
        check_no_revival(masks=revived["masks"], model=GLOBAL)


def test_revival_is_about_the_mask_even_with_a_zero_value() -> None:
    # a client may not claim the entry, whatever it holds: masks are votes in masked rules
    claimed = update([1.0, 2.0, 0.0, 0.0], [T, T, T, T])

    with pytest.raises(PayloadError, match="revives 2 entries"):
        check_update(**claimed, model=GLOBAL)


def test_the_norm_bound_counts_kept_entries_against_the_global_model() -> None:
    # change (3, -, -, -) and b +4: norm 5; the pruned entry 1 (2 -> 0) is not counted
    big = update([4.0, 0.0, 0.0, 0.0], [T, F, F, F], b=4.5)

    check_norm(**big, model=GLOBAL, max_norm=5.0)
    with pytest.raises(
        PayloadError, match=r"update norm 5 exceeds federation\.max_update_norm 4\.9"
    ):
        check_norm(**big, model=GLOBAL, max_norm=4.9)
    check_update(**big, model=GLOBAL, max_norm=None)  # no bound configured: no check


def test_a_client_asked_to_regrow_may_revive_its_budget_and_no_more() -> None:
    from fedprune.messages import GlobalModel
    from fedprune.payload import PayloadError
    from fedprune.validation import check_no_revival

    allowed = torch.tensor([True] * 6 + [False] * 4)
    model = GlobalModel(params={"w": torch.zeros(10)}, masks={"w": allowed})
    swap2 = torch.tensor([True] * 4 + [False] * 2 + [True] * 2 + [False] * 2)
    swap3 = torch.tensor([True] * 3 + [False] * 3 + [True] * 3 + [False])
    grows_only = torch.tensor([True] * 6 + [True, False, False, False])

    check_no_revival(masks={"w": swap2}, model=model, regrow=1 / 3)  # budget round(6/3) = 2
    with pytest.raises(PayloadError, match=r"revives 3 .* at most 2"):
        check_no_revival(masks={"w": swap3}, model=model, regrow=1 / 3)
    with pytest.raises(PayloadError, match="keeps 7 entries after regrowing"):
        check_no_revival(masks={"w": grows_only}, model=model, regrow=1 / 3)
    with pytest.raises(PayloadError, match="revives 2 entries pruned"):
        check_no_revival(masks={"w": swap2}, model=model)
