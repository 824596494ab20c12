"""Campaign prompts from the person's side: wanting them or not, /pause, /resume, how often, answering.

- After onboarding the person is asked once whether they want a question now and then.
- /prompts shows the choice and how often (every prompt / at most one a week / only events);
  /pause and /resume stop and restart them without losing the choice.
- A prompt arrives with quick replies, "Answer" and "Not now". A reply typed after a prompt (or after
  pressing "Answer") is stored as a reflection *on that prompt*; written long after, it is free text.

The prompt message itself is built here (`prompt_intent`) and sent by the outbox in bot/.
"""
from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from content.campaigns import Prompt, find_prompt, load_campaigns
from content.i18n import t
from handlers.core.common import consent_given, parse_action, parse_int, stale
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import CloseButtons, Intent, Reply, buttons
from handlers.reflections import store_reflection
from handlers.summaries import with_offer
from storage.campaign_models import (
    FREQUENCIES,
    PROMPT_KIND,
    PromptSubscription,
    as_utc,
)
from storage.models import FlowState, Participant
from storage.outbox_queries import cancel_queued, messages_of

FLOW = "cp"          # the open question after a prompt; also the prefix of the prompt's buttons
SUB = "cs"           # subscription buttons
# A reply this long after the prompt still counts as an answer to it; later it is free text.
ANSWER_WINDOW = timedelta(days=3)

# ------------------------------------------------------------------------------------ the prompt message

def prompt_intent(prompt: Prompt, lang: str) -> Reply:
    """The prompt as the person sees it, in their language (Danish if the prompt lacks it)."""
    shown = prompt.language_for(lang)
    text = f"{prompt.text_for(shown)}\n\n{t(shown, 'campaigns.prompt_footer')}"
    rows: list[list[tuple[str, str]]] = [[(label, f"{FLOW}:q:{prompt.ref}:{i}")]
                                         for i, label in enumerate(prompt.button_labels(shown))]
    rows.append([(t(shown, "campaigns.answer"), f"{FLOW}:a:{prompt.ref}"),
                 (t(shown, "campaigns.not_now"), f"{FLOW}:x:{prompt.ref}")])
    return Reply(text, buttons(*rows))


def prompts_delivered(session: Session, delivered: list[tuple[int, str]], now: datetime,
                      window: timedelta = ANSWER_WINDOW) -> None:
    """Called by the outbox in the transaction that records prompts as sent, with (person, prompt ref)
    pairs: the next thing each person writes (within the window) answers their prompt. A person in the
    middle of another flow is left there; the prompt's "Answer" button still links their reply."""
    if not delivered:
        return
    latest = dict(delivered)  # one open prompt per person: the newest
    # Someone may have used /forget while their prompt was on its way.
    alive = set(session.scalars(select(Participant.id).where(Participant.id.in_(list(latest)))))
    latest = {pid: ref for pid, ref in latest.items() if pid in alive}
    until = (now + window).astimezone(timezone.utc).isoformat()
    states = {f.participant_id: f for f in session.scalars(
        select(FlowState).where(FlowState.participant_id.in_(list(latest))))}
    new = []
    for pid, ref in latest.items():
        data = {"prompt": ref, "until": until}
        state = states.get(pid)
        if state is None:
            new.append({"participant_id": pid, "flow": FLOW, "step": "open", "token": secrets.token_hex(3),
                        "data": data, "updated_at": now})
        elif state.flow == FLOW:
            state.step, state.data, state.updated_at = "open", data, now
    if new:
        session.execute(insert(FlowState), new)


def prompt_delivered(session: Session, participant_id: int, ref: str, now: datetime,
                     window: timedelta = ANSWER_WINDOW) -> None:
    prompts_delivered(session, [(participant_id, ref)], now, window)


def _open_prompt(ctx: Ctx) -> str | None:
    state = ctx.flow
    if state is None or state.flow != FLOW:
        return None
    until = state.data.get("until")
    try:
        if until is None or ctx.now > as_utc(datetime.fromisoformat(until)):  # type: ignore[operator]
            return None
    except ValueError:
        return None
    return state.data.get("prompt")


async def on_answer(ctx: Ctx) -> list[Intent]:
    """Free text while a prompt is open: a reflection on that prompt (or free text once it is old)."""
    ref = _open_prompt(ctx)
    ctx.end_flow()
    if ref is not None:
        ctx.prompt_id = ref
    return with_offer(ctx, store_reflection(ctx))


