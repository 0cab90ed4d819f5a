"""The hand-packed publish frames are byte for byte what pamqp marshals."""

from __future__ import annotations

import pamqp.frame
import pytest
from mythos_contracts.bus import amqp_frames
from pamqp import commands as spec
from pamqp.body import ContentBody
from pamqp.header import ContentHeader


@pytest.mark.parametrize(
    ("headers", "correlation_id", "reply_to", "persistent", "body"),
    [
        (None, None, None, True, b""),
        ({"command_id": "c-42"}, None, None, False, b'{"type":"say"}'),
        ({"command_id": "ç-☃", "b": "y"}, "corr", "amq.gen-reply", True, b"x" * 250),
    ],
)
def test_a_publish_packs_as_pamqp_marshals_it(
    headers: dict[str, str] | None,
    correlation_id: str | None,
    reply_to: str | None,
    persistent: bool,
    body: bytes,
) -> None:
    size = 100  # small, so the long body is split over three body frames
    properties = spec.Basic.Properties(
        content_type="application/json",
        headers=headers,
        delivery_mode=2 if persistent else 1,
        correlation_id=correlation_id,
        reply_to=reply_to,
        user_id="mythos-game",
    )
    frames = [
        spec.Basic.Publish(exchange="mythos.events", routing_key="room.library.chat_message"),
        ContentHeader(properties=properties, body_size=len(body)),
        *(ContentBody(body[i : i + size]) for i in range(0, len(body), size)),
    ]
    expected = b"".join(pamqp.frame.marshal(frame, 7) for frame in frames)
    props = amqp_frames.properties(
        content_type="application/json",
        persistent=persistent,
        user_id="mythos-game",
        headers=headers,
        correlation_id=correlation_id,
        reply_to=reply_to,
    )
    packed = amqp_frames.publish(
        7, "mythos.events", "room.library.chat_message", body, props, max_body_frame=size
    )
    assert b"".join(packed) == expected


def test_a_routing_key_over_255_bytes_is_refused() -> None:
    props = amqp_frames.properties(content_type="x", persistent=False, user_id="u")
    with pytest.raises(ValueError, match="255"):
        amqp_frames.publish(1, "", "k" * 256, b"", props, max_body_frame=100)


@pytest.mark.parametrize(
    ("headers", "bcc"),
    [
        (None, ["player.x.tell"]),
        ({"command_id": "c-42"}, ["room.b.say", "player.ç.tell"]),
        ({"A": "first", "command_id": "c"}, ["k" * 255]),  # "A" sorts before "BCC"
    ],
)
def test_bcc_keys_pack_as_pamqp_marshals_an_array_of_long_strings(
    headers: dict[str, str] | None, bcc: list[str]
) -> None:
    properties = spec.Basic.Properties(
        content_type="application/json",
        headers={**(headers or {}), "BCC": bcc},
        delivery_mode=2,
        user_id="mythos-game",
    )
    expected = pamqp.frame.marshal(ContentHeader(properties=properties, body_size=3), 7)
    props = amqp_frames.properties(
        content_type="application/json",
        persistent=True,
        user_id="mythos-game",
        headers=headers,
        bcc=bcc,
    )
    packed = amqp_frames.publish(7, "mythos.events", "room.a.say", b"abc", props, max_body_frame=9)
    assert b"".join(packed[3:6]) == expected  # the content header frame


def test_a_bcc_key_over_255_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="255"):
        amqp_frames.properties(content_type="x", persistent=False, user_id="u", bcc=["k" * 256])
