"""The check-in figures for facilitators and the report: the share with a T-ILS score of 7-9, raw and
standardised by age, beside the national figure; change within the same people; by age band, region
and month. Every count passes the disclosure layer (insights/disclosure.py) before any share is made.

A self-selected sample, never a prevalence: the people who chose to answer a chat bot's check-in are not
Denmark. `checkin_chapter(session, period, k)` returns the data (for the report's results chapter, the
CLI and digests); insights/checkin_render.py shows it as plain lines or as an HTML fragment.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from content.checkin import load_population, load_scale
from insights.checkin_stats import standardise, wilson
from insights.disclosure import K_MIN, cell_key, describe, label_key, noise, publish_people, table_key
from insights.periods import Period, period_containing
from storage.checkin_models import Checkin
from storage.models import RECORD_KEY_RANGE, Participant

SAMPLE_NOTE = {
    "da": "Et selvvalgt udsnit: dem, der selv valgte at svare på Samtales check-in. Det er ikke en "
          "forekomst i befolkningen og kan ikke sammenlignes direkte med Sundhedsprofilen.",
    "en": "A self-selected sample: the people who chose to answer Samtale's check-in. It is not a "
          "prevalence in the population and cannot be compared directly with the national health profile.",
}


@dataclass
class _Cells:
    """People (ids, each once per cell) per cell, and those of them with a high score."""

    people: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    high: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, cell: str | None, pid: int, is_high: bool) -> None:
        cell = cell or "unknown"
        self.people[cell].append(pid)
        if is_high:
            self.high[cell].append(pid)


@dataclass
class _Scan:
    """One pass over the check-ins up to the period's end: each person's latest in the period, by cell."""

    keys: dict[int, int] = field(default_factory=dict)
    bands: _Cells = field(default_factory=_Cells)
    regions: _Cells = field(default_factory=_Cells)
    months: _Cells = field(default_factory=_Cells)  # a person's latest check-in of each month
    high: list[int] = field(default_factory=list)
    # People with a check-in before their latest in the period: person -> (first score, latest score).
    pairs: dict[int, tuple[int, int]] = field(default_factory=dict)


def _month_of(period: Period):  # noqa: ANN202 - a SQL expression
    """The index of the period's month a check-in falls in (-1 before the period, -2 after it), computed in
    SQL so no timestamp is parsed in Python (for a million check-ins that would be most of the time)."""
    whens, names = [], []
    month = period_containing("month", period.first_day)
    while month.first_day < period.next_first_day:
        whens.append((Checkin.answered_at < month.end, len(names)))
        names.append(month.id)
        month = period_containing("month", month.next_first_day)
    return case((Checkin.answered_at < period.start, -1), *whens, else_=-2), names


def _scan(session: Session, period: Period, high_from: int) -> _Scan:
    """Each person's latest check-in of the period (and of each month), and their first ever.

    One plain scan, no ORDER BY and no index: the check-ins of a year are most of the table, and a
    person's check-ins are months apart, so their ids are in the order they were answered.
    """
    month, names = _month_of(period)
    result = session.connection().execute(
        select(Checkin.id, Checkin.participant_id, month, Checkin.score, Checkin.age_band, Checkin.region))
    # The driver's own tuples: ints and strings need no conversion, and a million Row objects cost a second.
    rows = result.cursor.fetchall()
    result.close()
    first: dict[int, tuple[int, int]] = {}
    latest: dict[int, tuple] = {}
    monthly: dict[tuple[int, int], tuple[int, int]] = {}
    for cid, pid, index, score, band, region in rows:
        if index == -2:
            continue
        seen = first.get(pid)
        if seen is None or cid < seen[0]:
            first[pid] = (cid, score)
        if index < 0:
            continue
        last = latest.get(pid)
        if last is None or cid > last[0]:
            latest[pid] = (cid, score, band, region)
        last = monthly.get((index, pid))
        if last is None or cid > last[0]:
            monthly[(index, pid)] = (cid, score)
    del rows
    out = _Scan()
    out.keys = dict(session.connection().execute(
        select(Participant.id, Participant.record_key).where(Participant.id.in_(select(Checkin.participant_id)))).all())
    for pid, (cid, score, band, region) in latest.items():
        is_high = score >= high_from
        out.bands.add(band, pid, is_high)
        out.regions.add(region, pid, is_high)
        if is_high:
            out.high.append(pid)
        first_id, first_score = first[pid]
        if first_id < cid:
            out.pairs[pid] = (first_score, score)
    for (index, pid), (_, score) in monthly.items():
        out.months.add(names[index], pid, score >= high_from)
    out.keys = {pid: out.keys[pid] for pid in latest}
    return out


def _cell(people: Collection[int], high: Collection[int], keys: dict[int, int], k: int, table: int, label: tuple) -> dict:
    """One published cell: perturbed people and high counts, their share and Wilson interval."""
    shown = publish_people(people, keys, k, table=table, label=label + ("people",))
    if shown is None:
        return {"suppressed": True}
    highs = publish_people(high, keys, k, table=table, label=label + ("high",))
    if highs is None:
        # Fewer than k with a high score: the count is held back, and so is the share it would give.
        return {"people": shown.participants, "high": None, "share": None, "ci95": None, "high_below_k": True}
    n, h = shown.participants, min(highs.participants, shown.participants)
    low, top = wilson(h, n)
    return {"people": n, "high": h, "share": h / n, "ci95": [low, top]}


def _breakdown(cells: _Cells, keys: dict[int, int], k: int, table: int, dim: str) -> dict[str, dict]:
    return {name: _cell(people, cells.high.get(name, []), keys, k, table, ("checkins", dim, name))
            for name, people in sorted(cells.people.items())}


def _noisy(people: Collection[int], keys: dict[int, int], table: int, label: tuple) -> int:
    """A count perturbed with its cell's noise but not held back under k (for a share inside a sum only)."""
    ckey = (cell_key(people, keys) + table + label_key(label)) % RECORD_KEY_RANGE
    return max(0, len(people) + noise(ckey, len(people)))


