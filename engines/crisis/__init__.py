"""Crisis wording: detect it in any message, and the fixed, vetted reply to give when it is there.

folding.py  the matching form of a text and of a lexicon regex (lower case, æøå and doubles folded)
lexicon.py  content/safety/crisis.toml read, and each entry of a group turned into regexes
filing.py   those regexes filed by the characters a match can start with
matcher.py  the compiled lexicon, searched word by word: detect_crisis, warm_up
prepared.py the compiled lexicon kept on disk (a cache folder), so a start loads it instead of compiling
reply.py    crisis_reply and aftercare_line, from content/safety/crisis_reply.toml
tiers.py    assess: tier 1 (the lexicon) or tier 2 (the model, content/models/crisis_tier2.json), and the
            tier-2 signpost line from content/safety/signpost.toml

Imports content/ only. Callers use the names below; the modules are for the tests and the lexicon's
maintainers.
"""
from __future__ import annotations

from engines.crisis.folding import normalise
from engines.crisis.matcher import CrisisMatch, detect_crisis, warm_up
from engines.crisis.reply import aftercare_line, crisis_reply
from engines.crisis.tiers import Assessment, CrisisTier, assess, crisis_tier, signpost_line

__all__ = ["Assessment", "CrisisMatch", "CrisisTier", "aftercare_line", "assess", "crisis_reply", "crisis_tier",
           "detect_crisis", "normalise", "signpost_line", "warm_up"]
