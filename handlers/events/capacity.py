"""An event's capacity as an organiser types it: '20', '20 pladser', '1.000 people' (new events and edits)."""
from __future__ import annotations

import re

_COUNT = re.compile(r"^(-?\d[\d.]*)\s*(?:pladser|plads|personer|person|deltagere|people|persons|places|"
                    r"place|seats|seat)?$")


def capacity_number(text: str) -> int | None:
    """'20', '20 pladser', '1.000 people' → the number; None when it is not a number."""
    m = _COUNT.match(" ".join((text or "").split()).casefold())
    return int(m.group(1).replace(".", "")) if m and m.group(1).replace(".", "").lstrip("-").isdigit() else None


def capacity_problem(text: str, max_capacity: int) -> tuple[int | None, tuple[str, dict[str, int]] | None]:
    """A typed capacity as (the number, what is wrong with it as an `events.new.error.*` key and values)."""
    cap = capacity_number(text)
    if cap is None:
        return None, ("capacity_nan", {})
    if cap < 1:
        return cap, ("capacity_low", {})
    if cap > max_capacity:
        return cap, ("capacity_high", {"max": max_capacity})
    return cap, None
