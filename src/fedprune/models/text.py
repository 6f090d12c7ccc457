"""Text classifiers over token ids: a bag-of-embeddings baseline and a small Transformer encoder.

The Transformer's attention heads and feed-forward neurons are declared as structured units
(``structured_units``), so ``fedprune.prune.structured`` removes whole heads and neurons and
the layers physically shrink (Michel et al. 2019, https://arxiv.org/abs/1905.10650; Voita et
al. 2019, https://arxiv.org/abs/1905.09418).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fedprune.models.registry import MODELS
from fedprune.models.units import Units, UnitSlice
from fedprune.profile import MAC_COUNTERS

PAD = 0


class TokenEmbedding(nn.Embedding):
    """An embedding whose table is prunable like a linear layer's weight: in a small text model
    it holds most of the parameters, so most of the bytes on the wire.

    Its N(0, 1) entries dwarf the linear layers' weights, so *global* magnitude pruning would
    empty the linear layers first (measured: 80 % global left the Transformer at chance, and a
    N(0, 1/dim) table learned twice as slowly); the ``text`` task therefore allocates sparsity
    per layer (ERK).
    """

    def prunable_parameter_names(self) -> list[str]:
        return ["weight"]


def _mean_pool(h: Tensor, tokens: Tensor) -> Tensor:
    """Mean of ``h`` over the non-padding positions (an all-padding row gives zeros)."""
    keep = (tokens != PAD).unsqueeze(-1).to(h.dtype)
    return (h * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1.0)


class BagOfEmbeddings(nn.Module):
    """Mean of the token embeddings, one hidden layer, a classifier (Joulin et al. 2017,
    fastText, https://arxiv.org/abs/1607.01759)."""

    def __init__(self, *, vocab_size: int, num_classes: int, dim: int, hidden: int) -> None:
        super().__init__()
        self.embed = TokenEmbedding(vocab_size, dim, padding_idx=PAD)
        self.hidden = nn.Linear(dim, hidden)
        self.classifier = nn.Linear(hidden, num_classes)

    def forward(self, tokens: Tensor) -> Tensor:
        pooled = _mean_pool(self.embed(tokens.long()), tokens)
        return self.classifier(F.relu(self.hidden(pooled)))


class ScaledAttention(nn.Module):
    """softmax(q kᵀ / √d) v over heads, padding keys masked; no parameters (its own module so
    that ``fedprune.profile.count_macs`` can count the two attention products)."""

    def forward(self, q: Tensor, k: Tensor, v: Tensor, key_pad: Tensor) -> Tensor:
        mask = ~key_pad[:, None, None, :]  # True where attending is allowed
        # a row of only padding would softmax over nothing: let it attend everywhere instead
        mask = mask | ~mask.any(dim=-1, keepdim=True)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def _attention_macs(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> int:
    q, k = inputs[0], inputs[1]  # (batch, heads, tokens, head_dim)
    return 2 * q.shape[0] * q.shape[1] * q.shape[2] * k.shape[2] * q.shape[3]  # q·kᵀ and a·v


MAC_COUNTERS[ScaledAttention] = _attention_macs


class HeadAttention(nn.Module):
    """Multi-head self-attention whose head count follows its weights, so heads can be cut.

    q, k and v are separate linear maps to ``heads * head_dim`` features and ``out`` maps back;
    removing head ``i`` removes rows ``i*head_dim:(i+1)*head_dim`` of q, k, v and the same
    columns of ``out``.
    """

    def __init__(self, *, dim: int, heads: int, head_dim: int) -> None:
        super().__init__()
        self.head_dim = head_dim
        self.q = nn.Linear(dim, heads * head_dim)
        self.k = nn.Linear(dim, heads * head_dim)
        self.v = nn.Linear(dim, heads * head_dim)
        self.attend = ScaledAttention()
        self.out = nn.Linear(heads * head_dim, dim)

    @property
    def heads(self) -> int:
        return self.q.weight.shape[0] // self.head_dim

    def forward(self, x: Tensor, key_pad: Tensor) -> Tensor:
        b, t, _ = x.shape

        def split(y: Tensor) -> Tensor:
            return y.view(b, t, self.heads, self.head_dim).transpose(1, 2)

        ctx = self.attend(split(self.q(x)), split(self.k(x)), split(self.v(x)), key_pad)
        return self.out(ctx.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class FeedForward(nn.Module):
    """Position-wise ``fc2(gelu(fc1(x)))``; its hidden neurons are prunable units."""

    def __init__(self, *, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class EncoderBlock(nn.Module):
    """Pre-norm Transformer encoder block (Xiong et al. 2020, https://arxiv.org/abs/2002.04745)."""

    def __init__(self, *, dim: int, heads: int, head_dim: int, ffn: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = HeadAttention(dim=dim, heads=heads, head_dim=head_dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ffn = FeedForward(dim=dim, hidden=ffn)

    def forward(self, x: Tensor, key_pad: Tensor) -> Tensor:
        x = x + self.attn(self.norm1(x), key_pad)
        return x + self.ffn(self.norm2(x))


class TextTransformer(nn.Module):
    """Token + learned position embeddings, pre-norm encoder blocks, masked mean pooling and a
    linear classifier (Vaswani et al. 2017, https://arxiv.org/abs/1706.03762)."""

    def __init__(
        self,
        *,
        vocab_size: int,
        max_len: int,
        num_classes: int,
        dim: int,
        depth: int,
        heads: int,
        ffn: int,
    ) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim ({dim}) must be a multiple of heads ({heads})")
        self.embed = TokenEmbedding(vocab_size, dim, padding_idx=PAD)
        self.position = nn.Parameter(torch.zeros(max_len, dim))
        nn.init.normal_(self.position, std=0.02)
        self.blocks = nn.ModuleList(
            EncoderBlock(dim=dim, heads=heads, head_dim=dim // heads, ffn=ffn) for _ in range(depth)
        )
        self.norm = nn.LayerNorm(dim)
        self.classifier = nn.Linear(dim, num_classes)

    def forward(self, tokens: Tensor) -> Tensor:
        tokens = tokens.long()
        key_pad = tokens == PAD
        h = self.embed(tokens) + self.position[: tokens.shape[1]]
        for block in self.blocks:
            h = block(h, key_pad)
        return self.classifier(_mean_pool(self.norm(h), tokens))

    def structured_units(self) -> dict[str, Units]:
        """Each block's attention heads and feed-forward neurons, as removable units."""
        units = {}
        blocks: list[EncoderBlock] = list(self.blocks)  # type: ignore[arg-type]
        for i, block in enumerate(blocks):
            a, f = f"blocks.{i}.attn", f"blocks.{i}.ffn"
            dh = block.attn.head_dim
            units[a] = Units(
                count=block.attn.heads,
                slices=(
                    *(
                        UnitSlice(tensor=f"{a}.{p}.{t}", dim=0, size=dh)
                        for p in ("q", "k", "v")
                        for t in ("weight", "bias")
                    ),
                    UnitSlice(tensor=f"{a}.out.weight", dim=1, size=dh),
                ),
            )
            units[f"{f}.fc1"] = Units(
                count=int(block.ffn.fc1.weight.shape[0]),
                slices=(
                    UnitSlice(tensor=f"{f}.fc1.weight", dim=0, size=1),
                    UnitSlice(tensor=f"{f}.fc1.bias", dim=0, size=1),
                    UnitSlice(tensor=f"{f}.fc2.weight", dim=1, size=1),
                ),
            )
        return units


def _token_shape(input_shape: tuple[int, ...], name: str) -> int:
    if len(input_shape) != 1:
        raise ValueError(f"model {name!r} needs token-id inputs (L,), got shape {input_shape}")
    return int(input_shape[0])


@MODELS.register("text_bow")
def text_bow(*, input_shape: tuple[int, ...], num_classes: int, vocab_size: int) -> nn.Module:
    """Bag of 64-d embeddings, a 128-unit hidden layer: the fast baseline."""
    _token_shape(input_shape, "text_bow")
    return BagOfEmbeddings(vocab_size=vocab_size, num_classes=num_classes, dim=64, hidden=128)


@MODELS.register("text_transformer")
def text_transformer(
    *, input_shape: tuple[int, ...], num_classes: int, vocab_size: int
) -> nn.Module:
    """Two pre-norm blocks, width 64, 4 heads of 16, feed-forward 128."""
    return TextTransformer(
        vocab_size=vocab_size,
        max_len=_token_shape(input_shape, "text_transformer"),
        num_classes=num_classes,
        dim=64,
        depth=2,
        heads=4,
        ffn=128,
    )
