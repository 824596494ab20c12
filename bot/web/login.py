"""Logging in from a one-time link, logging out, and the language switch.

Opening a link shows a button; pressing it (a POST from our own page) spends the link and sets the
cookie. A link preview fetched by a chat app therefore never spends it, and the SameSite=Strict cookie
is set by a same-site request, so the browser sends it on the very next page.
"""
from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from bot.web.auth import COOKIE, PUBLIC, STAFF, Call, Page, set_cookie
from storage.dashboard_queries import end_session, link_state, open_session, redeem_link


def login_help(call: Call) -> Response:
    if call.viewer is not None:
        return RedirectResponse("/", status_code=303)
    message = call.t("dashboard.login.idle") if call.request.query_params.get("idle") else None
    return call.render("login.html", how=True, note=message)


def login_confirm(call: Call) -> Response:
    token = call.request.path_params["token"]
    link, why = link_state(call.db, token, call.now)
    if link is None:
        return call.render("message.html", status=410, message=call.t(f"dashboard.login.{why}"), login=True)
    call.lang_hint = link.lang  # until they log in, the page speaks the language of the chat the link came from
    return call.render("login.html", how=False, token=token)


def login_use(call: Call) -> Response:
    link, why = redeem_link(call.db, call.request.path_params["token"], call.now)
    if link is None:
        return call.render("message.html", status=410, message=call.t(f"dashboard.login.{why}"), login=True)
    if call.viewer is not None:
        end_session(call.viewer.row, call.now)
    secret = open_session(call.db, link, call.now)
    response = RedirectResponse("/", status_code=303)
    set_cookie(call.web, response, secret)
    return response


def logout(call: Call) -> Response:
    assert call.viewer is not None
    end_session(call.viewer.row, call.now)
    response = call.render("message.html", message=call.t("dashboard.login.ended"), login=True)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=call.web.secure)
    return response


def language(call: Call) -> Response:
    assert call.viewer is not None
    call.viewer.row.lang = "en" if call.viewer.lang == "da" else "da"
    back = call.form.get("next", "/")
    # Only a path on this site: never an open redirect.
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    return RedirectResponse(back, status_code=303)


def home(call: Call) -> Response:
    assert call.viewer is not None
    return RedirectResponse("/overview" if call.viewer.role == "facilitator" else "/events", status_code=303)


PAGES = (
    Page("/", home, STAFF),
    Page("/login", login_help, PUBLIC),
    Page("/login/{token}", login_confirm, PUBLIC),
    Page("/login/{token}", login_use, PUBLIC, ("POST",)),
    Page("/logout", logout, STAFF, ("POST",)),
    Page("/language", language, STAFF, ("POST",)),
)