async def on_prompt_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) < 3 or ctx.participant is None:
        return stale(ctx)
    what, ref = parts[1], parts[2]
    prompt = find_prompt(load_campaigns(ctx.services.campaign_folder), ref)
    if prompt is None:
        return stale(ctx)
    if what == "x" and len(parts) == 3:
        if _open_prompt(ctx) == ref or (ctx.flow is not None and ctx.flow.flow == FLOW):
            ctx.end_flow()
        return [CloseButtons(), Reply(ctx.t("campaigns.not_now_ok"))]
    if not consent_given(ctx):
        return [Reply(ctx.t("common.not_consented"))]
    if what == "a" and len(parts) == 3:
        ctx.start_flow(FLOW, "answer", {"prompt": ref,
                                        "until": (ctx.now + ANSWER_WINDOW).astimezone(timezone.utc).isoformat()})
        return [Reply(ctx.t("campaigns.answer_ready"))]
    if what == "q" and len(parts) == 4 and parse_int(parts[3]) is not None:
        labels = prompt.button_labels(prompt.language_for(ctx.lang))
        index = parse_int(parts[3])
        if index is None or index >= len(labels):
            return stale(ctx)
        if ctx.flow is not None and ctx.flow.flow == FLOW:
            ctx.end_flow()
        ctx.prompt_id = ref
        ctx.incoming = replace(ctx.incoming, text=labels[index], action=None)
        return [CloseButtons(), *with_offer(ctx, store_reflection(ctx))]
    return stale(ctx)


# ------------------------------------------------------------------------------------ subscription

def subscription(ctx: Ctx, *, create: bool = False) -> PromptSubscription | None:
    p = ctx.participant
    if p is None:
        return None
    if p.id is None:
        ctx.session.flush()
    found = ctx.session.get(PromptSubscription, p.id)
    if found is None and create:
        found = PromptSubscription(participant_id=p.id, subscribed=False, paused=False, frequency="every",
                                   asked_at=None, updated_at=ctx.now)
        ctx.session.add(found)
    return found


def ask_subscription(ctx: Ctx) -> list[Intent]:
    """Ask once, after consent, whether the person wants prompts. Nothing if already asked or decided."""
    if not consent_given(ctx):
        return []
    sub = subscription(ctx)
    if sub is not None:
        return []
    sub = subscription(ctx, create=True)
    sub.asked_at = ctx.now  # type: ignore[union-attr]
    # One-shot buttons: once answered, a late press is stale (a change of mind goes through /prompts).
    return [Reply(ctx.t("campaigns.ask"), buttons(
        [(ctx.t("campaigns.ask_yes"), f"{SUB}:ay"), (ctx.t("campaigns.ask_no"), f"{SUB}:an")]))]


def cancel_queued_prompts(session: Session, participant_id: int, reason: str) -> int:
    """Prompts waiting in the outbox for this person are not sent (one already being sent may arrive)."""
    return cancel_queued(session, participant_id, PROMPT_KIND, reason)


def _frequency_label(ctx: Ctx, frequency: str) -> str:
    return ctx.t(f"campaigns.freq_{frequency}")


def _state_line(ctx: Ctx, sub: PromptSubscription | None) -> str:
    if sub is None or not sub.subscribed:
        return ctx.t("campaigns.state_off")
    if sub.paused:
        return ctx.t("campaigns.state_paused", frequency=_frequency_label(ctx, sub.frequency))
    return ctx.t("campaigns.state_on", frequency=_frequency_label(ctx, sub.frequency))


def _status_view(ctx: Ctx, sub: PromptSubscription | None) -> Reply:
    current = sub.frequency if sub is not None and sub.subscribed else None
    rows = [[(("✓ " if f == current else "") + _frequency_label(ctx, f), f"{SUB}:f:{f}")] for f in FREQUENCIES]
    if sub is not None and sub.subscribed:
        rows.append([(ctx.t("campaigns.resume_button") if sub.paused else ctx.t("campaigns.pause_button"),
                      f"{SUB}:r" if sub.paused else f"{SUB}:p"),
                     (ctx.t("campaigns.stop_button"), f"{SUB}:n")])
    return Reply(ctx.t("campaigns.status", state=_state_line(ctx, sub)), buttons(*rows))


def _subscribe(ctx: Ctx, sub: PromptSubscription) -> None:
    sub.subscribed, sub.paused, sub.updated_at = True, False, ctx.now
    sub.decided_at = sub.decided_at or ctx.now


