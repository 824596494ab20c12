"""The check-in figures: Wilson's interval and standardisation against hand-worked cases, and the chapter
from real check-ins through the disclosure layer."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from content.checkin import load_scale, parse_population
from insights.checkin_stats import standardise, wilson
from insights.checkins import checkin_chapter
from insights.periods import parse_period
from storage.checkin_models import Checkin
from storage.models import Participant


def test_wilson_matches_hand_computed_intervals():
    # 7 of 10, z = 1.96: centre (0.7 + 0.19208) / 1.38416 = 0.64448, half 1.96*sqrt(0.021 + 0.0096040)/1.38416
    low, high = wilson(7, 10, z=1.96)
    assert low == pytest.approx(0.39677, abs=1e-4) and high == pytest.approx(0.89219, abs=1e-4)
    # 0 of 10 stays at 0 below and is not a zero-width interval above: 3.8416/13.8416 = 0.27754
    low, high = wilson(0, 10, z=1.96)
    assert low == 0.0 and high == pytest.approx(0.27754, abs=1e-4)
    # 124 of 1000 (the national share, had it been a sample of 1000)
    low, high = wilson(124, 1000)
    assert low == pytest.approx(0.10496, abs=1e-4) and high == pytest.approx(0.14594, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(11, 10)


def test_standardisation_against_a_worked_example():
    # Two bands, the population 3:1. Sample: young 2 of 10 high, old 6 of 10 high (crude 8/20 = 40 %).
    # Standardised: 0.75 * 0.2 + 0.25 * 0.6 = 0.30.
    # Variance: 0.75² * 0.2*0.8/10 + 0.25² * 0.6*0.4/10 = 0.009 + 0.0015 = 0.0105; half = 1.96 * 0.102470 = 0.200841
    share, low, high, used = standardise({"young": (2, 10), "old": (6, 10)}, {"young": 0.75, "old": 0.25}, z=1.96)
    assert share == pytest.approx(0.30)
    assert low == pytest.approx(0.30 - 1.96 * math.sqrt(0.0105)) and high == pytest.approx(0.30 + 1.96 * math.sqrt(0.0105))
    # A band without anyone is left out and the other weights scaled to 1.
    share, _, _, used = standardise({"young": (2, 10)}, {"young": 0.75, "old": 0.25})
    assert share == pytest.approx(0.2) and used == ("young",)
    assert standardise({}, {"young": 1.0}) is None


def test_scoring_is_the_sum_of_the_three_items():
    scale = load_scale()
    assert scale.score([1, 1, 1]) == 3 and scale.score([3, 3, 3]) == 9 and scale.score([3, 2, 2]) == 7
    assert not scale.is_high(6) and scale.is_high(7) and scale.is_high(9)
    assert scale.wants_offer(5, "often") and not scale.wants_offer(6, "some") and scale.wants_offer(7, None)
    for bad in ([1, 1], [0, 2, 2], [4, 1, 1]):
        with pytest.raises(ValueError):
            scale.score(bad)


def test_population_file_names_every_band_and_its_source():
    with pytest.raises(ValueError):
        parse_population({"bands": {"18-29": 10}})


def _seed(app, people: int, *, high_every: int, at: datetime, band_of=lambda i: "30-49", region="Region Hovedstaden",
          earlier: int | None = None) -> None:
    with app.sessions.begin() as s:
        for i in range(people):
            p = Participant(platform="console", external_id=f"c{i}", consent_state="given", onboarded=True,
                            age_band=band_of(i), region=region)
            s.add(p)
            s.flush()
            score = 8 if i % high_every == 0 else 4
            if earlier is not None:
                s.add(Checkin(participant_id=p.id, answered_at=at - timedelta(days=200), scale_version=1,
                              companionship=3, left_out=3, isolated=earlier - 6, score=earlier, direct=None,
                              age_band=band_of(i), region=region))
            s.add(Checkin(participant_id=p.id, answered_at=at, scale_version=1, companionship=2, left_out=1,
                          isolated=score - 3, score=score, direct="some", age_band=band_of(i), region=region))


def test_the_chapter_publishes_perturbed_counts_labelled_as_a_sample(app):
    at = datetime(2026, 6, 15, 12, tzinfo=timezone.utc)
    _seed(app, 200, high_every=4, at=at, band_of=lambda i: "18-29" if i % 2 else "65-79", earlier=9)
    with app.sessions() as s:
        data = checkin_chapter(s, parse_period("2026"), k=5)
    assert data["kind"] == "self-selected sample, not prevalence"
    assert data["reference"]["share"] == 0.124 and data["reference"]["year"] == 2021
    overall = data["overall"]
    assert abs(overall["people"] - 200) <= 10  # perturbed by at most 5 %
    assert abs(overall["high"] - 50) <= 5
    assert overall["ci95"][0] < overall["share"] < overall["ci95"][1]
    assert overall["standardised"]["bands_used"] == ["18-29", "65-79"]
    assert overall["standardised"]["weights_verified"] is False  # said out loud until FOLK1A is filled in
    assert set(data["by_age_band"]) == {"18-29", "65-79"} and set(data["by_month"]) == {"2026-06"}
    paired = data["paired"]
    assert abs(paired["people"] - 200) <= 10 and paired["mean_change"] == pytest.approx((50 * -1 + 150 * -5) / 200, abs=0.1)
    assert paired["higher_score"] is None  # nobody's score went up: fewer than k, held back


def test_small_groups_are_never_shown(app):
    at = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    _seed(app, 4, high_every=1, at=at)
    with app.sessions() as s:
        data = checkin_chapter(s, parse_period("2026"), k=5)
    assert data["overall"] == {"suppressed": True}
    assert all(c == {"suppressed": True} for c in data["by_region"].values())


def test_the_annual_report_shows_the_checkins_beside_the_national_figure(app):
    """The report's preliminary results carry the check-in chapter, labelled a sample, with the national 12,4 %."""
    from insights.exports.html import render_report
    from insights.exports.report import build_report, year

    _seed(app, 60, high_every=3, at=datetime(2026, 6, 15, 12, tzinfo=timezone.utc))
    with app.sessions() as s:
        report = build_report(s, year(2026), k=5, now=datetime(2027, 1, 10, tzinfo=timezone.utc))
    page = render_report(report, "da")
    results = page[page.index('id="results"'):]
    assert 'id="checkins"' in results and "<h3>" in results[results.index('id="checkins"'):][:80]
    assert "12,4" in results[results.index('id="checkins"'):]
    assert "selvvalgt udsnit" in results[results.index('id="checkins"'):].lower()
