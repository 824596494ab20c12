"""/settings and /language: change age band, municipality, quoting default and language."""
from __future__ import annotations

from content.people import AGE_BANDS
from handlers.core.common import age_label, consent_given, flow_token_ok, language_label, parse_action, \
    quote_label, stale
from handlers.core.context import Command, Ctx, Feature
from handlers.onboarding import age_buttons, ask_municipality, ensure_participant, municipality_by_code, \
    municipality_reply, under15
from handlers.core.types import CloseButtons, Intent, Reply, ReplyKind, buttons
from storage.loop_queries import set_action_updates, wants_action_updates

FLOW = "st"


def _settings_view(ctx: Ctx, token: str) -> Reply:
    p = ctx.participant
    text = ctx.t("settings.show", language=language_label(ctx, p.language), age_band=age_label(ctx, p.age_band),
                 municipality=p.municipality or ctx.t("mydata.not_set"),
                 quote_default=quote_label(ctx, p.quote_default))
    updates = p.id is not None and wants_action_updates(ctx.session, p.id)
    text += "\n" + ctx.t("loop.settings_line", state=ctx.t("loop.on" if updates else "loop.off"))
    return Reply(text, buttons(
        [(ctx.t("settings.age"), f"{FLOW}:{token}:age"), (ctx.t("settings.municipality"), f"{FLOW}:{token}:mun")],
        [(ctx.t("settings.quote_toggle", quote_default=quote_label(ctx, not p.quote_default)), f"{FLOW}:{token}:q"),
         (ctx.t("settings.language"), f"{FLOW}:{token}:lang")],
        [(ctx.t("loop.settings_toggle_off" if updates else "loop.settings_toggle_on"), f"{FLOW}:{token}:upd")],
    ))


async def settings(ctx: Ctx) -> list[Intent]:
    if not consent_given(ctx):
        return [Reply(ctx.t("settings.need_consent"))]
    token = ctx.start_flow(FLOW, "menu")
    return [_settings_view(ctx, token)]


async def language(ctx: Ctx) -> list[Intent]:
    return [Reply(ctx.t("language.ask"), buttons([(ctx.t("lang.da"), "lg:da"), (ctx.t("lang.en"), "lg:en")]))]


async def on_language(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) != 2 or parts[1] not in ("da", "en"):
        return stale(ctx)
    if ctx.participant is None:
        # Nobody has started yet (a group's /language keyboard, or forged): store nothing about them,
        # answer in the language they chose and let /start ask again.
        ctx.lang = parts[1]
        return [CloseButtons(), Reply(ctx.t("language.need_start"), kind=ReplyKind.NOTICE)]
    ensure_participant(ctx).language = ctx.lang = parts[1]
    return [CloseButtons(), Reply(ctx.t("language.set"))]


async def on_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) < 3 or not consent_given(ctx) or not flow_token_ok(ctx, FLOW, parts[1]):
        return stale(ctx)
    p, token, what = ctx.participant, parts[1], parts[2]
    value = parts[3] if len(parts) > 3 else None
    if what == "age" and value is None:
        ctx.set_step("age")
        return [CloseButtons(), Reply(ctx.t("start.ask_age"), age_buttons(ctx, f"{FLOW}:{token}:age"))]
    if what == "age" and (value in AGE_BANDS or value == "-"):
        if value == "u15":
            # Erasing is for good: one tap (or a habitual "1") must not delete an adult.
            ctx.set_step("u15")
            return [CloseButtons(), Reply(ctx.t("settings.confirm_u15"), buttons(
                [(ctx.t("settings.confirm_u15_yes"), f"{FLOW}:{token}:u15:yes")],
                [(ctx.t("settings.confirm_u15_no"), f"{FLOW}:{token}:u15:no")]))]
        p.age_band = None if value == "-" else value
    elif what == "u15" and value == "yes" and ctx.flow.step == "u15":  # type: ignore[union-attr]
        return under15(ctx)
    elif what == "u15" and value == "no":
        ctx.set_step("menu")
        return [CloseButtons(), Reply(ctx.t("settings.confirm_u15_kept")), _settings_view(ctx, token)]
    elif what == "mun" and value is None:
        ctx.set_step("municipality")
        return [CloseButtons(), ask_municipality(ctx, token, FLOW)]
    elif what == "mun":
        found = None if value == "-" else municipality_by_code(value)
        if value != "-" and found is None:
            return stale(ctx)
        p.municipality = found.name if found else None
        p.region = found.region if found else None
    elif what == "q":
        p.quote_default = not p.quote_default
    elif what == "upd" and value is None:
        # "I sagde – vi gjorde": at most one message a month when the partnership acts on a theme they wrote on.
        set_action_updates(ctx.session, p.id, not wants_action_updates(ctx.session, p.id), ctx.now)
        ctx.session.flush()
    elif what == "lang" and value is None:
        return [CloseButtons(), Reply(ctx.t("language.ask"),
                                      buttons([(ctx.t("lang.da"), "lg:da"), (ctx.t("lang.en"), "lg:en")]))]
    else:
        return stale(ctx)
    ctx.set_step("menu")
    return [CloseButtons(), Reply(ctx.t("settings.saved")), _settings_view(ctx, token)]


async def on_text(ctx: Ctx) -> list[Intent]:
    state = ctx.flow
    if state.step in ("age", "u15"):  # type: ignore[union-attr]
        # An answer typed at the age question is never a reflection (and never erases anyone).
        ctx.set_step("age")
        return [Reply(ctx.t("start.press_a_button")),
                Reply(ctx.t("start.ask_age"), age_buttons(ctx, f"{FLOW}:{state.token}:age"))]  # type: ignore[union-attr]
    if state.step != "municipality":  # type: ignore[union-attr]
        # Not waiting for text: this is a reflection, and the settings menu stays as it was.
        from handlers.reflections import store_reflection

        ctx.end_flow()
        return store_reflection(ctx)
    again, found = municipality_reply(ctx, ctx.incoming.text or "", state.token, FLOW)  # type: ignore[union-attr]
    if again is not None:
        return [again]
    ctx.participant.municipality, ctx.participant.region = found.name, found.region  # type: ignore[union-attr]
    ctx.set_step("menu")
    return [CloseButtons(), Reply(ctx.t("start.municipality_ok", municipality=found.name, region=found.region)),
            _settings_view(ctx, state.token)]  # type: ignore[union-attr]


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "settings",
    commands=(
        Command("settings", settings, "commands.settings"),
        Command("language", language, "commands.language", private_only=False),
    ),
    actions={"lg": on_language, FLOW: on_button},
    text_steps={FLOW: on_text},
)
