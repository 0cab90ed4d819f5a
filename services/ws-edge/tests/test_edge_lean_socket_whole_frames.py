"""The lean socket reads whole text and ping frames itself (``LeanSocket._whole_frames``)
and hands everything else to the ``websockets`` parser: whatever a client sends, however
the reads cut it, the listener, the client and the socket see exactly what the parser
alone gives them."""

from __future__ import annotations

import random

import pytest
from lean_socket_doubles import _from_client, _lean
from mythos_edge.entrypoints.lean_socket import LeanSocket
from websockets import frames as websockets_frames
from websockets.frames import Frame, Opcode

LIMIT = 1024
"""The parser's message size limit in these sockets."""


class ParserOnly(LeanSocket):
    """The lean socket as it was: every byte through the parser."""

    def _whole_frames(self, data: bytes, texts: list[bytes]) -> bytes:
        return data


def _unmasked_text(payload: bytes) -> bytes:
    """A text frame as a server would send it: a client's must be masked (1002)."""
    return bytes((0x81, len(payload))) + payload


def _frame(rng: random.Random) -> bytes:
    """One frame a client might send, mostly what clients send most."""
    kind = rng.choices(
        ["text", "ping", "long", "binary", "pong", "fragments", "bad utf-8", "too big", "unmasked"],
        weights=[40, 10, 6, 4, 3, 4, 1, 1, 1],
    )[0]
    size = rng.randrange(0, 126)
    if kind == "text":
        return _from_client(Frame(Opcode.TEXT, ("é" * rng.randrange(0, 60)).encode()))
    if kind == "ping":
        return _from_client(Frame(Opcode.PING, rng.randbytes(size)))
    if kind == "long":  # a 16-bit length, up to the limit and past it
        size = rng.choice([126, LIMIT, LIMIT + 1, rng.randrange(126, 2 * LIMIT)])
        return _from_client(Frame(Opcode.TEXT, b"x" * size))
    if kind == "binary":
        return _from_client(Frame(Opcode.BINARY, rng.randbytes(size)))
    if kind == "pong":
        return _from_client(Frame(Opcode.PONG, rng.randbytes(size)))
    if kind == "fragments":
        return _from_client(
            Frame(Opcode.TEXT, b'{"command":', fin=False),
            Frame(Opcode.PING, b"between"),
            Frame(Opcode.CONT, b'"look"}'),
        )
    if kind == "bad utf-8":
        return _from_client(Frame(Opcode.TEXT, b"ok \xff\xfe"))
    if kind == "too big":  # a 64-bit length
        return _from_client(Frame(Opcode.TEXT, b"y" * 70_000))
    return _unmasked_text(b"not masked")


def _run(
    cls: type[LeanSocket], reads: list[bytes]
) -> tuple[list[str | bytes], bytes, bool, tuple[int, str] | None]:
    lean, transport, listener, _ = _lean(max_size=LIMIT, cls=cls)
    for data in reads:
        if transport.closed:
            break
        lean.data_received(data)
    lean.connection_lost(None)
    return listener.messages, bytes(transport.written), transport.closed, listener.gone


def _cut(stream: bytes, rng: random.Random) -> list[bytes]:
    """``stream`` in reads as TCP might deliver it: whole frames, halves, single bytes."""
    reads, at = [], 0
    while at < len(stream):
        step = rng.choice([1, 2, 5, 7, 64, 300, 4096, len(stream)])
        reads.append(stream[at : at + step])
        at += step
    return reads


@pytest.mark.parametrize("seed", range(300))
def test_any_frames_in_any_reads_come_out_as_the_parser_alone_gives_them(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    # The client's masks from the same seed, so a failing mix is the same mix again.
    monkeypatch.setattr(websockets_frames.secrets, "token_bytes", rng.randbytes)
    frames = [_frame(rng) for _ in range(rng.randrange(1, 12))]
    if rng.random() < 0.3:
        frames.insert(
            rng.randrange(len(frames) + 1), _from_client(Frame(Opcode.CLOSE, b"\x03\xe8"))
        )
    reads = _cut(b"".join(frames), rng)
    assert _run(LeanSocket, reads) == _run(ParserOnly, reads)


def test_whole_frames_are_read_without_the_parser() -> None:
    lean, transport, listener, _ = _lean(max_size=LIMIT)
    parsed: list[bytes] = []
    real = lean._ws.receive_data
    lean._ws.receive_data = lambda data: (parsed.append(bytes(data)), real(data))  # type: ignore[method-assign]
    lean.data_received(
        _from_client(
            Frame(Opcode.TEXT, b'{"command":"say","args":["hi"]}'),
            Frame(Opcode.PING, b"keepalive"),
            Frame(Opcode.TEXT, b"z" * 300),
        )
    )
    assert listener.messages == ['{"command":"say","args":["hi"]}', "z" * 300]
    assert transport.written == b"\x8a\x09keepalive"  # the pong, unmasked
    assert parsed == []
    # A fragment goes to the parser, with what follows it in the read.
    rest = _from_client(Frame(Opcode.TEXT, b"a", fin=False), Frame(Opcode.CONT, b"b"))
    lean.data_received(_from_client(Frame(Opcode.TEXT, b"c")) + rest)
    assert parsed == [rest]
    assert listener.messages[-2:] == ["c", "ab"]


@pytest.mark.parametrize("cut", range(1, 7))
def test_a_frame_the_parser_has_begun_is_its_to_finish_even_with_nothing_buffered(
    cut: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A binary frame is the parser's. Cut within its header and mask, the parser has
    # read that much and waits with an empty buffer; its mask here reads like the head
    # of a whole text frame, which it is not.
    masks = iter([b"\x00\x00\x00\x00", b"\x81\x80\x81\x80", b"\x00\x00\x00\x00"])
    monkeypatch.setattr(
        websockets_frames.secrets, "token_bytes", lambda n: next(masks) if n == 4 else bytes(n)
    )
    stream = _from_client(
        Frame(Opcode.TEXT, b"before"), Frame(Opcode.BINARY, b"binary"), Frame(Opcode.TEXT, b"after")
    )
    at = (2 + 4 + 6) + cut  # the first frame whole, then part of the binary one's head
    reads = [stream[:at], stream[at:]]
    assert _run(LeanSocket, reads) == _run(ParserOnly, reads)
    assert _run(LeanSocket, reads)[0] == ["before", b"binary", "after"]


def test_a_partial_frame_waits_in_the_parser_and_the_next_read_completes_it() -> None:
    lean, _, listener, _ = _lean(max_size=LIMIT)
    whole = _from_client(Frame(Opcode.TEXT, b"split"), Frame(Opcode.TEXT, b"after"))
    lean.data_received(whole[:3])
    assert listener.messages == []
    lean.data_received(whole[3:])
    assert listener.messages == ["split", "after"]
