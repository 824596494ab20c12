"""Which statement to show next: Polis's comment priority, kept apart from the analysis so the chat
never loads scikit-learn (the analysis runs as a job; see insights/conversation.py)."""
from __future__ import annotations

import math


def priority(agrees: int, passes: int, seen: int, extremity: float) -> float:
    """How much a statement should be shown next (Polis's comment priority): new and informative first."""
    a = (agrees + 1) / (seen + 2)
    p = (passes + 1) / (seen + 2)
    importance = (1 - p) * (extremity + 1) * a
    return (importance * (1 + 8 * math.pow(2, -seen / 5))) ** 2


# A statement nobody has voted on yet (and of no known extremity): shown soonest.
NEW = priority(0, 0, 0, 0.0)
