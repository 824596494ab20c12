"""Small pieces several handlers share: button payloads, stale-button replies, profile labels."""
from __future__ import annotations

from content.people import AGE_BANDS
from handlers.core.context import Ctx
from handlers.core.types import CloseButtons, Intent, Reply, ReplyKind



def parse_action(action: str) -> list[str]:
    """Split 'flow:token:what:value' into its parts; payloads are ours, but may come back mangled."""
    return action.split(":")


def flow_token_ok(ctx: Ctx, flow: str, token: str) -> bool:
    """A button belongs to the flow the person is in now, not to an older keyboard."""
    state = ctx.flow
    return state is not None and state.flow == flow and state.token == token


def stale(ctx: Ctx) -> list[Intent]:
    return [CloseButtons(), Reply(ctx.t("common.stale_button"), kind=ReplyKind.STALE_BUTTON)]


def age_label(ctx: Ctx, band: str | None) -> str:
    return ctx.t(f"age.{band}") if band in AGE_BANDS else ctx.t("mydata.not_set")


def language_label(ctx: Ctx, code: str | None) -> str:
    return ctx.t(f"lang.{code}") if code in ("da", "en") else ctx.t("mydata.not_set")


def quote_label(ctx: Ctx, quotable: bool) -> str:
    return ctx.t("reflection.quote_on") if quotable else ctx.t("reflection.quote_off")


def consent_given(ctx: Ctx) -> bool:
    return ctx.participant is not None and ctx.participant.consent_state == "given"
