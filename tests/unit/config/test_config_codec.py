"""Codec settings against the pruning mode: what client-side pruning allows on the uplink."""

from __future__ import annotations

import pytest

from fedprune.config import ConfigError, build_config

CLIENT = ["pruning.mode=client", "pruning.target=0.5"]


def test_client_pruning_accepts_a_delta_uplink_with_error_feedback() -> None:
    cfg = build_config(
        overrides=[
            *CLIENT,
            "codec.uplink=int8+zstd",
            "codec.delta=true",
            "codec.error_feedback=true",
        ]
    )

    assert cfg.codec.delta and cfg.codec.error_feedback


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["codec.uplink=mask-known+int8"], "mask-known codec.uplink needs pruning.mode"),
        (["codec.uplink=mask-known+int8", "codec.delta=true"], "does not know the client's mask"),
        (["codec.uplink=topk(0.1)+int8", "codec.delta=true"], "top-k selection"),
    ],
    ids=["mask-known", "mask-known-delta", "topk"],
)
def test_client_pruning_refuses_uplinks_the_server_cannot_read(
    overrides: list[str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build_config(overrides=[*CLIENT, *overrides])


@pytest.mark.parametrize("mode", ["server", "none"])
def test_shared_masks_allow_mask_known_and_topk_uplinks(mode: str) -> None:
    for uplink in ("mask-known+int8", "topk(0.1)+int8"):
        cfg = build_config(
            overrides=[f"pruning.mode={mode}", f"codec.uplink={uplink}", "codec.delta=true"]
        )
        assert cfg.codec.uplink == uplink


@pytest.mark.parametrize("mode", ["client", "server", "none"])
def test_a_mask_known_downlink_is_accepted_with_any_pruning_mode(mode: str) -> None:
    cfg = build_config(overrides=[f"pruning.mode={mode}", "codec.downlink=mask-known+fp16+zstd"])

    assert cfg.codec.downlink == "mask-known+fp16+zstd"
