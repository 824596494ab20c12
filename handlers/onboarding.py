"""/start: the bot introduces itself, asks consent, then language, age band, municipality, quoting."""
from __future__ import annotations

from content.i18n import normalise_language
from content.municipalities import match_municipality, suggest_municipalities
from content.people import AGE_BANDS, band_for_age
from content.phrases import is_phrase, language_asked, typed_age
from handlers.core.common import flow_token_ok, parse_action, privacy_notice, stale
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Button, CloseButtons, Intent, Reply, buttons
from storage.models import Consent, Contact, Participant
from storage.repo import erase_participant

FLOW = "onb"
# Typed text shorter than this during onboarding is an attempted answer, never stored as a reflection.
_REFLECTION_WORDS = 5


def consent_text(ctx: Ctx) -> str:
    """What is kept with the decision: the three lines the person answered and the details behind
    "Læs mere" (the privacy notice of this consent version)."""
    return f"{ctx.t('start.consent_text')}\n\n{privacy_notice(ctx)}"


def _consent_prompt(ctx: Ctx, token: str) -> Reply:
    """Three plain lines first; the details are one press away ("Læs mere")."""
    other = "en" if ctx.lang == "da" else "da"
    text = f"{ctx.t('start.intro', disclaimer=ctx.t('common.bot_disclaimer'))}\n\n{ctx.t('start.consent_text')}"
    return Reply(text, buttons(
        [(ctx.t("start.consent_yes"), f"{FLOW}:{token}:yes"), (ctx.t("start.consent_no"), f"{FLOW}:{token}:no")],
        [(ctx.t("start.read_more"), f"{FLOW}:{token}:privacy"),
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
    if p.language is None and _reads_neither(ctx.incoming.locale_hint):
        # An Arabic, Ukrainian or Polish app: English is likelier to be read than Danish.
        ctx.lang = "en"
    token = ctx.start_flow(FLOW, "consent", {"payload": " ".join(ctx.incoming.args)[:64]})
    return [_consent_prompt(ctx, token)]


def _reads_neither(hint: str | None) -> bool:
    """A platform language that is neither Danish (nor Norwegian, read as Danish) nor English."""
    return bool(hint) and normalise_language(hint) is None


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
            return [Reply(privacy_notice(ctx)), _consent_prompt(ctx, token)]
        if what == "ui" and value in ("da", "en"):
            # Kept so the rest of the conversation, and the consent record, use the language read.
            p.language = ctx.lang = value
            return [CloseButtons(), _consent_prompt(ctx, token)]
        if what in ("yes", "no"):
            return _decide_consent(ctx, token, what == "yes")
    elif step == "language" and what == "lang":
        return _choose_language(ctx, token, value)
    elif step == "age" and what == "age" and (value in AGE_BANDS or value == "-"):
        return _choose_age(ctx, token, value)
    elif step == "age_check" and what == "agec" and value in ("yes", "no"):
        band = (ctx.flow.data or {}).get("band")  # type: ignore[union-attr]
        if value == "yes" and band in AGE_BANDS:
            return _choose_age(ctx, token, band)
        ctx.set_step("age")
        return [CloseButtons(), Reply(ctx.t("start.ask_age"), age_buttons(ctx, f"{FLOW}:{token}:age"))]
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
        return _choose_quote(ctx, value == "1")
    return stale(ctx)


def _decide_consent(ctx: Ctx, token: str, granted: bool) -> list[Intent]:
    p = ctx.participant
    p.consents.append(Consent(granted=granted, version=ctx.config.consent_version,  # type: ignore[union-attr]
                              language=ctx.lang, text=consent_text(ctx), decided_at=ctx.now))
    if not granted:
        # A "no" from someone who had consented is a withdrawal: what they wrote stays
        # theirs to delete (/forget), and nothing new is kept.
        had_consented = p.consent_state in ("given", "withdrawn")  # type: ignore[union-attr]
        p.consent_state = "withdrawn" if had_consented else "refused"  # type: ignore[union-attr]
        for earlier in p.consents:  # type: ignore[union-attr]
            # A yes to an event sign-up stands: saying no to keeping reflections does not undo it.
            if earlier.granted and earlier.withdrawn_at is None and earlier.purpose == "reflections":
                earlier.withdrawn_at = ctx.now
        ctx.end_flow()
        return [CloseButtons(), Reply(ctx.t("start.refused"))]
    p.consent_state = "given"  # type: ignore[union-attr]
    # The consent was read in this language; keep it as the starting choice.
    p.language = p.language or ctx.lang  # type: ignore[union-attr]
    ctx.set_step("language")
    return [CloseButtons(), Reply(ctx.t("start.ask_language"), _language_buttons(ctx, f"{FLOW}:{token}:lang"))]


def _choose_language(ctx: Ctx, token: str, value: str) -> list[Intent]:
    if value in ("da", "en"):
        ctx.participant.language = ctx.lang = value  # type: ignore[union-attr]
    ctx.set_step("age")
    return [CloseButtons(), Reply(ctx.t("start.ask_age"), age_buttons(ctx, f"{FLOW}:{token}:age"))]


def _choose_age(ctx: Ctx, token: str, value: str) -> list[Intent]:
    if value == "u15":
        return under15(ctx)
    ctx.participant.age_band = None if value == "-" else value  # type: ignore[union-attr]
    ctx.set_step("municipality")
    return [CloseButtons(), ask_municipality(ctx, token)]


def _choose_quote(ctx: Ctx, quotable: bool) -> list[Intent]:
    p = ctx.participant
    p.quote_default = quotable  # type: ignore[union-attr]
    p.onboarded = True  # type: ignore[union-attr]
    ctx.end_flow()
    from handlers.campaigns import ask_subscription

    return [CloseButtons(), Reply(ctx.t("start.done")), *ask_subscription(ctx)]


async def on_text(ctx: Ctx) -> list[Intent]:
    state = ctx.flow
    assert state is not None
    if state.step == "municipality" and is_phrase("no", ctx.incoming.text or ""):
        ctx.set_step("quote")  # "nej": they would rather not say
        return [CloseButtons(), _ask_quote(ctx, state.token)]
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
    # Nothing typed during onboarding is a reflection: read it as the answer where it fits
    # ("ja", "english please", "78"), answer a question about consent, otherwise point to the buttons.
    if state.step == "consent":
        return _typed_at_consent(ctx, state.token)
    answered = _typed_answer(ctx, state.step, state.token)
    if answered is not None:
        return answered
    from handlers.info import answer_question

    asked = answer_question(ctx)
    if asked is not None:
        return [*asked, *_repeat_question(ctx)]
    if len((ctx.incoming.text or "").split()) < _REFLECTION_WORDS:
        # Short, and not an answer we can read ("ved ikke", "5"): never a reflection.
        return [Reply(ctx.t("start.press_a_button")), *_repeat_question(ctx)]
    # A whole sentence ("jeg har det svært om aftenen") is someone sharing: keep it, then ask again.
    from handlers.reflections import store_reflection

    return [*store_reflection(ctx), *_repeat_question(ctx)]


def _typed_at_consent(ctx: Ctx, token: str) -> list[Intent]:
    text = ctx.incoming.text or ""
    if is_phrase("yes", text) or is_phrase("no", text):
        return _decide_consent(ctx, token, is_phrase("yes", text))
    wanted = language_asked(text)
    if wanted is not None:
        ctx.participant.language = ctx.lang = wanted  # type: ignore[union-attr]
        return [CloseButtons(), _consent_prompt(ctx, token)]
    if is_phrase("consent_question", text):
        return [Reply(ctx.t("start.consent_explained"), buttons(
            [(ctx.t("start.consent_yes"), f"{FLOW}:{token}:yes"), (ctx.t("start.consent_no"), f"{FLOW}:{token}:no")]))]
    # Before consent nothing typed may be kept: say so and ask again.
    return [Reply(ctx.t("common.not_consented")), _consent_prompt(ctx, token)]


def _typed_answer(ctx: Ctx, step: str, token: str) -> list[Intent] | None:
    """A typed answer that fits the question, acted on; None when it does not fit."""
    text = ctx.incoming.text or ""
    if step == "language":
        wanted = language_asked(text)
        return None if wanted is None else _choose_language(ctx, token, wanted)
    if step == "quote" and (is_phrase("yes", text) or is_phrase("no", text)):
        return _choose_quote(ctx, is_phrase("yes", text))
    if step == "age_check" and (is_phrase("yes", text) or is_phrase("no", text)):
        band = (ctx.flow.data or {}).get("band")  # type: ignore[union-attr]
        if is_phrase("yes", text) and band in AGE_BANDS:
            return _choose_age(ctx, token, band)
        ctx.set_step("age")
        return [Reply(ctx.t("start.ask_age"), age_buttons(ctx, f"{FLOW}:{token}:age"))]
    if step in ("age", "age_check"):
        age = typed_age(text)
        band = band_for_age(age) if age is not None else None
        if band == "u15":
            return under15(ctx)  # "jeg er 14": nothing about a child may be kept
        if band is not None:
            ctx.set_step("age_check", band=band)
            return [Reply(ctx.t("start.age_check", band=ctx.t(f"age.{band}")), buttons(
                [(ctx.t("common.yes"), f"{FLOW}:{token}:agec:yes"), (ctx.t("common.no"), f"{FLOW}:{token}:agec:no")]))]
    return None


def _repeat_question(ctx: Ctx) -> list[Intent]:
    state = ctx.flow
    token = state.token  # type: ignore[union-attr]
    if state.step == "language":  # type: ignore[union-attr]
        return [Reply(ctx.t("start.ask_language"), _language_buttons(ctx, f"{FLOW}:{token}:lang"))]
    if state.step in ("age", "age_check"):  # type: ignore[union-attr]
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
