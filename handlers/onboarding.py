"""/start: the bot introduces itself, asks consent, then language, age band, municipality, quoting."""
from __future__ import annotations

from content.municipalities import match_municipality, suggest_municipalities
from content.people import AGE_BANDS
from handlers.core.common import flow_token_ok, parse_action, stale
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Button, CloseButtons, Intent, Reply, buttons
from storage.models import Consent, Contact, Participant
from storage.repo import erase_participant

FLOW = "onb"


def consent_text(ctx: Ctx) -> str:
    return ctx.t("start.consent_text", version=ctx.config.consent_version)


def _consent_prompt(ctx: Ctx, token: str) -> Reply:
    other = "en" if ctx.lang == "da" else "da"
    text = f"{ctx.t('start.intro', disclaimer=ctx.t('common.bot_disclaimer'))}\n\n{consent_text(ctx)}"
    return Reply(text, buttons(
        [(ctx.t("start.consent_yes"), f"{FLOW}:{token}:yes"), (ctx.t("start.consent_no"), f"{FLOW}:{token}:no")],
        [(ctx.t("start.read_privacy"), f"{FLOW}:{token}:privacy"),
         (ctx.t("start.switch_language"), f"{FLOW}:{token}:ui:{other}")],
    ))


def ensure_participant(ctx: Ctx) -> Participant:
    """Create the person on first contact and keep their chat reachable."""
    inc = ctx.incoming
    p = ctx.participant
    if p is None:
        p = Participant(platform=inc.platform, external_id=inc.user_id, created_at=ctx.now)
        ctx.session.add(p)
        ctx.participant = p
    if inc.chat_type == "private":
        if p.contact is None:
            p.contact = Contact(chat_id=inc.chat_id, reachable=True, updated_at=ctx.now)
        elif p.contact.chat_id != inc.chat_id or not p.contact.reachable:
            p.contact.chat_id, p.contact.reachable, p.contact.updated_at = inc.chat_id, True, ctx.now
    return p


async def start(ctx: Ctx) -> list[Intent]:
    p = ensure_participant(ctx)
    if p.consent_state == "given" and p.onboarded:
        ctx.end_flow()
        from handlers.campaigns import ask_subscription  # people who joined before prompts existed

        return [Reply(ctx.t("start.welcome_back")), *ask_subscription(ctx)]
    token = ctx.start_flow(FLOW, "consent", {"payload": " ".join(ctx.incoming.args)[:64]})
    return [_consent_prompt(ctx, token)]


def age_buttons(ctx: Ctx, prefix: str) -> tuple[tuple[Button, ...], ...]:
    """"Under 15" goes last, on its own row: a habitual "1" or a first-button tap must not land on it."""
    bands = [(ctx.t(f"age.{b}"), f"{prefix}:{b}") for b in AGE_BANDS if b != "u15"]
    return buttons(bands[:3], bands[3:], [(ctx.t("common.skip"), f"{prefix}:-")],
                   [(ctx.t("age.u15"), f"{prefix}:u15")])


def _language_buttons(ctx: Ctx, prefix: str) -> tuple[tuple[Button, ...], ...]:
    return buttons([(ctx.t("lang.da"), f"{prefix}:da"), (ctx.t("lang.en"), f"{prefix}:en")],
                   [(ctx.t("common.skip"), f"{prefix}:-")])


def ask_municipality(ctx: Ctx, token: str, flow: str = FLOW) -> Reply:
    return Reply(ctx.t("start.ask_municipality"), buttons([(ctx.t("common.skip"), f"{flow}:{token}:mun:-")]))


def municipality_reply(ctx: Ctx, text: str, token: str, flow: str) -> tuple[Reply | None, object | None]:
    """Match typed text to a municipality; returns (a reply asking again, or None) and the match."""
    found = match_municipality(text)
    if found is not None:
        return None, found
    shown = text.strip()[:40]
    options = suggest_municipalities(text, limit=3)
    if options:
        rows = [[(m.name, f"{flow}:{token}:mun:{m.code}")] for m in options]
        rows.append([(ctx.t("common.skip"), f"{flow}:{token}:mun:-")])
        return Reply(ctx.t("start.municipality_suggest", text=shown), buttons(*rows)), None
    return Reply(ctx.t("start.municipality_unknown", text=shown),
                 buttons([(ctx.t("common.skip"), f"{flow}:{token}:mun:-")])), None


def municipality_by_code(code: str):
    from content.municipalities import load_municipalities

    return next((m for m in load_municipalities() if str(m.code) == code), None)


def _ask_quote(ctx: Ctx, token: str) -> Reply:
    return Reply(ctx.t("start.ask_quote"), buttons(
        [(ctx.t("start.quote_yes"), f"{FLOW}:{token}:q:1"), (ctx.t("start.quote_no"), f"{FLOW}:{token}:q:0")]))


