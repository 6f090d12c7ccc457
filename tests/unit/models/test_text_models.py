"""Text models over token ids: padding is ignored, costs are counted, embeddings are prunable."""

from __future__ import annotations

import pytest
import torch

from fedprune.models import build_model, prunable_names
from fedprune.profile import count_macs


@pytest.mark.parametrize("name", ["text_bow", "text_transformer"])
def test_padding_does_not_change_the_prediction(name):
    torch.manual_seed(0)
    model = build_model(name=name, input_shape=(10,), num_classes=3, vocab_size=30).eval()
    padded = torch.tensor([[5, 9, 2, 0, 0, 0, 0, 0, 0, 0]])

    out = model(padded)
    all_pad = model(torch.zeros(1, 10, dtype=torch.long))

    assert out.shape == (1, 3)
    torch.testing.assert_close(model(padded[:, :3]), out)
    assert torch.isfinite(all_pad).all()


def test_transformer_ignores_what_padding_would_attend():
    torch.manual_seed(0)
    model = build_model(name="text_transformer", input_shape=(8,), num_classes=3, vocab_size=30)
    model.eval()
    a = torch.tensor([[4, 7, 1, 0, 0, 0, 0, 0]])
    with torch.no_grad():
        model.embed.weight[0] = 100.0  # if padding leaked into attention, this would show

    torch.testing.assert_close(model(a), model(a[:, :3]))


def test_transformer_macs_count_the_attention_products():
    model = build_model(name="text_transformer", input_shape=(8,), num_classes=3, vocab_size=30)
    x = torch.ones(1, 8, dtype=torch.long)
    linear = 2 * 8 * (4 * 64 * 64 + 2 * 64 * 128) + 64 * 3
    attention = 2 * (2 * 4 * 8 * 8 * 16)

    assert count_macs(model=model, example_input=x) == linear + attention


def test_embedding_tables_are_prunable():
    model = build_model(name="text_bow", input_shape=(8,), num_classes=3, vocab_size=30)
    assert prunable_names(model) == ["embed.weight", "hidden.weight", "classifier.weight"]


def test_vocab_size_must_match_the_kind_of_model():
    with pytest.raises(ValueError, match="needs a vocab_size"):
        build_model(name="text_transformer", input_shape=(8,), num_classes=3)
    with pytest.raises(ValueError, match="not token ids"):
        build_model(name="cnn", input_shape=(1, 8, 8), num_classes=3, vocab_size=30)
