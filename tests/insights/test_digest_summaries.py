"""What others said about a prompt (k-anonymous). (The benchmarks' smoke runs: tests/test_bench_smoke.py.)"""
from __future__ import annotations

from insights.disclosure import MAX_NOISE
from insights.summaries import prompt_summary, summary_text
from storage.models import Participant, Reflection


def add(session, n, tag, *, prompt, areas, text, lang="da", quotable=True, crisis=False):
    for i in range(n):
        p = Participant(platform="console", external_id=f"{tag}{i}", consent_state="given", language=lang)
        p.reflections.append(Reflection(text=f"{text} ({tag}{i})", language=lang, quotable=quotable,
                                        crisis=crisis, areas=areas, prompt_id=prompt))
        session.add(p)


def test_summary_counts_quotes_and_suppression(app):
    with app.sessions() as s:
        add(s, 6, "a", prompt="p1", areas=["fritid"], text="Koret på biblioteket betyder alt for mig")
        add(s, 5, "b", prompt="p1", areas=["hjem"], text="Naboerne hilser aldrig", quotable=False)
        add(s, 2, "c", prompt="p1", areas=["arbejde"], text="Kollegerne taler ikke med mig på jobbet")
        add(s, 5, "d", prompt="p1", areas=["fritid"], text="I want to die tonight", lang="en", crisis=True)
        add(s, 3, "e", prompt="p2", areas=["fritid"], text="Kun tre svarede på dette spørgsmål")
        s.commit()
        summary = prompt_summary(s, "p1", lang="da")
        tiny = prompt_summary(s, "p2", lang="da")
    assert abs(summary.participants - 18) <= MAX_NOISE  # perturbed (insights.disclosure)
    assert abs(summary.areas["fritid"] - 11) <= MAX_NOISE
    assert "arbejde" not in summary.areas  # 2 people: hidden, and a complement with it
    assert 1 <= len(summary.quotes) <= 2 and all("Koret" in q for _, q in summary.quotes)
    text = summary_text(summary, "da")
    assert f"{summary.participants} personer har svaret" in text
    assert f"fritid og fællesskaber: {summary.areas['fritid']} svar" in text
    assert tiny.participants is None and "for få svar" in summary_text(tiny, "da")


async def test_opt_in_button_records_a_request_from_someone_who_answered(app, person):
    from storage.insight_models import SummaryRequest
    from tests.support.people import incoming

    anna = person()
    await anna.onboard()
    out = await app.dispatcher.handle(incoming(action="os:vinter-2026/nabo-hej"))
    assert "svaret" in out[-1].text  # not answered: nothing promised, nothing stored
    await app.dispatcher.handle(incoming(action="cp:a:vinter-2026/nabo-hej"))
    said = await anna.say("Et smil i opgangen hjælper mig meget")
    assert "svar nok" in said  # the offer follows the receipt
    await anna.press("Ja, vis mig det")
    assert "overblik" in anna.replies()[-1].text
    out = await app.dispatcher.handle(incoming(action="os:vinter-2026/nabo-hej"))
    assert "allerede" in out[-1].text
    with app.sessions() as s:
        assert [(r.prompt_id, r.language) for r in s.query(SummaryRequest)] == [("vinter-2026/nabo-hej", "da")]
