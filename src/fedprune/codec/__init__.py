"""Wire format: encode named tensors (and masks) to bytes and decode them back, totally.

``encode``/``decode`` are the dense-fp32 special case of ``encode_pipeline`` with a
``Pipeline`` such as ``parse_pipeline("topk(0.1)+int8+zstd")``; ``decode`` reads any payload.
"""

from fedprune.codec.entropy import ENTROPY, EntropyCoder
from fedprune.codec.errors import CodecError
from fedprune.codec.feedback import ErrorFeedback, FeedbackStep, feedback_step
from fedprune.codec.frame import FORMAT_VERSION, MAGIC
from fedprune.codec.masks import MASKS, MaskEncoding
from fedprune.codec.pipeline import Pipeline, encode_pipeline, parse_pipeline
from fedprune.codec.topk import topk_mask
from fedprune.codec.values import VALUES, ValueEncoding, ValueSpec
from fedprune.codec.wire import Decoded, decode, encode

__all__ = [
    "ENTROPY",
    "FORMAT_VERSION",
    "MAGIC",
    "MASKS",
    "VALUES",
    "CodecError",
    "Decoded",
    "EntropyCoder",
    "ErrorFeedback",
    "FeedbackStep",
    "MaskEncoding",
    "Pipeline",
    "ValueEncoding",
    "ValueSpec",
    "decode",
    "encode",
    "encode_pipeline",
    "feedback_step",
    "parse_pipeline",
    "topk_mask",
]
