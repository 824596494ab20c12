"""An online event's join link: asked of the organiser, checked, and shown only to people with a seat.

The link is the door to a video call: on a public card or in a channel post anyone could walk in, so
it is kept apart from the place (which stays "Online") and given only in a confirmed seat's card,
reminder and calendar file. Only https:// links to a named host are taken.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

JOIN_URL_MAX = 500
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def looks_like_link(text: str) -> bool:
    return text.strip().casefold().startswith(("http://", "https://", "www."))


def join_link_problem(text: str) -> tuple[str | None, tuple[str, dict[str, int]] | None]:
    """(the link, None) or (None, what is wrong as an `events.new.error.*` key and its values)."""
    link = text.strip()
    if len(link) > JOIN_URL_MAX:
        return None, ("link_long", {"max": JOIN_URL_MAX, "length": len(link)})
    if any(c.isspace() or ord(c) < 32 or c in "<>\"'`" for c in link):
        return None, ("link_bad", {})
    try:
        parts = urlsplit(link)
        host = parts.hostname or ""
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return None, ("link_bad", {})
    if parts.scheme.casefold() != "https":
        return None, ("link_https", {})
    if not _HOST.match(host.casefold()) or parts.username or parts.password or not port_ok:
        return None, ("link_bad", {})
    return link, None


def place_and_link(place: str) -> tuple[str, str | None]:
    """A link typed where the place was asked: the place is "Online" and the link is kept aside."""
    return ("Online", place.strip()) if looks_like_link(place) else (place, None)