def _pause(ctx: Ctx, sub: PromptSubscription) -> None:
    sub.paused, sub.updated_at = True, ctx.now
    cancel_queued_prompts(ctx.session, sub.participant_id, "paused by the person")


async def on_subscription_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) < 2 or ctx.participant is None:
        return stale(ctx)
    if not consent_given(ctx):
        return [CloseButtons(), Reply(ctx.t("campaigns.need_consent"))]
    sub = subscription(ctx, create=True)
    assert sub is not None
    what = parts[1]
    if what in ("ay", "an") and len(parts) == 2:
        if sub.decided_at is not None:
            return stale(ctx)
        what = what[1]
    if what == "y" and len(parts) == 2:
        _subscribe(ctx, sub)
        return [CloseButtons(), Reply(ctx.t("campaigns.subscribed"))]
    if what == "n" and len(parts) == 2:
        sub.subscribed, sub.updated_at = False, ctx.now
        sub.decided_at = sub.decided_at or ctx.now
        cancel_queued_prompts(ctx.session, sub.participant_id, "no prompts wanted")
        return [CloseButtons(), Reply(ctx.t("campaigns.declined"))]
    if what == "f" and len(parts) == 3 and parts[2] in FREQUENCIES:
        _subscribe(ctx, sub)
        sub.frequency = parts[2]
        if sub.frequency == "events":
            cancel_queued_prompts(ctx.session, sub.participant_id, "only events wanted")
        return [CloseButtons(), Reply(ctx.t("campaigns.frequency_set", frequency=_frequency_label(ctx, sub.frequency))),
                _status_view(ctx, sub)]
    if what == "p" and len(parts) == 2:
        _pause(ctx, sub)
        return [CloseButtons(), Reply(ctx.t("campaigns.paused"))]
    if what == "r" and len(parts) == 2:
        _subscribe(ctx, sub)
        return [CloseButtons(), Reply(ctx.t("campaigns.resumed"))]
    return stale(ctx)


async def prompts_command(ctx: Ctx) -> list[Intent]:
    if not consent_given(ctx):
        return [Reply(ctx.t("campaigns.need_consent"))]
    return [_status_view(ctx, subscription(ctx))]


async def pause_command(ctx: Ctx) -> list[Intent]:
    if not consent_given(ctx):
        return [Reply(ctx.t("campaigns.need_consent"))]
    sub = subscription(ctx)
    if sub is None or not sub.subscribed:
        return [Reply(ctx.t("campaigns.nothing_to_pause"))]
    if sub.paused:
        return [Reply(ctx.t("campaigns.already_paused"))]
    _pause(ctx, sub)
    return [Reply(ctx.t("campaigns.paused"))]


async def resume_command(ctx: Ctx) -> list[Intent]:
    if not consent_given(ctx):
        return [Reply(ctx.t("campaigns.need_consent"))]
    sub = subscription(ctx, create=True)
    assert sub is not None
    was_on = sub.subscribed and not sub.paused
    _subscribe(ctx, sub)
    if sub.frequency == "events":
        sub.frequency = "every"
    return [Reply(ctx.t("campaigns.already_on" if was_on else "campaigns.resumed"))]


def _prompts_for_mydata(session: Session, participant) -> dict | None:  # noqa: ANN001
    return subscription_document(session, participant.id)


def subscription_document(session: Session, participant_id: int) -> dict | None:
    """What /mydata should show about prompts: the choice, and which prompts were sent when."""
    sub = session.get(PromptSubscription, participant_id)
    rows = messages_of(session, participant_id)
    if sub is None and not rows:
        return None
    return {
        "subscribed": bool(sub and sub.subscribed), "paused": bool(sub and sub.paused),
        "frequency": sub.frequency if sub else None,
        "asked_at": sub.asked_at.isoformat() if sub and sub.asked_at else None,
        "messages": [{"ref": ref, "status": status, "sent_at": as_utc(sent).isoformat() if sent else None}
                     for ref, status, sent in rows],
    }


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "campaigns",
    commands=(
        Command("prompts", prompts_command, "commands.prompts"),
        Command("pause", pause_command, "commands.pause"),
        Command("resume", resume_command, "commands.resume"),
    ),
    actions={FLOW: on_prompt_button, SUB: on_subscription_button},
    text_steps={FLOW: on_answer},
    personal_data={"prompts": _prompts_for_mydata},
)
