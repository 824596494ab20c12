"""A reply kept for later is the same reply when it is sent: every intent survives JSON and back."""
from __future__ import annotations

import json
from datetime import UTC

from hypothesis import given, strategies as st

from handlers.core.reply_codec import decode_intents, encode_intents
from handlers.core.types import (
    Button, CloseButtons, DeleteMessages, Document, Reply, ReplyKind, SentMessage, Share,
)

text = st.text(max_size=40)
maybe = st.none() | text
button = st.builds(Button, text, st.text(max_size=16))
rows = st.lists(st.lists(button, max_size=3).map(tuple), max_size=3).map(tuple)
reply = st.builds(Reply, text, buttons=rows, private=st.booleans(), share=st.none() | st.builds(Share, text, text, text, text),
                  kind=st.sampled_from(ReplyKind), lang=maybe, start_payload=maybe, personal=st.booleans(),
                  expects_text=st.booleans())
document = st.builds(Document, text, st.binary(max_size=64), text, caption=text, personal=st.booleans())
sent = st.builds(SentMessage, text, text, st.datetimes(timezones=st.none() | st.just(UTC)))
intent = reply | document | st.builds(CloseButtons, maybe) | \
    st.builds(DeleteMessages, text, st.lists(sent, max_size=3).map(tuple))


@given(st.lists(intent, max_size=5))
def test_every_intent_survives_json_and_back(intents) -> None:
    stored = json.loads(json.dumps(encode_intents(intents)))
    assert decode_intents(stored) == intents
