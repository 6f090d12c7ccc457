"""The byte ledger records real payload lengths and sums them."""

from __future__ import annotations

from fedprune.ledger import Entry, Ledger


def filled_ledger() -> Ledger:
    ledger = Ledger()
    ledger.record(rnd=1, cid=0, direction="down", payload=b"x" * 10)
    ledger.record(rnd=1, cid=0, direction="up", payload=b"x" * 3)
    ledger.record(rnd=1, cid=1, direction="up", payload=b"x" * 4)
    ledger.record(rnd=2, cid=1, direction="up", payload=b"x" * 5)
    return ledger


def test_record_stores_the_payload_length() -> None:
    ledger = Ledger()

    ledger.record(rnd=3, cid=7, direction="up", payload=bytes(11))

    assert ledger.entries == [Entry(rnd=3, cid=7, direction="up", nbytes=11)]


def test_total_per_direction_over_the_run() -> None:
    ledger = filled_ledger()

    assert ledger.total(direction="up") == 12
    assert ledger.total(direction="down") == 10


def test_total_for_one_round() -> None:
    ledger = filled_ledger()

    assert ledger.total(direction="up", rnd=1) == 7
    assert ledger.total(direction="up", rnd=2) == 5
    assert ledger.total(direction="down", rnd=2) == 0


def test_per_client_sums_one_direction() -> None:
    ledger = filled_ledger()

    assert ledger.per_client(direction="up") == {0: 3, 1: 9}
    assert ledger.per_client(direction="down") == {0: 10}


def test_empty_payloads_count_as_zero_bytes() -> None:
    ledger = Ledger()

    ledger.record(rnd=1, cid=0, direction="up", payload=b"")

    assert ledger.total(direction="up") == 0
    assert ledger.per_client(direction="up") == {0: 0}
