"""The whole protocol: the secure sum is the plain sum exactly, with dropouts up to n - t;
below the threshold it fails loudly; clients refuse requests that would unmask anyone."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from fedprune.secagg import FixedPoint, SecAggClient, SecAggError, SecAggServer, Session
from fedprune.secagg.fixed_point import ring_dtype
from fedprune.secagg.messages import UnmaskRequest, parse
from fedprune.secagg.protocol import secure_sum
from fedprune.secagg.shamir import share_bytes


def _inputs(n: int, length: int, bits: int, seed: int) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(seed)
    top = 2**bits
    return {
        c: rng.integers(0, top, size=length, dtype=np.uint64).astype(ring_dtype(bits))
        for c in range(10, 10 + n)  # ids need not start at 0
    }


def _plain(inputs: dict[int, np.ndarray], dropped: set[int]) -> np.ndarray:
    kept = [v for c, v in inputs.items() if c not in dropped]
    total = np.zeros_like(kept[0])
    for v in kept:
        total += v
    return total


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("drops", [0, 1, 2])
def test_secure_sum_is_exactly_the_sum_of_survivors(bits: int, drops: int) -> None:
    n, t = 7, 5  # up to n - t = 2 dropouts
    inputs = _inputs(n, 300, bits, seed=drops)
    dropped = set(random.Random(drops).sample(sorted(inputs), drops))
    out = secure_sum(
        inputs, threshold=t, bits=bits, dropped=dropped, randbytes=random.Random(1).randbytes
    )
    assert out.survivors == tuple(sorted(set(inputs) - dropped))
    assert np.array_equal(out.total, _plain(inputs, dropped))


def test_fixed_point_floats_sum_exactly_through_the_protocol() -> None:
    fp = FixedPoint.for_sum(bits=64, clip=1.0, total_weight=5 * 1000)
    rng = np.random.default_rng(3)
    xs = {c: rng.uniform(-1, 1, 200) for c in range(5)}
    ws = {0: 10, 1: 1000, 2: 3, 3: 77, 4: 500}
    out = secure_sum(
        {c: fp.encode(x, weight=ws[c]) for c, x in xs.items()}, threshold=4, dropped={2}
    )
    expected = sum(ws[c] * fp.quantise(xs[c]) for c in xs if c != 2)
    assert np.array_equal(fp.decode_int(out.total), expected)


def test_secagg_plus_neighbour_graph_sums_exactly_with_a_dropout() -> None:
    inputs = _inputs(12, 64, 64, seed=5)
    out = secure_sum(inputs, threshold=3, neighbours=4, dropped={13})
    assert np.array_equal(out.total, _plain(inputs, {13}))


def test_neighbours_cut_the_messages_each_client_gets() -> None:
    sizes: dict[tuple[int, str], int] = {}

    def record(cid: int, direction: str, payload: bytes) -> None:
        kind = type(parse(payload)).__name__
        sizes[cid, kind] = sizes.get((cid, kind), 0) + len(payload)

    inputs = _inputs(12, 8, 64, seed=6)
    secure_sum(inputs, threshold=3, neighbours=4, record=record)
    full: dict[tuple[int, str], int] = {}
    sizes_k, sizes = sizes, full
    secure_sum(inputs, threshold=8, record=record)
    assert sizes_k[10, "KeyList"] < full[10, "KeyList"] / 2
    assert sizes_k[10, "ShareBundle"] < full[10, "ShareBundle"] / 2


def test_fewer_survivors_than_the_threshold_is_an_error_not_a_sum() -> None:
    inputs = _inputs(6, 10, 64, seed=7)
    with pytest.raises(SecAggError, match="3 masked inputs, below the threshold of 4"):
        secure_sum(inputs, threshold=4, dropped={10, 11, 12})


def test_too_few_unmasking_answers_is_an_error_naming_the_client() -> None:
    inputs = _inputs(6, 10, 64, seed=8)
    session = Session(clients=list(inputs), threshold=4)
    session.setup()
    masked = {c: session.masked_input(c, v) for c, v in inputs.items()}
    with pytest.raises(SecAggError, match="cannot rebuild a secret of client 10: 3 shares"):
        session.finish(masked, length=10, responders={10, 11, 12})


def test_a_neighbourhood_below_the_threshold_fails_even_if_enough_survive_overall() -> None:
    inputs = _inputs(9, 4, 64, seed=9)
    session = Session(clients=list(inputs), threshold=3, neighbours=2, graph_seed=0)
    session.setup()
    lonely = 10
    peers = session.server.graph[lonely]
    masked = {c: session.masked_input(c, v) for c, v in inputs.items() if c not in peers}
    with pytest.raises(SecAggError, match="cannot rebuild a secret"):
        session.finish(masked, length=4)


def test_a_garbled_masked_input_is_refused_and_its_sender_unmasked_as_dropped() -> None:
    inputs = _inputs(5, 16, 64, seed=10)
    session = Session(clients=list(inputs), threshold=3)
    session.setup()
    masked = {c: session.masked_input(c, v) for c, v in inputs.items()}
    masked[12] = masked[12][:-1]
    out = session.finish(masked, length=16)
    assert list(out.rejected) == [12] and "truncated" in out.rejected[12]
    assert np.array_equal(out.total, _plain(inputs, {12}))


def test_every_message_is_recorded_once_with_its_direction() -> None:
    log: list[tuple[int, str, str]] = []
    inputs = _inputs(4, 5, 64, seed=11)
    secure_sum(
        inputs,
        threshold=3,
        dropped={13},
        record=lambda c, d, p: log.append((c, d, type(parse(p)).__name__)),
    )
    ups = sorted(k for c, d, k in log if c == 10 and d == "up")
    downs = sorted(k for c, d, k in log if c == 10 and d == "down")
    assert ups == ["AdvertiseKeys", "MaskedInput", "ShareBundle", "UnmaskShares"]
    assert downs == ["KeyList", "ShareBundle", "UnmaskRequest"]
    assert sorted(k for c, d, k in log if c == 13) == [  # dropped after sharing
        "AdvertiseKeys",
        "KeyList",
        "ShareBundle",
        "ShareBundle",
    ]


def _clients_through_masking(
    n: int = 4, t: int = 3
) -> tuple[dict[int, SecAggClient], SecAggServer]:
    rng = random.Random(0)
    clients = {c: SecAggClient(cid=c, threshold=t, randbytes=rng.randbytes) for c in range(n)}
    server = SecAggServer(threshold=t)
    lists = server.collect_keys([c.advertise() for c in clients.values()])
    routed = server.route_shares([clients[c].share_keys(k) for c, k in lists.items()])
    masked = [clients[c].masked_input(b, np.zeros(3, np.uint64)) for c, b in routed.items()]
    server.collect_masked(masked, length=3)
    return clients, server


@pytest.mark.parametrize(
    ("request_", "match"),
    [
        (UnmaskRequest(survivors=(0, 1, 2), dropped=(2, 3)), "survivor and dropped"),
        (UnmaskRequest(survivors=(0, 1), dropped=(2, 3)), "below the threshold of 3"),
        (UnmaskRequest(survivors=(0, 1, 2), dropped=()), "does not match its peers"),
        (UnmaskRequest(survivors=(1, 2, 3), dropped=(0,)), "does not match its peers"),
    ],
)
def test_clients_refuse_requests_that_could_unmask_someone(
    request_: UnmaskRequest, match: str
) -> None:
    clients, _ = _clients_through_masking()
    with pytest.raises(SecAggError, match=match):
        clients[0].unmask(request_)


def test_steps_out_of_order_are_refused() -> None:
    client = SecAggClient(cid=0, threshold=1)
    with pytest.raises(SecAggError, match="masked_input called during stage advertise"):
        client.masked_input(None, np.zeros(1, np.uint64))  # type: ignore[arg-type]
    server = SecAggServer(threshold=1)
    with pytest.raises(SecAggError, match="server: unmask called during stage collect_keys"):
        server.unmask([])


def test_shares_of_a_wrong_mask_key_are_detected_not_used() -> None:
    rng = random.Random(1)
    clients = {c: SecAggClient(cid=c, threshold=3, randbytes=rng.randbytes) for c in range(4)}
    server = SecAggServer(threshold=3)
    lists = server.collect_keys([c.advertise() for c in clients.values()])
    routed = server.route_shares([clients[c].share_keys(k) for c, k in lists.items()])
    masked = [clients[c].masked_input(routed[c], np.zeros(3, np.uint64)) for c in range(3)]
    requests = server.collect_masked(masked, length=3)  # client 3 dropped out
    answers = [clients[c].unmask(r) for c, r in requests.items()]
    # consistent shares, but of another 32-byte key than the one client 3 advertised
    forged = share_bytes(bytes(range(32)), threshold=3, xs=[1, 2, 3], randbelow=rng.randrange)
    answers = [replace(a, s_shares={3: forged[a.cid + 1]}) for a in answers]
    with pytest.raises(SecAggError, match="shares of client 3's mask key do not rebuild it"):
        server.unmask(answers)


def test_the_masked_input_hides_the_input_and_keys_are_fresh_per_session() -> None:
    inputs = _inputs(3, 1000, 64, seed=12)
    a, b = Session(clients=list(inputs), threshold=2), Session(clients=list(inputs), threshold=2)
    a.setup()
    b.setup()
    ya = parse(a.masked_input(10, inputs[10])).vector  # type: ignore[attr-defined]
    yb = parse(b.masked_input(10, inputs[10])).vector  # type: ignore[attr-defined]
    assert int(np.count_nonzero(ya == inputs[10])) < 5
    assert int(np.count_nonzero(ya == yb)) < 5
