"""Small pieces several handlers share: button payloads, stale-button replies, profile labels."""
from __future__ import annotations

from content.i18n import format_number
from content.people import AGE_BANDS
from handlers.core.context import Ctx
from handlers.core.types import CloseButtons, Intent, Reply, ReplyKind
from storage.retention import PENDING_KEEP

# The largest id a payload may name: PostgreSQL's INTEGER (and so every id column we have) stops here,
# and SQLite raises OverflowError past 2**63 - 1 before it even looks.
MAX_ID = 2**31 - 1


def parse_int(raw: str | None, *, maximum: int = MAX_ID) -> int | None:
    """A whole number from a payload or a command: ASCII digits only, 0..maximum, else None.

    Strict on purpose: `str.isdigit()` accepts '²' (which int() refuses) and int() accepts ' 7', '+7' and
    '7_0'; a forged or mangled payload must become "stale", never an exception or an overflow.
    """
    if not raw or len(raw) > len(str(maximum)) or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if value <= maximum else None


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
    """Yes to keeping what the person writes (the consent asked at /start)."""
    return ctx.participant is not None and ctx.participant.consent_state == "given"


def may_sign_up(ctx: Ctx) -> bool:
    """Yes to handling an event sign-up: the full consent, or the smaller one asked at Sign up."""
    return consent_given(ctx) or (ctx.participant is not None and ctx.participant.sign_up_consent)


def privacy_notice(ctx: Ctx) -> str:
    """Who is responsible and how to reach them, how long things are kept (the configured figures)."""
    c = ctx.config
    return ctx.t("privacy.text", version=c.consent_version, controller=c.controller_name,
                 contact=c.controller_contact, retention_days=format_number(c.retention_days, ctx.lang),
                 pending_hours=format_number(int(PENDING_KEEP.total_seconds() // 3600), ctx.lang))
