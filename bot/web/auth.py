"""Who is looking: the session cookie, the role each page declares, CSRF tokens and the answers for
anyone who may not see a page (a login page for the anonymous, 404 for a role that may not know it exists).

A route is a `Page`: its path, its handler and the roles that may open it (none: public). Handlers are
plain functions run in a worker thread with one database session, committed after they return.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from bot.config import Settings
from bot.web.cache import PageCache
from content.i18n import t as translate
from storage.clock import Clock
from storage.dashboard_models import DashboardSession
from storage.dashboard_queries import IDLE, live_session
from storage.models import Participant

COOKIE = "samtale_session"
STAFF = frozenset({"facilitator", "organiser"})
FACILITATOR = frozenset({"facilitator"})
ORGANISER = frozenset({"organiser"})
PUBLIC: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Web:
    """What every page gets from the program: settings, the database, the clock, the templates."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    templates: Jinja2Templates
    cache: PageCache = field(default_factory=PageCache)

    @property
    def secure(self) -> bool:
        return self.settings.web.public_url.startswith("https://")


@dataclass
class Viewer:
    """The logged-in person, as far as pages need to know: a role, never a platform id."""

    row: DashboardSession
    csrf: str

    @property
    def role(self) -> str:
        return self.row.role

    @property
    def lang(self) -> str:
        return self.row.lang

    @property
    def actor(self) -> str:
        # The audit log's actor: the configured identity, as in chat (the log is not shown with it).
        return f"web:{self.row.identity}" if self.row.identity else f"web:participant:{self.row.participant_id}"


@dataclass
class Call:
    """One request to a page: the request, its form, the viewer (None on public pages), a db session."""

    request: Request
    web: Web
    db: Session
    now: datetime
    form: dict[str, str] = field(default_factory=dict)
    viewer: Viewer | None = None
    lang_hint: str | None = None

    @property
    def lang(self) -> str:
        if self.viewer is not None:
            return self.viewer.lang
        if self.lang_hint is not None:
            return self.lang_hint
        return "en" if self.request.query_params.get("lang") == "en" else "da"

    def t(self, key: str, **values: object) -> str:
        return translate(self.lang, key, **values)

    def render(self, template: str, status: int = 200, **context: object) -> Response:
        viewer = self.viewer
        base = {"t": self.t, "lang": self.lang, "role": viewer.role if viewer else None,
                "csrf": viewer.csrf if viewer else "", "path": self.request.url.path}
        return self.web.templates.TemplateResponse(self.request, template, {**base, **context}, status_code=status)


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Page:
    path: str
    handler: Handler
    roles: frozenset[str]
    methods: tuple[str, ...] = ("GET",)


def csrf_for(cookie: str) -> str:
    # Derived from the session's secret, so it needs no storage and changes with every login.
    return hmac.new(cookie.encode(), b"samtale-csrf", hashlib.sha256).hexdigest()


def _still_allowed(web: Web, db: Session, row: DashboardSession) -> bool:
    """The role the link was for must still hold: a facilitator still configured, an organiser still one."""
    if row.role == "facilitator":
        return row.identity is not None and row.identity in web.settings.roles.facilitators
    person = db.get(Participant, row.participant_id) if row.participant_id is not None else None
    return person is not None and person.role == "organiser"


def find_viewer(web: Web, db: Session, request: Request, now: datetime) -> Viewer | None:
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    row = live_session(db, cookie, now)
    if row is None:
        return None
    if not _still_allowed(web, db, row):
        row.ended_at = now
        return None
    return Viewer(row, csrf_for(cookie))


def set_cookie(web: Web, response: Response, value: str) -> None:
    response.set_cookie(COOKIE, value, max_age=int(IDLE.total_seconds()), httponly=True, samesite="strict",
                        secure=web.secure, path="/")


def _refuse(call: Call, page: Page) -> Response | None:
    """The answer for someone who may not use the page, or None when they may."""
    viewer = call.viewer
    if not page.roles:
        return None
    if viewer is None:
        return RedirectResponse(f"/login?lang={call.lang}", status_code=303)
    if viewer.role not in page.roles:
        return call.render("not_found.html", status=404)
    if call.request.method == "POST" and not hmac.compare_digest(call.form.get("csrf", ""), viewer.csrf):
        return call.render("message.html", status=403, message=call.t("dashboard.login.csrf"))
    return None


def _serve(web: Web, page: Page, request: Request, form: dict[str, str]) -> Response:
    now = web.clock()
    with web.sessions() as db:
        call = Call(request, web, db, now, form, find_viewer(web, db, request, now))
        response = _refuse(call, page) or page.handler(call)
        db.commit()
    if call.viewer is not None and call.viewer.row.ended_at is None:
        set_cookie(web, response, request.cookies[COOKIE])  # slides the idle timeout in the browser too
    return response


def endpoint(web: Web, page: Page):  # noqa: ANN201 - a Starlette endpoint
    async def run(request: Request) -> Response:
        form: dict[str, str] = {}
        if request.method == "POST":
            async with request.form(max_files=0, max_fields=20) as data:
                form = {k: v for k, v in data.items() if isinstance(v, str)}
        return await run_in_threadpool(_serve, web, page, request, form)
    return run
