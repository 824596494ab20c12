"""The dashboard as an ASGI app: every page with its declared roles, the vendored static files, and the
security headers on every answer (no scripts at all: the policy forbids them)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import Settings
from bot.web import exports, login, moderation, pages
from bot.web.auth import Page, Web, endpoint
from content.i18n import t
from storage.clock import Clock, system_clock

HERE = Path(__file__).parent
# Every page, each with the roles that may open it (tests/bot/web/test_routes.py walks them all).
PAGES: tuple[Page, ...] = login.PAGES + pages.PAGES + moderation.PAGES + exports.PAGES
# No script from anywhere; styles from here (and the inline presentation attributes of the SVG charts).
CSP = ("default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
           (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"cache-control", b"no-store"), (b"cross-origin-opener-policy", b"same-origin")]


class SecurityHeaders:
    """Adds the headers above to every HTTP answer, the static files and error pages included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in HEADERS}
                message["headers"] = [h for h in message.get("headers", []) if h[0] not in names] + HEADERS
            await send(message)
        await self.app(scope, receive, with_headers)


def _routes(web: Web) -> list:
    routes = []
    for page in PAGES:
        routes.append(Route(page.path, endpoint(web, page), methods=list(page.methods),
                            name=f"{page.handler.__name__}:{'/'.join(page.methods)}"))
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    return routes


def create_app(settings: Settings, sessions: sessionmaker[Session], clock: Clock = system_clock) -> ASGIApp:
    templates = Jinja2Templates(directory=HERE / "templates")
    web = Web(settings, sessions, clock, templates)

    async def not_found(request: Request, exc: Exception) -> Response:
        lang = "en" if request.query_params.get("lang") == "en" else "da"
        ctx = {"t": lambda key, **v: t(lang, key, **v), "lang": lang, "role": None, "csrf": "",
               "path": request.url.path}
        return templates.TemplateResponse(request, "not_found.html", ctx, status_code=404)

    app = Starlette(routes=_routes(web), exception_handlers={404: not_found, 405: not_found})
    return SecurityHeaders(app)
