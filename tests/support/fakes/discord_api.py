"""A recording fake of Discord for one real discord.py client: REST answered in-process, gateway events fed in.

No network at all: `HTTPClient.request` (the bot's REST calls) and `AsyncWebhookAdapter.request`
(interaction callbacks and follow-ups) are replaced for the test, and gateway events are handed to the
client's real `ConnectionState` as the payload dicts Discord sends (MESSAGE_CREATE, INTERACTION_CREATE).
Everything the bot sends is kept as `Sent` messages, per channel, as a person would see them.
"""
from __future__ import annotations

import asyncio
import copy
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter

BOT_ID = 900_000_000_000_000_001
APP_ID = BOT_ID
EPHEMERAL = 64
TIMESTAMP = "2026-11-27T10:00:00+00:00"


@dataclass
class FakeResponse:
    status: int
    reason: str


def forbidden(code: int, message: str) -> discord.Forbidden:
    return discord.Forbidden(FakeResponse(403, "Forbidden"), {"code": code, "message": message})  # type: ignore[arg-type]


@dataclass
class Sent:
    """One message the bot sent, as its recipient sees it now (edits applied)."""

    id: int
    channel_id: int
    payload: dict
    ephemeral: bool
    files: list[tuple[str, bytes]] = field(default_factory=list)
    edits: int = 0
    deleted: bool = False

    @property
    def content(self) -> str:
        return self.payload.get("content") or ""

    @property
    def buttons(self) -> list[dict]:
        return [c for row in self.payload.get("components", []) for c in row.get("components", [])]

    @property
    def labels(self) -> list[str]:
        return [b["label"] for b in self.buttons]

    @property
    def active(self) -> list[str]:
        return [b["label"] for b in self.buttons if not b.get("disabled")]

    def button(self, label: str) -> dict:
        for b in self.buttons:
            if label.casefold() in b["label"].casefold():
                return b
        raise AssertionError(f"no button {label!r} among {self.labels}")


