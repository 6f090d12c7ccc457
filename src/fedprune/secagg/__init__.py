"""Secure aggregation: pairwise-masked sums the server can unmask only in total.

Bonawitz et al. 2017 (https://eprint.iacr.org/2017/281), with SecAgg+'s neighbour graph
(Bell et al. 2020, https://eprint.iacr.org/2020/704) as an option.
"""

from fedprune.secagg.client import SecAggClient
from fedprune.secagg.federation import SecureAggregation, default_threshold
from fedprune.secagg.fixed_point import FixedPoint
from fedprune.secagg.messages import SecAggError, parse
from fedprune.secagg.protocol import Outcome, Session, secure_sum
from fedprune.secagg.server import SecAggServer

__all__ = [
    "FixedPoint",
    "Outcome",
    "SecAggClient",
    "SecAggError",
    "SecAggServer",
    "SecureAggregation",
    "Session",
    "default_threshold",
    "parse",
    "secure_sum",
]
