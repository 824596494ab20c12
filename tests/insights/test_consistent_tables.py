"""Every table of one output agrees: a theme hidden in one table is hidden in the others, and a theme
that everyone wrote about is shown even though the other themes are empty."""
from __future__ import annotations

from datetime import datetime, timezone

from insights.anonymity import Line, hide_nested, suppress
from insights.digest import build_digest
from insights.periods import parse_period
from insights.summaries import prompt_summary, summary_text
from storage.models import Participant, Reflection

W02 = datetime(2027, 1, 12, 10, tzinfo=timezone.utc)


def add(session, n, tag, *, areas, age="18-29", quotable=True, prompt=None, text="Jeg savner nogen at tale med"):
    for i in range(n):
        p = Participant(platform="console", external_id=f"{tag}{i}", created_at=W02, region="Region Sjælland",
                        age_band=age, consent_state="given", onboarded=True, quote_default=quotable, language="da")
        p.reflections.append(Reflection(text=f"{text} hver eneste dag ({tag}{i})", language="da", created_at=W02,
                                        quotable=quotable, areas=areas, prompt_id=prompt))
        session.add(p)


def test_empty_cells_do_not_hide_the_one_theme_everyone_wrote_about():
    people = {"total": frozenset(range(7)), "hjem": frozenset(range(7)), "fritid": frozenset(), "andet": frozenset()}
    hidden = suppress(people, [Line("total", ("hjem", "fritid", "andet"))], 5, known_zeros=True)
    assert hidden == {"fritid", "andet"}
    assert "hjem" in suppress(people, [Line("total", ("hjem", "fritid", "andet"))], 5)  # zeros unknown
    # One small theme beside it still hides a complement, as before.
    people["fritid"] = frozenset({100, 101})
    assert "hjem" in suppress(people, [Line("total", ("hjem", "fritid", "andet"))], 5, known_zeros=True)


def test_a_hidden_margin_hides_what_is_nested_in_it():
    parents = {("x", "a"): ("a", "x"), ("x", "b"): ("b", "x"), "a": ("total",), "b": ("total",)}
    assert hide_nested({"a"}, parents) == {"a", ("x", "a")}
    assert hide_nested({"total"}, parents) == {"total", "a", "b", ("x", "a"), ("x", "b")}


def test_seven_answers_on_one_theme_show_the_theme_and_a_quote(app):
    with app.sessions() as s:
        add(s, 7, "h", areas=["hjem"], prompt="vinter-2026/nabo-hej", text="Naboen i opgangen hilser aldrig")
        s.commit()
        summary = prompt_summary(s, "vinter-2026/nabo-hej", lang="da", k=5)
    assert list(summary.areas) == ["hjem"] and summary.quotes
    assert "hjem og bolig" in summary_text(summary, "da")


def test_a_digest_never_shows_inside_one_table_what_another_hides(app):
    with app.sessions() as s:
        add(s, 6, "f", areas=["fritid"])                # fritid: 6 people aged 18-29 …
        add(s, 6, "g", areas=["fritid"], age="30-49")   # … and 6 aged 30-49
        add(s, 3, "s", areas=["sundhed"], age="65-79")  # sundhed: 3, hidden; fritid hidden as its complement
        s.commit()
        digest = build_digest(s, parse_period("2027-W02"), k=5)
    areas = {a["area"]: a for a in digest["areas"]}
    hidden = {a for a, entry in areas.items() if entry["suppressed"]}
    assert "sundhed" in hidden and "fritid" in hidden
    for d, table in digest["breakdowns"].items():
        for a in hidden:
            assert all(cell["suppressed"] for cell in table["by_area"][a]), (d, a)
    assert all(q["area"] not in hidden for q in digest["quotes"])
