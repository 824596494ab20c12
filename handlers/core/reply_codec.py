"""Intents to JSON and back, so a reply decided in one process can be kept and sent by another.

Total over `handlers.core.types.Intent`: every field of every intent survives the round trip
(tests/handlers/test_reply_codec.py checks it with generated intents). A file's bytes travel as base64.
"""
from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from handlers.core.types import (
    Button, CloseButtons, DeleteMessages, Document, Intent, Reply, ReplyKind, SentMessage, Share,
)


def _reply(r: Reply) -> dict[str, Any]:
    return {
        "t": "reply", "text": r.text, "buttons": [[[b.label, b.action] for b in row] for row in r.buttons],
        "private": r.private, "kind": r.kind.value, "lang": r.lang, "start_payload": r.start_payload,
        "personal": r.personal, "expects_text": r.expects_text,
        "share": None if r.share is None else [r.share.payload, r.share.label, r.share.text, r.share.hint],
    }


def encode_intent(intent: Intent) -> dict[str, Any]:
    if isinstance(intent, Reply):
        return _reply(intent)
    if isinstance(intent, Document):
        return {"t": "document", "filename": intent.filename, "mime_type": intent.mime_type,
                "content": base64.b64encode(intent.content).decode("ascii"), "caption": intent.caption,
                "personal": intent.personal}
    if isinstance(intent, CloseButtons):
        return {"t": "close", "note": intent.note}
    if isinstance(intent, DeleteMessages):
        return {"t": "delete", "platform": intent.platform,
                "messages": [[m.chat_id, m.message_id, m.sent_at.isoformat()] for m in intent.messages]}
    raise TypeError(f"no encoding for {type(intent).__name__}")


def decode_intent(data: dict[str, Any]) -> Intent:
    kind = data["t"]
    if kind == "reply":
        share = data.get("share")
        return Reply(
            data["text"], buttons=tuple(tuple(Button(label, action) for label, action in row)
                                        for row in data.get("buttons", ())),
            private=data.get("private", True), share=Share(*share) if share else None,
            kind=ReplyKind(data.get("kind", ReplyKind.MESSAGE.value)), lang=data.get("lang"),
            start_payload=data.get("start_payload"), personal=data.get("personal", False),
            expects_text=data.get("expects_text", False))
    if kind == "document":
        return Document(data["filename"], base64.b64decode(data["content"]), data["mime_type"],
                        caption=data.get("caption", ""), personal=data.get("personal", False))
    if kind == "close":
        return CloseButtons(data.get("note"))
    if kind == "delete":
        return DeleteMessages(data["platform"], tuple(
            SentMessage(chat, message, datetime.fromisoformat(at)) for chat, message, at in data["messages"]))
    raise ValueError(f"unknown intent {kind!r}")


def encode_intents(intents: list[Intent]) -> list[dict[str, Any]]:
    return [encode_intent(i) for i in intents]


def decode_intents(data: list[dict[str, Any]]) -> list[Intent]:
    return [decode_intent(d) for d in data]
