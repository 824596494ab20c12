"""The one dispatcher: dedupe, resolve the person and language, check crisis and role, route, commit."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import inspect as orm_state, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from content.i18n import normalise_language, t
from handlers.core.context import Ctx, HandlerConfig, Later, Registry
from engines.crisis import CrisisTier, aftercare_line, assess, crisis_reply
from handlers.core import aftercare
from handlers.core.aftercare import is_young
from handlers.core.crisis_offer import opens_crisis_reply, private_offer
from handlers.core.failures import log_failure, route_of
from handlers.core.observe import NO_COUNTERS, Counters
from handlers.crisis_alerts import note_crisis_reply
from handlers.core.flood import FloodGate, Limits
from handlers.core.kept import Handled, Keep, payload, unpack
from handlers.core.services import Services
from handlers.reflections import store_reflection
from handlers.core.types import Incoming, Intent, Reply, ReplyKind
from storage.models import ProcessedMessage
from storage.db import writer
from storage.models import Participant
from storage.reply_queries import claim_redelivered, keep_reply
from storage.repo import dedupe_salt, participants_by_identity

log = logging.getLogger(__name__)

# Keep newlines and tabs; drop other control characters (they break terminals, CSV and logs).
_KEEP = {"\n", "\t"}


def clean_text(text: str | None) -> str | None:
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Fast path in C for ordinary text; the per-character scan only for text with odd characters.
    if text.replace("\n", "").replace("\t", "").replace(" ", "").isprintable():
        return text
    return "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch)[0] != "C")




# Bounded so one batch's transaction stays short and the first message's reply is not held long.
MAX_BATCH = 200


@dataclass
class _Job:
    inc: Incoming
    length: int
    tier: CrisisTier
    done: asyncio.Future
    error: BaseException | None = None  # why its handler failed (logged once, by `handle`)
    # Its dedupe and aftercare keys (two HMACs), made once per message by `_run`, not again per use.
    key: str | None = None
    care: str = ""

    keep: Keep | None = None
    participant: Participant | None = None
    # A redelivery whose reply was kept and never sent: (row id, render context), claimed again.
    kept_before: tuple[int, dict] | None = None
    reply_id: int | None = None

    @property
    def crisis(self) -> bool:
        return self.tier == CrisisTier.REPLY


class _Prefetch:
    """What a batch needs to know up front, in two queries instead of two per message."""

    def __init__(self, session: Session, incs: list[Incoming], keys: list[str | None], care: list[str],
                 now: datetime) -> None:
        wanted = [k for k in keys if k is not None]
        self.new_keys: list[dict] = []  # inserted in one statement with the batch's flush
        self.keys: set[str] = set(session.scalars(
            select(ProcessedMessage.key).where(ProcessedMessage.key.in_(wanted)))) if wanted else set()
        self.participants: dict[tuple[str, str], Participant | None] = {
            (p.platform, p.external_id): p for p in participants_by_identity(session, {(i.platform, i.user_id) for i in incs})
        }
        # Who is in an aftercare window (handlers/core/aftercare.py), by care key.
        self.care: set[str] = aftercare.open_windows(session, care, now)


class Dispatcher:
    """Routes one Incoming to its handler in one database transaction and returns the intents."""

    def __init__(self, sessions: sessionmaker[Session], config: HandlerConfig, *,
                 routes: Registry, services: Services = Services(),
                 secret_key: str | None = None, on_erase: Callable[[], None] | None = None,
                 limits: Limits = Limits(), counters: Counters = NO_COUNTERS) -> None:
        self.sessions = sessions
        self.counters = counters
        self.flood = FloodGate(limits)
        self.config = config
        self.services = services
        self.clock = services.clock
        self.routes = routes
        self.on_erase = on_erase
        self._pending: list[_Job] = []
        self._worker: asyncio.Task | None = None
        if secret_key is None:
            with sessions() as session:
                secret_key = dedupe_salt(session)
        self._key = secret_key.encode()

    def message_key(self, inc: Incoming) -> str | None:
        """A keyed hash, so the dedupe table holds no chat or user id that could survive erasure."""
        if inc.message_id is None:
            return None
        raw = f"{inc.platform}|{inc.chat_id}|{inc.message_id}".encode()
        return hmac.new(self._key, raw, hashlib.sha256).hexdigest()

    def care_key(self, inc: Incoming) -> str:
        return aftercare.care_key(self._key, inc.platform, inc.user_id)

    def language_for(self, inc: Incoming, chosen: str | None) -> str:
        return chosen or normalise_language(inc.locale_hint) or self.config.default_language

    def crisis_reply_for(self, platform: str, user_id: str, args: tuple[str, ...],
                         locale_hint: str | None) -> Reply | None:
        """The crisis reply for someone opening their own group offer where no private chat can be opened
        (a Discord member who allows no DMs), to show as an answer only they see; None for anyone else."""
        inc = Incoming(platform=platform, chat_id=user_id, user_id=user_id, command="start", args=args,
                       locale_hint=locale_hint)
        if not opens_crisis_reply(self._key, inc):
            return None
        return Reply(crisis_reply(self.language_for(inc, None)), kind=ReplyKind.CRISIS)

    async def handle(self, inc: Incoming, *, ref: str | None = None) -> list[Intent]:
        """The intents that answer `inc`. `ref` names it in the one ERROR line written if its handler
        fails (an adapter's update id, say: never a chat or user id, never the text)."""
        return (await self.handle_kept(inc, None, ref=ref)).intents

    async def handle_kept(self, inc: Incoming, keep: Keep | None, *, ref: str | None = None) -> Handled:
        """As `handle`; with `keep`, the intents are also stored with what they answer (handlers/core/kept.py)."""
        started = time.perf_counter()  # a duration for the metrics, not a time anything is decided by
        kind = "command" if inc.command is not None else "action" if inc.action is not None else "text"
        self.counters.message_in(inc.platform, kind)
        handled = await self._handle_one(inc, keep, ref)
        seconds = time.perf_counter() - started
        self._observe(inc, handled.intents, seconds)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s answered with %d intent(s)", ref or "an update", len(handled.intents), extra={
                "update": ref, "platform": inc.platform, "handler": route_of(inc, self.routes),
                "duration_ms": round(seconds * 1000, 2)})
        return handled

    def _observe(self, inc: Incoming, intents: list[Intent], seconds: float) -> None:
        counters = self.counters
        if counters is NO_COUNTERS:
            return
        counters.handled(inc.platform, route_of(inc, self.routes), seconds)
        for intent in intents:
            kind = intent.kind.value if isinstance(intent, Reply) else type(intent).__name__.lower()
            counters.reply_out(inc.platform, kind)
            if kind in ("crisis", "crisis_offer"):
                counters.crisis_reply(inc.platform, kind)

    async def _handle_one(self, inc: Incoming, keep: Keep | None, ref: str | None) -> Handled:
        length = len(inc.text or "")
        cap = 4 * self.config.max_reflection_chars
        if length > cap:
            # Far past the limit it is refused anyway; don't clean megabytes character by character.
            inc = replace(inc, text=inc.text[:cap + 1])  # type: ignore[index]
        inc = replace(inc, text=clean_text(inc.text), args=tuple(clean_text(a) or "" for a in inc.args))
        # Safety before limits: crisis words are looked for first, and such a message is never held back
        # by flood control, however fast the person has been writing (it costs one check, no database).
        written = inc.text if inc.command is None else " ".join(inc.args)
        tier = assess(written).tier if written else CrisisTier.NONE
        if tier == CrisisTier.REPLY:
            if not self.flood.crisis(inc.platform, inc.user_id, inc.chat_id, inc.chat_type, self.clock()):
                return Handled([])  # in a group, the offer of a private chat made a moment ago still stands
        else:
            gate = self.flood.check(inc.platform, inc.user_id, inc.chat_id, inc.chat_type, self.clock(),
                                    press=inc.action is not None)
            if gate == "drop":
                return Handled([])
            if gate == "warn":
                return Handled([Reply(t(self.language_for(inc, None), "common.rate_limited"))])
        job = _Job(inc, length, tier, asyncio.get_running_loop().create_future(), keep=keep)
        self._pending.append(job)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        intents = await job.done
        if job.error is not None:
            log_failure(log, ref, route_of(inc, self.routes), "in the core; nothing was stored", job.error)
        if job.kept_before is not None:
            return Handled(intents, job.kept_before[0], job.kept_before[1])
        return Handled(intents, job.reply_id)

    async def _drain(self) -> None:
        """Group commit: messages that arrive together share one transaction, one flush, one fsync.

        Every receipt is still returned only after the commit that holds what it confirms. If any
        message of a batch fails, the batch is rolled back and its messages run one by one, so one
        bad message never costs another person theirs.
        """
        while self._pending:
            await asyncio.sleep(0)  # let messages arriving at the same moment join this batch
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                results = await self._run(batch)
            except Exception as exc:
                if len(batch) == 1:
                    batch[0].error = exc
                    results = [self._error(batch[0].inc)]
                else:
                    results = []
                    for job in batch:
                        results.append(await self._run_alone(job))
            for job, intents in zip(batch, results):
                if not job.done.done():
                    job.done.set_result(intents)

    async def _run_alone(self, job: _Job) -> list[Intent]:
        """One message in its own transaction; a second try settles a lost race or a redelivery."""
        for attempt in (1, 2):
            try:
                return (await self._run([job]))[0]
            except IntegrityError as exc:
                if attempt == 2:
                    job.error = exc  # a conflict twice
            except Exception as exc:
                job.error = exc
                break
        return self._error(job.inc)

    async def _run(self, batch: list[_Job]) -> list[list[Intent]]:
        with writer(self.sessions()) as session:
            try:
                for job in batch:
                    job.key, job.care = self.message_key(job.inc), self.care_key(job.inc)
                known = _Prefetch(session, [j.inc for j in batch], [j.key for j in batch],
                                  [j.care for j in batch], self.clock())
                outcomes = [await self._handle(session, job, known) for job in batch]
                if known.new_keys:
                    session.execute(insert(ProcessedMessage), known.new_keys)
                session.flush()
                results = [[i.build() if isinstance(i, Later) else i for i in intents] for intents, _ in outcomes]
                kept = [self._keep(session, job, intents) for job, intents in zip(batch, results)]
                if any(kept):
                    session.flush()
                session.commit()
            except Exception:
                session.rollback()
                for job in batch:
                    job.kept_before = None
                raise
        for job, row in zip(batch, kept):
            job.reply_id = row.id if row is not None else None
        if any(erased for _, erased in outcomes) and self.on_erase is not None:
            self.on_erase()
        return results

    def _error(self, inc: Incoming) -> list[Intent]:
        return [Reply(t(self.language_for(inc, None), "common.error"))]

    async def _handle(self, session: Session, job: _Job, known: _Prefetch) -> tuple[list[Intent], bool]:
        inc, length, key = job.inc, job.length, job.key
        if key is not None:
            if key in known.keys:
                if job.keep is not None and (found := claim_redelivered(session, inc.platform, key, self.clock(),
                                                                         job.keep.lease)) is not None:
                    # Handled before, its reply kept and never sent (the process died): send it now.
                    intents, render = unpack(found[1])
                    job.kept_before = (found[0], render)
                    return intents, False
                return [], False  # already handled and answered (or being answered): no second receipt
            known.keys.add(key)
            known.new_keys.append({"key": key, "processed_at": self.clock()})
        participant = known.participants.get((inc.platform, inc.user_id))
        ctx = Ctx(incoming=inc, session=session, config=self.config, participant=participant,
                  lang=self.language_for(inc, participant.language if participant else None), now=self.clock(),
                  services=self.services, routes=self.routes)
        if length > 4 * self.config.max_reflection_chars:
            ctx.received_length = length
        contact = participant.contact if participant is not None else None
        if contact is not None and not contact.reachable and inc.chat_type == "private":
            # They wrote to us, so they can be reached again (they had blocked the bot, or left DMs off).
            contact.reachable, contact.chat_id, contact.updated_at = True, inc.chat_id, ctx.now
        # Tier 2 (distress that is not explicit) travels with the message: a receipt made for it adds the
        # warm signpost line (handlers/reflections.py); it never changes routing or what is stored.
        ctx.crisis_tier = job.tier
        intents = await self._route(ctx, job.crisis, known.care, job.care)
        # Later messages of this batch from the same person see who they are now (new or erased).
        known.participants[(inc.platform, inc.user_id)] = ctx.participant
        job.participant = ctx.participant
        return intents, ctx.erased

    def _keep(self, session: Session, job: _Job, intents: list[Intent]):  # noqa: ANN202 - PendingReply | None
        """Store the reply with what it answers, when the adapter asked (and it is not a kept one again)."""
        if job.keep is None or not intents or job.kept_before is not None:
            return None
        person = job.participant
        # Someone erased in this very message: the confirmation is kept without a key to them.
        person_id = person.id if person is not None and orm_state(person).persistent else None
        inc = job.inc
        return keep_reply(session, participant_id=person_id, platform=inc.platform, chat_id=inc.chat_id,
                          message_key=job.key, payload=payload(intents, job.keep), now=self.clock(),
                          lease=job.keep.lease)

    async def _route(self, ctx: Ctx, crisis: bool, in_care: set[str], care: str) -> list[Intent]:
        inc = ctx.incoming
        out: list[Intent] = []
        # Safety first: whatever else the message is, someone in crisis is signposted at once.
        if crisis and ctx.config.crisis_alert_chats:
            # Counted where the words were seen, in a group too: facilitators hear of it even if the
            # person never opens the private chat (opening it later is not counted again).
            note_crisis_reply(ctx.session, ctx.config.crisis_alert_chats, ctx.now)
        if crisis and inc.chat_type != "private":
            # Never in public: a neutral offer of a private chat and nothing else, nothing routed (so
            # nothing written here is stored); the crisis reply waits in the chat the offer opens.
            return [private_offer(ctx, self._key)]
        if crisis or opens_crisis_reply(self._key, inc):
            ctx.crisis = crisis
            young = is_young(ctx.participant.age_band if ctx.participant is not None else None)
            out.append(Reply(crisis_reply(ctx.lang, young=young), kind=ReplyKind.CRISIS))
            if inc.command is not None:
                # Crisis words as a command's words, or a group offer's payload: the command runs without
                # them, so they are neither kept (a /start payload is, before consent) nor searched for.
                ctx.incoming = inc = replace(inc, args=())
        if inc.command is not None:
            return out + await self._command(ctx)
        if inc.action is not None:
            handler = self.routes.actions.get(inc.action.split(":", 1)[0])
            if handler is None:
                return out + [Reply(ctx.t("common.stale_button"), kind=ReplyKind.STALE_BUTTON)]
            return out + await handler(ctx)
        if inc.chat_type != "private":
            # Reflections are never collected in groups (a command there gets its answer instead): words
            # addressed to us there (a Discord @mention) are pointed to a private chat.
            return [Reply(ctx.t("common.group_only_private"), private=False, kind=ReplyKind.TAKE_PRIVATE,
                          lang=ctx.lang)]
        # After a crisis reply: no receipt, no form, nothing stored; for a while every message gets one
        # short line with the helplines (handlers/core/aftercare.py).
        if ctx.crisis:
            aftercare.begin(ctx.session, care, ctx.now)
            in_care.add(care)  # later messages of this batch are inside the window too
            return out
        if care in in_care:
            young = is_young(ctx.participant.age_band if ctx.participant is not None else None)
            return [Reply(aftercare_line(ctx.lang, young=young), kind=ReplyKind.CRISIS)]
        state = ctx.flow
        step = self.routes.text_steps.get(state.flow) if state is not None else None
        if step is not None:
            return out + await step(ctx)
        return out + store_reflection(ctx)

    async def _command(self, ctx: Ctx) -> list[Intent]:
        name = (ctx.incoming.command or "").lower()
        command = self.routes.commands.get(name)
        if command is None:
            shown = name[:32] if name.isprintable() else "?"
            return [Reply(ctx.t("common.unknown_command", command=shown))]
        if ctx.role not in command.roles:
            return [Reply(ctx.t("common.not_allowed"))]
        if command.private_only and ctx.incoming.chat_type != "private":
            return [Reply(ctx.t("common.group_only_private"), private=False, kind=ReplyKind.TAKE_PRIVATE,
                          lang=ctx.lang)]
        return await command.handler(ctx)
