"""The age bands a profile can hold, in order: one list for onboarding, settings, campaigns and digests."""
from __future__ import annotations

AGE_BANDS = ("u15", "15-17", "18-29", "30-49", "50-64", "65-79", "80+")
# Under-15s are signposted and nothing of theirs is stored: no campaign targets them, no digest counts them.
STORED_AGE_BANDS = AGE_BANDS[1:]
