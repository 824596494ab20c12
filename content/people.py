"""The age bands a profile can hold, in order: one list for onboarding, settings, campaigns and digests."""
from __future__ import annotations

AGE_BANDS = ("u15", "15-17", "18-29", "30-49", "50-64", "65-79", "80+")
# Under-15s are signposted and nothing of theirs is stored: no campaign targets them, no digest counts them.
STORED_AGE_BANDS = AGE_BANDS[1:]


def band_for_age(age: int) -> str | None:
    """The band a typed age falls in ('u15' under 15); None for an age nobody has."""
    if age < 0 or age > 120:
        return None
    for band, upper in (("u15", 14), ("15-17", 17), ("18-29", 29), ("30-49", 49), ("50-64", 64), ("65-79", 79)):
        if age <= upper:
            return band
    return "80+"
