"""/newevent: announcing an event, one question at a time, with an example at every step.

Steps (persisted in flow_states, so a restart or another process continues where the organiser was):

    org → title → desc → start → start_ok → dur → place → link → mun → cap → lang → aud → acc → plus → review

"org" is asked only of someone organising for several organisations, "link" (the join link) only for
an online event; "start_ok" reads the start back
in words ("lørdag den 5. december kl. 14.00") for confirmation. Every question has Back and Cancel.
Buttons carry the flow token and the step they belong to: `evn:<token>:<step>:<value>`, so a button from
an older question never answers a newer one.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from content.municipalities import match_municipality, suggest_municipalities
from handlers.core.common import flow_token_ok, parse_action, parse_int, stale
from handlers.core.context import Command, Ctx, Feature
from engines.dates import parse_duration, parse_when, say_duration, say_when
from handlers.events import channels
from handlers.events import joinlink
from handlers.events.capacity import capacity_problem
from handlers.events.finding import municipality_code, municipality_name
from handlers.events.rights import ORGANISER_ROLES
from handlers.events.store import flow_is_old, memberships, payload_for
from handlers.events.texts import AUDIENCES, audience_label, card, language_label
from handlers.core.types import CloseButtons, Intent, Reply, buttons
from storage.event_models import Event, OrganiserMembership, Organisation

FLOW = "evn"
STEPS = ("org", "title", "desc", "start", "start_ok", "dur", "place", "link", "mun", "cap", "lang", "aud", "acc",
         "plus", "review")
BACK, CANCEL = "_b", "_x"
TITLE_MIN, TITLE_MAX, DESC_MAX, PLACE_MIN, PLACE_MAX, LANG_MAX, ACC_MAX = 3, 80, 1000, 3, 200, 40, 300
DURATIONS = (60, 90, 120, 180)
YES = {"ja", "j", "yes", "y", "jo", "gerne"}
NO = {"nej", "n", "no", "nope"}
DRAFT_KEPT = timedelta(hours=24)
NO_LIMIT = {"ingen", "ingen grænse", "ubegrænset", "none", "no limit", "unlimited", "-"}


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


# Shared with the organiser's "Edit title / description" (manage.py), so both accept exactly the same.
def clean_title(text: str | None) -> str:
    return _one_line(text)


def title_problem(title: str) -> tuple[str, dict[str, int]] | None:
    """What is wrong with a cleaned title, as an `events.new.error.*` key and its values; None if nothing."""
    if not title:
        return "title_empty", {}
    if len(title) < TITLE_MIN:
        return "title_short", {"min": TITLE_MIN}
    if len(title) > TITLE_MAX:
        return "title_long", {"max": TITLE_MAX, "length": len(title)}
    return None


def desc_problem(desc: str) -> tuple[str, dict[str, int]] | None:
    return ("desc_long", {"max": DESC_MAX, "length": len(desc)}) if len(desc) > DESC_MAX else None


def _orgs(ctx: Ctx) -> list[OrganiserMembership]:
    return memberships(ctx.session, ctx.participant)


def _nav(ctx: Ctx, token: str, step: str) -> list[tuple[str, str]]:
    row = [(ctx.t("events.new.back"), f"{FLOW}:{token}:{step}:{BACK}")] if _previous(ctx, step) else []
    return row + [(ctx.t("events.new.cancel"), f"{FLOW}:{token}:{step}:{CANCEL}")]


def _previous(ctx: Ctx, step: str) -> str | None:
    i = STEPS.index(step)
    while i > 0:
        i -= 1
        prev = STEPS[i]
        if prev == "start_ok" or (prev == "org" and len(_orgs(ctx)) < 2) or (prev == "link" and not _online(ctx)):
            continue
        return prev
    return None


def _online(ctx: Ctx) -> bool:
    return bool(ctx.flow and ctx.flow.data.get("online"))


def _next(ctx: Ctx, step: str) -> str:
    nxt = STEPS[STEPS.index(step) + 1]
    return STEPS[STEPS.index(nxt) + 1] if nxt == "link" and not _online(ctx) else nxt


def ask(ctx: Ctx, step: str, error: str | None = None) -> list[Intent]:
    """The question of a step (after an error message, if any)."""
    state = ctx.flow
    assert state is not None
    token, data = state.token, state.data
    ctx.set_step(step)
    b = lambda value: f"{FLOW}:{token}:{step}:{value}"  # noqa: E731
    rows: list[list[tuple[str, str]]] = []
    if step == "org":
        rows = [[(m.organisation.name, b(m.organisation_id))] for m in _orgs(ctx)]
        text = ctx.t("events.new.ask_org")
    elif step == "title":
        text = ctx.t("events.new.ask_title")
    elif step == "desc":
        text = ctx.t("events.new.ask_desc", title=data.get("title", ""))
        rows = [[(ctx.t("events.new.skip"), b("-"))]]
    elif step == "start":
        text = ctx.t("events.new.ask_start")
    elif step == "start_ok":
        when = say_when(datetime.fromisoformat(data["start"]), ctx.lang, ctx.now)
        text = ctx.t("events.new.confirm_start", when=when)
        rows = [[(ctx.t("events.new.start_yes"), b("y")), (ctx.t("events.new.start_no"), b("n"))]]
    elif step == "dur":
        text = ctx.t("events.new.ask_duration")
        rows = [[(say_duration(m, ctx.lang), b(m)) for m in DURATIONS]]
    elif step == "place":
        text = ctx.t("events.new.ask_place")
        rows = [[(ctx.t("events.new.online"), b("online"))]]
    elif step == "link":
        text = ctx.t("events.new.ask_link")
    elif step == "mun":
        text = ctx.t("events.new.ask_municipality")
        home = ctx.session.get(Organisation, data.get("org"))
        if home is not None:
            rows = [[(home.municipality, b(municipality_code(home.municipality)))]]
    elif step == "cap":
        text = ctx.t("events.new.ask_capacity", max=ctx.services.events.max_capacity)
        rows = [[(ctx.t("events.new.no_limit"), b("-"))]]
    elif step == "lang":
        text = ctx.t("events.new.ask_language")
        rows = [[(language_label(ctx.lang, c), b(c)) for c in ("da", "en", "da+en")]]
    elif step == "aud":
        text = ctx.t("events.new.ask_audience")
        labels = [(audience_label(ctx.lang, a), b(a)) for a in AUDIENCES]
        rows = [labels[:3], labels[3:]]
    elif step == "acc":
        text = ctx.t("events.new.ask_accessibility")
        rows = [[(ctx.t("events.new.skip"), b("-"))]]
    elif step == "plus":
        text = ctx.t("events.new.ask_plus_one")
        rows = [[(ctx.t("common.yes"), b("y")), (ctx.t("common.no"), b("n"))]]
    else:
        text = ctx.t("events.new.review", summary=summary(ctx, data))
        rows = [[(ctx.t("events.new.publish"), b("ok"))]]
    if error:
        text = f"{error}\n\n{text}"
    rows.append(_nav(ctx, token, step))
    # Every step but the organisation takes a typed answer too (a capacity of 2, "14.00", a postcode).
    return [Reply(text, buttons(*rows), expects_text=step != "org")]


def summary(ctx: Ctx, data: dict) -> str:
    org = ctx.session.get(Organisation, data.get("org"))
    cap = data.get("cap")
    return ctx.t(
        "events.new.summary", organisation=org.name if org else "?", title=data.get("title", ""),
        description=data.get("desc") or ctx.t("events.new.none"),
        when=say_when(datetime.fromisoformat(data["start"]), ctx.lang, ctx.now),
        duration=say_duration(data["dur"], ctx.lang), place=data.get("place", ""),
        # Only an online event has a join link to show; an in-person one gets no empty "link" line.
        link_line=ctx.t("events.new.summary_link", link=data.get("link") or ctx.t("events.new.none"))
        if data.get("online") else "",
        municipality=data.get("mun", ""),
        capacity=ctx.t("events.new.no_limit") if cap is None else str(cap),
        language=language_label(ctx.lang, data.get("lang", "da")),
        audience=audience_label(ctx.lang, data.get("aud", "all")),
        accessibility=data.get("acc") or ctx.t("events.new.none"),
        plus_one=ctx.t("common.yes") if data.get("plus") else ctx.t("common.no"))


async def newevent(ctx: Ctx) -> list[Intent]:
    orgs = _orgs(ctx)
    if not orgs:
        return [Reply(ctx.t("events.new.no_organisation"))]
    data = {"org": orgs[0].organisation_id} if len(orgs) == 1 else {}
    ctx.start_flow(FLOW, "title", data)
    first = "title" if len(orgs) == 1 else "org"
    return [Reply(ctx.t("events.new.intro"))] + ask(ctx, first)


# ------------------------------------------------------------------------------------ answers

# A step's answer: the values to store (the next question follows), what is wrong with it (an
# `events.new.error.*` key and its values, as title_problem gives them), or the reply itself.
_Answer = dict[str, object] | tuple[str, dict[str, int]] | list[Intent]


def _accept(ctx: Ctx, step: str, value: str, typed: bool) -> list[Intent]:
    """One answer to the current step: store it and ask the next question, or say what is wrong."""
    answer = _ANSWERS[step](ctx, value, typed)
    if isinstance(answer, list):
        return answer
    if isinstance(answer, tuple):
        return ask(ctx, step, ctx.t(f"events.new.error.{answer[0]}", **answer[1]))
    ctx.set_step(step, **answer)
    return [CloseButtons(), *ask(ctx, _next(ctx, step))]


def _org(ctx: Ctx, value: str, typed: bool) -> _Answer:
    org = parse_int(value)
    if org is None or org not in {m.organisation_id for m in _orgs(ctx)}:
        return "press_button", {}
    return {"org": org}


def _title(ctx: Ctx, value: str, typed: bool) -> _Answer:
    title = clean_title(value)
    return title_problem(title) or {"title": title}


def _desc(ctx: Ctx, value: str, typed: bool) -> _Answer:
    desc = "" if (value == "-" and not typed) else value.strip()
    return desc_problem(desc) or {"desc": desc}


def _start(ctx: Ctx, value: str, typed: bool) -> _Answer:
    when = parse_when(value, ctx.now)
    if not when.ok:
        return ask(ctx, "start", f"{ctx.t('dates.error.' + when.error)}\n{ctx.t('dates.examples')}")
    ctx.set_step("start", start=when.moment.isoformat())  # type: ignore[union-attr]
    return [CloseButtons(), *ask(ctx, "start_ok")]


def _start_ok(ctx: Ctx, value: str, typed: bool) -> _Answer:
    if typed and _one_line(value).casefold() in YES | NO:
        # "ja" / "nej" typed instead of pressed (a console restarted mid-flow shows no buttons).
        value, typed = ("y" if _one_line(value).casefold() in YES else "n"), False
    if typed:  # another start, typed instead of confirming this one
        return _start(ctx, value, typed)
    if value == "n":
        return ask(ctx, "start")
    return [CloseButtons(), *ask(ctx, "dur")] if value == "y" else stale(ctx)


def _dur(ctx: Ctx, value: str, typed: bool) -> _Answer:
    if not typed and parse_int(value) in DURATIONS:
        return {"dur": parse_int(value)}
    parsed = parse_duration(value)
    return (f"duration_{parsed.error}", {}) if parsed.minutes is None else {"dur": parsed.minutes}


def _place(ctx: Ctx, value: str, typed: bool) -> _Answer:
    place = _one_line(value)
    online = (not typed and value == "online") or place.casefold().startswith(("online", "http://", "https://"))
    if not typed and value == "online":
        place = "Online"
    place, typed_link = joinlink.place_and_link(place)  # a link typed as the place: asked for next, kept apart
    online = online or typed_link is not None
    if len(place) < PLACE_MIN:
        return "place_short", {}
    if len(place) > PLACE_MAX:
        return "place_long", {"max": PLACE_MAX, "length": len(place)}
    return {"place": place, "online": online}


def _link(ctx: Ctx, value: str, typed: bool) -> _Answer:
    link, problem = joinlink.join_link_problem(value)
    return problem or {"link": link}


def _mun(ctx: Ctx, value: str, typed: bool) -> _Answer:
    name = municipality_name(value) if not typed else None
    found = match_municipality(value[:100]) if typed else None
    name = name or (found.name if found else None)
    if name is not None:
        return {"mun": name}
    options = suggest_municipalities(value[:100], limit=3) if typed else []
    reply = ask(ctx, "mun", ctx.t("events.new.error.municipality", text=_one_line(value)[:40]))
    if options:
        token = ctx.flow.token  # type: ignore[union-attr]
        extra = buttons(*[[(m.name, f"{FLOW}:{token}:mun:{m.code}")] for m in options])
        first = reply[0]
        reply = [replace(first, buttons=extra + first.buttons)]  # type: ignore[arg-type, union-attr]
    return reply


def _cap(ctx: Ctx, value: str, typed: bool) -> _Answer:
    if (value == "-" and not typed) or _one_line(value).casefold() in NO_LIMIT:
        return {"cap": None}
    cap, problem = capacity_problem(value, ctx.services.events.max_capacity)
    return problem or {"cap": cap}


def _lang(ctx: Ctx, value: str, typed: bool) -> _Answer:
    lang = value if not typed else _one_line(value)
    if typed:
        lang = {"dansk": "da", "danish": "da", "engelsk": "en", "english": "en"}.get(lang.casefold(), lang)
    if not lang or len(lang) > LANG_MAX:
        return "language_long", {"max": LANG_MAX}
    return {"lang": lang}


def _aud(ctx: Ctx, value: str, typed: bool) -> _Answer:
    if typed:
        # People type what a button says as often as they press it (and a console restarted mid-flow
        # has no buttons to press): the label, in either language, is as good as the press.
        folded = _one_line(value).casefold()
        value = next((a for a in AUDIENCES for lang in ("da", "en")
                      if audience_label(lang, a).casefold() == folded), "")
    return {"aud": value} if value in AUDIENCES else ("press_button", {})


def _acc(ctx: Ctx, value: str, typed: bool) -> _Answer:
    acc = "" if (value == "-" and not typed) else _one_line(value)
    return ("accessibility_long", {"max": ACC_MAX, "length": len(acc)}) if len(acc) > ACC_MAX else {"acc": acc}


def _plus(ctx: Ctx, value: str, typed: bool) -> _Answer:
    answer = value if not typed else ("y" if _one_line(value).casefold() in YES else
                                      "n" if _one_line(value).casefold() in NO else "")
    return {"plus": answer == "y"} if answer in ("y", "n") else ("yes_no", {})


def _review(ctx: Ctx, value: str, typed: bool) -> _Answer:
    if typed:
        value = "ok" if _one_line(value).casefold() == ctx.t("events.new.publish").casefold() else ""
    return publish(ctx) if value == "ok" else ("press_button", {})


_ANSWERS = {"org": _org, "title": _title, "desc": _desc, "start": _start, "start_ok": _start_ok, "dur": _dur,
            "place": _place, "link": _link, "mun": _mun, "cap": _cap, "lang": _lang, "aud": _aud, "acc": _acc,
            "plus": _plus, "review": _review}


def publish(ctx: Ctx) -> list[Intent]:
    data = dict(ctx.flow.data)  # type: ignore[union-attr]
    if data.get("org") not in {m.organisation_id for m in _orgs(ctx)}:
        ctx.end_flow()
        return [CloseButtons(), Reply(ctx.t("events.new.no_longer_organiser"))]
    start = datetime.fromisoformat(data["start"])
    if start <= ctx.now:
        return [CloseButtons(), *ask(ctx, "start", ctx.t("dates.error.past"))]
    event = Event(organisation_id=data["org"], created_by=ctx.participant.id, title=data["title"],  # type: ignore[union-attr]
                  description=data.get("desc", ""), starts_at=start.astimezone(timezone.utc),
                  duration_minutes=data["dur"], place=data["place"], online=bool(data.get("online")),
                  join_url=data.get("link") if data.get("online") else None,
                  municipality=data["mun"], capacity=data.get("cap"), language=data.get("lang", "da"),
                  audience=data.get("aud", "all"), accessibility=data.get("acc", ""),
                  plus_one=bool(data.get("plus")), created_at=ctx.now, updated_at=ctx.now)
    ctx.session.add(event)
    ctx.session.flush()
    announced = channels.queue_announcements(ctx.session, event, ctx.services.events)
    ctx.end_flow()
    done = ctx.t("events.new.published", payload=payload_for(event.id))
    if announced:
        done += "\n" + ctx.t("events.new.announced", count=announced)
    return [CloseButtons(), Reply(done), card(ctx.session, event, ctx.lang, ctx.now, None)]


async def on_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) != 4 or not flow_token_ok(ctx, FLOW, parts[1]):
        return stale(ctx)
    step, value = parts[2], parts[3]
    if ctx.flow.step != step:  # type: ignore[union-attr]
        return stale(ctx)
    if ctx.role not in ORGANISER_ROLES:
        ctx.end_flow()
        return [CloseButtons(), Reply(ctx.t("common.not_allowed"))]
    if value == CANCEL:
        ctx.end_flow()
        return [CloseButtons(), Reply(ctx.t("events.new.cancelled"))]
    if value == BACK:
        prev = _previous(ctx, step)
        return [CloseButtons(), *ask(ctx, prev)] if prev else stale(ctx)
    return _accept(ctx, step, value, typed=False)


async def on_text(ctx: Ctx) -> list[Intent]:
    if ctx.role not in ORGANISER_ROLES:
        ctx.end_flow()
        return [Reply(ctx.t("common.not_allowed"))]
    if flow_is_old(ctx.flow, ctx.now, DRAFT_KEPT):
        # A draft left for a day: what is typed now is not its next answer.
        from handlers.reflections import store_reflection

        ctx.end_flow()
        return [Reply(ctx.t("events.new.expired")), *store_reflection(ctx)]
    step = ctx.flow.step  # type: ignore[union-attr]
    return _accept(ctx, step, ctx.incoming.text or "", typed=True)


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "newevent",
    commands=(
        Command("newevent", newevent, "commands.newevent", roles=ORGANISER_ROLES, listed=False),
    ),
    actions={FLOW: on_button},
    text_steps={FLOW: on_text},
)
