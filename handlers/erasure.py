"""/forget deletes the person and everything they wrote; /withdraw withdraws consent."""
from __future__ import annotations

from handlers.core.common import flow_token_ok, parse_action, stale
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import CloseButtons, DeleteMessages, Intent, Reply, SentMessage, buttons
from storage.checkin_queries import delete_checkins
from storage.message_queries import take_personal_messages
from storage.models import Participant
from storage.repo import delete_reflections, erase_participant
from storage.statement_queries import delete_votes

# Platforms whose chats the confirmation describes (content/locales/*/core.toml, [privacy.remains]).
REMAINS = ("telegram", "discord", "console")


def remains(ctx: Ctx) -> str:
    """What erasure cannot reach on this platform: the person's own messages, and how to delete them."""
    platform = ctx.incoming.platform
    return ctx.t(f"privacy.remains.{platform if platform in REMAINS else 'console'}")


def chat_erasure(ctx: Ctx, p: Participant) -> list[Intent]:
    """The bot's own messages that showed this person's data, for the adapter to delete; the ids are
    forgotten here, in the same transaction as the rest of the erasure. Sent even when none is stored
    yet: the adapter adds the ids it noted in the last second and has not written (bot/platforms/sent_log)."""
    sent = tuple(SentMessage(chat, message, at) for chat, message, at in take_personal_messages(ctx.session, p))
    return [DeleteMessages(p.platform, sent)]


async def forget(ctx: Ctx) -> list[Intent]:
    if ctx.participant is None:
        return [Reply(ctx.t("forget.nothing"))]
    token = ctx.start_flow("fg", "confirm")
    return [Reply(ctx.t("forget.confirm"), buttons(
        [(ctx.t("forget.confirm_yes"), f"fg:{token}:yes"), (ctx.t("common.cancel"), f"fg:{token}:no")]))]


async def on_forget_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) != 3 or ctx.participant is None or not flow_token_ok(ctx, "fg", parts[1]):
        return stale(ctx)
    if parts[2] == "yes":
        deletions = chat_erasure(ctx, ctx.participant)
        erase_participant(ctx.session, ctx.participant)
        ctx.participant = None
        ctx.erased = True
        return [CloseButtons(), *deletions, Reply(ctx.t("forget.done", remains=remains(ctx)))]
    ctx.end_flow()
    return [CloseButtons(), Reply(ctx.t("common.cancelled"))]


async def withdraw(ctx: Ctx) -> list[Intent]:
    p = ctx.participant
    if p is None or p.consent_state != "given":
        return [Reply(ctx.t("withdraw.not_given"))]
    token = ctx.start_flow("wd", "confirm")
    return [Reply(ctx.t("withdraw.confirm"), buttons(
        [(ctx.t("withdraw.delete_all"), f"wd:{token}:del")],
        [(ctx.t("withdraw.keep"), f"wd:{token}:keep")],
        [(ctx.t("common.cancel"), f"wd:{token}:no")]))]


async def on_withdraw_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    p = ctx.participant
    if len(parts) != 3 or p is None or not flow_token_ok(ctx, "wd", parts[1]):
        return stale(ctx)
    ctx.end_flow()
    if parts[2] not in ("del", "keep"):
        return [CloseButtons(), Reply(ctx.t("common.cancelled"))]
    p.consent_state = "withdrawn"
    for consent in p.consents:
        # Only the yes to keeping reflections: event sign-ups keep their own (/forget ends everything).
        if consent.granted and consent.withdrawn_at is None and consent.purpose == "reflections":
            consent.withdrawn_at = ctx.now
    if parts[2] == "del":
        delete_reflections(ctx.session, p)
        delete_checkins(ctx.session, p.id)
        delete_votes(ctx.session, p.id)
        ctx.erased = True
        return [CloseButtons(), *chat_erasure(ctx, p), Reply(ctx.t("withdraw.done_deleted", remains=remains(ctx)))]
    return [CloseButtons(), Reply(ctx.t("withdraw.done_kept"))]


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "erasure",
    commands=(
        Command("forget", forget, "commands.forget"),
        Command("withdraw", withdraw, "commands.withdraw"),
    ),
    actions={"fg": on_forget_button, "wd": on_withdraw_button},
)