async def on_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) < 3 or ctx.participant is None or not flow_token_ok(ctx, FLOW, parts[1]):
        return stale(ctx)
    p, token, what = ctx.participant, parts[1], parts[2]
    value = parts[3] if len(parts) > 3 else ""
    step = ctx.flow.step  # type: ignore[union-attr]

    if step == "consent":
        if what == "privacy":
            return [Reply(ctx.t("privacy.text", version=ctx.config.consent_version)), _consent_prompt(ctx, token)]
        if what == "ui" and value in ("da", "en"):
            # Kept so the rest of the conversation, and the consent record, use the language read.
            p.language = ctx.lang = value
            return [CloseButtons(), _consent_prompt(ctx, token)]
        if what in ("yes", "no"):
            granted = what == "yes"
            p.consents.append(Consent(granted=granted, version=ctx.config.consent_version,
                                      language=ctx.lang, text=consent_text(ctx), decided_at=ctx.now))
            if not granted:
                # A "no" from someone who had consented is a withdrawal: what they wrote stays
                # theirs to delete (/forget), and nothing new is kept.
                had_consented = p.consent_state in ("given", "withdrawn")
                p.consent_state = "withdrawn" if had_consented else "refused"
                for earlier in p.consents:
                    if earlier.granted and earlier.withdrawn_at is None:
                        earlier.withdrawn_at = ctx.now
                ctx.end_flow()
                return [CloseButtons(), Reply(ctx.t("start.refused"))]
            p.consent_state = "given"
            # The consent was read in this language; keep it as the starting choice.
            p.language = p.language or ctx.lang
            ctx.set_step("language")
            return [CloseButtons(), Reply(ctx.t("start.ask_language"), _language_buttons(ctx, f"{FLOW}:{token}:lang"))]
    elif step == "language" and what == "lang":
        if value in ("da", "en"):
            p.language = ctx.lang = value
        ctx.set_step("age")
        return [CloseButtons(), Reply(ctx.t("start.ask_age"), age_buttons(ctx, f"{FLOW}:{token}:age"))]
    elif step == "age" and what == "age" and (value in AGE_BANDS or value == "-"):
        if value == "u15":
            return under15(ctx)
        p.age_band = None if value == "-" else value
        ctx.set_step("municipality")
        return [CloseButtons(), ask_municipality(ctx, token)]
    elif step == "municipality" and what == "mun":
        found = None if value == "-" else municipality_by_code(value)
        if value != "-" and found is None:
            return stale(ctx)
        out: list[Intent] = [CloseButtons()]
        if found is not None:
            p.municipality, p.region = found.name, found.region
            out.append(Reply(ctx.t("start.municipality_ok", municipality=found.name, region=found.region)))
        ctx.set_step("quote")
        return out + [_ask_quote(ctx, token)]
    elif step == "quote" and what == "q" and value in ("0", "1"):
        p.quote_default = value == "1"
        p.onboarded = True
        ctx.end_flow()
        from handlers.campaigns import ask_subscription

        return [CloseButtons(), Reply(ctx.t("start.done")), *ask_subscription(ctx)]
    return stale(ctx)


async def on_text(ctx: Ctx) -> list[Intent]:
    state = ctx.flow
    assert state is not None
    if state.step == "municipality":
        again, found = municipality_reply(ctx, ctx.incoming.text or "", state.token, FLOW)
        if again is not None:
            return [again]
        p = ctx.participant
        p.municipality, p.region = found.name, found.region  # type: ignore[union-attr]
        ctx.set_step("quote")
        return [CloseButtons(),
                Reply(ctx.t("start.municipality_ok", municipality=found.name, region=found.region)),
                _ask_quote(ctx, state.token)]
    # Before consent nothing typed may be kept: say so and ask again.
    if state.step == "consent":
        return [Reply(ctx.t("common.not_consented")), _consent_prompt(ctx, state.token)]
    # After consent, text typed instead of pressing a button is a reflection: keep it, then ask again.
    from handlers.reflections import store_reflection

    return [*store_reflection(ctx), *_repeat_question(ctx)]


def _repeat_question(ctx: Ctx) -> list[Intent]:
    state = ctx.flow
    token = state.token  # type: ignore[union-attr]
    if state.step == "language":  # type: ignore[union-attr]
        return [Reply(ctx.t("start.ask_language"), _language_buttons(ctx, f"{FLOW}:{token}:lang"))]
    if state.step == "age":  # type: ignore[union-attr]
        return [Reply(ctx.t("start.ask_age"), age_buttons(ctx, f"{FLOW}:{token}:age"))]
    return [_ask_quote(ctx, token)]


def under15(ctx: Ctx) -> list[Intent]:
    """Signpost BørneTelefonen and keep nothing at all about the child."""
    erase_participant(ctx.session, ctx.participant)  # type: ignore[arg-type]
    ctx.participant = None
    ctx.erased = True
    return [CloseButtons(), Reply(ctx.t("start.under15"))]


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "onboarding",
    commands=(
        Command("start", start, "commands.start"),
    ),
    actions={FLOW: on_button},
    text_steps={FLOW: on_text},
)
