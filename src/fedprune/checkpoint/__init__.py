"""State at rest: checkpoints, the final model file, and optional AES-256-GCM sealing."""

from fedprune.checkpoint.files import read_file, write_file
from fedprune.checkpoint.model_file import (
    MODEL_FILE,
    ModelInfo,
    build_network,
    load_model,
    save_model,
)
from fedprune.checkpoint.rng import load_rng_state, rng_state
from fedprune.checkpoint.run_state import Resumed, RunCheckpoints
from fedprune.checkpoint.sealed import SealError, key_from_env, key_from_file, parse_key
from fedprune.checkpoint.split import join_state, split_state
from fedprune.checkpoint.store import Checkpoint, CheckpointError, CheckpointStore

__all__ = [
    "MODEL_FILE",
    "Checkpoint",
    "CheckpointError",
    "CheckpointStore",
    "ModelInfo",
    "Resumed",
    "RunCheckpoints",
    "SealError",
    "build_network",
    "join_state",
    "key_from_env",
    "key_from_file",
    "load_model",
    "load_rng_state",
    "parse_key",
    "read_file",
    "rng_state",
    "save_model",
    "split_state",
    "write_file",
]
