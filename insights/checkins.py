"""The check-in figures for facilitators and the report: the share with a T-ILS score of 7-9, raw and
standardised by age, beside the national figure; change within the same people; by age band, region
and month. Every count passes the disclosure layer (insights/disclosure.py) before any share is made.

A self-selected sample, never a prevalence: the people who chose to answer a chat bot's check-in are not
Denmark. `checkin_chapter(session, period, k)` returns the data (for the report's results chapter, the
CLI and digests); `chapter_html(data, lang)` a self-contained HTML fragment; `chapter_text` plain lines.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
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
    """People (ids) per cell, and those of them with a high score."""

    people: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    high: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def add(self, cell: str | None, pid: int, is_high: bool) -> None:
        cell = cell or "unknown"
        self.people[cell].add(pid)
        if is_high:
            self.high[cell].add(pid)


@dataclass
class _Scan:
    """One pass over the check-ins up to the period's end, ordered by person and time."""

    keys: dict[int, int] = field(default_factory=dict)
    latest: dict[int, tuple[int, str | None, str | None]] = field(default_factory=dict)  # score, band, region
    first: dict[int, tuple[datetime, int]] = field(default_factory=dict)
    latest_at: dict[int, datetime] = field(default_factory=dict)
    # (month, person) -> the person's latest score that month
    months: dict[tuple[str, int], int] = field(default_factory=dict)


def _month_bounds(period: Period, naive: bool) -> tuple[list[datetime], list[str]]:
    starts, names = [], []
    month = period_containing("month", period.first_day)
    while month.first_day < period.next_first_day:
        start = max(month.start, period.start)
        starts.append(start.replace(tzinfo=None) if naive else start)
        names.append(month.id)
        month = period_containing("month", month.next_first_day)
    return starts, names


def _scan(session: Session, period: Period) -> _Scan:
    naive = session.get_bind().dialect.name == "sqlite"  # SQLite hands back naive UTC times
    start, end = (period.start, period.end) if not naive else (
        period.start.astimezone(timezone.utc).replace(tzinfo=None), period.end.astimezone(timezone.utc).replace(tzinfo=None))
    starts, names = _month_bounds(period, naive)
    rows = session.execute(
        select(Checkin.participant_id, Checkin.answered_at, Checkin.score, Checkin.age_band, Checkin.region,
               Participant.record_key)
        .join(Participant, Participant.id == Checkin.participant_id)
        .where(Checkin.answered_at < period.end)
        .order_by(Checkin.participant_id, Checkin.answered_at, Checkin.id))
    out = _Scan()
    for pid, at, score, band, region, rkey in rows:
        if pid not in out.first:
            out.first[pid] = (at, score)
        if at < start or at >= end:
            continue
        out.keys[pid] = rkey
        out.latest[pid] = (score, band, region)
        out.latest_at[pid] = at
        out.months[(names[bisect.bisect_right(starts, at) - 1], pid)] = score
    return out


def _cell(people: set[int], high: set[int], keys: dict[int, int], k: int, table: int, label: tuple) -> dict:
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
    return {name: _cell(people, cells.high.get(name, set()), keys, k, table, ("checkins", dim, name))
            for name, people in sorted(cells.people.items())}


def _noisy(people: set[int], keys: dict[int, int], table: int, label: tuple) -> int:
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
            high = _noisy(bands.high.get(band, set()), keys, table, ("checkins", "age_band", band, "high"))
        cells[band] = (min(high, shown["people"]), shown["people"])
    found = standardise(cells, population.weights())
    if found is None:
        return None
    share, low, top, used = found
    return {"share": share, "ci95": [low, top], "bands_used": list(used), "weights_as_of": population.as_of,
            "weights_source": population.source, "weights_verified": population.verified}


def _paired(scan: _Scan, keys: dict[int, int], k: int, table: int, high_from: int) -> dict:
    """People with an earlier check-in: their first against their latest in the period."""
    better, same, worse, was_high, is_high = set(), set(), set(), set(), set()
    change = 0
    for pid, (score, _, _) in scan.latest.items():
        first_at, first = scan.first[pid]
        if first_at >= scan.latest_at[pid]:
            continue
        change += score - first
        (better if score < first else worse if score > first else same).add(pid)
        if first >= high_from:
            was_high.add(pid)
        if score >= high_from:
            is_high.add(pid)
    everyone = better | same | worse
    shown = publish_people(everyone, keys, k, table=table, label=("checkins", "paired", "people"))
    if shown is None:
        return {"suppressed": True}
    def count(group: set[int], name: str) -> int | None:
        cell = publish_people(group, keys, k, table=table, label=("checkins", "paired", name))
        return None if cell is None else min(cell.participants, shown.participants)
    return {"people": shown.participants, "lower_score": count(better, "better"), "same_score": count(same, "same"),
            "higher_score": count(worse, "worse"), "high_at_first": count(was_high, "was_high"),
            "high_at_latest": count(is_high, "is_high"),
            # A mean over at least k people, rounded: the score runs 3-9, lower is less lonely.
            "mean_change": round(change / len(everyone), 1)}


def checkin_chapter(session: Session, period: Period, *, k: int = K_MIN) -> dict:
    """The check-in figures of `period`, every count through the disclosure layer (the report's chapter)."""
    scale = load_scale()
    scan = _scan(session, period)
    overall, bands, regions, months = _Cells(), _Cells(), _Cells(), _Cells()
    for (month, pid), score in scan.months.items():
        months.add(month, pid, score >= scale.high_from)
    for pid, (score, band, region) in scan.latest.items():
        is_high = score >= scale.high_from
        overall.add("all", pid, is_high)
        bands.add(band, pid, is_high)
        regions.add(region, pid, is_high)
    table = table_key(f"checkins:{period.id}", scan.keys, scan.keys)
    by_band = _breakdown(bands, scan.keys, k, table, "age_band")
    total = _cell(overall.people.get("all", set()), overall.high.get("all", set()), scan.keys, k, table,
                  ("checkins", "all"))
    if not total.get("suppressed"):
        total["standardised"] = _standardised(bands, by_band, scan.keys, table)
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
        "by_region": _breakdown(regions, scan.keys, k, table, "region"),
        "by_month": _breakdown(months, scan.keys, k, table, "month"),
        "paired": _paired(scan, scan.keys, k, table, scale.high_from),
        "disclosure": describe(k),
    }
