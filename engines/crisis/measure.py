"""How the tiers do on a labelled set: crisis texts reaching tier 1, tier 2 or either; ordinary texts flagged."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engines.crisis.tiers import CrisisTier, assess


@dataclass(frozen=True)
class TierFigures:
    name: str
    crisis: int  # crisis texts in the set
    crisis_tier1: int
    crisis_tier2: int
    ordinary: int  # ordinary texts in the set
    ordinary_tier1: int
    ordinary_tier2: int

    def lines(self) -> list[str]:
        def pct(a: int, b: int) -> str:
            return f"{a}/{b} = {100 * a / b:.1f} %" if b else "-"

        out = [f"{self.name}:"]
        if self.crisis:
            either = self.crisis_tier1 + self.crisis_tier2
            out.append(f"  crisis texts reaching tier 1 or 2: {pct(either, self.crisis)} "
                       f"(tier 1 {self.crisis_tier1}, tier 2 {self.crisis_tier2})")
        if self.ordinary:
            out.append(f"  ordinary texts at tier 1: {pct(self.ordinary_tier1, self.ordinary)}; "
                       f"at tier 2: {pct(self.ordinary_tier2, self.ordinary)}")
        return out


def measure(name: str, rows: list[tuple[str, str]]) -> TierFigures:
    """rows: (label, text) with label "crisis" or anything else (ordinary)."""
    counts = {("crisis", t): 0 for t in CrisisTier} | {("ordinary", t): 0 for t in CrisisTier}
    for label, text in rows:
        kind = "crisis" if label == "crisis" else "ordinary"
        counts[(kind, assess(text).tier)] += 1
    total = {k: sum(v for (kind, _), v in counts.items() if kind == k) for k in ("crisis", "ordinary")}
    return TierFigures(name, total["crisis"], counts[("crisis", CrisisTier.REPLY)],
                       counts[("crisis", CrisisTier.SIGNPOST)], total["ordinary"],
                       counts[("ordinary", CrisisTier.REPLY)], counts[("ordinary", CrisisTier.SIGNPOST)])


def labelled_rows(path: Path) -> list[tuple[str, str]]:
    """(label, text) of a crisis set (label lang text), a themes set (its text, all ordinary) or the
    langid set (its text, ordinary), by the file's header."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if parts[0] in ("label", "areas", "lang") and parts[-1] == "text":
            continue
        if parts[0] in ("crisis", "ordinary") and len(parts) == 3:
            rows.append((parts[0], parts[2]))
        else:
            rows.append(("ordinary", parts[-1]))
    return rows
