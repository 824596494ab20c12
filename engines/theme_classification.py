"""What the lexicons found in one text: its areas, the groups it names, and the words that matched each."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Classification:
    """The areas of a text (or ("andet",)), the groups it mentions, and what matched each."""

    areas: tuple[str, ...]
    groups: tuple[str, ...]
    # category id -> ((word or phrase as found in the text, the lexicon entry it matched), …)
    matches: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def matched_words(self, category: str) -> list[str]:
        return [found for found, _ in self.matches.get(category, ())]

    def as_dict(self) -> dict:
        return {
            "areas": list(self.areas),
            "groups": list(self.groups),
            "matched": {c: [w for w, _ in m] for c, m in self.matches.items()},
            "entries": {c: sorted({e for _, e in m}) for c, m in self.matches.items()},
        }