def _standardised(bands: _Cells, by_band: dict[str, dict], keys: dict[int, int], table: int) -> dict | None:
    """Standardised to the population by age band, from each published band's perturbed counts.

    A band's high count under k is not shown on its own, but leaving the band out would bias the sum: it
    enters with its cell-key noise (the same noise as the held-back cell), inside a weighted sum only.
    """
    population = load_population()
    cells = {}
    for band, shown in by_band.items():
        if shown.get("suppressed"):
            continue
        high = shown["high"]
        if high is None:
            high = _noisy(bands.high.get(band, []), keys, table, ("checkins", "age_band", band, "high"))
        cells[band] = (min(high, shown["people"]), shown["people"])
    found = standardise(cells, population.weights())
    if found is None:
        return None
    share, low, top, used = found
    return {"share": share, "ci95": [low, top], "bands_used": list(used), "weights_as_of": population.as_of,
            "weights_source": population.source, "weights_verified": population.verified}


def _paired(scan: _Scan, k: int, table: int, high_from: int) -> dict:
    """People with an earlier check-in: their first against their latest in the period."""
    better, same, worse, was_high, is_high = [], [], [], [], []
    change = 0
    for pid, (first, score) in scan.pairs.items():
        change += score - first
        (better if score < first else worse if score > first else same).append(pid)
        if first >= high_from:
            was_high.append(pid)
        if score >= high_from:
            is_high.append(pid)
    keys = scan.keys
    shown = publish_people(scan.pairs.keys(), keys, k, table=table, label=("checkins", "paired", "people"))
    if shown is None:
        return {"suppressed": True}

    def count(group: list[int], name: str) -> int | None:
        cell = publish_people(group, keys, k, table=table, label=("checkins", "paired", name))
        return None if cell is None else min(cell.participants, shown.participants)
    return {"people": shown.participants, "lower_score": count(better, "better"), "same_score": count(same, "same"),
            "higher_score": count(worse, "worse"), "high_at_first": count(was_high, "was_high"),
            "high_at_latest": count(is_high, "is_high"),
            # A mean over at least k people, rounded: the score runs 3-9, lower is less lonely.
            "mean_change": round(change / len(scan.pairs), 1)}


def checkin_chapter(session: Session, period: Period, *, k: int = K_MIN) -> dict:
    """The check-in figures of `period`, every count through the disclosure layer (the report's chapter)."""
    scale = load_scale()
    scan = _scan(session, period, scale.high_from)
    table = table_key(f"checkins:{period.id}", scan.keys, scan.keys)
    by_band = _breakdown(scan.bands, scan.keys, k, table, "age_band")
    total = _cell(scan.keys.keys(), scan.high, scan.keys, k, table, ("checkins", "all"))
    if not total.get("suppressed"):
        total["standardised"] = _standardised(scan.bands, by_band, scan.keys, table)
    return {
        "period": period.as_dict(),
        "kind": "self-selected sample, not prevalence",
        "note": SAMPLE_NOTE,
        "scale": {"name": "T-ILS", "range": [scale.min_score, scale.max_score], "high_from": scale.high_from,
                  "high_label": scale.high_label, "version": scale.version,
                  "danish_labels_verified": scale.verified_da_labels},
        "reference": {"share": scale.reference_share, "year": scale.reference_year, "source": scale.reference_source,
                      "population": "adults 16+, representative survey"},
        "overall": total,
        "by_age_band": by_band,
        "by_region": _breakdown(scan.regions, scan.keys, k, table, "region"),
        "by_month": _breakdown(scan.months, scan.keys, k, table, "month"),
        "paired": _paired(scan, k, table, scale.high_from),
        "disclosure": describe(k),
    }


def digest_section(session: Session, period: Period, *, k: int = K_MIN) -> dict:
    """The check-in line of a digest: the period's share with a score of 7-9, beside the national figure."""
    data = checkin_chapter(session, period, k=k)
    overall, ref = data["overall"], data["reference"]
    out = {"kind": data["kind"], "reference": {"share": ref["share"], "year": ref["year"]}}
    if overall.get("suppressed") or overall.get("high") is None:
        return {**out, "suppressed": True}
    std = overall.get("standardised") or {}
    return {**out, "suppressed": False, "people": overall["people"], "high": overall["high"],
            "share": overall["share"], "ci95": overall["ci95"], "standardised_share": std.get("share"),
            "standardised_weights_verified": std.get("weights_verified")}
