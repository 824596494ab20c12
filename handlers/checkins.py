"""The opt-in loneliness check-in: the T-ILS three items and the direct question, behind a consent of its own.

Offered by a periodic job (bot/checkins.py, through the outbox) or started with /checkin; never in quiet
hours, only to people of 15 or more, at most every `every_days`. After answering: a warm thank-you, and
after a high score or "often" on the direct question an offer of someone to talk to — never a label.
Typed text during the flow is never stored; crisis words in it get the crisis reply first (the dispatcher).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from content.checkin import Scale, load_scale
from content.i18n import format_when, t
from handlers.core.common import consent_given, flow_token_ok, parse_action, stale
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import CloseButtons, Intent, Reply, buttons
from handlers.info import human_text
from storage.campaign_models import as_utc
from storage.checkin_models import Checkin, CheckinPrefs
from storage.checkin_queries import checkins_of, delete_checkins, may_check_in, prefs_of
from storage.models import Participant

FLOW = "ci"


def consent_text(lang: str) -> str:
    return t(lang, "checkin.consent_text", version=load_scale().version)


def offer_reply(lang: str) -> Reply:
    """The offer the periodic job queues: yes, not now, or never again (no token: checked again on press)."""
    return Reply(t(lang, "checkin.offer"), buttons(
        [(t(lang, "checkin.offer_yes"), f"{FLOW}:o:yes")],
        [(t(lang, "checkin.decline"), f"{FLOW}:o:no"), (t(lang, "checkin.never"), f"{FLOW}:o:never")]))


def _prefs(ctx: Ctx) -> CheckinPrefs:
    p = ctx.participant
    prefs = prefs_of(ctx.session, p.id)  # type: ignore[union-attr]
    if prefs is None:
        prefs = CheckinPrefs(participant_id=p.id)  # type: ignore[union-attr]
        ctx.session.add(prefs)
    return prefs


def _not_now(ctx: Ctx) -> list[Intent] | None:
    """Why this person cannot take a check-in now, as a reply; None if they can."""
    if not ctx.services.checkins.enabled:
        return [Reply(ctx.t("checkin.disabled"))]
    if not consent_given(ctx):
        return [Reply(ctx.t("checkin.need_consent"))]
    rules = ctx.services.checkins
    why = may_check_in(ctx.session, ctx.participant, rules, ctx.now)  # type: ignore[arg-type]
    if why == "age":
        return [Reply(ctx.t("checkin.need_age"))]
    if why == "too_soon":
        return [Reply(ctx.t("checkin.too_soon", days=rules.first_after_days))]
    if why == "recent":
        last = prefs_of(ctx.session, ctx.participant.id).last_answered_at  # type: ignore[union-attr]
        when = as_utc(last) + timedelta(days=rules.every_days)  # type: ignore[operator]
        return [Reply(ctx.t("checkin.recent", when=format_when(when, ctx.lang)), _withdraw_button(ctx))]
    return None


def _withdraw_button(ctx: Ctx) -> tuple:
    """Withdrawing the check-in consent (which deletes the answers), offered wherever the answers are named."""
    prefs = prefs_of(ctx.session, ctx.participant.id) if ctx.participant is not None else None
    if prefs is None or prefs.consented_at is None:
        return ()
    return buttons([(ctx.t("checkin.withdraw"), f"{FLOW}:w")])


def _question(ctx: Ctx, scale: Scale, token: str, index: int) -> Reply:
    """Question `index` (0-2: the T-ILS items, 3: the direct question), with "rather not" and "never" always."""
    question = scale.items[index] if index < len(scale.items) else scale.direct
    choices = scale.answers if index < len(scale.items) else scale.direct_answers
    lang = ctx.lang if ctx.lang in question.text else "da"
    rows = [[(c.label[lang], f"{FLOW}:{token}:a:{c.id}")] for c in choices]
    rows.append([(ctx.t("checkin.decline"), f"{FLOW}:{token}:no"), (ctx.t("checkin.never"), f"{FLOW}:{token}:never")])
    text = ctx.t("checkin.question", number=index + 1, total=len(scale.items) + 1, question=question.text[lang])
    return Reply(text, buttons(*rows))


def _begin(ctx: Ctx) -> list[Intent]:
    """Start a check-in for someone allowed one now: the consent first if they have not given it."""
    prefs = _prefs(ctx)
    prefs.last_offered_at = ctx.now
    if prefs.consented_at is None:
        token = ctx.start_flow(FLOW, "consent")
        return [Reply(ctx.t("checkin.consent_ask", consent=consent_text(ctx.lang)), buttons(
            [(ctx.t("checkin.consent_yes"), f"{FLOW}:{token}:c:yes")],
            [(ctx.t("checkin.consent_no"), f"{FLOW}:{token}:c:no"), (ctx.t("checkin.never"), f"{FLOW}:{token}:never")]))]
    token = ctx.start_flow(FLOW, "q0", {"answers": []})
    return [_question(ctx, load_scale(), token, 0)]


async def checkin(ctx: Ctx) -> list[Intent]:
    return _not_now(ctx) or _begin(ctx)


def _never(ctx: Ctx) -> list[Intent]:
    _prefs(ctx).declined_at = ctx.now
    if ctx.flow is not None and ctx.flow.flow == FLOW:
        ctx.end_flow()
    return [CloseButtons(), Reply(ctx.t("checkin.never_done"))]


async def _on_offer(ctx: Ctx, choice: str) -> list[Intent]:
    if ctx.participant is None or not consent_given(ctx):
        return stale(ctx)
    if choice == "never":
        return _never(ctx)
    if choice == "no":
        return [CloseButtons(), Reply(ctx.t("checkin.declined"))]
    if choice != "yes":
        return stale(ctx)
    return [CloseButtons(), *(_not_now(ctx) or _begin(ctx))]


def _store(ctx: Ctx, scale: Scale, answers: list[int], direct: str | None) -> list[Intent]:
    p: Participant = ctx.participant  # type: ignore[assignment]
    score = scale.score(answers)
    ctx.session.add(Checkin(participant_id=p.id, answered_at=ctx.now, scale_version=scale.version,
                            companionship=answers[0], left_out=answers[1], isolated=answers[2], score=score,
                            direct=direct, age_band=p.age_band, region=p.region))
    _prefs(ctx).last_answered_at = ctx.now
    ctx.end_flow()
    out: list[Intent] = [CloseButtons(), Reply(ctx.t("checkin.thanks"))]
    if scale.wants_offer(score, direct):
        # An offer, never a verdict: the person chooses whether to see who they could talk to.
        out.append(Reply(ctx.t("checkin.offer_talk") + "\n\n" + ctx.t("checkin.offer_talk_events"),
                         buttons([(ctx.t("checkin.offer_talk_yes"), f"{FLOW}:talk")])))
    return out


def _answer(ctx: Ctx, value: str) -> list[Intent]:
    scale, state = load_scale(), ctx.flow
    index = int(state.step[1:])  # type: ignore[union-attr]
    answers = list(state.data.get("answers", []))  # type: ignore[union-attr]
    if index < len(scale.items):
        if value not in ("1", "2", "3") or len(answers) != index:
            return stale(ctx)
        answers.append(int(value))
        token = ctx.set_step(f"q{index + 1}", answers=answers)
        return [CloseButtons(), _question(ctx, scale, token, index + 1)]
    if value not in {a.id for a in scale.direct_answers} or len(answers) != len(scale.items):
        return stale(ctx)
    return _store(ctx, scale, answers, value)


def _decline(ctx: Ctx) -> list[Intent]:
    state, scale = ctx.flow, load_scale()
    answers = list(state.data.get("answers", []))  # type: ignore[union-attr]
    if state.step == f"q{len(scale.items)}" and len(answers) == len(scale.items):  # type: ignore[union-attr]
        # The direct question is the only one that may be left out: the scale is whole without it.
        return _store(ctx, scale, answers, None)
    ctx.end_flow()
    return [CloseButtons(), Reply(ctx.t("checkin.declined"))]


def _consent(ctx: Ctx, value: str) -> list[Intent]:
    if ctx.flow.step != "consent":  # type: ignore[union-attr]
        return stale(ctx)
    if value != "yes":
        ctx.end_flow()
        return [CloseButtons(), Reply(ctx.t("checkin.consent_refused"))]
    prefs = _prefs(ctx)
    prefs.consented_at, prefs.consent_version = ctx.now, str(load_scale().version)
    prefs.consent_language, prefs.consent_text = ctx.lang, consent_text(ctx.lang)
    token = ctx.set_step("q0", answers=[])
    return [CloseButtons(), _question(ctx, load_scale(), token, 0)]


def _withdraw(ctx: Ctx) -> list[Intent]:
    prefs = prefs_of(ctx.session, ctx.participant.id)  # type: ignore[union-attr]
    if prefs is None or prefs.consented_at is None:
        return stale(ctx)
    delete_checkins(ctx.session, ctx.participant.id)  # type: ignore[union-attr]
    prefs.consented_at = prefs.consent_version = prefs.consent_language = prefs.consent_text = None
    prefs.declined_at = ctx.now
    if ctx.flow is not None and ctx.flow.flow == FLOW:
        ctx.end_flow()
    ctx.erased = True  # the dispatcher scrubs the SQLite journal of the deleted answers
    return [CloseButtons(), Reply(ctx.t("checkin.withdrawn"))]


async def on_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if ctx.participant is None or len(parts) < 2:
        return stale(ctx)
    if parts[1] == "o" and len(parts) == 3:
        return await _on_offer(ctx, parts[2])
    if parts[1] == "talk" and len(parts) == 2:
        return [CloseButtons(), Reply(human_text(ctx))]
    if parts[1] == "w" and len(parts) == 2:
        return _withdraw(ctx)
    if len(parts) < 3 or not flow_token_ok(ctx, FLOW, parts[1]):
        return stale(ctx)
    what, value = parts[2], parts[3] if len(parts) > 3 else ""
    if what == "never":
        return _never(ctx)
    if what == "no":
        return _decline(ctx)
    if what == "c":
        return _consent(ctx, value)
    if what == "a" and ctx.flow.step.startswith("q"):  # type: ignore[union-attr]
        return _answer(ctx, value)
    return stale(ctx)


async def on_text(ctx: Ctx) -> list[Intent]:
    """Typed during a check-in: never a reflection, never an answer; the question again."""
    state = ctx.flow
    if state.step == "consent":  # type: ignore[union-attr]
        return [Reply(ctx.t("checkin.press_a_button"))]
    index = int(state.step[1:])  # type: ignore[union-attr]
    return [Reply(ctx.t("checkin.press_a_button")), _question(ctx, load_scale(), state.token, index)]  # type: ignore[union-attr]


def personal_data(session: Session, p: Participant) -> dict:
    """For /mydata: the check-in consent and every check-in with its raw answers and score."""
    prefs = prefs_of(session, p.id)
    return {
        "consent": None if prefs is None or prefs.consented_at is None else {
            "given_at": prefs.consented_at.isoformat(), "version": prefs.consent_version,
            "language": prefs.consent_language, "text": prefs.consent_text},
        "dont_ask_again_since": prefs.declined_at.isoformat() if prefs and prefs.declined_at else None,
        "last_offered_at": prefs.last_offered_at.isoformat() if prefs and prefs.last_offered_at else None,
        "checkins": [
            {"answered_at": c.answered_at.isoformat(), "companionship": c.companionship, "left_out": c.left_out,
             "isolated": c.isolated, "score": c.score, "direct": c.direct, "age_band": c.age_band,
             "region": c.region, "scale_version": c.scale_version}
            for c in checkins_of(session, p.id)],
    }


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "checkins",
    commands=(Command("checkin", checkin, "commands.checkin"),),
    actions={FLOW: on_button},
    text_steps={FLOW: on_text},
    personal_data={"checkins": personal_data},
)