class FakeDiscord:
    """Discord's side of the wire. Install with `install(monkeypatch)`, then `await connect(client)`."""

    def __init__(self) -> None:
        self._ids = itertools.count(1_100_000_000_000_000_000)
        self.client: discord.Client | None = None
        self.users: dict[int, dict] = {}
        self.dm_channels: dict[int, int] = {}  # user id → DM channel id
        self.blocks_dms: set[int] = set()
        self.channels: dict[int, dict] = {}  # guild channels
        self.guilds: dict[int, dict] = {}
        self.sent: list[Sent] = []
        self.by_id: dict[int, Sent] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.callbacks: list[dict] = []  # interaction responses (defer, …)
        self.commands: dict[int | None, list[dict]] = {}  # synced slash commands per guild (None: global)
        self.deleted_originals: list[str] = []
        self.fail_next: list[Exception] = []  # raised, in order, by the next channel message sends
        self.refuse: dict[int, Exception] = {}  # channel id → raised by every message sent or edited there
        self.scheduled_events: dict[int, dict] = {}  # Guild Scheduled Events, as Discord holds them
        self.fail_scheduled: list[Exception] = []  # raised, in order, by the next scheduled-event calls
        self._interactions: dict[str, dict] = {}  # token → the interaction payload
        self.bot = {"id": str(BOT_ID), "username": "samtale", "discriminator": "0", "global_name": "Samtale",
                    "avatar": None, "bot": True}

    def next_id(self) -> int:
        return next(self._ids)

    # -- installing ---------------------------------------------------------------------------------
    def install(self, monkeypatch) -> FakeDiscord:
        fake = self

        async def rest(http: HTTPClient, route: Route, *, files=None, form=None, **kwargs):
            return fake.rest(route, files=files, form=form, **kwargs)

        async def webhook(adapter, route: Route, session=None, *, payload=None, multipart=None, files=None,
                          params=None, **kwargs):
            return fake.webhook(route, payload=payload, multipart=multipart, files=files)

        monkeypatch.setattr(HTTPClient, "request", rest)
        monkeypatch.setattr(AsyncWebhookAdapter, "request", webhook)
        return self

    async def connect(self, client: discord.Client) -> discord.Client:
        """Log the client in (REST only, as `Client.login` does) and hand it the guilds, like READY would."""
        self.client = client
        await client.login("fake-token")
        for data in self.guilds.values():
            client._connection._add_guild_from_data(copy.deepcopy(data))
        return client

    # -- the world ------------------------------------------------------------------------------------
    def user(self, name: str, *, blocks_dms: bool = False) -> dict:
        uid = self.next_id()
        data = {"id": str(uid), "username": name, "discriminator": "0", "global_name": name.title(),
                "avatar": None}
        self.users[uid] = data
        if blocks_dms:
            self.blocks_dms.add(uid)
        return data

    def dm_channel(self, user: dict) -> int:
        uid = int(user["id"])
        if uid not in self.dm_channels:
            self.dm_channels[uid] = self.next_id()
        return self.dm_channels[uid]

    def guild(self, name: str = "Fællesskab", *, locale: str = "da", channels: tuple[str, ...] = ("snak",),
              bot_permissions: int | None = None) -> dict:
        """A server with text channels; with bot_permissions, the bot is a member with a role granting them."""
        gid = self.next_id()
        chans = []
        for position, cname in enumerate(channels):
            cid = self.next_id()
            chan = {"id": str(cid), "type": 0, "name": cname, "position": position, "guild_id": str(gid),
                    "permission_overwrites": [], "nsfw": False, "parent_id": None}
            self.channels[cid] = chan
            chans.append(chan)
        data = {"id": str(gid), "name": name, "owner_id": str(self.next_id()), "preferred_locale": locale,
                "roles": [{"id": str(gid), "name": "@everyone", "permissions": "0", "position": 0, "color": 0,
                           "hoist": False, "managed": False, "mentionable": False}],
                "channels": chans, "members": [], "emojis": [], "stickers": [], "features": [],
                "member_count": 2, "large": False, "afk_timeout": 300, "verification_level": 0,
                "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
                "premium_tier": 0, "nsfw_level": 0, "system_channel_flags": 0}
        if bot_permissions is not None:
            rid = str(self.next_id())
            data["roles"].append({"id": rid, "name": "Samtale", "permissions": str(bot_permissions), "position": 1,
                                  "color": 0, "hoist": False, "managed": True, "mentionable": False})
            data["members"].append({"user": dict(self.bot), "roles": [rid], "joined_at": TIMESTAMP, "deaf": False,
                                    "mute": False, "flags": 0})
        self.guilds[gid] = data
        return data

    def bot_may(self, guild_id: int, permission: int) -> bool:
        """Whether the bot's roles in the guild grant `permission` (or Administrator)."""
        guild = self.guilds[guild_id]
        member = next((m for m in guild["members"] if m["user"]["id"] == str(BOT_ID)), None)
        held = {guild["roles"][0]["id"], *(member["roles"] if member else ())}
        granted = 0
        for role in guild["roles"]:
            if role["id"] in held:
                granted |= int(role["permissions"])
        return bool(granted & (permission | discord.Permissions.administrator.flag))

    # -- what people see ----------------------------------------------------------------------------
    def in_channel(self, channel_id: int) -> list[Sent]:
        """What the channel shows now: the bot's messages there, without those it deleted."""
        return [s for s in self.sent if s.channel_id == channel_id and not s.deleted]

    def dms(self, user: dict) -> list[Sent]:
        return self.in_channel(self.dm_channel(user))

    def since(self, mark: int) -> list[Sent]:
        return self.sent[mark:]

    # -- gateway events in --------------------------------------------------------------------------
    async def settle(self) -> None:
        """Wait for every event handler, command and button task the client started."""
        me = asyncio.current_task()
        for _ in range(200):
            pending = [t for t in asyncio.all_tasks() if t is not me and not t.done()
                       and t.get_name().startswith(("discord.py:", "discord-ui", "CommandTree"))]
            if not pending:
                return
            await asyncio.wait(pending, timeout=10)
        raise AssertionError("the client's tasks do not settle")

    async def dm(self, user: dict, content: str) -> list[Sent]:
        """`user` writes a DM to the bot; returns what the bot sent back."""
        return await self._message(user, self.dm_channel(user), content)

    async def say_in(self, user: dict, channel_id: int, content: str, *, mention: bool = True) -> list[Sent]:
        """`user` writes in a server channel (mentioning the bot, as `@Samtale …`, unless mention=False)."""
        guild_id = int(self.channels[channel_id]["guild_id"])
        text = f"<@{BOT_ID}> {content}" if mention else content
        return await self._message(user, channel_id, text, guild_id=guild_id,
                                   mentions=[self.bot] if mention else [])

    async def _message(self, user: dict, channel_id: int, content: str, *, guild_id: int | None = None,
                       mentions: list | None = None, message_id: int | None = None) -> list[Sent]:
        data: dict[str, Any] = {
            "id": str(message_id or self.next_id()), "channel_id": str(channel_id), "author": user,
            "content": content, "timestamp": TIMESTAMP, "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": mentions or [], "mention_roles": [], "attachments": [],
            "embeds": [], "pinned": False, "type": 0, "flags": 0, "components": [],
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
            data["member"] = {"roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False, "flags": 0}
        return await self._feed(lambda: self.client._connection.parse_message_create(data))  # type: ignore

    async def redeliver(self, user: dict, content: str, message_id: int) -> list[Sent]:
        """The gateway delivers the same DM again (same message id)."""
        return await self._message(user, self.dm_channel(user), content, message_id=message_id)

    async def slash(self, user: dict, name: str, *, channel_id: int | None = None, locale: str = "da",
                    options: dict[str, str] | None = None, interaction_id: int | None = None) -> list[Sent]:
        """`user` runs /name (in their DM with the bot unless channel_id is a server channel)."""
        data = self._interaction(user, 2, channel_id, locale, interaction_id)
        data["data"] = {"id": str(self._command_id(name)), "name": name, "type": 1,
                        "options": [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()]}
        return await self._feed(lambda: self.client._connection.parse_interaction_create(data))  # type: ignore

    async def press(self, user: dict, message: Sent, label: str, *, locale: str = "da", times: int = 1) -> list[Sent]:
        """`user` presses the button labelled `label` (`times` > 1: a double click, all before any answer)."""
        button = message.button(label)
        if button.get("disabled"):
            raise AssertionError(f"button {label!r} is disabled; a person cannot press it")
        snapshot = copy.deepcopy(message.payload)
        datas = []
        for _ in range(times):
            data = self._interaction(user, 3, message.channel_id if message.channel_id in self.channels else None,
                                     locale, None)
            data["data"] = {"custom_id": button["custom_id"], "component_type": 2}
            data["message"] = snapshot
            datas.append(data)

        def feed() -> None:
            for d in datas:
                self.client._connection.parse_interaction_create(d)  # type: ignore[union-attr]
        return await self._feed(feed)

    def _command_id(self, name: str) -> int:
        for scope in self.commands.values():
            for c in scope:
                if c["name"] == name:
                    return int(c["id"])
        return self.next_id()

    def _interaction(self, user: dict, kind: int, channel_id: int | None, locale: str,
                     interaction_id: int | None) -> dict:
        token = f"token-{self.next_id()}"
        data: dict[str, Any] = {
            "id": str(interaction_id or self.next_id()), "application_id": str(APP_ID), "type": kind,
            "token": token, "version": 1, "locale": locale, "app_permissions": "0",
            "attachment_size_limit": 10 * 1024 * 1024, "entitlements": [], "authorizing_integration_owners": {},
        }
        if channel_id is None:
            dm = self.dm_channel(user)
            data.update(channel_id=str(dm), channel={"id": str(dm), "type": 1, "recipients": [user]}, user=user,
                        context=1)
        else:
            chan = self.channels[channel_id]
            data.update(channel_id=str(channel_id), channel=chan, guild_id=chan["guild_id"], context=0,
                        guild_locale=self.guilds[int(chan["guild_id"])]["preferred_locale"],
                        member={"user": user, "roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False,
                                "flags": 0, "permissions": "0"})
        self._interactions[token] = data
        return data

    async def _feed(self, feed) -> list[Sent]:
        mark = len(self.sent)
        feed()
        await self.settle()
        return self.since(mark)

    # -- REST out -----------------------------------------------------------------------------------
    def rest(self, route: Route, *, files=None, form=None, **kwargs) -> Any:
        self.requests.append((route.method, route.path, kwargs.get("json")))
        key = (route.method, route.path)
        if key == ("GET", "/users/@me"):
            return dict(self.bot)
        if key == ("GET", "/oauth2/applications/@me"):
            return {"id": str(APP_ID), "name": "Samtale", "description": "", "icon": None, "bot_public": True,
                    "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
                    "owner": {"id": "1", "username": "owner", "discriminator": "0", "avatar": None}}
        if route.path.startswith("/applications/{application_id}") and route.path.endswith("/commands"):
            scope = int(route.guild_id) if route.guild_id else None
            if route.method == "PUT":
                self.commands[scope] = [
                    {**c, "id": str(self.next_id()), "application_id": str(APP_ID), "version": "1",
                     **({"guild_id": str(scope)} if scope else {})} for c in kwargs["json"]]
            return copy.deepcopy(self.commands.get(scope, []))
        if key == ("POST", "/users/@me/channels"):
            uid = int(kwargs["json"]["recipient_id"])
            return {"id": str(self.dm_channel({"id": str(uid)})), "type": 1, "recipients": [self.users[uid]],
                    "last_message_id": None}
        if key == ("GET", "/channels/{channel_id}"):
            return self._channel(int(route.channel_id))  # type: ignore[arg-type]
        if route.path.startswith("/guilds/{guild_id}/scheduled-events"):
            return self._scheduled(route, kwargs.get("json") or {})
        if key == ("POST", "/channels/{channel_id}/messages"):
            channel_id = int(route.channel_id)  # type: ignore[arg-type]
            if channel_id in self.refuse:
                raise self.refuse[channel_id]
            blocked = [u for u, c in self.dm_channels.items() if c == channel_id and u in self.blocks_dms]
            if blocked:
                raise forbidden(50007, "Cannot send messages to this user")
            if self.fail_next:
                raise self.fail_next.pop(0)
            payload, got = _unpack(kwargs.get("json"), form, files)
            return self._store(channel_id, payload, got, ephemeral=False).payload
        if key == ("DELETE", "/channels/{channel_id}/messages/{message_id}"):
            return self._delete(int(route.channel_id), int(route.url.rsplit("/", 1)[1]))  # type: ignore[arg-type]
        if key == ("PATCH", "/channels/{channel_id}/messages/{message_id}"):
            if int(route.channel_id) in self.refuse:  # type: ignore[arg-type]
                raise self.refuse[int(route.channel_id)]  # type: ignore[arg-type]
            message_id = int(route.url.rsplit("/", 1)[1])
            return self._edit(message_id, kwargs.get("json") or {})
        raise AssertionError(f"the fake Discord does not know {route.method} {route.path}")

    def _delete(self, channel_id: int, message_id: int) -> None:
        """Discord's rule: a bot deletes its own messages anywhere, at any age (a DM included); someone
        else's only in a server with Manage Messages, never in a DM (50003). Ephemeral ones are not
        messages in the channel at all (10008)."""
        sent = self.by_id.get(message_id)
        if sent is None or sent.deleted or sent.ephemeral or sent.channel_id != channel_id:
            raise discord.NotFound(FakeResponse(404, "Not Found"), {"code": 10008, "message": "Unknown Message"})
        sent.deleted = True
        return None

    def _channel(self, channel_id: int) -> dict:
        if channel_id in self.refuse:
            raise self.refuse[channel_id]
        if channel_id not in self.channels:
            raise discord.NotFound(FakeResponse(404, "Not Found"), {"code": 10003, "message": "Unknown Channel"})
        return copy.deepcopy(self.channels[channel_id])

    def _scheduled(self, route: Route, body: dict) -> dict:
        """POST, GET and PATCH of Guild Scheduled Events, by Discord's rule since 23 February 2026: creating
        needs Create Events (Manage Events alone no longer suffices); changing one needs Manage Events, or
        Create Events for an event the bot created itself."""
        guild_id = int(route.guild_id)  # type: ignore[arg-type]
        if self.fail_scheduled:
            raise self.fail_scheduled.pop(0)
        create, manage = discord.Permissions.create_events.flag, discord.Permissions.manage_events.flag
        if route.method == "POST" and not self.bot_may(guild_id, create):
            raise forbidden(50013, "Missing Permissions")
        if route.method == "POST":
            eid = self.next_id()
            self.scheduled_events[eid] = {
                "id": str(eid), "guild_id": str(guild_id), "channel_id": None, "creator_id": str(BOT_ID),
                "entity_id": None, "image": None, "status": discord.EventStatus.scheduled.value, **body}
            return copy.deepcopy(self.scheduled_events[eid])
        eid = int(route.url.rsplit("/", 1)[1])
        event = self.scheduled_events.get(eid)
        if event is None or event["guild_id"] != str(guild_id):
            raise discord.NotFound(FakeResponse(404, "Not Found"),
                                   {"code": 10070, "message": "Unknown Guild Scheduled Event"})
        if route.method != "GET" and not (self.bot_may(guild_id, manage) or (
                event["creator_id"] == str(BOT_ID) and self.bot_may(guild_id, create))):
            raise forbidden(50013, "Missing Permissions")
        if route.method == "PATCH":
            if event["status"] != discord.EventStatus.scheduled.value:
                raise discord.HTTPException(FakeResponse(400, "Bad Request"),
                                            {"code": 180000, "message": "Cannot modify a finished event"})
            event.update({k: v for k, v in body.items() if k != "channel_id" or v is not None})
            event["edits"] = event.get("edits", 0) + 1
        return copy.deepcopy(event)

    def webhook(self, route: Route, *, payload=None, multipart=None, files=None) -> Any:
        self.requests.append((route.method, route.path, payload))
        token = route.webhook_token or ""
        interaction = self._interactions.get(token)
        if interaction is None:
            raise discord.NotFound(FakeResponse(404, "Not Found"), {"code": 10062, "message": "Unknown interaction"})
        channel_id = int(interaction["channel_id"])
        body, got = _unpack(payload, multipart, files)
        if route.path.endswith("/callback"):
            self.callbacks.append({"interaction": interaction["id"], **body})
            data = body.get("data") or {}
            response = {"interaction": {"id": interaction["id"], "type": interaction["type"],
                                        "response_message_loading": body["type"] == 5,
                                        "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL)}}
            if body["type"] == 4:  # a message right away
                sent = self._store(channel_id, data, got, ephemeral=bool(data.get("flags", 0) & EPHEMERAL))
                response["resource"] = {"type": 4, "message": sent.payload}
            return response
        if route.method == "POST":  # a follow-up
            return self._store(channel_id, body, got, ephemeral=bool(body.get("flags", 0) & EPHEMERAL)).payload
        target = route.url.rsplit("/", 1)[1]
        if target == "@original":
            if route.method == "DELETE":
                self.deleted_originals.append(interaction["id"])
                return None
            if interaction["type"] == 3:  # a button press: the original is the pressed message
                return self._edit(int(interaction["message"]["id"]), body)
            raise AssertionError("editing a slash command's original response is not modelled")
        return self._edit(int(target), body)

    def _store(self, channel_id: int, payload: dict, files: list[tuple[str, bytes]], *, ephemeral: bool) -> Sent:
        mid = self.next_id()
        message = {
            "id": str(mid), "channel_id": str(channel_id), "author": dict(self.bot),
            "content": payload.get("content") or "", "timestamp": TIMESTAMP, "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [], "embeds": [],
            "attachments": [{"id": str(self.next_id()), "filename": name, "size": len(body),
                             "url": f"https://cdn.invalid/{name}", "proxy_url": f"https://cdn.invalid/{name}"}
                            for name, body in files],
            "pinned": False, "type": 0, "flags": EPHEMERAL if ephemeral else 0,
            "components": payload.get("components") or [],
        }
        if "message_reference" in payload:
            message["message_reference"] = payload["message_reference"]
        sent = Sent(mid, channel_id, message, ephemeral, files)
        self.sent.append(sent)
        self.by_id[mid] = sent
        return sent

    def _edit(self, message_id: int, body: dict) -> dict:
        sent = self.by_id.get(message_id)
        if sent is None:
            raise discord.NotFound(FakeResponse(404, "Not Found"), {"code": 10008, "message": "Unknown Message"})
        for k in ("content", "components"):
            if k in body:
                sent.payload[k] = body[k] if body[k] is not None else ([] if k == "components" else "")
        sent.edits += 1
        return copy.deepcopy(sent.payload)


def _unpack(payload: dict | None, form, files) -> tuple[dict, list[tuple[str, bytes]]]:
    """The JSON body of a request, from `json=` or from a multipart form's payload_json, and its files."""
    body = dict(payload or {})
    for part in form or ():
        if part.get("name") == "payload_json":
            body = json.loads(part["value"])
    got = []
    for f in files or ():
        f.fp.seek(0)
        got.append((f.filename, f.fp.read()))
    return body, got
