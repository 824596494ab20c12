"""The disclosure-control layer: the same cell always gets the same noise, bounded, never below k."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from insights import disclosure
from insights.digest import build_digest
from insights.periods import parse_period
from storage.models import Participant, Reflection

W47 = datetime(2026, 11, 17, 10, tzinfo=timezone.utc)


def test_the_table_is_balanced_and_bounded():
    assert len(disclosure.PTABLE) == disclosure.TABLE_SIZE and sum(disclosure.PTABLE) == 0
    assert max(abs(v) for v in disclosure.PTABLE) == disclosure.MAX_NOISE == 5


@pytest.mark.parametrize("n", [5, 6, 9, 40, 99, 100, 250, 4000])
def test_noise_is_bounded_and_never_below_k(n):
    bound = max(5, int(0.05 * n))
    for ckey in range(0, 1 << 12, 7):
        cell = disclosure.publish(n, ckey, 5, reflections=n + 3)
        assert cell is not None and cell.participants >= 5 and abs(cell.participants - n) <= bound
        assert cell.reflections >= cell.participants and abs(cell.reflections - n - 3) <= max(bound, 5)
    assert disclosure.publish(4, 123, 5) is None  # a small cell never leaves
    with pytest.raises(ValueError):
        disclosure.publish(10, 1, 4)


def test_same_table_same_noise_and_one_more_person_changes_every_cell():
    keys = {i: (i * 7919 + 13) % disclosure.RECORD_KEY_RANGE for i in range(40)}
    people = frozenset(range(30))
    table = disclosure.table_key("2026-W47", people, keys)
    a = disclosure.publish_people(people, keys, 5, 30, table=table, label="total")
    assert a == disclosure.publish_people(people, keys, 5, 30, table=table, label="total")
    # One more person in the table: every cell's key changes, also the cells they are not in.
    other = frozenset(range(30, 36))
    table2 = disclosure.table_key("2026-W47", people | {36}, keys)
    keys1 = disclosure.cell_key(other, keys) + table + disclosure.label_key("x")
    keys2 = disclosure.cell_key(other, keys) + table2 + disclosure.label_key("x")
    assert keys1 % disclosure.RECORD_KEY_RANGE != keys2 % disclosure.RECORD_KEY_RANGE


def test_digest_marks_perturbed_counts(sqlite_app):
    with sqlite_app.sessions() as s:
        for i in range(15):
            area, region = ("fritid", "Region Sjælland") if i < 8 else ("hjem", "Region Hovedstaden")
            p = Participant(platform="console", external_id=f"p{i}", created_at=W47, region=region,
                            age_band="50-64", consent_state="given", onboarded=True, language="da")
            p.reflections.append(Reflection(text="Koret er det bedste i min uge", language="da", created_at=W47,
                                            areas=[area]))
            s.add(p)
        s.commit()
        d = build_digest(s, parse_period("2026-W47"), now=W47)
        again = build_digest(s, parse_period("2026-W47"), now=W47)
    assert d["disclosure"]["method"] == "cell-key" and d["disclosure"]["max_noise"] == 5
    assert d["totals"]["perturbed"] == ["reflections", "participants", "new_participants"]
    assert abs(d["totals"]["participants"] - 15) <= 5 and d["totals"]["participants"] >= 5
    shown = [a for a in d["areas"] if not a["suppressed"]]
    shown += [c for dim in d["breakdowns"].values() for c in dim["categories"] if not c["suppressed"]]
    assert shown and all(c["perturbed"] is True and c["participants"] >= 5 for c in shown)
    assert d["digest_key"] == again["digest_key"]  # asking again gives the same numbers
